"""The one access check: every page, API route and WebSocket asks here what a user may do."""

from __future__ import annotations

import hashlib
from typing import Literal

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from whiteboard.boards.models import Board, Membership, ShareLink
from whiteboard.boards.services import board_summaries_fill

Role = Literal["owner", "editor", "viewer"]
Need = Literal["view", "edit", "own"]

_RANK: dict[str, int] = {"viewer": 1, "editor": 2, "owner": 3}
_NEED_RANK: dict[str, int] = {"view": 1, "edit": 2, "own": 3}


def role_for(user: User | AnonymousUser, board: Board, *, link: str | None = None) -> Role | None:
    """The user's role; a live read-only link (`link` is its token) makes anyone a viewer."""
    if user.is_authenticated:
        if board.owner_id == user.pk:
            return "owner"
        # Unordered, as there is one membership per user at most: no ORDER BY to compile.
        roles = Membership.objects.filter(board=board, user_id=user.pk).order_by().values_list("role", flat=True)[:1]
        if roles:
            return roles[0]  # type: ignore[return-value]
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
    # get(), not first(): first() orders by the model's ordering, an ORDER BY to compile (a fifth
    # of the query's cost) for a lookup by primary key.
    try:
        board: Board | None = Board.objects.get(pk=board_id)
    except Board.DoesNotExist:
        board = None
    role = role_for(user, board, link=link) if board is not None else None
    if board is None or role is None:
        raise Http404("No such board.")
    if not allows(role, need):
        raise PermissionDenied(f"Your role on this board is {role}; this needs {need} rights.")
    return board, role


def boards_visible_to(user: User, *, name_contains: str = "") -> list[tuple[Board, Role]]:
    """The boards the user owns or has a role on, most recently changed first, with the user's role.

    Without their documents (up to 2 MiB each, and a user may have hundreds of boards): a list
    shows the summary columns. `name_contains` keeps the boards whose name, description or labels
    (of components, connections, groups, and technologies) contain it, any case.
    """
    # Unordered in SQL: the two lists are sorted together below.
    owned = Board.objects.filter(owner=user).order_by().defer("document", "labels")
    shared = (
        Membership.objects.filter(user=user)
        .order_by()
        .select_related("board")
        .defer("board__document", "board__labels")
    )
    if name_contains:
        owned = owned.filter(
            Q(name__icontains=name_contains)
            | Q(description__icontains=name_contains)
            | Q(labels__icontains=name_contains)
        )
        shared = shared.filter(
            Q(board__name__icontains=name_contains)
            | Q(board__description__icontains=name_contains)
            | Q(board__labels__icontains=name_contains)
        )
    result: list[tuple[Board, Role]] = [(b, "owner") for b in owned]
    result += [(m.board, m.role) for m in shared]  # type: ignore[misc]
    result.sort(key=lambda pair: pair[0].updated_at, reverse=True)
    board_summaries_fill(boards=[board for board, _ in result])
    return result
