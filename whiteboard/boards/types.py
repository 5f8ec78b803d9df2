"""What the board services take and give back: shared by the services, the live fan-out and the interfaces.

In a module of its own so that the collaboration layer can name an applied op without importing
the services that produce it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from whiteboard.domain.board import BoardError


class VersionConflict(Exception):
    def __init__(self, current: int) -> None:
        self.current = current
        super().__init__(f"the board is at version {current}")


class LimitExceeded(Exception):
    pass


@dataclass(frozen=True)
class AppliedOp:
    board_id: int
    version: int
    op_id: str
    user: str
    op: dict[str, Any]
    document: dict[str, Any]
    duplicate: bool = False

    def message(self) -> dict[str, Any]:
        """The `applied` message of the WebSocket protocol (SPEC section 5)."""
        return {"type": "applied", "version": self.version, "op_id": self.op_id, "user": self.user, "op": self.op}


@dataclass(frozen=True)
class OpItem:
    """One op waiting to be applied: `board_apply_ops` takes a batch of them (from many sockets)."""

    op: Any
    op_id: str
    user: User | None
    expect_version: int | None = None


# Each item of a batch ends in its own result: the applied op, or the error that rejected it.
OpResult = AppliedOp | BoardError | VersionConflict
