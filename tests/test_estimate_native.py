"""The load estimate's compiled twin (scripts/build_native.py, run by `make install`).

The twin is estimate.py compiled by mypyc. It must give the very figures the pure module gives,
on the demo boards and on random ones at every scale, with every kind of problem a board can
carry, and on any board hypothesis draws (where the pure module must answer in strict JSON, not
crash); and it must never run in place of an estimate.py edited since it was built.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import require
from tests.test_estimate_simulation import random_board
from whiteboard.domain import estimate

ROOT = Path(__file__).resolve().parent.parent
SCALES = (0.1, 1.0, 2.5, 10.0)


def twin() -> Any:
    built = estimate.compiled_twin()
    require(built is not None, "the compiled estimate is not built here (make install builds it)")
    return built


def node(node_id: str, kind: str = "service", **props: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, "label": node_id, "props": props}


def edge(source: str, target: str, **props: Any) -> dict[str, Any]:
    return {"id": f"{source}-{target}", "source": source, "target": target, "label": "", "props": props}


def board(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": "archboard/1", "name": "case", "nodes": nodes, "edges": edges, "groups": []}


# Boards with each path of the model the demo and random boards may not take.
CASES = {
    "bad props are left out with an error": board(
        [
            node("u", "browser", rps=50, slo_p99_ms=-1),
            node("a", latency_ms="slow", concurrency=2.5, availability=2),
            node("c", "cache", hit_ratio=1.5),
        ],
        [edge("u", "a", calls=-2), edge("a", "c", calls=float("inf"))],
    ),
    "router fractions above one": board(
        [node("u", "browser", rps=30), node("lb", "load_balancer"), node("a"), node("b")],
        [edge("u", "lb"), edge("lb", "a", fraction=0.8), edge("lb", "b", fraction=0.7)],
    ),
    "a loop that multiplies load": board(
        [node("u", "browser", rps=10), node("a"), node("b")],
        [edge("u", "a"), edge("a", "b", calls=2, **{"async": True}), edge("b", "a", calls=1, **{"async": True})],
    ),
    "a synchronous loop": board(
        [node("u", "browser", rps=10), node("a"), node("b")],
        [edge("u", "a"), edge("a", "b", calls=0.2), edge("b", "a", calls=0.2)],
    ),
    "over capacity": board(
        [node("u", "browser", rps=5000), node("a", latency_ms=50, concurrency=4), node("db", "sql_db")],
        [edge("u", "a"), edge("a", "db", calls=3)],
    ),
    "streams, tokens, a third party, a note and clients calling clients": board(
        [
            node("user", "users", rps=4, slo_p99_ms=9000),
            node("web", "browser"),
            node("agent", "agent", replicas=3),
            node("llm", "llm", ttft_ms=300, output_tokens=400, tokens_per_s=90, replicas=2),
            node("pay", "external_system"),
            node("memo", "note"),
            node("cache", "cache", hit_ratio=0.75),
            node("vec", "vector_db", concurrency=1),
        ],
        [
            edge("user", "web"),
            edge("web", "agent", protocol="sse"),
            edge("agent", "llm", calls=2.5),
            edge("agent", "pay", calls=0.1),
            edge("agent", "cache"),
            edge("cache", "vec", calls=3),
            edge("memo", "agent"),
        ],
    ),
}


def corpus() -> list[tuple[str, dict[str, Any]]]:
    demo = [(path.stem, json.loads(path.read_text(encoding="utf-8"))) for path in sorted(ROOT.glob("fixtures/*.json"))]
    random_boards = [(f"random board {seed}", random_board(seed)) for seed in range(40)]
    return [*demo, *random_boards, *CASES.items()]


def same(a: Any, b: Any) -> bool:
    """Equal to the last bit, NaN included."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def test_the_compiled_estimate_runs_where_it_is_built() -> None:
    assert estimate.estimate_board is twin().estimate_board
    assert estimate.estimate_board is not estimate.pure_estimate_board


@pytest.mark.parametrize(("name", "doc"), corpus(), ids=[name for name, _ in corpus()])
def test_the_compiled_estimate_gives_the_pure_modules_figures_to_the_last_bit(name: str, doc: dict[str, Any]) -> None:
    compiled = twin().estimate_board
    for scale in SCALES:
        expected = estimate.pure_estimate_board(doc, scale=scale, version=3)
        assert same(compiled(doc, scale=scale, version=3), expected), f"{name} at scale {scale}"


def test_every_case_takes_the_path_it_is_named_for() -> None:
    """The cases are only worth comparing if each really carries its problem."""
    errors = {name: estimate.pure_estimate_board(doc)["errors"] for name, doc in CASES.items()}
    assert [e["loc"] for e in errors["bad props are left out with an error"]] == [
        "nodes[0].props.slo_p99_ms",
        "nodes[1].props.latency_ms",
        "nodes[1].props.concurrency",
        "nodes[1].props.availability",
        "nodes[2].props.hit_ratio",
        "edges[0].props.calls",
        "edges[1].props.calls",
    ]
    assert "above 1" in errors["router fractions above one"][0]["msg"]
    assert "gain >= 1" in errors["a loop that multiplies load"][0]["msg"]
    assert "synchronous loop" in errors["a synchronous loop"][0]["msg"]
    over = estimate.pure_estimate_board(CASES["over capacity"])
    assert over["nodes"]["a"]["utilisation"] > 1 and over["entries"][0]["p99_ms"] is None
    streams = estimate.pure_estimate_board(CASES["streams, tokens, a third party, a note and clients calling clients"])
    assert streams["errors"] == [] and "memo" not in streams["nodes"]
    assert streams["entries"][0]["first_token_ms"] < streams["entries"][0]["mean_ms"]


def run_in(directory: Path) -> bool:
    """Whether the estimate imported from `directory` is the compiled twin."""
    check = "from whiteboard.domain import estimate as e; print(e.estimate_board is not e.pure_estimate_board)"
    out = subprocess.run(
        [sys.executable, "-c", check], cwd=directory, capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.strip() == "True"


@pytest.mark.parametrize("edited", ["estimate.py", "graphs.py", "palette.py"])
def test_a_source_edited_after_the_build_runs_as_written_not_the_stale_twin(tmp_path: Path, edited: str) -> None:
    twin()
    copy = tmp_path / "whiteboard"
    shutil.copytree(ROOT / "whiteboard", copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert run_in(tmp_path), "an unedited copy uses its twin"
    source = copy / "domain" / edited
    source.write_text(source.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    assert not run_in(tmp_path)


# Any board the estimate may be given: every kind of station, props anywhere in and just out of
# their ranges (a stored board may predate the checks), edges between any two nodes, loops included.
KIND_CHOICES = (
    "user", "browser", "external_system", "load_balancer", "api_gateway", "service", "worker", "llm",
    "agent", "cache", "sql_db", "queue", "note",
)  # fmt: skip
NUMBERS = st.one_of(
    # The ends of the ranges too: the tiniest positive numbers and the largest each prop allows.
    st.sampled_from([0, 1, 2, 0.5, 0.999, 1.5, 1000, 10**6, -1, float("inf"), float("nan"), None, "3", True])
    | st.sampled_from([5e-324, 1e-300, 1e-170, 1e-9, 86_400_000, 10_000_000, 100_000]),
    st.floats(min_value=0, max_value=5000, allow_nan=False),
    st.integers(min_value=0, max_value=3000),
)
NODE_PROPS = st.dictionaries(
    st.sampled_from(
        [
            "rps",
            "slo_p99_ms",
            "latency_ms",
            "concurrency",
            "availability",
            "hit_ratio",
            "ttft_ms",
            "output_tokens",
            "tokens_per_s",
            "replicas",
        ]
    ),
    NUMBERS,
    max_size=5,
)
EDGE_PROPS = st.fixed_dictionaries(
    {},
    optional={
        "calls": NUMBERS,
        "fraction": NUMBERS,
        "async": st.booleans(),
        "protocol": st.sampled_from(["https", "grpc", "sse", "websocket"]),
    },
)


@st.composite
def any_board(draw: st.DrawFn) -> dict[str, Any]:
    """A loaded client first, each later node called from an earlier one (so most of the board
    carries load), and any further edges, loops included."""
    kinds = draw(st.lists(st.sampled_from(KIND_CHOICES), min_size=1, max_size=10))
    nodes = [node(f"n{i}", kind, **draw(NODE_PROPS)) for i, kind in enumerate(kinds)]
    nodes[0] = node("n0", "browser", **{**draw(NODE_PROPS), "rps": draw(st.floats(0.01, 20))})
    tree = [(draw(st.integers(0, i - 1)), i) for i in range(1, len(kinds))]
    more = draw(st.lists(st.tuples(st.integers(0, len(kinds) - 1), st.integers(0, len(kinds) - 1)), max_size=8))
    pairs = tree + more
    edges = [{**edge(f"n{s}", f"n{t}", **draw(EDGE_PROPS)), "id": f"e{k}"} for k, (s, t) in enumerate(pairs) if s != t]
    return board(nodes, edges)


ANY_BOARD = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCALES_DRAWN = st.sampled_from([0.0, 0.01, 1.0, 3.0, 1000.0])


@ANY_BOARD
@given(any_board(), SCALES_DRAWN)
def test_any_board_is_estimated_in_strict_json(doc: dict[str, Any], scale: float) -> None:
    json.dumps(estimate.pure_estimate_board(doc, scale=scale), allow_nan=False)  # no crash, no NaN


@ANY_BOARD
@given(any_board(), SCALES_DRAWN)
def test_the_compiled_estimate_agrees_on_any_board(doc: dict[str, Any], scale: float) -> None:
    compiled = twin().estimate_board
    assert same(compiled(doc, scale=scale), estimate.pure_estimate_board(doc, scale=scale))


def test_a_twin_from_other_sources_is_not_used() -> None:
    twin()
    assert estimate.compiled_twin(estimate.native_digest()) is not None
    assert estimate.compiled_twin("0" * 64) is None
