"""The board WebSocket (SPEC section 5): `/ws/boards/<id>/`.

Every op goes through `board_apply_op` (one transaction, version + 1, stored before anyone hears
of it); its `applied` message then reaches every connection of the board, the sender included,
through the worker's hub (whiteboard.collab.hub), which fans out one pre-encoded frame per op.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import AnonymousUser

from whiteboard.boards.access import role_for
from whiteboard.boards.models import Board
from whiteboard.boards.services import board_apply_ops
from whiteboard.boards.types import OpItem, OpResult
from whiteboard.collab import protocol, store
from whiteboard.collab.auth import Credential
from whiteboard.collab.hub import Hub, get_hub
from whiteboard.collab.outlet import Outlet
from whiteboard.collab.publish import access_epoch
from whiteboard.domain.board import BoardError
from whiteboard.limits import ConnectionWindow, RateLimited

log = logging.getLogger(__name__)

# Ops per second one connection may send, with a burst allowance; past it the connection's own
# messages wait (TCP backpressure on the flooder), nobody else's do.
OP_RATE = 50.0
OP_BURST = 100.0
PRESENCE_INTERVAL = 1 / 30
# How long a socket relies on its last check of credential and role. A change of access made
# through the app moves `access_epoch` (in every worker, once committed), and the socket re-checks
# at once (its watch loop within WATCH_TICK, an op before it is applied); this interval is the
# backstop for changes nothing announces: a session expiring, a row edited by hand, a lost notice.
RECHECK_INTERVAL = 5.0
WATCH_TICK = 0.25
# The heartbeat (protocol.PING / PONG): a ping after this long with nothing sent to the client, and
# a client that keeps the heartbeat is closed after this long with nothing heard from it.
HEARTBEAT_INTERVAL = 5.0
SILENCE_LIMIT = 15.0


class _Denied(Exception):
    """The user may no longer see the board (or is no longer logged in)."""


def _role_now(credential: Credential | None, user: Any, board_id: int, link: str | None = None) -> str:
    # A read-only link (`?link=<token>`) lets anyone in as a viewer while it is live.
    logged_in = credential is not None and credential.still_valid()
    if not logged_in and not link:
        raise _Denied("you are not logged in (log in, or send Authorization: Bearer <token>)")
    board = Board.objects.only("id", "owner_id").filter(pk=board_id).first()  # not the document
    role = role_for(user if logged_in else AnonymousUser(), board, link=link) if board is not None else None
    if role is None:
        raise _Denied("this link no longer opens the board" if link else "you do not have access to this board")
    return role


def _link_from(scope: dict[str, Any]) -> str | None:
    """The read-only link's token from the handshake's query string (`?link=...`), if any."""
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("link")
    token = values[0] if values else None
    return token if token and len(token) <= 100 else None


def _apply_batch(board_id: int, items: list[OpItem]) -> list[OpResult | _Denied]:
    """The hub's group commit: every op of the board waiting for the database, in one transaction."""
    try:
        return list(board_apply_ops(board_id=board_id, items=items))
    except Board.DoesNotExist:
        return [_Denied("the board was deleted") for _ in items]


def _snapshot_frame(board_id: int, presence: list[dict[str, Any]], extra: dict[str, Any]) -> tuple[int, str]:
    state = store.snapshot(board_id)
    if state is None:
        raise _Denied("the board was deleted")
    version, board = state
    message = {"type": "snapshot", "version": version, "board": board, "presence": presence, **extra}
    return version, protocol.encode(message)


def _sync_frame(board_id: int, since: int, presence: list[dict[str, Any]]) -> str:
    reply = store.sync_reply(board_id, since)
    if reply["type"] == "snapshot":
        reply["presence"] = presence
    return protocol.encode(reply)


class BoardConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels ships no type hints
    # No channel of its own: the worker's hub does all fan-out. With one, every socket would also
    # sit in the channel layer's receive, and die with it when Redis goes away.
    channel_layer_alias = "archboard.no-layer-per-socket"
    board_id: int
    hub: Hub | None = None
    outlet: Outlet | None = None
    role: str | None = None
    role_epoch = -1
    role_checked = float("-inf")

    async def connect(self) -> None:
        self.board_id = int(self.scope["url_route"]["kwargs"]["board_id"])
        self.user = self.scope.get("user")
        self.credential = Credential.from_scope(self.scope)
        self.link = _link_from(self.scope)
        self.client_id = uuid.uuid4().hex[:12]
        self.name = self.user.get_username() if self.credential is not None else ""
        self.colour = protocol.colour_for(self.name)
        self.tokens = OP_BURST
        self.refilled = time.monotonic()
        self.op_limit = ConnectionWindow("ws_op")
        self.presence_limit = ConnectionWindow("ws_presence")
        self.presence_sent = 0.0
        self.presence_next: dict[str, Any] | None = None
        self.closing = False
        self.heard = self.sent = time.monotonic()
        self.keeps_heartbeat = False
        await self.accept()
        try:
            await self._check_role()  # nothing to tell yet: the snapshot carries the role
        except _Denied as exc:
            await self._deny(str(exc))
            return
        self.hub = get_hub()
        self.outlet = Outlet(self.client_id, self._write, self._too_slow)
        await self.hub.join(self.board_id, self.outlet)
        me = {"client": self.client_id, "user": self.name, "role": self.role, "color": self.colour}
        try:
            version, frame = await database_sync_to_async(_snapshot_frame)(
                self.board_id, self.hub.presence_list(self.board_id), me
            )
        except _Denied as exc:
            await self._deny(str(exc))
            return
        self.outlet.start(version, frame)
        self.hub.ready(self.board_id, version)
        self.told_role = self.role
        self.recheck = asyncio.get_running_loop().create_task(self._watch_forever())

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own dispatch first closes stale database connections through a hop to the
        # database thread, for every frame received. Here every database touch already goes
        # through database_sync_to_async, which does the same in that thread; on a busy board the
        # extra hop per frame was a tenth of the worker's time, and it queued behind the commits.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"no handler for message type {message['type']}")
        await handler(message)

    async def disconnect(self, code: int) -> None:
        self.closing = True
        if hasattr(self, "recheck"):
            self.recheck.cancel()
        if self.hub is not None and self.outlet is not None:
            await self.hub.leave(self.board_id, self.outlet, self.name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.outlet is None or self.closing:
            return
        self.heard = time.monotonic()
        try:
            message = protocol.parse(text_data, bytes_data)
        except protocol.BadMessage as exc:
            self._reply(protocol.rejected(exc.op_id, exc.errors))
            return
        kind = message["type"]
        # Every message type needs the access the socket had at its handshake, checked again (at
        # most RECHECK_INTERVAL old, at once after an announced change): a removed member or a
        # revoked link gets nothing more, not even a sync.
        try:
            await self._current_role()
        except _Denied as exc:
            op_id = message.get("op_id") if kind == "op" else None
            self._reply(protocol.rejected(op_id, [{"loc": "", "msg": str(exc)}]))
            await self._deny(str(exc))
            return
        # Whoever came in by a read-only link is a viewer: refuse the op but keep the socket.
        if kind == "op" and self.link is not None and self.role == "viewer":
            errors = [{"loc": "", "msg": "you are a viewer of this board (a read-only link): viewers cannot change it"}]
            self._reply(protocol.rejected(message.get("op_id"), errors))
            return
        await self.HANDLERS[kind](self, message)

    # --- ops -----------------------------------------------------------------------------------

    async def _on_op(self, message: dict[str, Any]) -> None:
        try:
            self.op_limit.hit()
        except RateLimited as exc:
            reply = protocol.rejected(message.get("op_id"), [{"loc": "", "msg": str(exc)}])
            self._reply({**reply, "retry_after": exc.retry_after})
            return
        await self._throttle()
        try:
            op_id, op = protocol.check_op_message(message, self.board_id)
            if await self._current_role() == "viewer":
                raise BoardError.one("", "you are a viewer of this board: viewers cannot change it")
            assert self.hub is not None
            applied = await self.hub.apply(self.board_id, OpItem(op, op_id, self.user), _apply_batch)
            if isinstance(applied, Exception):
                raise applied
        except BoardError as exc:
            self._reply(protocol.rejected(message.get("op_id"), exc.errors))
            return
        except _Denied as exc:
            self._reply(protocol.rejected(message.get("op_id"), [{"loc": "", "msg": str(exc)}]))
            await self._deny(str(exc))
            return
        except Exception:
            # The database failed the whole batch (a lost connection, say): nothing of it was
            # stored. The socket stays open and the client may send the op again.
            log.exception("board %s: op %r failed", self.board_id, message.get("op_id"))
            errors = [{"loc": "", "msg": "the server could not store this op just now; it was not applied"}]
            self._reply(protocol.rejected(message.get("op_id"), errors))
            return
        if applied.duplicate:
            # A resend: the original result again, to the sender only; the op is not applied twice.
            self._reply(applied.message())
        # A new op reaches everyone, the sender included, through the hub (see services.announce).

    async def _current_role(self) -> str:
        """The role, re-read after an access change and at least every RECHECK_INTERVAL."""
        stale = time.monotonic() - self.role_checked >= RECHECK_INTERVAL
        if self.role is None or access_epoch() != self.role_epoch or stale:
            await self._check_role()
        assert self.role is not None
        return self.role

    async def _check_role(self) -> None:
        """Ask the database (raises _Denied); tell the client when its role changed."""
        epoch, now = access_epoch(), time.monotonic()
        self.role = await database_sync_to_async(_role_now)(self.credential, self.user, self.board_id, self.link)
        self.role_epoch, self.role_checked = epoch, now
        self._tell_role()

    def _tell_role(self) -> None:
        """A role changed while the page is open (editor to viewer, or back): tell the page at once,
        so it switches to read-only (or back) instead of having its next edits refused."""
        if self.role != getattr(self, "told_role", self.role):
            self.told_role = self.role
            self._reply({"type": "role", "role": self.role})

    async def _throttle(self) -> None:
        now = time.monotonic()
        self.tokens = min(OP_BURST, self.tokens + (now - self.refilled) * OP_RATE)
        self.refilled = now
        if self.tokens < 1:
            await asyncio.sleep((1 - self.tokens) / OP_RATE)
            self.tokens = 1.0
            self.refilled = time.monotonic()
        self.tokens -= 1

    async def _on_sync(self, message: dict[str, Any]) -> None:
        try:
            since = protocol.check_sync(message)
        except BoardError as exc:
            self._reply(protocol.rejected(None, exc.errors))
            return
        assert self.hub is not None and self.outlet is not None
        frame = await database_sync_to_async(_sync_frame)(self.board_id, since, self.hub.presence_list(self.board_id))
        self.outlet.send(frame)

    # --- presence ------------------------------------------------------------------------------

    async def _on_presence(self, message: dict[str, Any]) -> None:
        try:
            fields = protocol.check_presence(message)
        except BoardError as exc:
            self._reply(protocol.rejected(None, exc.errors))
            return
        try:
            self.presence_limit.hit()
        except RateLimited:
            return  # presence is droppable: over the limit it is simply not passed on
        update = {
            "type": "presence",
            "user": self.name,
            "client": self.client_id,
            "color": self.colour,
            **fields,
        }
        wait = self.presence_sent + PRESENCE_INTERVAL - time.monotonic()
        if wait <= 0:
            self._send_presence(update)
        else:
            # Over ~30 updates/s: keep only the newest and send it when the interval is up.
            if self.presence_next is None:
                asyncio.get_running_loop().call_later(wait, self._send_pending_presence)
            self.presence_next = update

    def _send_pending_presence(self) -> None:
        update, self.presence_next = self.presence_next, None
        if update is not None and not self.closing:
            self._send_presence(update)

    def _send_presence(self, update: dict[str, Any]) -> None:
        self.presence_sent = time.monotonic()
        if self.hub is not None:
            self.hub.presence(self.board_id, self.client_id, update)

    # --- heartbeat -----------------------------------------------------------------------------

    async def _on_ping(self, message: dict[str, Any]) -> None:
        try:
            protocol.check_heartbeat(message)
        except BoardError as exc:
            self._reply(protocol.rejected(None, exc.errors))
            return
        self.keeps_heartbeat = True
        self._reply(protocol.PONG)

    async def _on_pong(self, message: dict[str, Any]) -> None:
        try:
            protocol.check_heartbeat(message)
        except BoardError as exc:
            self._reply(protocol.rejected(None, exc.errors))
            return
        self.keeps_heartbeat = True

    # One handler per client message type of the protocol (protocol.CLIENT_TYPES).
    HANDLERS: ClassVar[dict[str, Callable[[BoardConsumer, dict[str, Any]], Awaitable[None]]]] = {
        "op": _on_op,
        "sync": _on_sync,
        "presence": _on_presence,
        "ping": _on_ping,
        "pong": _on_pong,
    }

    # --- access and liveness over time -----------------------------------------------------------

    async def _watch_forever(self) -> None:
        """Re-check access (every RECHECK_INTERVAL, and at once after an announced access
        change), ping a client that has heard nothing for a while, close a silent one."""
        while True:
            await asyncio.sleep(min(WATCH_TICK, RECHECK_INTERVAL, HEARTBEAT_INTERVAL))
            now = time.monotonic()
            if now - self.role_checked >= RECHECK_INTERVAL or access_epoch() != self.role_epoch:
                try:
                    await self._check_role()
                except _Denied as exc:
                    await self._deny(str(exc))
                    return
            if self.keeps_heartbeat and now - self.heard >= SILENCE_LIMIT:
                await self._close(protocol.CLOSE_SILENT, "no heartbeat: reconnect")
                return
            if now - self.sent >= HEARTBEAT_INTERVAL:
                self._reply(protocol.PING)

    # --- output --------------------------------------------------------------------------------

    def _reply(self, message: dict[str, Any]) -> None:
        if self.outlet is not None:
            self.outlet.send(protocol.encode(message))

    async def _write(self, frame: str) -> None:
        self.sent = time.monotonic()
        await self.base_send({"type": "websocket.send", "text": frame})

    def _too_slow(self) -> None:
        asyncio.get_running_loop().create_task(self._close(protocol.CLOSE_TOO_SLOW, "too far behind: reconnect"))

    async def _deny(self, reason: str) -> None:
        if self.outlet is not None:
            self._reply({"type": "error", "error": reason})
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.outlet.flush(), 1.0)
        await self._close(protocol.CLOSE_FORBIDDEN, reason)

    async def _close(self, code: int, reason: str) -> None:
        if not self.closing:
            self.closing = True
            await self.close(code=code, reason=reason[:120])
        recheck = getattr(self, "recheck", None)
        if recheck is not None and recheck is not asyncio.current_task():
            recheck.cancel()
