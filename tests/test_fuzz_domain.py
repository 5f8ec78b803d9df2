"""Fuzzing the board validator and the op applier with hypothesis.

Inputs are JSON values shaped like boards and ops, with wrong types, junk keys, dangling ids,
NaN and huge numbers mixed in. The only exception either may raise is BoardError; whatever they
accept is a valid board in normal form.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import sample_board
from whiteboard.domain.board import (
    EDGE_KEYS,
    GROUP_KEYS,
    NODE_KEYS,
    PROTOCOLS,
    TOP_KEYS,
    WRITE_POLICIES,
    BoardError,
    parse_json,
    validate_board,
)
from whiteboard.domain.ops import ACTIONS, apply_op, validate_op
from whiteboard.domain.palette import KINDS

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

IDS = st.sampled_from(["a", "b", "c", "g1", "g2", "e1", "", "x" * 65, "bad id", "ü"])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)
maybe = st.one_of  # readability: a plausible value or anything


def _element(keys: tuple[str, ...], plausible: dict[str, Any]) -> Any:
    fields = {key: maybe(plausible.get(key, json_values), json_values) for key in keys}
    return st.fixed_dictionaries({}, optional={**fields, "junk": json_values}) | json_values


props = st.dictionaries(
    st.sampled_from(["replicas", "protocol", "async", "rate_limited", "public", "write_policy", "notes", "x" * 70])
    | st.text(max_size=6),
    st.one_of(scalars, st.sampled_from([*PROTOCOLS, *WRITE_POLICIES]), st.integers(0, 1001), json_values),
    max_size=5,
)
coords = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**9), 10**9)
nodes = _element(
    NODE_KEYS,
    {
        "id": IDS,
        "kind": st.sampled_from([*sorted(KINDS)[:6], "vectordb", ""]),
        "x": coords,
        "y": coords,
        "group": IDS | st.none(),
        "props": props,
        "label": st.text(max_size=210),
    },
)
edges = _element(EDGE_KEYS, {"id": IDS, "source": IDS, "target": IDS, "props": props, "label": st.text(max_size=10)})
groups = _element(GROUP_KEYS, {"id": IDS, "parent": IDS | st.none(), "props": props})
review = st.fixed_dictionaries(
    {},
    optional={
        "suppress": st.lists(
            st.fixed_dictionaries(
                {}, optional={"rule": st.text(max_size=30), "target": IDS | st.none(), "reason": json_values}
            )
            | json_values,
            max_size=3,
        ),
        "junk": json_values,
    },
)
boards = (
    st.fixed_dictionaries(
        {},
        optional={
            "format": st.sampled_from(["archboard/1", "archboard/2"]) | json_values,
            "name": st.text(max_size=30) | json_values,
            "description": st.text(max_size=30) | json_values,
            "direction": st.sampled_from(["TB", "BT", "LR", "RL", "XX"]) | json_values,
            "nodes": st.lists(nodes, max_size=6) | json_values,
            "edges": st.lists(edges, max_size=6) | json_values,
            "groups": st.lists(groups, max_size=4) | json_values,
            "review": review | json_values,
            "extra": json_values,
        },
    )
    | json_values
)
assert set(TOP_KEYS) <= {"format", "name", "description", "direction", "nodes", "edges", "groups", "review"}


def _ops(inner: Any) -> Any:
    sets = st.dictionaries(
        st.sampled_from(
            ["kind", "label", "x", "y", "group", "props", "source", "target", "parent", "name", "direction", "review"]
        )
        | st.text(max_size=5),
        st.one_of(IDS, coords, props, st.sampled_from(sorted(KINDS)[:3]), review, json_values),
        max_size=4,
    )
    return st.fixed_dictionaries(
        {"action": st.sampled_from(ACTIONS) | json_values},
        optional={
            "id": IDS | json_values,
            "node": nodes,
            "edge": edges,
            "group": groups,
            "set": sets | json_values,
            "ops": st.lists(inner, max_size=4) | json_values,
            "board": boards,
            "junk": json_values,
        },
    )


ops = st.recursive(_ops(json_values), _ops, max_leaves=6) | json_values

VALID_BASE = validate_board(
    {
        "format": "archboard/1",
        "nodes": [{"id": "a", "kind": "service", "group": "g1"}, {"id": "b", "kind": "sql_db"}],
        "edges": [{"id": "e1", "source": "a", "target": "b"}],
        "groups": [{"id": "g1"}, {"id": "g2", "parent": "g1"}],
    }
)


@FUZZ
@given(boards)
def test_the_validator_raises_nothing_but_board_error_and_its_output_is_a_fixed_point(data: Any) -> None:
    try:
        doc = validate_board(data)
    except BoardError as exc:
        assert exc.errors and all(isinstance(e["loc"], str) and e["msg"] for e in exc.errors)
        return
    assert validate_board(doc) == doc
    assert validate_board(json.loads(json.dumps(doc))) == doc  # stored and read back: the same


@FUZZ
@given(ops, st.sampled_from(["base", "sample", "empty"]))
def test_the_op_applier_raises_nothing_but_board_error_and_keeps_boards_valid(op: Any, which: str) -> None:
    board = {
        "base": VALID_BASE,
        "sample": validate_board(sample_board()),
        "empty": validate_board({"format": "archboard/1", "nodes": [], "edges": []}),
    }[which]
    before = json.dumps(board, sort_keys=True)
    try:
        after = apply_op(board, op)
    except BoardError as exc:
        assert exc.errors
        assert json.dumps(board, sort_keys=True) == before  # nothing half applied
        return
    assert validate_board(after) == after
    assert json.dumps(board, sort_keys=True) == before  # the input board is never changed
    normal = validate_op(op)
    assert apply_op(board, normal, validated=True) == after


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_parsing_any_bytes_raises_nothing_but_board_error(raw: bytes) -> None:
    with contextlib.suppress(BoardError):
        parse_json(raw)


def test_deeply_nested_json_is_a_board_error_not_a_crash() -> None:
    for raw in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000):
        with contextlib.suppress(BoardError):
            validate_board(parse_json(raw))
