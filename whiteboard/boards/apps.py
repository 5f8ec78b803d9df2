from __future__ import annotations

from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "whiteboard.boards"
    label = "boards"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from whiteboard.collab.publish import connect_access_signals

        connect_access_signals()
