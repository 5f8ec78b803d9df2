"""The one access check: every page, API route and WebSocket asks here what a user may do."""

from __future__ import annotations

from typing import Literal

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from whiteboard.boards.models import Board, Membership

Role = Literal["owner", "editor", "viewer"]
Need = Literal["view", "edit", "own"]

_RANK: dict[str, int] = {"viewer": 1, "editor": 2, "owner": 3}
_NEED_RANK: dict[str, int] = {"view": 1, "edit": 2, "own": 3}


def role_for(user: User | AnonymousUser, board: Board) -> Role | None:
    if not user.is_authenticated:
        return None
    if board.owner_id == user.pk:
        return "owner"
    role = Membership.objects.filter(board=board, user_id=user.pk).values_list("role", flat=True).first()
    return role  # type: ignore[return-value]


def allows(role: str | None, need: Need) -> bool:
    return role is not None and _RANK[role] >= _NEED_RANK[need]


def get_board_for(user: User | AnonymousUser, board_id: int, *, need: Need = "view") -> tuple[Board, Role]:
    """The board and the user's role on it.

    A board the user may not see does not exist for them (404); a board they can see but not
    change in the way asked answers 403.
    """
    board = Board.objects.filter(pk=board_id).first()
    role = role_for(user, board) if board is not None else None
    if board is None or role is None:
        raise Http404("No such board.")
    if not allows(role, need):
        raise PermissionDenied(f"Your role on this board is {role}; this needs {need} rights.")
    return board, role


def boards_visible_to(user: User) -> list[tuple[Board, Role]]:
    owned = [(b, "owner") for b in Board.objects.filter(owner=user)]
    shared = [
        (m.board, m.role)
        for m in Membership.objects.filter(user=user).select_related("board").order_by("-board__updated_at")
    ]
    result: list[tuple[Board, Role]] = owned + shared  # type: ignore[assignment]
    result.sort(key=lambda pair: pair[0].updated_at, reverse=True)
    return result
