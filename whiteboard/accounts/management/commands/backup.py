"""`manage.py backup FILE`: users, boards, op logs, snapshots, comments and more in one archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from whiteboard.backup import backup


class Command(BaseCommand):
    help = "Write every user, board, op, snapshot, membership, link and comment to one .json.gz archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        counts = backup(file)
        self.stdout.write(f"wrote {file}: " + ", ".join(f"{n} {label}" for label, n in counts.items()))
