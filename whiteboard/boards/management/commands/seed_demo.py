from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from whiteboard.boards.models import Board
from whiteboard.boards.services import board_create
from whiteboard.domain.board import parse_board_json


class Command(BaseCommand):
    help = "Create the demo user and load the demo boards from fixtures/ (idempotent); print the login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="archboard-demo")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        user, created = User.objects.get_or_create(username=options["username"])
        if created:
            user.set_password(options["password"])
            user.save()
        existing = set(Board.objects.filter(owner=user).values_list("name", flat=True))
        loaded = 0
        for path in sorted(Path(settings.BASE_DIR, "fixtures").glob("*.json")):
            doc = parse_board_json(path.read_bytes())
            if doc["name"] in existing:
                continue
            board_create(owner=user, document=doc)
            loaded += 1
        total = Board.objects.filter(owner=user).count()
        self.stdout.write(f"Demo boards: {loaded} loaded, {total} in the demo account.")
        if created:
            self.stdout.write(f"Demo login: username {options['username']!r}, password {options['password']!r}")
        else:
            self.stdout.write(
                f"Demo login: username {options['username']!r} (password {options['password']!r} unless you changed it)"
            )
