from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from whiteboard.boards.management.cli import EXIT_BAD_INPUT
from whiteboard.boards.models import Board
from whiteboard.domain.board import dumps_board


class Command(BaseCommand):
    help = "Export board ID as a board document to FILE (- for stdout)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int)
        parser.add_argument("-o", "--output", required=True, help="output file, or - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        board = Board.objects.filter(pk=options["id"]).first()
        if board is None:
            raise CommandError(f"no board with id {options['id']}", returncode=EXIT_BAD_INPUT)
        text = dumps_board(board.document) + "\n"
        if options["output"] == "-":
            sys.stdout.write(text)
            return
        try:
            Path(options["output"]).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {options['output']}: {exc.strerror}", returncode=EXIT_BAD_INPUT) from None
        self.stderr.write(f"exported board {board.pk} (version {board.version}) to {options['output']}")
