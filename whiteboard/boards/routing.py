"""WebSocket routes. `websocket_application` is the whole stack: origin check, auth, routes."""

from __future__ import annotations

from channels.routing import URLRouter
from django.urls import path

from whiteboard.boards.consumers import BoardConsumer
from whiteboard.collab.auth import websocket_auth_stack

websocket_urlpatterns = [
    path("ws/boards/<int:board_id>/", BoardConsumer.as_asgi()),
]

websocket_application = websocket_auth_stack(URLRouter(websocket_urlpatterns))
