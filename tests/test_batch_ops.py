"""Group commit: `board_apply_ops` applies a batch of ops from many sockets in one transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext

from whiteboard.boards import services
from whiteboard.boards.history import CHECKPOINT_EVERY
from whiteboard.boards.models import Board, BoardOp, Snapshot
from whiteboard.boards.services import board_apply_op, board_apply_ops
from whiteboard.boards.types import AppliedOp, OpItem
from whiteboard.domain.board import MAX_BYTES, BoardError, empty_board
from whiteboard.domain.ops import apply_op

pytestmark = pytest.mark.django_db(transaction=True)


def _node(node_id: str, **extra: Any) -> dict[str, Any]:
    return {"action": "add_node", "node": {"id": node_id, "kind": "service", **extra}}


def _replayed(board: Board) -> dict[str, Any]:
    document: dict[str, Any] = empty_board()
    for op in BoardOp.objects.filter(board=board).order_by("version").values_list("op", flat=True):
        document = apply_op(document, op, validated=True)
    return document


def test_a_batch_of_mixed_ops_applies_each_on_its_own(board: Board, owner: Any, collaborator: Any) -> None:
    start = board.version
    items = [
        OpItem(_node("a1"), "o-1", owner),
        OpItem({"action": "delete_node", "id": "no-such-node"}, "c-1", collaborator),  # rejected: missing
        OpItem(_node("a1"), "c-2", collaborator),  # rejected: the id is taken by the op before
        OpItem({"action": "nonsense"}, "c-3", collaborator),  # rejected: malformed
        OpItem({"action": "update_node", "id": "a1", "set": {"label": "Edited"}}, "c-4", collaborator),
        OpItem(_node("a2"), "o-2", owner),
    ]
    results = board_apply_ops(board_id=board.pk, items=items)

    assert [type(r) for r in results] == [AppliedOp, BoardError, BoardError, BoardError, AppliedOp, AppliedOp]
    applied = [r for r in results if isinstance(r, AppliedOp)]
    assert [a.version for a in applied] == [start + 1, start + 2, start + 3]  # consecutive, in order
    assert [a.user for a in applied] == ["olivia", "carlos", "olivia"]
    board.refresh_from_db()
    assert board.version == start + 3
    assert board.document == applied[-1].document
    nodes = {n["id"]: n for n in board.document["nodes"]}
    assert nodes["a1"]["label"] == "Edited" and "a2" in nodes
    rows = list(BoardOp.objects.filter(board=board, version__gt=start).order_by("version").values_list("op_id", "user"))
    assert rows == [("o-1", owner.pk), ("c-4", collaborator.pk), ("o-2", owner.pk)]


def test_a_resend_is_answered_from_the_log_and_from_the_same_batch(board: Board, owner: Any, collaborator: Any) -> None:
    first = board_apply_op(board_id=board.pk, op=_node("r1"), op_id="same", user=owner)
    results = board_apply_ops(
        board_id=board.pk,
        items=[
            OpItem(_node("r1"), "same", owner),  # resent: answered from the log
            OpItem(_node("r2"), "new", owner),
            OpItem(_node("r2"), "new", owner),  # resent within the batch
            OpItem(_node("r3"), "same", collaborator),  # another user's op_id is another op
        ],
    )
    assert all(isinstance(r, AppliedOp) for r in results)
    a, b, c, d = (r for r in results if isinstance(r, AppliedOp))
    assert (a.duplicate, a.version, a.op) == (True, first.version, first.op)
    assert (b.duplicate, b.version) == (False, first.version + 1)
    assert (c.duplicate, c.version, c.op) == (True, b.version, b.op)
    assert (d.duplicate, d.version) == (False, first.version + 2)
    board.refresh_from_db()
    assert board.version == first.version + 2
    assert BoardOp.objects.filter(board=board, op_id="new").count() == 1


def test_an_op_that_would_make_the_board_larger_than_2_mib_is_rejected(board: Board, owner: Any) -> None:
    start = board.version
    big = "x" * 1_900  # a property string just under its own limit
    ops = [_node(f"big{i}", props={f"k{j}": big for j in range(30)}) for i in range(40)]  # ~57 KB each, ~2.3 MB in all
    results = board_apply_ops(board_id=board.pk, items=[OpItem(op, f"big-{i}", owner) for i, op in enumerate(ops)])
    accepted = [r for r in results if isinstance(r, AppliedOp)]
    rejected = [r for r in results if isinstance(r, BoardError)]
    assert accepted and rejected
    assert "2 MiB" in rejected[0].errors[0]["msg"]
    assert results.index(rejected[0]) == len(accepted)  # every op after the first one too big fails too
    board.refresh_from_db()
    assert board.version == start + len(accepted)
    assert services._encoded_size(board.document) <= MAX_BYTES
    with pytest.raises(BoardError, match="2 MiB"):  # on its own too, and the board is unchanged
        board_apply_op(board_id=board.pk, op=ops[-1], op_id="still-too-big", user=owner)
    # An op that shrinks the board is fine.
    small = board_apply_op(board_id=board.pk, op={"action": "delete_node", "id": "big0"}, op_id="shrink", user=owner)
    assert small.version == board.version + 1


def test_the_size_limit_is_exact_even_with_a_stale_estimate(board: Board, owner: Any) -> None:
    """Another worker may have changed the board: the estimate is keyed by version, so it is re-measured."""
    services._DocumentSize._known[board.pk] = (board.version, MAX_BYTES * 10)  # a wild over-estimate
    applied = board_apply_op(board_id=board.pk, op=_node("fine"), op_id="fine", user=owner)
    assert applied.version == board.version + 1  # measured exactly, so it fits
    services._DocumentSize._known[board.pk] = (board.version - 1, 0)  # stale: ignored
    assert (
        board_apply_op(board_id=board.pk, op=_node("fine2"), op_id="fine2", user=owner).version == applied.version + 1
    )


def test_a_batch_is_one_transaction_with_one_save(board: Board, owner: Any) -> None:
    items = [OpItem({"action": "set_board", "set": {"description": f"d{i}"}}, f"d-{i}", owner) for i in range(30)]
    with CaptureQueriesContext(connection) as queries:
        results = board_apply_ops(board_id=board.pk, items=items)
    assert all(isinstance(r, AppliedOp) for r in results)
    updates = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "boards_board"')]
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "boards_boardop"')]
    assert len(updates) == 1 and len(inserts) == 1
    assert len(queries.captured_queries) < 10


def test_op_log_lookups_read_an_index_not_the_whole_log(board: Board, owner: Any) -> None:
    """The resend check of every batch, and the reads by version, use an index of the op log:
    no join with the board (which the relation's ordering once brought into every op query and
    with it a walk through the board's whole log, a cost that grew with every op stored)."""
    items = [OpItem(_node(f"n{i}"), f"o-{i}", owner) for i in range(3)]
    with CaptureQueriesContext(connection) as queries:
        board_apply_ops(board_id=board.pk, items=items)
    reads = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT") and "boards_boardop" in q["sql"]
    ]
    assert reads, "the batch checks for resent ops"
    for sql in reads:
        assert 'JOIN "boards_board"' not in sql, sql
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + reads[0])
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "op_resend_lookup (board_id=? AND user_id=? AND op_id=?)" in plan, plan
    assert 'JOIN "boards_board"' not in str(BoardOp.objects.filter(board=board, version__gte=2).query)


def test_checkpoints_inside_a_batch_hold_the_document_of_their_version(board: Board, owner: Any) -> None:
    before = board.version
    count = CHECKPOINT_EVERY + 5
    items = [OpItem({"action": "set_board", "set": {"description": f"d{i}"}}, f"c-{i}", owner) for i in range(count)]
    results = board_apply_ops(board_id=board.pk, items=items)
    by_version = {r.version: r.document for r in results if isinstance(r, AppliedOp)}
    checkpoint = next(v for v in range(before + 1, before + count + 1) if v % CHECKPOINT_EVERY == 0)
    snapshot = Snapshot.objects.get(board=board, version=checkpoint)
    assert snapshot.document == by_version[checkpoint]
    board.refresh_from_db()
    assert _replayed(board) == board.document


def test_compaction_runs_when_a_batch_passes_a_checkpoint(settings: Any, board: Board, owner: Any) -> None:
    settings.ARCHBOARD_MAX_OPS_PER_BOARD = 150
    settings.ARCHBOARD_OPS_KEEP = 100
    items = [OpItem({"action": "set_board", "set": {"description": f"d{i}"}}, f"k-{i}", owner) for i in range(250)]
    # In batches whose last versions are not checkpoint versions.
    for chunk in (items[:33], items[33:170], items[170:]):
        board_apply_ops(board_id=board.pk, items=chunk)
    board.refresh_from_db()
    assert board.version == 251
    # The last batch (versions 172..251) passed checkpoint 200: the ops up to the cut (100) went.
    kept = BoardOp.objects.filter(board=board).order_by("version").values_list("version", flat=True)
    assert list(kept) == list(range(101, 252))


def test_a_deleted_board_fails_the_whole_batch(board: Board, owner: Any) -> None:
    board_id = board.pk
    board.delete()
    with pytest.raises(Board.DoesNotExist):
        board_apply_ops(board_id=board_id, items=[OpItem(_node("x"), "x", owner)])


@pytest.fixture
def store_refusing_poison(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The database refuses any write that holds an op labelled "poison" (as it would a value it
    cannot encode); returns the sizes of the writes it was asked for."""
    real_store = services._store
    writes: list[int] = []

    def store(board: Board, accepted: list[Any]) -> None:
        writes.append(len(accepted))
        if any("poison" in str(applied.op) for applied, _ in accepted):
            raise DataError("the database cannot store this value")
        real_store(board, accepted)

    monkeypatch.setattr(services, "_store", store)
    return writes


def test_an_op_the_database_refuses_is_rejected_alone_and_the_rest_of_the_batch_is_stored(
    board: Board, owner: Any, collaborator: Any, store_refusing_poison: list[int]
) -> None:
    start = board.version
    items = [
        OpItem(_node("h1"), "o-1", owner),
        OpItem(_node("p1", label="poison"), "c-1", collaborator),
        OpItem(_node("h2"), "o-2", owner),
        OpItem({"action": "update_node", "id": "h1", "set": {"label": "poison"}}, "c-2", collaborator),
        OpItem({"action": "update_node", "id": "h2", "set": {"label": "fine"}}, "c-3", collaborator),
    ]
    results = board_apply_ops(board_id=board.pk, items=items)

    assert [type(r) for r in results] == [AppliedOp, BoardError, AppliedOp, BoardError, AppliedOp]
    assert [r.version for r in results if isinstance(r, AppliedOp)] == [start + 1, start + 2, start + 3]
    refused = [r for r in results if isinstance(r, BoardError)]
    assert all(r.errors == [{"loc": "op", "msg": "the server could not store this op (DataError)"}] for r in refused)
    assert store_refusing_poison == [5, 1, 1, 1, 1, 1]  # the batch, then each op on its own
    board.refresh_from_db()
    assert board.version == start + 3
    nodes = {n["id"]: n for n in board.document["nodes"]}
    assert "p1" not in nodes and nodes["h1"]["label"] == "" and nodes["h2"]["label"] == "fine"
    assert board.document == _replayed(board)
    rows = BoardOp.objects.filter(board=board, version__gt=start).order_by("version")
    assert list(rows.values_list("op_id", flat=True)) == ["o-1", "o-2", "c-3"]


def test_a_fault_applying_one_op_costs_only_that_op(
    board: Board, owner: Any, collaborator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_apply = services.apply_op

    def apply(document: dict[str, Any], op: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if op.get("node", {}).get("id") == "boom":
            raise KeyError("a bug that this op triggers")
        return real_apply(document, op, **kwargs)

    monkeypatch.setattr(services, "apply_op", apply)
    results = board_apply_ops(
        board_id=board.pk, items=[OpItem(_node("boom"), "c-1", collaborator), OpItem(_node("fine"), "o-1", owner)]
    )
    assert isinstance(results[0], BoardError) and isinstance(results[1], AppliedOp)
    assert results[0].errors[0]["msg"] == "the server failed to apply this op; it was not stored"
