"""The one access check: every page, API route and WebSocket asks here what a user may do."""

from __future__ import annotations

import hashlib
from typing import Literal

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from whiteboard.boards.models import Board, Membership, ShareLink

Role = Literal["owner", "editor", "viewer"]
Need = Literal["view", "edit", "own"]

_RANK: dict[str, int] = {"viewer": 1, "editor": 2, "owner": 3}
_NEED_RANK: dict[str, int] = {"view": 1, "edit": 2, "own": 3}


def role_for(user: User | AnonymousUser, board: Board, *, link: str | None = None) -> Role | None:
    """The user's role; a live read-only link (`link` is its token) makes anyone a viewer."""
    if user.is_authenticated:
        if board.owner_id == user.pk:
            return "owner"
        role = Membership.objects.filter(board=board, user_id=user.pk).values_list("role", flat=True).first()
        if role is not None:
            return role  # type: ignore[return-value]
    if link and ShareLink.objects.filter(board=board, digest=link_digest(link), revoked_at__isnull=True).exists():
        return "viewer"
    return None


def link_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def allows(role: str | None, need: Need) -> bool:
    return role is not None and _RANK[role] >= _NEED_RANK[need]


def get_board_for(
    user: User | AnonymousUser, board_id: int, *, need: Need = "view", link: str | None = None
) -> tuple[Board, Role]:
    """The board and the user's role on it (`link`: the token of a read-only link, if any).

    A board the user may not see does not exist for them (404); a board they can see but not
    change in the way asked answers 403.
    """
    board = Board.objects.filter(pk=board_id).first()
    role = role_for(user, board, link=link) if board is not None else None
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
