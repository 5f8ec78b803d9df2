"""Any valid board, however odd, is reviewed, measured, laid out, drawn and exported without a
failure: hostile labels (every Unicode paragraph separator, bidi overrides, emoji, long words),
positions anywhere in range (nodes on one point, a hair apart, 10,000,000 px apart), empty and
nested groups. Each of those once failed a board's every picture or its auto-layout."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whiteboard.domain.board import BoardError, validate_board
from whiteboard.domain.drawn import DrawOptions, draw_board
from whiteboard.domain.formats import EXPORTS, export_text
from whiteboard.domain.layout import layout_board
from whiteboard.domain.layout_measures import measure
from whiteboard.domain.review import review_board

KINDS = ("user", "browser", "service", "llm", "cache", "sql_db", "queue", "note", "load_balancer", "agent")
TEXTS = st.text(max_size=40) | st.sampled_from(
    ["", " ", "\u200b", "x" * 200, "A\nB\r\nC", "😀" * 20, "\u202e evil", "<&>\"'", "p\x85q\u2029r\x1cs\x1dt\x1eu"]
)
COORDS = st.sampled_from([0, -1e7, 1e7, 0.5, 1e-300, -0.0, 100]) | st.floats(-1e7, 1e7) | st.integers(-(10**7), 10**7)


@st.composite
def boards(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 8))
    groups = [
        {"id": f"g{i}", "label": draw(TEXTS), **({"parent": f"g{i - 1}"} if i and draw(st.booleans()) else {})}
        for i in range(draw(st.integers(0, 3)))
    ]
    nodes = []
    for i in range(n):
        placed = {"id": f"n{i}", "kind": draw(st.sampled_from(KINDS)), "label": draw(TEXTS)}
        placed.update(x=draw(COORDS), y=draw(COORDS))
        if groups and draw(st.booleans()):
            placed["group"] = f"g{draw(st.integers(0, len(groups) - 1))}"
        nodes.append(placed)
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=10))
    edges = [
        {"id": f"e{k}", "source": f"n{s}", "target": f"n{t}", "label": draw(TEXTS)}
        for k, (s, t) in enumerate(pairs)
        if s != t
    ]
    return {"format": "archboard/1", "name": draw(TEXTS), "nodes": nodes, "edges": edges, "groups": groups}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(boards(), st.sampled_from([None, 320, 800]))
def test_any_valid_board_is_reviewed_laid_out_drawn_and_exported(data: dict[str, Any], width: int | None) -> None:
    try:
        doc = validate_board(data)
    except BoardError:
        return  # the validator's own fuzz is in test_fuzz_domain.py
    json.dumps(review_board(doc), allow_nan=False)
    measure(doc)
    assert set(layout_board(doc)) == {n["id"] for n in doc["nodes"]}
    drawing = draw_board(doc, icon=lambda cls: "data:,", options=DrawOptions(width=width))
    assert drawing.svg.startswith("<?xml")
    for fmt in EXPORTS:
        assert export_text(doc, fmt)
