"""Benchmark: the whole review rule suite against networkx's articulation points, side by side.

Synthetic boards of 100, 1,000 and 10,000 nodes with about 2 edges per node and a realistic mix
of kinds (mostly services, a few clients and gateways, data stores, queues, agents and LLMs),
edges flowing from clients towards data as on real boards. 10,000 nodes is past the document
limit of 5,000, so the boards are built in normal form and handed to the engine directly (the
engine receives validated documents and does not validate again).

What is timed, on the same board for each size:
- suite: `review_board(doc)`: building the engine's graph from the document, every rule, three
  board policies (a forbid, a require over paths, a limit), suppression matching and the findings
  document.
- networkx: building an `nx.Graph` from the same nodes and edges, plus `nx.articulation_points`
  (the graph build is counted because the suite's time includes building its own graph).
- one pass: a dict of node ids and one read of every edge, the machine's linear reference.

Other work on the machine only ever adds time, and adds more to long runs than to short ones, so
a burst of it during the largest board would show up as superlinear growth. The measurements are
therefore taken in rounds: every round times every size and every subject (an untimed warm-up
run, then a few timed ones), and each figure is the fastest run over all rounds, the least
disturbed measurement of the same work (as `timeit` advises). Medians are reported beside them.

Targets: suite <= 2x networkx at 10,000 nodes; suite time grows at most 12x for 10x nodes.
Run from the repository root: `.venv/bin/python bench/review.py`.
"""

from __future__ import annotations

import gc
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402

from whiteboard.domain.palette import KINDS  # noqa: E402
from whiteboard.domain.review import RULES, review_board  # noqa: E402

SIZES = (100, 1_000, 10_000)
ROUNDS = 7
REPEATS = {100: 5, 1_000: 3, 10_000: 3}  # timed runs per round
MAX_RATIO = 2.0
MAX_GROWTH = 12.0
RESULTS = ROOT / "bench" / "results" / "review.json"

# Relative frequency of each kind on a large real-world board.
KIND_WEIGHTS = {
    "user": 1, "browser": 1, "mobile": 1, "external_system": 0.5,
    "dns": 0.3, "cdn": 0.5, "load_balancer": 2, "api_gateway": 1, "firewall": 0.3,
    "service": 25, "worker": 8, "websocket_server": 1, "function": 4, "scheduler": 1,
    "llm": 2, "agent": 5, "orchestrator": 1, "embedding_model": 1, "tool": 4,
    "sql_db": 5, "nosql_db": 3, "vector_db": 1.5, "cache": 4, "object_storage": 2, "search_index": 1,
    "queue": 5, "event_stream": 2, "pubsub": 1.5,
    "monitoring": 1, "logging": 1, "auth": 1, "service_discovery": 0.5, "secrets": 1,
}  # fmt: skip
# Where a category sits in the request flow: edges mostly point from lower to higher tiers.
TIER = {"client": 0, "edge": 1, "compute": 2, "ai": 3, "messaging": 2, "data": 4, "ops": 4}
PROTOCOLS = ("https", "https", "https", "grpc", "http", "websocket", "sse", "amqp", "kafka", "sql")
# A team's standards, one policy of each shape, checked with the rules.
POLICIES = [
    {"id": "agents-use-tools", "forbid": {"from": {"kind": ["agent"]}, "to": {"category": ["data"]}}},
    {
        "id": "llm-behind-services",
        "require": {
            "from": {"category": ["client"]},
            "to": {"kind": ["llm"]},
            "through": {"category": ["edge", "compute"]},
        },
    },
    {"id": "ha-entry", "limit": {"select": {"kind": ["load_balancer", "api_gateway"]}, "min_replicas": 2}},
]


def synthetic_board(n: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    kinds = list(KIND_WEIGHTS)
    weights = [KIND_WEIGHTS[k] for k in kinds]
    chosen = rng.choices(kinds, weights, k=n)
    chosen[0] = "browser"  # every board has somebody using it
    nodes = []
    for i, kind in enumerate(chosen):
        props: dict[str, Any] = {}
        if rng.random() < 0.3:
            props["replicas"] = rng.choice((2, 3, 5))
        if kind == "api_gateway" and rng.random() < 0.5:
            props["rate_limited"] = True
        if kind == "cache":
            props["write_policy"] = rng.choice(("write-through", "write-around", "write-back"))
        nodes.append({"id": f"n{i}", "kind": kind, "label": f"{KINDS[kind].name} {i}", "props": props})
    tier = [TIER[KINDS[k].category] for k in chosen]

    def oriented(a: int, b: int) -> tuple[int, int]:
        if tier[a] > tier[b] or (tier[a] == tier[b] and rng.random() < 0.5):
            return b, a
        return a, b

    pairs = [oriented(i, rng.randrange(i)) for i in range(1, n)]  # a spanning tree
    while len(pairs) < 2 * n:
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            pairs.append(oriented(a, b))
    edges = []
    for k, (s, t) in enumerate(pairs):
        props = {}
        if rng.random() < 0.6:
            props["protocol"] = rng.choice(PROTOCOLS)
        if rng.random() < 0.1:
            props["async"] = True
        edges.append({"id": f"e{k}", "source": f"n{s}", "target": f"n{t}", "label": "", "props": props})
    return {
        "format": "archboard/1",
        "name": f"synthetic {n}",
        "description": "",
        "direction": "LR",
        "nodes": nodes,
        "edges": edges,
        "groups": [],
        "review": {"suppress": [{"rule": "orphan-component", "reason": "synthetic"}], "policies": POLICIES},
    }


def networkx_articulation_points(doc: dict[str, Any]) -> list[str]:
    graph = nx.Graph()
    graph.add_nodes_from(node["id"] for node in doc["nodes"])
    graph.add_edges_from((edge["source"], edge["target"]) for edge in doc["edges"])
    return list(nx.articulation_points(graph))


def one_pass(doc: dict[str, Any]) -> int:
    """The machine's linear reference: read every node's and edge's fields once."""
    index = {node["id"]: node["props"] for node in doc["nodes"]}
    return sum(1 for edge in doc["edges"] if index[edge["source"]] is not index[edge["target"]])


def timed_runs(fn: Callable[[], object], repeats: int) -> list[float]:
    """Wall times of `repeats` runs of `fn` after an untimed warm-up, with the cyclic garbage
    collector off while timing (as `timeit` does): otherwise a collection that happens to fall
    inside one run scans every object of the benchmark process, and which side pays is chance."""
    fn()
    times = []
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return times


def main() -> int:
    docs = {n: synthetic_board(n) for n in SIZES}
    subjects: dict[str, Callable[[dict[str, Any]], object]] = {
        "suite": review_board,
        "networkx": networkx_articulation_points,
        "one_pass": one_pass,
    }
    times: dict[tuple[str, int], list[float]] = {(name, n): [] for name in subjects for n in SIZES}
    for _ in range(ROUNDS):
        for n in SIZES:
            for name, subject in subjects.items():
                times[name, n] += timed_runs(lambda subject=subject, doc=docs[n]: subject(doc), REPEATS[n])
    rows = []
    for n in SIZES:
        best = {name: min(times[name, n]) for name in subjects}
        median = {name: statistics.median(times[name, n]) for name in subjects}
        review = review_board(docs[n])
        spof = sum(1 for f in review["findings"] if f["rule"] == "single-point-of-failure")
        rows.append(
            {
                "nodes": n,
                "edges": len(docs[n]["edges"]),
                "runs": len(times["suite", n]),
                "suite_ms": round(best["suite"] * 1000, 3),
                "networkx_ms": round(best["networkx"] * 1000, 3),
                "one_pass_ms": round(best["one_pass"] * 1000, 3),
                "ratio": round(best["suite"] / best["networkx"], 3),
                "suite_median_ms": round(median["suite"] * 1000, 3),
                "networkx_median_ms": round(median["networkx"] * 1000, 3),
                "one_pass_median_ms": round(median["one_pass"] * 1000, 3),
                "findings": len(review["findings"]),
                "articulation_points": len(networkx_articulation_points(docs[n])),
                "spof_findings": spof,
            }
        )
    growth = rows[-1]["suite_ms"] / rows[-2]["suite_ms"]
    nx_growth = rows[-1]["networkx_ms"] / rows[-2]["networkx_ms"]
    pass_growth = rows[-1]["one_pass_ms"] / rows[-2]["one_pass_ms"]
    median_growth = rows[-1]["suite_median_ms"] / rows[-2]["suite_median_ms"]
    ratio = rows[-1]["ratio"]
    ok = ratio <= MAX_RATIO and growth <= MAX_GROWTH

    print(
        f"review rule suite ({len(RULES)} rules, {len(POLICIES)} policies) vs networkx build + articulation_points "
        f"(fastest of {ROUNDS} interleaved rounds; medians in brackets)"
    )
    print(f"{'nodes':>7} {'edges':>7} {'suite ms':>18} {'networkx ms':>18} {'ratio':>7} {'findings':>9}")
    for row in rows:
        suite = f"{row['suite_ms']:.2f} ({row['suite_median_ms']:.2f})"
        networkx = f"{row['networkx_ms']:.2f} ({row['networkx_median_ms']:.2f})"
        print(
            f"{row['nodes']:>7} {row['edges']:>7} {suite:>18} {networkx:>18} {row['ratio']:>7.2f} {row['findings']:>9}"
        )
    print(f"ratio at {SIZES[-1]} nodes: {ratio:.2f} (target <= {MAX_RATIO})")
    print(
        f"growth {SIZES[-2]} -> {SIZES[-1]} nodes: {growth:.2f}x (target <= {MAX_GROWTH}; "
        f"{median_growth:.2f}x between medians)"
    )
    print(
        f"  for reference, on the same boards: networkx grows {nx_growth:.2f}x, and one pass reading "
        f"every element once grows {pass_growth:.2f}x (memory caches, not algorithms)"
    )
    print("targets met" if ok else "TARGETS MISSED")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "review",
                "method": f"fastest run of {ROUNDS} rounds, each timing every size and subject after a warm-up; "
                "medians alongside",
                "timed": {
                    "suite": "review_board(doc): graph build, all rules, three policies, suppressions, findings document",
                    "networkx": "nx.Graph build from the same nodes and edges + nx.articulation_points",
                    "one_pass": "a dict of node ids and one read of every edge: the machine's linear reference",
                },
                "rules": len(RULES),
                "policies": len(POLICIES),
                "python": platform.python_version(),
                "networkx": nx.__version__,
                "machine": platform.machine(),
                "rows": rows,
                "ratio_at_largest": ratio,
                "growth_last_decade": round(growth, 3),
                "median_growth_last_decade": round(median_growth, 3),
                "networkx_growth_last_decade": round(nx_growth, 3),
                "one_pass_growth_last_decade": round(pass_growth, 3),
                "targets": {"max_ratio": MAX_RATIO, "max_growth": MAX_GROWTH},
                "targets_met": ok,
            },
            indent=2,
        )
        + "\n"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
