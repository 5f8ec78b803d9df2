"""`manage.py compact_ops [BOARD_ID ...] [--keep N]`: fold old ops into checkpoints now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from whiteboard.boards.compaction import board_compact
from whiteboard.boards.models import Board


class Command(BaseCommand):
    help = "Fold all but the newest ops of each board (or the given boards) into checkpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("board_ids", nargs="*", type=int)
        parser.add_argument("--keep", type=int, default=None, help="single ops to keep (default ARCHBOARD_OPS_KEEP)")

    def handle(self, *args: Any, board_ids: list[int], keep: int | None, **options: Any) -> None:
        ids = board_ids or list(Board.objects.values_list("pk", flat=True))
        removed = sum(board_compact(board_id=board_id, keep=keep) for board_id in ids)
        self.stdout.write(f"compacted {len(ids)} board(s): {removed} op(s) folded into checkpoints")
