"""The one way services tell live editors about a change: committed ops and review events.

Services run in worker threads, or in processes with no WebSocket at all (a management command),
so they cannot reach the collaboration hub directly, and importing it would tie the services to
the code that serves sockets. The hub of a process that serves WebSockets registers itself here
(`serve_with`): committed ops then reach its own sockets at once and the other workers through it.
Without one, messages go straight to the channel layer, where every worker's hub picks them up.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from whiteboard.accounts.models import ApiToken
from whiteboard.boards.models import Membership, ShareLink
from whiteboard.boards.types import AppliedOp
from whiteboard.collab import protocol

log = logging.getLogger(__name__)


def group_name(board_id: int) -> str:
    """The channel-layer group of every worker with a live editor of the board."""
    return f"board.{board_id}"


# Every worker's hub is in this group: it hears of changes of who may do what made elsewhere.
ACCESS_GROUP = "archboard.access"

# --- access change notices -------------------------------------------------------------------------
# Sockets cache their access check (ACCESS_CACHE in the consumer) instead of asking the database
# on every op. A change of who may do what (a membership, a token, a log-out, a user, a link)
# moves this counter: in the process that made it at once, in every other worker when the notice
# sent after its commit arrives; a socket re-checks before its next op, and its watch loop at once.
_access_epoch = 0


def access_epoch() -> int:
    return _access_epoch


def access_moved() -> None:
    """This process's sockets re-check their access (before their next op, and in their watch)."""
    global _access_epoch
    _access_epoch += 1


def _access_changed(**kwargs: Any) -> None:
    # At once here (this process's sockets re-check before their next op), and everywhere once
    # committed: a worker told before the commit would read the old access and keep it.
    access_moved()
    transaction.on_commit(announce_access_change)


def connect_access_signals() -> None:
    """Announce every change of who may do what made through the ORM, in any process (a worker,
    a management command, a shell): called by the boards app when Django starts. Changes no signal
    reports (a session that expires, a row edited by hand) reach open sockets by their periodic
    check (the consumer's RECHECK_INTERVAL)."""
    for model in (Membership, ApiToken, User, ShareLink):
        post_save.connect(_access_changed, sender=model, dispatch_uid=f"collab-access-save-{model.__name__}")
        post_delete.connect(_access_changed, sender=model, dispatch_uid=f"collab-access-delete-{model.__name__}")
    user_logged_out.connect(_access_changed, dispatch_uid="collab-access-logout")


def announce_access_change() -> None:
    """After a committed change of access: every worker's sockets re-check, this one's too.

    Run on commit: a worker told before the commit would read the old access, and keep it."""
    access_moved()
    hub = _local_hub()
    if hub is not None:
        hub.loop.call_soon_threadsafe(hub.tell_access_changed, context=contextvars.Context())
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(ACCESS_GROUP, {"type": "hub.access", "origin": ""})
    except Exception:
        # The change is stored; the other workers' sockets see it at their next periodic check.
        log.exception("collab: could not tell the other workers of an access change")


class LocalHub(Protocol):
    loop: asyncio.AbstractEventLoop

    def publish_many(self, board_id: int, frames: list[tuple[int, str]]) -> None: ...

    def tell_access_changed(self) -> None: ...


def _no_hub() -> LocalHub | None:
    return None


_local_hub: Callable[[], LocalHub | None] = _no_hub


def serve_with(find: Callable[[], LocalHub | None]) -> None:
    """How to find this process's running hub, if it has one (set by whiteboard.collab.hub)."""
    global _local_hub
    _local_hub = find


def announce_many(batch: list[AppliedOp]) -> None:
    """Tell every live editor of the board about ops that were just committed (in version order).

    Called after commit from any thread (services run ops in worker threads). In a process that
    serves WebSockets the local hub delivers them and forwards them to the other workers; elsewhere
    (a management command, a test) they go straight to the channel layer.
    """
    if not batch:
        return
    board_id = batch[0].board_id
    frames = [(a.version, protocol.encode(protocol.applied(a.version, a.op_id, a.user, a.op))) for a in batch]
    hub = _local_hub()
    if hub is not None:
        hub.loop.call_soon_threadsafe(hub.publish_many, board_id, frames, context=contextvars.Context())
        return
    layer = get_channel_layer()
    if layer is None:
        return
    for version, frame in frames:
        message = {"type": "hub.applied", "board": board_id, "version": version, "frame": frame}
        try:
            async_to_sync(layer.group_send)(group_name(board_id), {**message, "origin": ""})
        except Exception:
            # The op is stored; live editors catch up from the log. Never fail a commit over this.
            log.exception("collab: could not announce board %s version %s", board_id, version)


def send_event(board_id: int, message: dict[str, Any]) -> None:
    """Send `message` (a comment or review-status change) to every live client of the board.

    It goes to the board's group as `{"type": "hub.event", "board", "frame"}`; every worker's hub,
    this one's too (its origin is ""), writes `frame` (the encoded message) to each socket of the board.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    frame = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
    try:
        async_to_sync(layer.group_send)(
            group_name(board_id), {"type": "hub.event", "board": board_id, "frame": frame, "origin": ""}
        )
    except Exception:
        # The change is stored; a client that missed it sees it on its next fetch.
        log.exception("reviews: could not notify board %s", board_id)
