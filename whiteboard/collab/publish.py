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

from whiteboard.boards.types import AppliedOp
from whiteboard.collab import protocol

log = logging.getLogger(__name__)


def group_name(board_id: int) -> str:
    """The channel-layer group of every worker with a live editor of the board."""
    return f"board.{board_id}"


class LocalHub(Protocol):
    loop: asyncio.AbstractEventLoop

    def publish_many(self, board_id: int, frames: list[tuple[int, str]]) -> None: ...


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
