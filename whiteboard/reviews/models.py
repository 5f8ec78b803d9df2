from __future__ import annotations

from django.conf import settings
from django.db import models

from whiteboard.boards.models import Board


class Thread(models.Model):
    """A comment thread on a node, an edge or the whole board.

    It is tied to the element's id, so it survives label changes; `target_label` keeps the label
    the element had when the thread was opened, to name it once the element is deleted.
    """

    class Target(models.TextChoices):
        BOARD = "board", "Board"
        NODE = "node", "Node"
        EDGE = "edge", "Edge"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="threads")
    target_type = models.CharField(max_length=5, choices=Target.choices)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField()  # the board version the thread was opened at
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["board", "target_type", "target_id"], name="thread_target")]

    def __str__(self) -> str:
        return f"thread {self.pk} on {self.target_type} {self.target_id}"

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


class Comment(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} in thread {self.thread_id}"


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"


class BoardReview(models.Model):
    """The review state of a board: its status, its named reviewers, and who set it when."""

    board = models.OneToOneField(Board, on_delete=models.CASCADE, related_name="review_state")
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="reviewing")
    version = models.PositiveIntegerField(default=0)  # the board version the status was set at
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.board_id}: {self.status}"


class ReviewEvent(models.Model):
    """One status change, kept for the record."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="review_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(max_length=20, choices=ReviewStatus.choices)
    to_status = models.CharField(max_length=20, choices=ReviewStatus.choices)
    version = models.PositiveIntegerField()
    note = models.TextField(blank=True)
    reviewers = models.JSONField(default=list)  # usernames named at this change
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.board_id}: {self.from_status} -> {self.to_status}"
