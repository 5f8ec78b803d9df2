"""What the collaboration layer reads from the database (synchronous; call through a thread).

The op log is the truth: the channel layer may drop notifications, so workers and clients catch up
from here.
"""

from __future__ import annotations

from typing import Any

from whiteboard.boards.models import Board, BoardOp
from whiteboard.collab import protocol

# A client further behind than this gets a fresh snapshot instead of the ops it missed.
MAX_SYNC_OPS = 500


def snapshot(board_id: int) -> tuple[int, dict[str, Any]] | None:
    row = Board.objects.filter(pk=board_id).values_list("version", "document").first()
    return (row[0], row[1]) if row is not None else None


def for_review(board_id: int) -> Board | None:
    """The board row as stored now, with what its review needs (`reviews.running.review_of`)."""
    return Board.objects.filter(pk=board_id).only("pk", "version", "created_at", "document").first()


def current_version(board_id: int) -> int | None:
    return Board.objects.filter(pk=board_id).values_list("version", flat=True).first()


def applied_between(board_id: int, first: int, last: int | None = None) -> list[dict[str, Any]]:
    """The `applied` messages for versions first..last (inclusive; to the newest when last is None)."""
    rows = BoardOp.objects.filter(board_id=board_id, version__gte=first)
    if last is not None:
        rows = rows.filter(version__lte=last)
    return [
        protocol.applied(version, op_id, username or "", op)
        for version, op_id, username, op in rows.order_by("version").values_list(
            "version", "op_id", "user__username", "op"
        )[: MAX_SYNC_OPS + 1]
    ]


def sync_reply(board_id: int, since: int) -> dict[str, Any]:
    """The answer to `{"type": "sync", "since": N}`: the ops after N, or a snapshot if N is too old."""
    version = current_version(board_id)
    if version is not None and 0 <= version - since <= MAX_SYNC_OPS:
        ops = applied_between(board_id, since + 1, version)
        if len(ops) == version - since:
            return {"type": "ops", "ops": ops}
    state = snapshot(board_id)
    if state is None:
        return {"type": "ops", "ops": []}
    return {"type": "snapshot", "version": state[0], "board": state[1]}
