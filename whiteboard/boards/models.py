from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from whiteboard.domain.board import in_key_order


class BoardDocumentField(models.JSONField):
    """A board document, stored and read back with its keys in the order they were written.

    PostgreSQL's `jsonb` sorts object keys, so on PostgreSQL the column is plain `json`, which
    keeps the text as sent (and is cheaper to write); nothing queries inside a document. Documents
    still read back in the schema's key order, for rows written while the column was `jsonb`.
    """

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if connection.vendor != "postgresql" or value is None:
            return super().get_db_prep_value(value, connection, prepared)
        from psycopg.types.json import Json  # PostgreSQL only: send as `json`, not as `jsonb`

        return Json(value if prepared else self.get_prep_value(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is not None and not isinstance(value, str):  # psycopg decodes `json` itself
            return in_key_order(value)
        return in_key_order(super().from_db_value(value, expression, connection))


class Board(models.Model):
    """A board: its current document, and the version that every applied op increments.

    `document` is always a valid board in normal form (whiteboard.domain.board); the op log
    (BoardOp) replays to it from an empty board.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_boards")
    name = models.CharField(max_length=200, blank=True, db_index=True)
    document = BoardDocumentField()
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What the board list shows of the document, stored beside it by the services that write it
    # (`summary_of`), so a list never loads documents of up to 2 MiB. Null when not known: a row
    # restored from a backup made before these columns existed; the next list fills it in.
    node_count = models.PositiveIntegerField(null=True)
    edge_count = models.PositiveIntegerField(null=True)
    description = models.TextField(blank=True, default="")
    # The labels of its components, connections and groups (and the components' technologies), one
    # per line: what the board search looks in besides the name and the description.
    labels = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.name or f"Board {self.pk}"

    @staticmethod
    def summary_of(document: dict[str, Any]) -> dict[str, Any]:
        """The summary columns for `document`: every write of `Board.document` sets them too."""
        return {
            "node_count": len(document.get("nodes", [])),
            "edge_count": len(document.get("edges", [])),
            "description": document.get("description", ""),
            "labels": searchable_labels(document),
        }


def searchable_labels(document: dict[str, Any]) -> str:
    """The words a board search finds a board by, beyond its name and description."""
    words: list[str] = []
    for section in ("nodes", "edges", "groups"):
        for element in document.get(section, []):
            if element.get("label"):
                words.append(str(element["label"]))
            tech = (element.get("props") or {}).get("tech")
            if isinstance(tech, str) and tech:
                words.append(tech)
    return "\n".join(dict.fromkeys(words))


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
        # By the column: ordering by the relation would order by Board's own ordering, which
        # joins the board into every op query and keeps SQLite off the indexes below.
        ordering = ["board_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["board", "version"], name="one_op_per_version"),
        ]
        indexes = [models.Index(fields=["board", "user", "op_id"], name="op_resend_lookup")]

    def __str__(self) -> str:
        return f"{self.board_id}@{self.version} {self.op.get('action')}"


class Snapshot(models.Model):
    """A saved state of a board: a version someone named, or an automatic checkpoint.

    Checkpoints are taken every `CHECKPOINT_EVERY` ops and before the first op after a pause, so
    any past version is rebuilt by replaying a short stretch of the op log from the nearest one.
    """

    class Kind(models.TextChoices):
        NAMED = "named", "Named version"
        AUTO = "auto", "Checkpoint"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="snapshots")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=5, choices=Kind.choices)
    name = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    document = BoardDocumentField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["board_id", "-version", "-pk"]  # by the column: no join (see BoardOp)
        indexes = [models.Index(fields=["board", "version"], name="snapshot_lookup")]

    def __str__(self) -> str:
        return f"{self.board_id}@{self.version} {self.name or self.kind}"


class ShareLink(models.Model):
    """A revocable read-only link. Only the SHA-256 digest of its token is stored."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="share_links")
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=8)  # the token's last characters, to tell links apart
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"link …{self.hint} to {self.board_id}"
