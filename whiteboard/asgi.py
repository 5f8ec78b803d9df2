"""ASGI entry point: HTTP through Django, WebSockets through Channels (`/ws/boards/{id}/`), and the
MCP server at `/mcp` (whiteboard.mcp.http), all behind the request body limit."""

from __future__ import annotations

import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "whiteboard.settings")
django.setup(set_prefix=False)

from whiteboard.http_handler import PooledASGIHandler  # noqa: E402

django_asgi_app = PooledASGIHandler()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from whiteboard.boards.routing import websocket_application  # noqa: E402
from whiteboard.limits import BodyLimit  # noqa: E402
from whiteboard.mcp.http import PATH, endpoint  # noqa: E402


async def http_application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["path"] in (PATH, f"{PATH}/"):
        await endpoint(scope, receive, send)
    else:
        await django_asgi_app(scope, receive, send)


application = ProtocolTypeRouter({"http": BodyLimit(http_application), "websocket": websocket_application})
