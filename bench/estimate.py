"""Benchmark: the load estimate against the review suite on the same boards, side by side.

Synthetic boards of 100, 1,000 and 10,000 nodes built as large systems are: subsystems of ten to
twenty-five components (clients, a gateway or load balancer with a routing fraction, services
calling each other, a cache in front of a store, stores, a queue and its worker with a retry
loop, now and then an agent with an LLM), a few calls from one subsystem to another's gateway,
monitoring and logging fed asynchronously. Every client has an `rps`, scaled so the busiest node
runs at 70 %: every rate, wait, mean, p99 and availability is computed.

What is timed, on the same board for each size:
- estimate: `estimate_board(doc)`, the whole model (rates with the loops solved, Erlang C for
  every node, times, p99 mixtures, availability, the output document), as the app runs it: the
  compiled twin that `make install` builds (scripts/build_native.py), or the pure-Python module
  where there is none; the script says which.
- estimate, pure Python: `pure_estimate_board(doc)`, the same module uncompiled, for reference.
- review: `review_board(doc)`, as the API and CI run it: its rules, and the three load rules,
  which run the estimate because the clients have `rps`.
- review without load: `review_board` on the same board with the clients' `rps` left out: the
  structural rules alone (the load rules have nothing to do), the reference the target uses.

As in bench/review.py, every round times every size and subject (an untimed warm-up, then a few
timed runs with the cyclic collector off) and each figure is the fastest run over all rounds;
medians beside them.

Target: the estimate costs no more than the review without load at every size.
Run from the repository root: `.venv/bin/python bench/estimate.py`.
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from review import timed_runs  # noqa: E402  (bench/review.py, this script's neighbour)

from whiteboard.domain.estimate import estimate_board, pure_estimate_board  # noqa: E402
from whiteboard.domain.review import review_board  # noqa: E402

SIZES = (100, 1_000, 10_000)
ROUNDS = 5
REPEATS = {100: 5, 1_000: 3, 10_000: 2}
MAX_RATIO = 1.0
RESULTS = ROOT / "bench" / "results" / "estimate.json"
IMPLEMENTATIONS = {
    True: "compiled (the twin scripts/build_native.py builds with mypyc)",
    False: "in pure Python (no compiled twin here: `make install` builds it)",
}


def synthetic_board(n: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []

    def add(kind: str, **props: Any) -> str:
        nodes.append({"id": f"n{len(nodes)}", "kind": kind, "label": "", "props": props})
        return nodes[-1]["id"]

    def link(source: str, target: str, **props: Any) -> None:
        edges.append({"id": f"e{len(edges)}", "source": source, "target": target, "label": "", "props": props})

    gateways: list[str] = []
    while len(nodes) < n:
        clients = [
            add(rng.choice(("browser", "mobile", "external_system")), rps=rng.choice((5, 10, 20)))
            for _ in range(rng.randint(1, 3))
        ]
        gateway = add(rng.choice(("api_gateway", "load_balancer")), replicas=2)
        gateways.append(gateway)
        for client in clients:
            link(client, gateway, protocol="https")
        services = [
            add("service", replicas=rng.choice((2, 3, 4)), latency_ms=rng.choice((5, 10, 20)))
            for _ in range(rng.randint(4, 10))
        ]
        for i, service in enumerate(services[:3]):
            link(gateway, service, **({"fraction": 0.3} if i == 0 else {}))
        cache = add("cache", replicas=2, hit_ratio=rng.choice((0.8, 0.9, 0.95)))
        stores = [
            add(rng.choice(("sql_db", "nosql_db", "search_index", "object_storage")), replicas=2)
            for _ in range(rng.randint(2, 4))
        ]
        link(cache, stores[0])
        queue, worker = add("queue", replicas=2), add("worker", replicas=rng.choice((2, 4)))
        link(queue, worker, **{"async": True})
        link(worker, rng.choice(stores))
        link(worker, queue, calls=0.05, **{"async": True})  # retries
        for i, service in enumerate(services):
            later = services[i + 1 :]
            for callee in rng.sample(later, k=min(len(later), rng.choice((0, 1, 1, 2)))):
                link(
                    service, callee, protocol="grpc", **({"calls": rng.choice((0.5, 2))} if rng.random() < 0.2 else {})
                )
            link(service, cache)
            link(service, rng.choice(stores), **({"calls": 2} if rng.random() < 0.2 else {}))
            if rng.random() < 0.3:
                link(service, queue, protocol="amqp", **{"async": True})
        if rng.random() < 0.3:
            agent = add("agent", replicas=2)
            llm = add("llm", replicas=4, ttft_ms=400, output_tokens=200, tokens_per_s=80)
            link(rng.choice(services), agent, protocol="grpc")
            link(agent, llm, calls=2)
            link(agent, add("vector_db", replicas=2))
        if len(gateways) > 1 and rng.random() < 0.5:
            link(rng.choice(services), rng.choice(gateways[:-1]), protocol="https", calls=0.2)
        for kind in ("monitoring", "logging"):
            link(rng.choice(services), add(kind), **{"async": True})
    doc = {
        "format": "archboard/1",
        "name": f"synthetic {n}",
        "description": "",
        "direction": "LR",
        "nodes": nodes,
        "edges": edges,
        "groups": [],
    }
    headroom = 0.7 * estimate_board(doc)["max_scale"]
    for node in nodes:
        if "rps" in node["props"]:
            node["props"]["rps"] = round(node["props"]["rps"] * headroom, 3)
    return doc


def without_load(doc: dict[str, Any]) -> dict[str, Any]:
    nodes = [{**node, "props": {k: v for k, v in node["props"].items() if k != "rps"}} for node in doc["nodes"]]
    return {**doc, "nodes": nodes}


def main() -> int:
    docs = {n: synthetic_board(n) for n in SIZES}
    unloaded = {n: without_load(doc) for n, doc in docs.items()}
    compiled = estimate_board is not pure_estimate_board
    subjects: dict[str, Callable[[int], object]] = {
        "estimate": lambda n: estimate_board(docs[n]),
        "estimate_pure": lambda n: pure_estimate_board(docs[n]),
        "review": lambda n: review_board(docs[n]),
        "review_without_load": lambda n: review_board(unloaded[n]),
    }
    times: dict[tuple[str, int], list[float]] = {(name, n): [] for name in subjects for n in SIZES}
    for _ in range(ROUNDS):
        for n in SIZES:
            for name, subject in subjects.items():
                times[name, n] += timed_runs(lambda subject=subject, n=n: subject(n), REPEATS[n])
    rows = []
    for n in SIZES:
        best = {name: min(times[name, n]) * 1000 for name in subjects}
        median = {name: statistics.median(times[name, n]) * 1000 for name in subjects}
        result = estimate_board(docs[n])
        rows.append(
            {
                "nodes": len(docs[n]["nodes"]),
                "edges": len(docs[n]["edges"]),
                "clients": len(result["entries"]),
                "runs": len(times["estimate", n]),
                **{f"{name}_ms": round(best[name], 3) for name in subjects},
                **{f"{name}_median_ms": round(median[name], 3) for name in subjects},
                "ratio": round(best["estimate"] / best["review_without_load"], 3),
                "ratio_pure": round(best["estimate_pure"] / best["review_without_load"], 3),
                "bottleneck_utilisation": round(result["nodes"][result["bottleneck"]]["utilisation"], 3),
                "estimate_errors": len(result["errors"]),
            }
        )
    ok = all(row["ratio"] <= MAX_RATIO for row in rows)

    print(f"load estimate vs review suite (fastest of {ROUNDS} interleaved rounds; medians in brackets)")
    print(f"the estimate runs {IMPLEMENTATIONS[compiled]}")
    print(
        f"{'nodes':>7} {'edges':>7} {'clients':>8} {'estimate ms':>18} {'pure Python ms':>18} {'review ms':>18} "
        f"{'review w/o load ms':>20} {'ratio':>6} {'pure':>6}"
    )
    for row in rows:
        cells = [f"{row[f'{name}_ms']:.2f} ({row[f'{name}_median_ms']:.2f})" for name in subjects]
        print(
            f"{row['nodes']:>7} {row['edges']:>7} {row['clients']:>8} {cells[0]:>18} {cells[1]:>18} {cells[2]:>18} "
            f"{cells[3]:>20} {row['ratio']:>6.2f} {row['ratio_pure']:>6.2f}"
        )
    print("ratio = estimate / review without load (the review with load runs the estimate for its load rules);")
    print("pure = the pure-Python estimate / review without load, for reference")
    print(f"target: ratio <= {MAX_RATIO} at every size: {'met' if ok else 'MISSED'}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "estimate",
                "method": f"fastest run of {ROUNDS} rounds, each timing every size and subject after a warm-up; "
                "medians alongside",
                "implementation": "compiled" if compiled else "pure",
                "timed": {
                    "estimate": "estimate_board(doc): rates, loops, Erlang C, times, p99, availability, output, "
                    "as the app runs it (the compiled twin where built)",
                    "estimate_pure": "pure_estimate_board(doc): the same module, not compiled",
                    "review": "review_board(doc): every rule, the load rules included (they run the estimate)",
                    "review_without_load": "review_board on the same board without the clients' rps",
                },
                "python": platform.python_version(),
                "machine": platform.machine(),
                "rows": rows,
                "targets": {"max_ratio": MAX_RATIO},
                "targets_met": ok,
            },
            indent=2,
        )
        + "\n"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
