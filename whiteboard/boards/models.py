from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class Board(models.Model):
    """A board: its current document, and the version that every applied op increments.

    `document` is always a valid board in normal form (whiteboard.domain.board); the op log
    (BoardOp) replays to it from an empty board.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_boards")
    name = models.CharField(max_length=200, blank=True, db_index=True)
    document = models.JSONField()
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.name or f"Board {self.pk}"

    @property
    def node_count(self) -> int:
        return len(self.document.get("nodes", []))

    @property
    def edge_count(self) -> int:
        return len(self.document.get("edges", []))


class Membership(models.Model):
    """A collaborator's role on a board. The owner is `Board.owner`, not a membership."""

    class Role(models.TextChoices):
        EDITOR = "editor", "Editor"
        VIEWER = "viewer", "Viewer"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["board", "user"], name="one_membership_per_user")]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.board}"


class BoardOp(models.Model):
    """One applied op: the log that every change of a board goes through, in version order."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="ops")
    version = models.PositiveIntegerField()
    op_id = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    op: models.JSONField[Any] = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["board", "version"]
        constraints = [
            models.UniqueConstraint(fields=["board", "version"], name="one_op_per_version"),
        ]
        indexes = [models.Index(fields=["board", "user", "op_id"], name="op_resend_lookup")]

    def __str__(self) -> str:
        return f"{self.board_id}@{self.version} {self.op.get('action')}"
