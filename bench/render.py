"""Render benchmark: the service against a plain hand-written `diagrams` script.

For every demo board in fixtures/ and synthetic boards of 10, 50, 200 and 1,000 nodes, time in
one run, side by side:
  - plain: the same graph (same classes, clusters, edges, labels, colours) drawn the usual way,
    `with Diagram(..., show=False, outformat=fmt):` in a temporary directory;
  - cold:  `RenderService.render` on a cache miss, in a running service: icons are pre-scaled
    and a `dot` process is warm (both one-time costs per process, paid by a warm-up render);
  - warm:  the same call again, answered from the render cache;
each for both layouts of SPEC section 7: `auto` (graphviz through diagrams) and `drawn` (the
canvas's picture: the SVG built in Python, PNG by rsvg-convert). Synthetic boards get grid
positions so they can be drawn.
Prints a table and writes bench/results/render.json. Run: .venv/bin/python bench/render.py
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagrams import Cluster, Diagram, Edge  # noqa: E402

from whiteboard.domain.look import PROTOCOL_COLORS  # noqa: E402
from whiteboard.domain.palette import KINDS, node_class  # noqa: E402
from whiteboard.rendering.service import Picture, RenderService, RenderSettings  # noqa: E402

SIZES = (10, 50, 200, 1000)
FORMATS = ("png", "svg")
LAYOUTS = ("auto", "drawn")
LAYERS = [
    ("Clients", ["user", "browser", "mobile"]),
    ("Edge", ["cdn", "load_balancer", "api_gateway", "firewall"]),
    ("Services", ["service", "worker", "function", "websocket_server"]),
    ("AI", ["agent", "llm", "orchestrator", "embedding_model"]),
    ("Messaging", ["queue", "event_stream", "pubsub"]),
    ("Data", ["sql_db", "cache", "vector_db", "object_storage", "nosql_db"]),
    ("Ops", ["monitoring", "logging", "auth"]),
]
PROTOCOLS = ["https", "grpc", "amqp", "sql", "http", "kafka"]


def synthetic_board(n: int) -> dict[str, Any]:
    """A layered architecture: n nodes in 7 grouped tiers, each node calling 1-2 in the next tier."""
    rng = random.Random(n)
    per_layer = [n // len(LAYERS) + (1 if i < n % len(LAYERS) else 0) for i in range(len(LAYERS))]
    nodes: list[dict[str, Any]] = []
    tiers: list[list[str]] = []
    for (label, kinds), count in zip(LAYERS, per_layer, strict=True):
        gid = label.lower()
        tier = []
        left = sum((len(t) + 11) // 12 * 180 + 120 for t in tiers)  # tiers side by side
        for i in range(count):
            nid = f"{gid}_{i}"
            kind = kinds[i % len(kinds)]
            # Each tier a block of columns of 12 nodes: a board someone laid out.
            x, y = left + (i // 12) * 180, (i % 12) * 140
            node = {"id": nid, "kind": kind, "label": f"{KINDS[kind].name} {i + 1}", "x": x, "y": y, "group": gid}
            nodes.append({**node, "props": {}})
            tier.append(nid)
        tiers.append(tier)
    edges: list[dict[str, Any]] = []
    for upper, lower in itertools.pairwise(tiers):
        if not lower:
            continue
        for source in upper:
            for target in rng.sample(lower, min(len(lower), rng.choice((1, 2)))):
                protocol = rng.choice(PROTOCOLS)
                edges.append(
                    {
                        "id": f"e{len(edges)}",
                        "source": source,
                        "target": target,
                        "label": protocol.upper(),
                        "props": {"protocol": protocol, "async": protocol in ("amqp", "kafka")},
                    }
                )
    groups = [{"id": label.lower(), "label": label, "parent": None, "props": {}} for label, _ in LAYERS]
    return {
        "format": "archboard/1",
        "name": f"Synthetic {n}",
        "description": "",
        "direction": "LR",
        "nodes": nodes,
        "edges": edges,
        "groups": groups,
    }


def plain_diagrams(doc: dict[str, Any], fmt: str, workdir: Path) -> float:
    """The same graph drawn the way the diagrams docs show it; seconds until the file is written."""
    previous = os.getcwd()
    os.chdir(workdir)
    try:
        start = time.perf_counter()
        with Diagram(doc["name"], show=False, outformat=fmt, filename="plain", direction=doc["direction"]):
            built: dict[str, Any] = {}
            members: dict[str | None, list[dict[str, Any]]] = {}
            for n in doc["nodes"]:
                members.setdefault(n.get("group"), []).append(n)
            for n in members.get(None, []):
                built[n["id"]] = node_class(n["kind"])(n["label"])
            for g in doc.get("groups", []):
                with Cluster(g["label"]):
                    for n in members.get(g["id"], []):
                        built[n["id"]] = node_class(n["kind"])(n["label"])
            for e in doc["edges"]:
                props = e.get("props", {})
                style = "dashed" if props.get("async") else ""
                color = PROTOCOL_COLORS.get(props.get("protocol", ""), "")
                (built[e["source"]] >> Edge(label=e.get("label", ""), color=color, style=style) >> built[e["target"]])
        elapsed = time.perf_counter() - start
        (workdir / f"plain.{fmt}").unlink()
        return elapsed
    finally:
        os.chdir(previous)


def timed(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    boards = [(p.stem, json.loads(p.read_text())) for p in sorted((ROOT / "fixtures").glob("*.json"))]
    boards += [(f"synthetic-{n}", synthetic_board(n)) for n in SIZES]
    service = RenderService(RenderSettings(timeout=300, cache_bytes=512 << 20))
    for layout in LAYOUTS:  # warm-up: icons pre-scaled once per process
        for fmt in FORMATS:
            service.render(synthetic_board(50), fmt=fmt, picture=Picture(layout=layout))
    rows: list[dict[str, Any]] = []
    header = (
        f"{'board':<28}{'nodes':>6}{'edges':>6}  {'fmt':<4}{'layout':<7}{'plain s':>9}{'cold s':>9}{'ratio':>7}"
        f"{'warm ms':>9}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(prefix="archboard-bench-") as tmp:
        for name, doc in boards:
            repeat = 5 if len(doc["nodes"]) <= 50 else 3 if len(doc["nodes"]) <= 200 else 1
            for fmt in FORMATS:
                # Interleaved best-of-N: all sides see the same machine load.
                plain = float("inf")
                cold = dict.fromkeys(LAYOUTS, float("inf"))
                for _ in range(repeat):
                    plain = min(plain, plain_diagrams(doc, fmt, Path(tmp)))
                    for layout in LAYOUTS:
                        service.cache.clear()
                        picture = Picture(layout=layout)
                        cold[layout] = min(
                            cold[layout], timed(lambda d=doc, f=fmt, p=picture: service.render(d, fmt=f, picture=p), 1)
                        )
                for layout in LAYOUTS:
                    picture = Picture(layout=layout)
                    service.render(doc, fmt=fmt, picture=picture)
                    warm = timed(lambda d=doc, f=fmt, p=picture: service.render(d, fmt=f, picture=p), 20)
                    row = {
                        "board": name,
                        "nodes": len(doc["nodes"]),
                        "edges": len(doc["edges"]),
                        "format": fmt,
                        "layout": layout,
                        "plain_s": round(plain, 4),
                        "cold_s": round(cold[layout], 4),
                        "ratio": round(cold[layout] / plain, 3),
                        "warm_ms": round(warm * 1000, 3),
                    }
                    rows.append(row)
                    print(
                        f"{name:<28}{row['nodes']:>6}{row['edges']:>6}  {fmt:<4}{layout:<7}{plain:>9.3f}"
                        f"{cold[layout]:>9.3f}{row['ratio']:>7.2f}{row['warm_ms']:>9.2f}"
                    )
    service.close()
    dot_version = subprocess.run(["dot", "-V"], capture_output=True, text=True, check=False).stderr.strip()
    result = {
        "what": "cold = service render on a cache miss; plain = hand-written diagrams script; warm = cache hit",
        "python": platform.python_version(),
        "graphviz": dot_version,
        "cpus": os.cpu_count(),
        "rows": rows,
        "max_ratio": {
            f"{f} {layout}": max(r["ratio"] for r in rows if r["format"] == f and r["layout"] == layout)
            for f in FORMATS
            for layout in LAYOUTS
        },
        "max_warm_ms": max(r["warm_ms"] for r in rows),
    }
    out = ROOT / "bench" / "results" / "render.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"\nmax ratio {', '.join(f'{k} {v:.2f}' for k, v in result['max_ratio'].items())}; "
        f"max warm {result['max_warm_ms']:.2f} ms; wrote {out.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
