from __future__ import annotations

from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "whiteboard.boards"
    label = "boards"
    default_auto_field = "django.db.models.BigAutoField"
