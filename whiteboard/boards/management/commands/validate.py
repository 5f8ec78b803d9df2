from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from whiteboard.boards.management.cli import read_board_arg


class Command(BaseCommand):
    help = "Validate a board document (FILE, or - for stdin). Exit 0 when valid, 2 with the reasons when not."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        doc = read_board_arg(options["file"])
        self.stdout.write(
            f"valid: {doc['name'] or 'untitled'} — {len(doc['nodes'])} nodes, {len(doc['edges'])} edges, "
            f"{len(doc['groups'])} groups"
        )
