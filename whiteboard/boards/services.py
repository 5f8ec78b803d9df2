"""Board services: every change of a board, from any interface, goes through `board_apply_op`.

So the version, the op log and (through the collaboration layer) live editors follow every
change, whether it came from a WebSocket, the REST API, a page or the command line.
"""

from __future__ import annotations

import copy
import json
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from whiteboard.boards.compaction import compact_if_due
from whiteboard.boards.history import document_at, take_checkpoints
from whiteboard.boards.models import Board, BoardOp, Membership
from whiteboard.boards.types import AppliedOp, LimitExceeded, OpItem, OpResult, VersionConflict
from whiteboard.collab.publish import announce_many
from whiteboard.domain.board import MAX_BYTES, BoardError, empty_board, validate_board
from whiteboard.domain.ops import apply_op, validate_op

log = logging.getLogger(__name__)


def _username(user: User | None) -> str:
    return user.get_username() if user is not None else ""


def new_op_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def board_create(*, owner: User, document: dict[str, Any]) -> Board:
    """Store a new board at version 1; its first op is the `replace` that set its content."""
    doc = validate_board(document)
    limit = settings.ARCHBOARD_MAX_BOARDS_PER_USER
    with transaction.atomic():
        if Board.objects.filter(owner=owner).count() >= limit:
            raise LimitExceeded(f"you have reached the limit of {limit} boards; delete one first")
        board = Board.objects.create(owner=owner, name=doc["name"], document=doc, version=1, **Board.summary_of(doc))
        BoardOp.objects.create(
            board=board, version=1, op_id=new_op_id("create"), user=owner, op={"action": "replace", "board": doc}
        )
    return board


def board_apply_op(
    *, board_id: int, op: dict[str, Any], op_id: str, user: User | None, expect_version: int | None = None
) -> AppliedOp:
    """Apply one op in one transaction: check it, bump the version by 1, store op and board.

    The one-item case of `board_apply_ops`. A resent `op_id` returns the original result.
    Raises BoardError for an invalid op and VersionConflict when `expect_version` is stale.
    """
    (result,) = board_apply_ops(board_id=board_id, items=[OpItem(op, op_id, user, expect_version)])
    if isinstance(result, Exception):
        raise result
    return result


def board_apply_ops(*, board_id: int, items: Sequence[OpItem]) -> list[OpResult]:
    """Apply a batch of ops, in order, in ONE transaction (group commit): one result per item.

    The board row is locked for the transaction (SELECT ... FOR UPDATE on PostgreSQL; SQLite
    takes its write lock at BEGIN IMMEDIATE), so ops on a board are applied in one total order
    across connections and worker processes. Each op is accepted or rejected on its own: a
    rejected op changes nothing and the next one sees the board as it was. Accepted ops get
    consecutive versions; the board is saved once and the op rows are inserted together. A resent
    `op_id` (from the log, or earlier in the same batch) gets the original result, flagged
    `duplicate`. Live editors hear of the accepted ops, in version order, after the commit.

    Should the database refuse the batch (an op it cannot store), the ops are stored again one
    at a time, each in its own savepoint, so only the op it refuses is rejected: one editor's
    bad op never costs the others theirs.
    Raises Board.DoesNotExist (for the whole batch) when the board is gone.
    """
    checked: list[OpResult | None] = [None] * len(items)
    normal: list[dict[str, Any] | None] = [None] * len(items)
    for i, item in enumerate(items):
        try:
            normal[i] = validate_op(item.op)
        except BoardError as exc:
            checked[i] = exc
    with transaction.atomic():
        board = Board.objects.select_for_update().get(pk=board_id)
        done: dict[tuple[int, str], tuple[int, dict[str, Any]]] = {}  # (user id, op_id) -> (version, op)
        asked = [item.op_id for i, item in enumerate(items) if item.user is not None and checked[i] is None]
        if asked:
            users = {item.user.pk for item in items if item.user is not None}
            # Unordered, with the user: the op_resend_lookup index answers it without reading
            # the board's log (which grows with every op until compaction).
            rows = BoardOp.objects.filter(board=board, user_id__in=users, op_id__in=set(asked)).order_by()
            for user_id, op_id, version, stored_op in rows.values_list("user_id", "op_id", "version", "op"):
                done[user_id, op_id] = (version, stored_op)
        before = (board.version, board.document, board.updated_at)
        try:
            with transaction.atomic():
                results, accepted = _apply_in_order(board, items, normal, checked, dict(done), store_each=False)
        except _STORE_ERRORS as exc:
            log.warning(
                "board %s: the database refused a batch of %d ops (%s); storing them one by one",
                board_id,
                len(items),
                type(exc).__name__,
            )
            board.version, board.document = before[0], before[1]
            results, accepted = _apply_in_order(board, items, normal, checked, dict(done), store_each=True)
        if accepted:
            _after_store(board, accepted, *before)
            _announce_after_commit([applied for applied, _ in accepted])
    return results


# What the database may raise for one op it cannot take (a value it cannot encode or store);
# anything else (a lost connection) fails the whole batch, as it must.
_STORE_ERRORS = (DataError, IntegrityError, ValueError, TypeError, OverflowError)


def _apply_in_order(
    board: Board,
    items: Sequence[OpItem],
    normal: list[dict[str, Any] | None],
    checked: list[OpResult | None],
    done: dict[tuple[int, str], tuple[int, dict[str, Any]]],
    *,
    store_each: bool,
) -> tuple[list[OpResult], list[tuple[AppliedOp, User | None]]]:
    """Each op applied to the board in turn; stored together at the end, or (`store_each`) each
    in its own savepoint, where an op the database refuses is rejected alone."""
    results = list(checked)
    version, document = board.version, board.document
    size = _DocumentSize(board.pk, version, document)
    accepted: list[tuple[AppliedOp, User | None]] = []
    for i, item in enumerate(items):
        op = normal[i]
        if op is None:
            continue
        key = (item.user.pk, item.op_id) if item.user is not None else None
        if key is not None and key in done:
            earlier_version, earlier_op = done[key]
            results[i] = AppliedOp(
                board.pk, earlier_version, item.op_id, _username(item.user), earlier_op, document, True
            )
            continue
        if item.expect_version is not None and item.expect_version != version:
            results[i] = VersionConflict(version)
            continue
        try:
            candidate = apply_op(document, op, validated=True)
            size.check(op, candidate)
        except BoardError as exc:
            results[i] = exc
            continue
        except Exception:
            # A fault of ours that this op triggers must not cost the other ops of the batch.
            log.exception("board %s: applying op %r failed", board.pk, item.op_id)
            results[i] = BoardError.one("op", "the server failed to apply this op; it was not stored")
            continue
        applied = AppliedOp(board.pk, version + 1, item.op_id, _username(item.user), op, candidate)
        if store_each:
            try:
                with transaction.atomic():
                    _store(board, [(applied, item.user)])
            except _STORE_ERRORS as exc:
                board.version, board.document = version, document
                results[i] = BoardError.one("op", f"the server could not store this op ({type(exc).__name__})")
                continue
        version, document = applied.version, candidate
        results[i] = applied
        accepted.append((applied, item.user))
        if key is not None:
            done[key] = (version, op)
    if accepted and not store_each:
        _store(board, accepted)
    if accepted:
        size.remember(version)
    return [r for r in results if r is not None], accepted  # every item has its result by now


def _store(board: Board, accepted: list[tuple[AppliedOp, User | None]]) -> None:
    """One save of the board, one insert of all the op rows."""
    last = accepted[-1][0]
    board.version = last.version
    board.document = last.document
    board.name = last.document["name"]
    summary = Board.summary_of(last.document)
    for field, value in summary.items():
        setattr(board, field, value)
    board.save(update_fields=["version", "document", "name", *summary, "updated_at"])
    BoardOp.objects.bulk_create(
        [BoardOp(board=board, version=a.version, op_id=a.op_id, user=user, op=a.op) for a, user in accepted]
    )


def _after_store(
    board: Board,
    accepted: list[tuple[AppliedOp, User | None]],
    before_version: int,
    before_document: dict[str, Any],
    last_change: datetime,
) -> None:
    """The history checkpoints of every new version, then compaction if a checkpoint was passed."""
    final_version, final_document = board.version, board.document
    try:
        for applied, user in accepted:
            # take_checkpoints looks at the board as of the op it is told about.
            board.version, board.document = applied.version, applied.document
            take_checkpoints(
                board=board,
                before_version=before_version,
                before_document=before_document,
                last_change=last_change,
                user=user,
            )
            before_version, before_document, last_change = applied.version, applied.document, timezone.now()
    finally:
        board.version, board.document = final_version, final_document
    compact_if_due(board=board, since=accepted[0][0].version - 1)


class _DocumentSize:
    """The 2 MiB limit of an encoded board (SPEC 1), enforced on the op path without encoding the
    whole document for every op: a per-process upper bound of the board's encoded size (keyed by
    board and version, so another worker's change only costs one exact measure) grows by the size
    of each op, which bounds what it can add; only near the limit, or for an op whose growth the
    bound does not cover (`replace`, `delete_group`), is the candidate document encoded exactly.
    """

    _known: dict[int, tuple[int, int]] = {}  # board id -> (version, upper bound of its encoded size)

    def __init__(self, board_id: int, version: int, document: dict[str, Any]) -> None:
        self.board_id = board_id
        known = self._known.get(board_id)
        self.bound = known[1] if known is not None and known[0] == version else _encoded_size(document)

    def check(self, op: dict[str, Any], candidate: dict[str, Any]) -> None:
        text = json.dumps(op, ensure_ascii=False, separators=(",", ":"))
        bound = self.bound + len(text.encode()) + 64
        if bound > MAX_BYTES or "replace" in text or "delete_group" in text:
            bound = _encoded_size(candidate)
            if bound > MAX_BYTES:
                raise BoardError.one("op", f"the board would be {bound} bytes, the limit is {MAX_BYTES} bytes (2 MiB)")
        self.bound = bound

    def remember(self, version: int) -> None:
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[self.board_id] = (version, self.bound)


def _encoded_size(document: dict[str, Any]) -> int:
    return len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())


def _announce_after_commit(accepted: list[AppliedOp]) -> None:
    """Live editors hear of ops only once they are committed (SPEC 5: stored before announced)."""
    transaction.on_commit(partial(announce_many, accepted))


def board_replace(*, board: Board, version: int, document: dict[str, Any], user: User) -> AppliedOp:
    """The REST PUT: replace the whole document if `version` is current (else VersionConflict)."""
    doc = validate_board(document)
    return board_apply_op(
        board_id=board.pk,
        op={"action": "replace", "board": doc},
        op_id=new_op_id("rest"),
        user=user,
        expect_version=version,
    )


def board_restore(*, board: Board, version: int, user: User) -> AppliedOp:
    """Make `version` the current state with a `replace` op, so live editors follow and it can be undone."""
    return board_apply_op(
        board_id=board.pk,
        op={"action": "replace", "board": document_at(board, version)},
        op_id=new_op_id(f"restore-v{version}"),
        user=user,
    )


def board_rename(*, board: Board, name: str, user: User) -> AppliedOp:
    return board_apply_op(
        board_id=board.pk, op={"action": "set_board", "set": {"name": name}}, op_id=new_op_id("rename"), user=user
    )


def board_duplicate(*, board: Board, user: User) -> Board:
    document = copy.deepcopy(board.document)
    document["name"] = f"{document['name'] or 'Untitled'} (copy)"[:200]
    return board_create(owner=user, document=document)


def board_create_empty(*, owner: User, name: str) -> Board:
    return board_create(owner=owner, document=empty_board(name))


def board_summaries_fill(*, boards: Sequence[Board]) -> None:
    """Set the summary columns of the boards that lack them (rows restored from a backup made
    before the columns existed), in place and in the database. A board changed meanwhile keeps
    the summary its change stored."""
    unknown = {board.pk: board for board in boards if board.node_count is None}
    if not unknown:
        return
    for pk, version, document in Board.objects.filter(pk__in=unknown).values_list("pk", "version", "document"):
        summary = Board.summary_of(document)
        Board.objects.filter(pk=pk, version=version, node_count__isnull=True).update(**summary)
        for field, value in summary.items():
            setattr(unknown[pk], field, value)


def board_delete(*, board: Board) -> None:
    board.delete()


def board_share(*, board: Board, user: User, role: str) -> Membership:
    """Give `user` a role on the board (or change it). The owner cannot be given a role."""
    if role not in Membership.Role.values:
        raise BoardError.one("role", f"unknown role {role!r}: use editor or viewer")
    if board.owner_id == user.pk:
        raise BoardError.one("username", "that user owns the board already")
    membership, _ = Membership.objects.update_or_create(board=board, user=user, defaults={"role": role})
    return membership


def board_unshare(*, board: Board, user_id: int) -> None:
    Membership.objects.filter(board=board, user_id=user_id).delete()
