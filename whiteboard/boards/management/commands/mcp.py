from __future__ import annotations

from typing import Any

import anyio
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from whiteboard.boards.management.cli import EXIT_BAD_INPUT, text_arg
from whiteboard.mcp.stdio import serve_stdio


class Command(BaseCommand):
    help = (
        "Serve the MCP server (SPEC 10) over stdin and stdout, acting as --user: "
        "the command an MCP client such as Claude Desktop starts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, metavar="NAME", help="username the agent acts for")

    def handle(self, *args: Any, **options: Any) -> None:
        name = text_arg(options["user"], "--user")
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {name!r}", returncode=EXIT_BAD_INPUT)
        anyio.run(serve_stdio, user)
