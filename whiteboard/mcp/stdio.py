"""The MCP server over stdio, for one user (`manage.py mcp --user NAME`, SPEC 6 and 10).

A desktop client starts this as a child process and speaks JSON-RPC over its stdin and stdout,
one message per line. Each line is screened strictly before the SDK reads it, as over HTTP
(whiteboard.mcp.screen): a tool call's bad arguments are held for the tool to answer as a tool
error, and any other bad message is answered here with an Invalid Request error naming the
problems.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Any

import anyio
import mcp_types as types
from django.conf import settings
from django.contrib.auth.models import User
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage

from whiteboard.mcp.screen import refusal, screen
from whiteboard.mcp.server import ArchboardMCP


class ScreenedLines:
    """The server's stdin as the SDK's stdio transport reads it: screened text lines."""

    def __init__(self, server: ArchboardMCP, source: AsyncIterator[bytes]) -> None:
        self.server = server
        self.source = source
        self.replies: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    async def __aiter__(self) -> AsyncIterator[str]:
        async for line in self.source:
            if not line.strip():
                continue
            screened = screen(line, limit=settings.ARCHBOARD_MAX_BODY_BYTES)
            if screened.text is None:
                replies = await self.replies
                await replies.send(SessionMessage(types.jsonrpc_message_adapter.validate_python(refusal(screened))))
                continue
            if screened.held:
                self.server.held[screened.request_id] = screened.held
            yield screened.text.decode()


async def serve_stdio(user: User) -> None:
    """Serve MCP on this process's stdin and stdout, as `user`, until stdin closes."""
    server = ArchboardMCP(stdio_user=user)
    stdin = anyio.wrap_file(sys.stdin.buffer)
    lines = ScreenedLines(server, aiter(stdin))
    async with stdio_server(stdin=lines) as (read_stream, write_stream):  # type: ignore[arg-type]
        lines.replies.set_result(write_stream)
        await server.run_over(read_stream, write_stream)
