"""The op semantics of SPEC section 5 as data (tests/conformance/ops.json), run against the
server's implementation. tests/js/model.test.mjs runs the same vectors against the editor's
model (static/editor/model.js), so the two cannot drift apart."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from whiteboard.domain.board import BoardError, validate_board
from whiteboard.domain.ops import apply_op, inverse_op, validate_op

VECTORS_FILE = Path(__file__).resolve().parent / "conformance" / "ops.json"
SPEC = json.loads(VECTORS_FILE.read_text())
VECTORS = SPEC["vectors"]


def expected_after(vector: dict[str, Any]) -> dict[str, Any]:
    """The whole board a vector expects: `after`, or `before` with the sections it names replaced."""
    if "after" in vector:
        return vector["after"]
    after = copy.deepcopy(SPEC["boards"][vector["before"]])
    for section in ("nodes", "edges", "groups"):
        if f"after_{section}" in vector:
            after[section] = vector[f"after_{section}"]
    after.update(vector.get("after_top", {}))
    return after


def test_every_vector_board_and_op_is_in_normal_form() -> None:
    for name, board in SPEC["boards"].items():
        assert validate_board(board) == board, name
    for vector in VECTORS:
        if "after" in vector or any(k.startswith("after_") for k in vector):
            assert validate_board(expected_after(vector)) == expected_after(vector), vector["name"]
        if not vector.get("server_only"):
            assert validate_op(vector["op"]) == vector["op"], vector["name"]


def test_the_vectors_cover_every_action() -> None:
    from whiteboard.domain.ops import ACTIONS

    covered = {v["op"]["action"] for v in VECTORS}
    assert covered == set(ACTIONS)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_server_applies_each_op_as_the_vector_says(vector: dict[str, Any]) -> None:
    before = SPEC["boards"][vector["before"]]
    untouched = copy.deepcopy(before)
    if "error" in vector:
        with pytest.raises(BoardError) as caught:
            apply_op(before, vector["op"])
        assert caught.value.errors[0]["loc"] == vector["error"]["loc"]
    else:
        assert apply_op(before, vector["op"]) == expected_after(vector)
    assert before == untouched  # boards are values: the input is never changed


def _by_id(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, **{s: sorted(doc[s], key=lambda e: e["id"]) for s in ("nodes", "edges", "groups")}}


@pytest.mark.parametrize("vector", [v for v in VECTORS if "error" not in v], ids=lambda v: v["name"])
def test_the_inverse_of_each_op_restores_the_board(vector: dict[str, Any]) -> None:
    """As tests/js/model.test.mjs checks for the editor's undo; an element put back lands at the
    end of its list."""
    before = SPEC["boards"][vector["before"]]
    undo = inverse_op(before, vector["op"])
    assert _by_id(apply_op(apply_op(before, vector["op"]), undo)) == _by_id(before)
