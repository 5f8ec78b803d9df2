"""`manage.py restore FILE [--replace]`: load a `manage.py backup` archive, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from whiteboard.backup import BackupError, restore


class Command(BaseCommand):
    help = "Load a backup archive into an empty database (or replace what is there with --replace)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--replace", action="store_true", help="delete the current data first")

    def handle(self, *args: Any, file: Path, replace: bool, **options: Any) -> None:
        try:
            counts = restore(file, replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored {file}: " + ", ".join(f"{n} {label}" for label, n in counts.items()))
