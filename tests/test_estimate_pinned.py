"""The load estimate's figures, pinned: the demo boards and seeded random boards at a few scales give
the numbers in tests/snapshots/estimate_pinned.json, to 1e-9 relative.

The other estimate tests check the model against closed forms and a simulation within their
tolerances; this one holds every figure still, so that work on the estimate's speed cannot move
a result unnoticed. After a deliberate change of the model, write the file again with
`.venv/bin/python -m tests.test_estimate_pinned` and review its diff.
"""

from __future__ import annotations

import functools
import json
import math
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from whiteboard.domain import palette
from whiteboard.domain.board import validate_board
from whiteboard.domain.estimate import estimate_board

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "estimate_pinned.json"
RELATIVE = 1e-9
# Scales as fractions of a board's max_scale: light load, busy (the queues matter), over capacity.
LOADS = (0.3, 0.95, 1.2)
RANDOM_BOARDS = 24

KINDS = sorted(palette.KINDS)
PROTOCOLS = ("https", "grpc", "sse", "websocket", "amqp")


def random_board(seed: int) -> dict[str, Any]:
    """A valid board with what the model reads: routers with and without fractions, caches,
    LLMs with token figures, loops (some of them synchronous, some multiplying load), async and
    streaming edges, calls to clients, notes, and now and then a stored value the checks reject."""
    rng = random.Random(seed)
    n = rng.randint(4, 40)
    nodes = []
    for i in range(n):
        kind = "browser" if i == 0 else rng.choice(KINDS)
        props: dict[str, Any] = {}
        if rng.random() < 0.6:
            props["latency_ms"] = rng.choice((0, 0.5, 3, 10, 40, 250))
        if rng.random() < 0.4:
            props["concurrency"] = rng.randint(1, 200)
        if rng.random() < 0.6:
            props["replicas"] = rng.randint(1, 5)
        if rng.random() < 0.3:
            props["availability"] = rng.choice((0.9, 0.99, 0.999))
        if palette.category_of(kind) == "client":
            props["rps"] = rng.choice((0, 1, 10, 120))
            if rng.random() < 0.5:
                props["slo_p99_ms"] = rng.choice((50, 500))
        if kind == "cache":
            props["hit_ratio"] = rng.choice((0, 0.5, 0.9, 1))
        if kind == "llm":
            for key, values in (("ttft_ms", (300, 800)), ("output_tokens", (50, 400)), ("tokens_per_s", (40, 120))):
                if rng.random() < 0.7:
                    props[key] = rng.choice(values)
        nodes.append({"id": f"n{i}", "kind": kind, "props": props})
    edges = []
    for k in range(rng.randint(n, 2 * n)):
        # Mostly downstream, so most boards have clients with times; sometimes back up, for loops.
        s = rng.randrange(n - 1)
        t = rng.randrange(s + 1, n) if rng.random() < 0.85 else rng.randrange(s + 1)
        if s == t:
            continue
        props = {}
        if rng.random() < 0.25:
            props["calls"] = rng.choice((0, 0.05, 0.3, 1, 2, 2.5, 3))
        if rng.random() < 0.3:
            props["fraction"] = rng.choice((0.1, 0.3, 0.6))
        if rng.random() < 0.2:
            props["async"] = True
        if rng.random() < 0.5:
            props["protocol"] = rng.choice(PROTOCOLS)
        edges.append({"id": f"e{k}", "source": f"n{s}", "target": f"n{t}", "props": props})
    doc = validate_board({"format": "archboard/1", "name": f"random {seed}", "nodes": nodes, "edges": edges})
    if seed % 5 == 4:
        doc["nodes"][rng.randrange(n)]["props"]["latency_ms"] = "fast"
        if doc["edges"]:
            doc["edges"][0]["props"]["calls"] = -1
    return doc


@functools.cache
def boards() -> dict[str, dict[str, Any]]:
    demo = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(ROOT.glob("fixtures/*.json"))}
    return demo | {f"random_{seed}": random_board(seed) for seed in range(RANDOM_BOARDS)}


def scales(board: dict[str, Any]) -> list[float]:
    highest = estimate_board(board)["max_scale"]
    return [1.0] + ([] if highest is None else [load * highest for load in LOADS])


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {name: [estimate_board(board, scale=scale) for scale in scales(board)] for name, board in boards().items()}


def differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        if math.isclose(expected, actual, rel_tol=RELATIVE, abs_tol=1e-300):
            return []
        return [f"{where}: {actual!r} instead of {expected!r}"]
    if isinstance(expected, dict) and isinstance(actual, dict):
        if list(expected) != list(actual):
            return [f"{where}: keys {list(actual)} instead of {list(expected)}"]
        return [line for key in expected for line in differences(expected[key], actual[key], f"{where}.{key}")]
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [
            line
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for line in differences(e, a, f"{where}[{i}]")
        ]
    return [] if expected == actual else [f"{where}: {actual!r} instead of {expected!r}"]


@functools.cache
def pinned() -> dict[str, list[dict[str, Any]]]:
    figures: dict[str, list[dict[str, Any]]] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return figures


def test_every_board_is_pinned_and_the_pins_cover_busy_boards_with_loops() -> None:
    assert list(pinned()) == list(boards())
    results = [result for pinned_results in pinned().values() for result in pinned_results]
    assert sum(len(result["nodes"]) for result in results) > 2000
    assert any("loop" in error["msg"] for result in results for error in result["errors"])
    assert any(
        figures["utilisation"] and figures["utilisation"] > 0.95 for r in results for figures in r["nodes"].values()
    )
    assert sum(entry["p99_ms"] is not None for result in results for entry in result["entries"]) > 200


@pytest.mark.parametrize("name", list(boards()))
def test_the_estimate_gives_the_pinned_figures(name: str) -> None:
    board = boards()[name]
    expected = pinned()[name]
    assert [result["scale"] for result in expected] == pytest.approx(scales(board), rel=RELATIVE)
    for result in expected:
        assert differences(result, estimate_board(board, scale=result["scale"])) == []


if __name__ == "__main__":
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(json.dumps(snapshot(), indent=1) + "\n", encoding="utf-8")
    sys.exit(0)
