"""Board services: every change of a board, from any interface, goes through `board_apply_op`.

So the version, the op log and (through the collaboration layer) live editors follow every
change, whether it came from a WebSocket, the REST API, a page or the command line.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from whiteboard.boards.compaction import compact_if_due
from whiteboard.boards.history import take_checkpoints
from whiteboard.boards.models import Board, BoardOp, Membership
from whiteboard.collab.hub import announce
from whiteboard.domain.board import BoardError, empty_board, validate_board
from whiteboard.domain.ops import apply_op, validate_op


class VersionConflict(Exception):
    def __init__(self, current: int) -> None:
        self.current = current
        super().__init__(f"the board is at version {current}")


class LimitExceeded(Exception):
    pass


@dataclass(frozen=True)
class AppliedOp:
    board_id: int
    version: int
    op_id: str
    user: str
    op: dict[str, Any]
    document: dict[str, Any]
    duplicate: bool = False

    def message(self) -> dict[str, Any]:
        """The `applied` message of the WebSocket protocol (SPEC section 5)."""
        return {"type": "applied", "version": self.version, "op_id": self.op_id, "user": self.user, "op": self.op}


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
        board = Board.objects.create(owner=owner, name=doc["name"], document=doc, version=1)
        BoardOp.objects.create(
            board=board, version=1, op_id=new_op_id("create"), user=owner, op={"action": "replace", "board": doc}
        )
    return board


def board_apply_op(
    *, board_id: int, op: dict[str, Any], op_id: str, user: User | None, expect_version: int | None = None
) -> AppliedOp:
    """Apply one op in one transaction: check it, bump the version by 1, store op and board.

    The board row is locked for the transaction (SELECT ... FOR UPDATE on PostgreSQL; SQLite
    takes its write lock at BEGIN IMMEDIATE), so ops on a board are applied in one total order
    across connections and worker processes. A resent `op_id` returns the original result.
    Raises BoardError for an invalid op and VersionConflict when `expect_version` is stale.
    """
    op = validate_op(op)
    with transaction.atomic():
        board = Board.objects.select_for_update().get(pk=board_id)
        if user is not None:
            earlier = BoardOp.objects.filter(board=board, user=user, op_id=op_id).first()
            if earlier is not None:
                return AppliedOp(board.pk, earlier.version, op_id, _username(user), earlier.op, board.document, True)
        if expect_version is not None and expect_version != board.version:
            raise VersionConflict(board.version)
        document = apply_op(board.document, op, validated=True)
        before_version, before_document, last_change = board.version, board.document, board.updated_at
        board.version += 1
        board.document = document
        board.name = document["name"]
        board.save(update_fields=["version", "document", "name", "updated_at"])
        BoardOp.objects.create(board=board, version=board.version, op_id=op_id, user=user, op=op)
        take_checkpoints(
            board=board,
            before_version=before_version,
            before_document=before_document,
            last_change=last_change,
            user=user,
        )
        compact_if_due(board=board)
        applied = AppliedOp(board.pk, board.version, op_id, _username(user), op, document)
        _announce_after_commit(applied)
    return applied


# --- live fan-out (whiteboard.collab) -----------------------------------------------------------
def _announce_after_commit(applied: AppliedOp) -> None:
    """Live editors hear of an op only once it is committed (SPEC 5: stored before announced)."""
    transaction.on_commit(partial(announce, applied))


# --- end of live fan-out ------------------------------------------------------------------------


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
