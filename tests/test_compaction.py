"""Ops per board are bounded: old ops fold into checkpoints and the history stays correct."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from whiteboard.boards import history
from whiteboard.boards.compaction import board_compact
from whiteboard.boards.models import Board, BoardOp, Snapshot
from whiteboard.boards.services import board_apply_op
from whiteboard.domain.ops import apply_op

pytestmark = pytest.mark.django_db


def _op(i: int) -> dict[str, Any]:
    if i % 3 == 0:
        return {"action": "add_node", "node": {"id": f"n{i}", "kind": "service", "label": f"node {i}"}}
    return {"action": "set_board", "set": {"description": f"step {i}"}}


def _edit(board: Board, user: Any, count: int, recorded: dict[int, Any]) -> None:
    for _ in range(count):
        i = len(recorded)
        applied = board_apply_op(board_id=board.pk, op=_op(i), op_id=f"op-{i}", user=user)
        recorded[applied.version] = applied.document
    board.refresh_from_db()


def test_the_log_is_bounded_and_every_kept_version_is_exact(settings: Any, board: Board, owner: Any) -> None:
    settings.ARCHBOARD_MAX_OPS_PER_BOARD = 300
    settings.ARCHBOARD_OPS_KEEP = 150
    recorded: dict[int, Any] = {1: board.document}
    _edit(board, owner, 136, recorded)  # versions 2..137
    named = history.snapshot_create(board=board, name="before the rush", user=owner)
    _edit(board, owner, 313, recorded)  # to version 450
    board.refresh_from_db()
    assert board.version == 450
    ops = BoardOp.objects.filter(board=board)
    assert ops.count() <= 300
    first = ops.order_by("version").first()
    assert first is not None and first.version == 201  # compacted at version 400: cut at 200
    assert list(ops.values_list("version", flat=True)) == list(range(201, 451))  # no gap after the cut

    for version in range(200, 451):
        assert history.document_at(board, version) == recorded[version], version
    for version in (100, 200):  # checkpoints before the cut
        assert history.document_at(board, version) == recorded[version]
    assert history.document_at(board, named.version) == recorded[137]
    with pytest.raises(history.VersionNotFound):
        history.document_at(board, 150)  # a single step that was folded away: refused, not wrong

    document = Snapshot.objects.get(board=board, version=200, kind=Snapshot.Kind.AUTO).document
    for op in ops.order_by("version").values_list("op", flat=True):
        document = apply_op(document, op, validated=True)
    assert document == board.document

    applied = board_apply_op(board_id=board.pk, op=_op(1), op_id="after", user=owner)
    assert applied.version == 451


def test_the_command_compacts_on_demand_and_a_resent_op_after_the_cut_is_still_recognised(
    board: Board, owner: Any
) -> None:
    recorded: dict[int, Any] = {1: board.document}
    _edit(board, owner, 260, recorded)  # versions 2..261
    call_command("compact_ops", str(board.pk), "--keep", "100")
    board.refresh_from_db()
    assert BoardOp.objects.filter(board=board).order_by("version").first().version == 101  # type: ignore[union-attr]
    assert history.document_at(board, 100) == recorded[100]
    resent = board_apply_op(board_id=board.pk, op=_op(260), op_id="op-260", user=owner)
    assert resent.duplicate and resent.version == 261


def test_a_short_log_is_left_alone(board: Board) -> None:
    assert board_compact(board_id=board.pk, keep=0) == 0
    assert BoardOp.objects.filter(board=board).count() == 1
