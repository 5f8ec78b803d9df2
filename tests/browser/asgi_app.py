"""The ASGI application the browser tests and the editor benchmark serve.

It is `whiteboard.asgi.application`; until that routes WebSockets, the board consumer's routes are
added here so the editor can be driven end to end.
"""

from __future__ import annotations

from typing import Any

from whiteboard.asgi import application as _project_application
from whiteboard.asgi import django_asgi_app

application: Any = _project_application
if "websocket" not in getattr(_project_application, "application_mapping", {}):
    from channels.routing import ProtocolTypeRouter

    from whiteboard.boards.routing import websocket_application

    application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application})
