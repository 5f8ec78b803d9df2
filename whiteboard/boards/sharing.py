"""Sharing a board: invitations by username or email, ownership transfer, read-only links.

Roles themselves are `Membership` rows (`services.board_share` / `board_unshare`); who may do what
is decided in `access.get_board_for`, which also honours read-only links.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from whiteboard.boards.access import link_digest
from whiteboard.boards.models import Board, Membership, ShareLink
from whiteboard.boards.services import board_share
from whiteboard.domain.board import BoardError

LINK_PREFIX = "abl_"
MAX_LINKS_PER_BOARD = 20


def find_user(who: str) -> User | None:
    """The user named `who`, or the one user with that email address (case-insensitive)."""
    who = who.strip()
    if not who:
        return None
    users = get_user_model().objects.filter(is_active=True)
    user = users.filter(username=who).first()
    if user is None and "@" in who:
        matches = list(users.filter(email__iexact=who)[:2])
        user = matches[0] if len(matches) == 1 else None
    return user


def board_invite(*, board: Board, who: str, role: str) -> Membership:
    """Share the board with the user named (or emailed) `who`; BoardError naming the problem."""
    user = find_user(who)
    if user is None:
        raise BoardError.one("username", "no user with that username or email address")
    return board_share(board=board, user=user, role=role)


def board_transfer(*, board: Board, new_owner: User) -> Board:
    """Hand the board to a user it is shared with; the old owner stays on as an editor."""
    if new_owner.pk == board.owner_id:
        raise BoardError.one("username", "that user owns the board already")
    with transaction.atomic():
        locked = Board.objects.select_for_update().get(pk=board.pk)
        if not Membership.objects.filter(board=locked, user=new_owner).exists():
            raise BoardError.one("username", "share the board with that user first")
        old_owner_id = locked.owner_id
        Membership.objects.filter(board=locked, user=new_owner).delete()
        Membership.objects.update_or_create(
            board=locked, user_id=old_owner_id, defaults={"role": Membership.Role.EDITOR}
        )
        locked.owner = new_owner
        locked.save(update_fields=["owner"])
    return locked


def link_create(*, board: Board, user: User) -> tuple[ShareLink, str]:
    """A new read-only link; returns it with its token, which is shown once and never stored."""
    if ShareLink.objects.filter(board=board, revoked_at__isnull=True).count() >= MAX_LINKS_PER_BOARD:
        raise BoardError.one("link", f"a board has at most {MAX_LINKS_PER_BOARD} live links; revoke one first")
    token = LINK_PREFIX + secrets.token_urlsafe(24)
    link = ShareLink.objects.create(board=board, digest=link_digest(token), hint=token[-4:], created_by=user)
    return link, token


def link_revoke(*, board: Board, link_id: int) -> bool:
    """Revoke at once: the next request (or WebSocket check) with the token gets 404."""
    link = ShareLink.objects.filter(board=board, pk=link_id, revoked_at__isnull=True).first()
    if link is None:
        return False
    link.revoked_at = timezone.now()
    # A save (not a queryset update) so open sockets hear of the change and re-check at once.
    link.save(update_fields=["revoked_at"])
    return True


def link_board_id(token: str) -> int | None:
    """The board a live link token opens, or None (then the caller answers 404)."""
    if not token.startswith(LINK_PREFIX) or len(token) > 100:
        return None
    return (
        ShareLink.objects.filter(digest=link_digest(token), revoked_at__isnull=True)
        .values_list("board_id", flat=True)
        .first()
    )


def live_links(board: Board) -> list[ShareLink]:
    return list(ShareLink.objects.filter(board=board, revoked_at__isnull=True).select_related("created_by"))


def members(board: Board) -> list[tuple[User, str]]:
    """Everyone with a role on the board, the owner first."""
    rows = Membership.objects.filter(board=board).select_related("user").order_by("user__username")
    return [(board.owner, "owner"), *((m.user, m.role) for m in rows)]
