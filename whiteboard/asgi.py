"""ASGI entry point: HTTP through Django, WebSockets through Channels (`/ws/boards/{id}/`)."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "whiteboard.settings")
django.setup(set_prefix=False)

from whiteboard.http_handler import PooledASGIHandler  # noqa: E402

django_asgi_app = PooledASGIHandler()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from whiteboard.boards.routing import websocket_application  # noqa: E402
from whiteboard.limits import BodyLimit  # noqa: E402

application = ProtocolTypeRouter({"http": BodyLimit(django_asgi_app), "websocket": websocket_application})
