"""The semantic diff (whiteboard.domain.diff): properties with hypothesis, and worked examples."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import sample_board
from whiteboard.domain.board import validate_board
from whiteboard.domain.diagram import build_dot
from whiteboard.domain.diff import apply_diff, changed_ids, diff_boards, diff_styles, is_empty, union_board

KINDS = ["service", "sql_db", "queue", "user", "llm", "api_gateway"]
NODE_IDS = [f"n{i}" for i in range(6)]
EDGE_IDS = [f"e{i}" for i in range(6)]
GROUP_IDS = ["g0", "g1"]
# Valid board text: no NUL, no lone surrogates.
VALID_TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
prop_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(VALID_TEXT, max_size=5))
props = st.dictionaries(st.sampled_from(["a", "b", "notes", "replicas"]), prop_values, max_size=3).map(
    lambda p: {k: (v if k != "replicas" else 2) if k != "notes" else str(v) for k, v in p.items()}
)


@st.composite
def boards(draw: Any) -> dict[str, Any]:
    groups = [{"id": gid, "label": draw(st.text(VALID_TEXT, max_size=4))} for gid in GROUP_IDS if draw(st.booleans())]
    group_ids = [g["id"] for g in groups]
    nodes = []
    for nid in draw(st.lists(st.sampled_from(NODE_IDS), unique=True, max_size=6)):
        node: dict[str, Any] = {
            "id": nid,
            "kind": draw(st.sampled_from(KINDS)),
            "label": draw(st.text(VALID_TEXT, max_size=4)),
        }
        if draw(st.booleans()):
            node["x"] = draw(st.integers(0, 3))
        if group_ids and draw(st.booleans()):
            node["group"] = draw(st.sampled_from([*group_ids, None]))
        node["props"] = draw(props)
        nodes.append(node)
    edges = []
    if len(nodes) >= 2:
        for eid in draw(st.lists(st.sampled_from(EDGE_IDS), unique=True, max_size=6)):
            source, target = draw(
                st.lists(st.sampled_from([n["id"] for n in nodes]), min_size=2, max_size=2, unique=True)
            )
            edges.append(
                {"id": eid, "source": source, "target": target, "label": draw(st.text(VALID_TEXT, max_size=3))}
            )
    doc: dict[str, Any] = {
        "format": "archboard/1",
        "name": draw(st.text(VALID_TEXT, max_size=4)),
        "direction": draw(st.sampled_from(["LR", "TB"])),
        "nodes": nodes,
        "edges": edges,
        "groups": groups,
    }
    if draw(st.booleans()):
        doc["review"] = {"suppress": [{"rule": "orphan-component", "reason": "draft"}]}
    return validate_board(doc)


def by_id(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, **{s: sorted(doc.get(s) or [], key=lambda e: e["id"]) for s in ("nodes", "edges", "groups")}}


@settings(max_examples=150, deadline=None)
@given(boards())
def test_a_board_has_no_difference_with_itself(a):
    diff = diff_boards(a, a)
    assert is_empty(diff)
    assert diff["board"] == [] and not any(diff["findings"].values())


@settings(max_examples=100, deadline=None)
@given(boards(), st.randoms())
def test_the_order_of_elements_is_not_a_difference(a, rnd: random.Random):
    shuffled = {**a, **{s: rnd.sample(a[s], len(a[s])) for s in ("nodes", "edges", "groups")}}
    assert is_empty(diff_boards(a, shuffled, findings=False))


@settings(max_examples=300, deadline=None)
@given(boards(), boards())
def test_applying_the_reported_changes_to_a_gives_b(a, b):
    diff = diff_boards(a, b, findings=False)
    assert by_id(apply_diff(a, diff)) == by_id(b)
    assert is_empty(diff) == (by_id(a) == by_id(b))


@settings(max_examples=100, deadline=None)
@given(boards(), boards())
def test_the_union_picture_draws_every_element_of_both(a, b):
    diff = diff_boards(a, b, findings=False)
    union = union_board(a, b)
    validate_board(union)
    ids = changed_ids(diff)
    drawn = {e["id"] for s in ("nodes", "groups") for e in union[s]}
    assert {e["id"] for e in diff["nodes"]["removed"]} <= drawn
    assert ids["added"] <= {e["id"] for s in ("nodes", "edges", "groups") for e in union[s]}
    build_dot(union, styles=diff_styles(diff))


def test_a_relabel_is_one_field_change_and_keeps_the_findings():
    a = validate_board(sample_board())
    b = validate_board(sample_board())
    b["nodes"][1]["label"] = "Edge gateway"
    diff = diff_boards(a, b)
    assert diff["nodes"] == {
        "added": [],
        "removed": [],
        "changed": [
            {
                "id": "gw",
                "label": "Edge gateway",
                "fields": [{"field": "label", "from": "API Gateway", "to": "Edge gateway"}],
                "props": [],
            }
        ],
    }
    assert diff["findings"] == {"appeared": [], "disappeared": [], "suppressed": [], "unsuppressed": []}
    assert diff["summary"] == {"added": 0, "removed": 0, "changed": 1}


def test_props_are_compared_key_by_key_and_absent_differs_from_null():
    a = validate_board(sample_board())
    b = validate_board(sample_board())
    b["nodes"][1]["props"] = {"replicas": 3, "notes": None}
    b["nodes"][0]["x"] = None
    del b["nodes"][2]["x"]
    diff = diff_boards(a, b, findings=False)
    changes = {c["id"]: c for c in diff["nodes"]["changed"]}
    assert changes["gw"]["props"] == [
        {"key": "replicas", "from": 2, "to": 3},
        {"key": "rate_limited", "from": True},
        {"key": "notes", "to": None},
    ]
    assert changes["users"]["fields"] == [{"field": "x", "from": 0, "to": None}]
    assert changes["super"]["fields"] == [{"field": "x", "from": 300}]


def test_removing_a_database_edge_reports_fixed_and_new_findings():
    a = validate_board(sample_board())
    b = validate_board(sample_board())
    b["edges"] = [e for e in b["edges"] if e["id"] != "e5"]
    diff = diff_boards(a, b)
    assert [e["id"] for e in diff["edges"]["removed"]] == ["e5"]
    appeared = {(f["rule"], tuple(f["nodes"])) for f in diff["findings"]["appeared"]}
    assert ("orphan-component", ("db",)) in appeared
    disappeared = {f["rule"] for f in diff["findings"]["disappeared"]}
    assert "single-point-of-failure" in disappeared


def test_diff_styles_colour_added_removed_and_changed_elements():
    a = validate_board(sample_board())
    b = validate_board(sample_board())
    b["nodes"].append({"id": "cache", "kind": "cache", "label": "Redis", "props": {}})
    b["nodes"][1]["label"] = "GW"
    b["edges"] = b["edges"][:-1]
    styles = diff_styles(diff_boards(a, b, findings=False))
    assert styles["cache"]["color"] == "#2E7D32"
    assert styles["gw"]["color"] == "#E08A00"
    assert styles["e5"]["color"] == "#C62828" and styles["e5"]["style"] == "dashed"
    dot = build_dot(union_board(a, b), styles=styles)
    assert "#C62828" in dot and "#2E7D32" in dot and "#E08A00" in dot
