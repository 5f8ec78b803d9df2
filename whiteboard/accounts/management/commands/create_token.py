from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from whiteboard.accounts.services import token_create
from whiteboard.boards.management.cli import text_arg


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--create", action="store_true", help="create the user if missing")
        parser.add_argument("--name", default="cli", help="a name to recognise the token by")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        username = text_arg(options["username"], "USERNAME")
        name = text_arg(options["name"], "--name")
        user = User.objects.filter(username=username).first()
        if user is None:
            if not options["create"]:
                raise CommandError(f"no user named {username!r} (use --create to make one)", returncode=2)
            user = User.objects.create_user(username=username)
            self.stderr.write(f"created user {username!r} (no password: log in with a token)")
        _, raw = token_create(user=user, name=name)
        self.stdout.write(raw)
