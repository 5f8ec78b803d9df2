"""Op-log compaction: a board keeps at most ARCHBOARD_MAX_OPS_PER_BOARD single ops.

When a board's log grows past the limit, the ops older than the newest ARCHBOARD_OPS_KEEP are
folded into the checkpoints that `history.take_checkpoints` takes every CHECKPOINT_EVERY ops:
every checkpoint up to the cut is made sure to exist (rebuilt from the log before anything is
removed), then the single ops before the cut are deleted. What stays intact: the current board,
every version from the cut on (replayed from the checkpoint at the cut), every checkpoint and
every named version before it, and the order of versions. The single steps between two old
checkpoints are what is given up; `history.document_at` answers VersionNotFound for them rather
than a wrong document, and a WebSocket `sync` from before the cut gets a snapshot.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from whiteboard.boards.history import CHECKPOINT_EVERY, document_at
from whiteboard.boards.models import Board, BoardOp, Snapshot


def _limits() -> tuple[int, int]:
    limit = int(settings.ARCHBOARD_MAX_OPS_PER_BOARD)
    keep = min(int(settings.ARCHBOARD_OPS_KEEP), limit)
    return limit, max(keep, CHECKPOINT_EVERY)


def compact_if_due(*, board: Board, since: int | None = None) -> int:
    """Called by `board_apply_ops` inside its transaction: compact when the log is over the limit.

    `since` is the version before the ops just stored (default: one op). Only looked at when a
    checkpoint version was passed, so the count costs one query per CHECKPOINT_EVERY ops.
    """
    before = board.version - 1 if since is None else since
    if board.version // CHECKPOINT_EVERY == before // CHECKPOINT_EVERY:
        return 0
    limit, keep = _limits()
    if BoardOp.objects.filter(board=board).count() <= limit:
        return 0
    return _fold(board, keep)


def board_compact(*, board_id: int, keep: int | None = None) -> int:
    """Fold all but the newest `keep` ops (default ARCHBOARD_OPS_KEEP) into checkpoints now.

    Returns the number of single ops removed.
    """
    with transaction.atomic():
        board = Board.objects.select_for_update().get(pk=board_id)
        return _fold(board, _limits()[1] if keep is None else max(keep, 0))


def _fold(board: Board, keep: int) -> int:
    # The cut is a checkpoint version, so replays after it start from a stored document.
    cut = (board.version - keep) // CHECKPOINT_EVERY * CHECKPOINT_EVERY
    first = BoardOp.objects.filter(board=board).order_by("version").values_list("version", flat=True).first()
    if first is None or cut < first:
        return 0
    have = set(Snapshot.objects.filter(board=board, kind=Snapshot.Kind.AUTO).values_list("version", flat=True))
    for version in range(
        max(CHECKPOINT_EVERY, first // CHECKPOINT_EVERY * CHECKPOINT_EVERY), cut + 1, CHECKPOINT_EVERY
    ):
        if version not in have and version >= first:
            author = BoardOp.objects.filter(board=board, version=version).values_list("user", flat=True).first()
            Snapshot.objects.create(
                board=board,
                version=version,
                kind=Snapshot.Kind.AUTO,
                author_id=author,
                document=document_at(board, version),
            )
    deleted, _ = BoardOp.objects.filter(board=board, version__lte=cut).delete()
    return deleted
