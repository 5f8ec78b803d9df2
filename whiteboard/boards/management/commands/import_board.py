from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from whiteboard.boards.management.cli import EXIT_BAD_INPUT, read_board_arg, text_arg
from whiteboard.boards.services import board_create
from whiteboard.boards.types import LimitExceeded


class Command(BaseCommand):
    help = (
        "Import a board (FILE: a board document or any importable format, or - for stdin) as a new board "
        "owned by --owner; prints its id."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--owner", required=True, help="username of the owner")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = get_user_model().objects.filter(username=text_arg(options["owner"], "--owner")).first()
        if owner is None:
            raise CommandError(f"no user named {options['owner']!r}", returncode=EXIT_BAD_INPUT)
        doc = read_board_arg(options["file"])
        try:
            board = board_create(owner=owner, document=doc)
        except LimitExceeded as exc:
            raise CommandError(str(exc), returncode=EXIT_BAD_INPUT) from None
        self.stderr.write(f"imported {doc['name'] or 'untitled'!r} as board {board.pk} (version {board.version})")
        self.stdout.write(str(board.pk))
