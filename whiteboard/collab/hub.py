"""The per-worker fan-out hub.

Each worker process has one hub. It knows the worker's own connections of each board ("rooms"),
writes every broadcast to them as one pre-encoded text frame, and talks to the other workers
through the channel layer with one message per worker, not one per member: Channels'
`group_send` per member is too slow for live editing (SPEC targets: p99 <= 50 ms at 200 ops/s).

Ordering: the op log in the database is the truth and versions are consecutive. A room delivers
`applied` frames strictly in version order; a frame that arrives early is held until the ones
before it come, and a gap that does not close by itself (the channel layer drops messages when a
channel is over capacity, or a worker died between commit and forward) is filled from the op log.
A slow poll catches a dropped last message, which no later frame would reveal.

The channel layer may go away (Redis restarted or unreachable). Ops are still committed and
acknowledged in the worker that took them (the database is the truth); other workers then get them
from the op log by their poll. The hub notices the failure, stops publishing, retries with backoff,
and when the layer answers again re-joins its rooms' groups (a restarted Redis has forgotten them)
and catches every room up from the log at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
import uuid
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from whiteboard.collab import protocol, publish, store
from whiteboard.collab.groupcommit import GroupCommit
from whiteboard.collab.outlet import Outlet
from whiteboard.collab.publish import ACCESS_GROUP, group_name
from whiteboard.reviews.running import review_of

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# How long an out-of-order frame waits for the ones before it before they are read from the log.
GAP_WAIT = 0.2
# How often each room checks the stored version, to catch a dropped last notification.
POLL_INTERVAL = 2.0
# Presence to other workers is coalesced per room for this long (it is droppable anyway).
PRESENCE_FLUSH = 0.05
# Presence of a client not heard of for this long is left out of snapshots.
PRESENCE_TTL = 60.0
# Review findings are pushed this long after the latest op a room delivered (edits come in bursts).
REVIEW_DEBOUNCE = 0.5
# After the channel layer fails, try it again after this long, doubling up to LAYER_RETRY_MAX.
LAYER_RETRY = 0.1
LAYER_RETRY_MAX = 2.0
# A visitor (a client with no socket on the board: an AI agent working through MCP) is shown as
# present for this long after its latest visit, then as `left`.
VISIT_STAY = 30.0
# How often a worker re-adds itself to its rooms' groups: a Redis restarted between two commands
# (redis-py reconnects silently) or channels_redis's group expiry drops members without an error.
GROUP_REFRESH = 10.0


class Room:
    """This worker's connections of one board."""

    def __init__(self, board_id: int) -> None:
        self.board_id = board_id
        self.outlets: dict[str, Outlet] = {}
        self.expected: int | None = None
        self.pending: dict[int, str] = {}
        self.presence: dict[str, tuple[float, dict[str, Any]]] = {}
        self.presence_out: dict[str, dict[str, Any] | None] = {}
        self.gap_timer: asyncio.TimerHandle | None = None
        self.filling = False
        self.review_timer: asyncio.TimerHandle | None = None
        self.reviewed = 0
        self.joined = asyncio.Event()


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.id = uuid.uuid4().hex
        self.rooms: dict[int, Room] = {}
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self._listener: asyncio.Task[None] | None = None
        self._poller: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.commits = GroupCommit(loop, self._spawn)
        # False from a failed channel-layer call until `_recover` reaches the layer again.
        self.layer_up = True
        self._recovery: asyncio.Task[None] | None = None
        self._refreshed = time.monotonic()
        # (board id, client id) -> the timer that ends a visitor's presence.
        self._visits: dict[tuple[int, str], asyncio.TimerHandle] = {}

    # --- connections ---------------------------------------------------------------------------

    async def join(self, board_id: int, outlet: Outlet) -> Room:
        room = self.rooms.get(board_id)
        if room is None:
            room = self.rooms[board_id] = Room(board_id)
            room.outlets[outlet.client_id] = outlet
            try:
                await self._start()
                await self._group_add(board_id)
            finally:
                room.joined.set()  # whatever happened: later joiners must not wait forever
        else:
            room.outlets[outlet.client_id] = outlet
            await room.joined.wait()
        return room

    def ready(self, board_id: int, version: int) -> None:
        """A connection's snapshot is at `version`: the room now knows where its log stands."""
        room = self.rooms.get(board_id)
        if room is None:
            return
        if room.expected is None:
            room.expected = version + 1
            room.pending = {v: f for v, f in room.pending.items() if v > version}
        elif version >= room.expected and room.gap_timer is None:
            # The log is ahead of what the room delivered: the others still need those versions
            # (the newcomer skips them); if their notifications do not come, read them.
            room.gap_timer = self.loop.call_later(GAP_WAIT, self._gap_due, room, context=contextvars.Context())
        self._drain(room)

    async def leave(self, board_id: int, outlet: Outlet, user: str) -> None:
        outlet.close()
        room = self.rooms.get(board_id)
        if room is None or room.outlets.get(outlet.client_id) is not outlet:
            return
        del room.outlets[outlet.client_id]
        self.left(board_id, outlet.client_id, user)
        if not room.outlets:
            del self.rooms[board_id]
            if room.gap_timer is not None:
                room.gap_timer.cancel()
            if self.layer is not None and self.channel is not None:
                try:
                    await self.layer.group_discard(group_name(board_id), self.channel)
                except Exception as exc:
                    # Harmless: messages for a board without a room here are ignored.
                    self._layer_down("group_discard", exc)
                if board_id in self.rooms:  # someone joined while we were leaving the group
                    await self._group_add(board_id)

    def presence_list(self, board_id: int) -> list[dict[str, Any]]:
        room = self.rooms.get(board_id)
        if room is None:
            return []
        horizon = time.monotonic() - PRESENCE_TTL
        return [message for seen, message in room.presence.values() if seen >= horizon]

    # --- ops: group commit -----------------------------------------------------------------------

    def apply(self, board_id: int, item: T, run: Callable[[int, list[T]], list[R]]) -> asyncio.Future[R]:
        """Queue an op of a board; the future gets its result once its batch is committed
        (`GroupCommit`)."""
        return self.commits.apply(board_id, item, run)

    # --- broadcasts ----------------------------------------------------------------------------

    def publish(self, board_id: int, version: int, frame: str) -> None:
        """An op committed in this worker: deliver it here and tell the other workers."""
        self._applied(board_id, version, frame)
        self._forward(board_id, {"type": "hub.applied", "version": version, "frame": frame})

    def tell_access_changed(self) -> None:
        """A change of access committed in this worker (its own sockets know): tell the others."""
        if self.layer is not None:
            self._spawn(self._send_access_notice())

    async def _send_access_notice(self) -> None:
        assert self.layer is not None
        try:
            await self.layer.group_send(ACCESS_GROUP, {"type": "hub.access", "origin": self.id})
        except Exception as exc:
            # The other workers' sockets see the change at their next periodic check.
            self._layer_down("group_send", exc)

    def publish_many(self, board_id: int, frames: list[tuple[int, str]]) -> None:
        """A batch of ops committed in this worker, in version order."""
        for version, frame in frames:
            self.publish(board_id, version, frame)

    def presence(self, board_id: int, client_id: str, message: dict[str, Any]) -> None:
        room = self.rooms.get(board_id)
        if room is None:
            return
        self._presence_here(room, client_id, message)
        if not room.presence_out:
            self.loop.call_later(PRESENCE_FLUSH, self._flush_presence, room, context=contextvars.Context())
        room.presence_out[client_id] = message

    def visit(self, board_id: int, message: dict[str, Any]) -> None:
        """Presence of a client with no socket on the board (an AI agent calling MCP tools).

        It reaches the board's editors on every worker, whether or not this worker has a room for
        the board; `left` follows once the visitor has not come back for VISIT_STAY seconds (it
        has no socket whose closing would say so). Each visit renews the stay.
        """
        client_id, user = message["client"], message["user"]
        room = self.rooms.get(board_id)
        if room is not None:
            self._presence_here(room, client_id, message)
        self._forward(board_id, {"type": "hub.presence", "messages": [message]})
        key = (board_id, client_id)
        ending = self._visits.pop(key, None)
        if ending is not None:
            ending.cancel()
        self._visits[key] = self.loop.call_later(VISIT_STAY, self._visit_over, key, user, context=contextvars.Context())

    def _visit_over(self, key: tuple[int, str], user: str) -> None:
        del self._visits[key]
        self.left(*key, user)

    def left(self, board_id: int, client_id: str, user: str) -> None:
        message = {"type": "left", "user": user, "client": client_id}
        room = self.rooms.get(board_id)
        if room is not None:
            self._left_here(room, message)
            room.presence_out.pop(client_id, None)
        self._forward(board_id, {"type": "hub.left", "message": message})

    def _applied(self, board_id: int, version: int, frame: str) -> None:
        room = self.rooms.get(board_id)
        if room is None or (room.expected is not None and version < room.expected):
            return
        room.pending[version] = frame
        if room.expected is not None:
            self._drain(room)

    def _drain(self, room: Room) -> None:
        assert room.expected is not None
        while room.expected in room.pending:
            frame = room.pending.pop(room.expected)
            for outlet in list(room.outlets.values()):
                outlet.applied(room.expected, frame)
            room.expected += 1
        if room.review_timer is None and room.expected - 1 > room.reviewed and room.outlets:
            room.review_timer = self.loop.call_later(
                REVIEW_DEBOUNCE, self._review_due, room, context=contextvars.Context()
            )
        if room.pending and room.gap_timer is None and not room.filling:
            room.gap_timer = self.loop.call_later(GAP_WAIT, self._gap_due, room, context=contextvars.Context())

    def _gap_due(self, room: Room) -> None:
        room.gap_timer = None
        if self.rooms.get(room.board_id) is room:
            self._spawn(self._fill(room, None))

    async def _fill(self, room: Room, last: int | None) -> None:
        """Read the missing versions from the op log and deliver them."""
        if room.filling or room.expected is None:
            return
        room.filling = True
        try:
            messages = await database_sync_to_async(store.applied_between)(room.board_id, room.expected, last)
            for message in messages:
                self._applied(room.board_id, message["version"], protocol.encode(message))
        finally:
            room.filling = False
        if room.expected is not None and room.pending:
            self._drain(room)

    # --- review findings pushed after changes (debounced) ---
    def _review_due(self, room: Room) -> None:
        room.review_timer = None
        if self.rooms.get(room.board_id) is room and room.outlets:
            self._spawn(self._push_review(room))

    async def _push_review(self, room: Room) -> None:
        """Review the stored board once edits pause and push the findings to this worker's editors.

        Edits come in bursts, so this runs REVIEW_DEBOUNCE after the latest delivered op, at most
        once per pause; the rules run off the event loop."""
        board = await database_sync_to_async(store.for_review)(room.board_id)
        if board is None or board.version <= room.reviewed:
            return
        # The rules run off the event loop and off the database thread (a large board takes a while).
        result = await asyncio.to_thread(review_of, board)
        room.reviewed = version = result["version"]
        frame = protocol.encode(
            {"type": "review", "version": version, "findings": result["findings"], "summary": result["summary"]}
        )
        # Not droppable: it comes once per pause in the edits, and the editor fetches no review
        # between snapshots, so a dropped one would leave its findings stale until the next change.
        for outlet in list(room.outlets.values()):
            outlet.send(frame)

    def _presence_here(self, room: Room, client_id: str, message: dict[str, Any]) -> None:
        room.presence[client_id] = (time.monotonic(), message)
        frame = protocol.encode(message)
        for outlet in list(room.outlets.values()):
            if outlet.client_id != client_id:
                outlet.send(frame, droppable=True)

    # --- review events: comments and review status ---
    def event_here(self, board_id: int, frame: str) -> None:
        """A comment or review-status frame (`hub.event`, from whiteboard.reviews.services): to every
        connection of the board in this worker. Every worker's hub gets the group message, this one's
        too (its origin is ""), so one worker with the in-memory layer delivers it as well."""
        room = self.rooms.get(board_id)
        if room is None:
            return
        for outlet in list(room.outlets.values()):
            outlet.send(frame)

    def _left_here(self, room: Room, message: dict[str, Any]) -> None:
        room.presence.pop(message["client"], None)
        frame = protocol.encode(message)
        for outlet in list(room.outlets.values()):
            outlet.send(frame)

    def _flush_presence(self, room: Room) -> None:
        batch = [m for m in room.presence_out.values() if m is not None]
        room.presence_out.clear()
        if batch:
            self._forward(room.board_id, {"type": "hub.presence", "messages": batch})

    def _forward(self, board_id: int, message: dict[str, Any]) -> None:
        if self.layer is None or not self.layer_up:
            # Down: the other workers read the ops from the log (poll, then at once on recovery);
            # presence and "left" are droppable.
            return
        message = {**message, "board": board_id, "origin": self.id}
        self._spawn(self._group_send(board_id, message))

    async def _group_send(self, board_id: int, message: dict[str, Any]) -> None:
        assert self.layer is not None
        try:
            await self.layer.group_send(group_name(board_id), message)
        except Exception as exc:
            self._layer_down("group_send", exc)

    # --- other workers -------------------------------------------------------------------------

    async def _start(self) -> None:
        if self._poller is None:
            self._poller = self._spawn(self._poll())
        if self.layer is not None and self.channel is None:
            # The default "specific." prefix matters: channels_redis receives all of a process's
            # specific channels through one shared BZPOPMIN, keyed by that prefix; another prefix
            # would wait behind the consumers' own receives.
            # A random suffix from uuid, not from `random`: the in-memory layer draws names from the
            # `random` module, which tests (hypothesis) re-seed, so names would repeat.
            name = await self.layer.new_channel()
            self.channel = f"{name.split('!')[0]}!hub{uuid.uuid4().hex}"
            self._listener = self._spawn(self._listen())
            try:
                await self.layer.group_add(ACCESS_GROUP, self.channel)
            except Exception as exc:
                self._layer_down("group_add", exc)

    async def _listen(self) -> None:
        assert self.layer is not None and self.channel is not None
        delay = LAYER_RETRY
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # channels_redis lets an idle BZPOPMIN time out now and then: not a failure.
                if type(exc).__name__ == "TimeoutError":
                    await asyncio.sleep(0.01)
                else:
                    self._layer_down("receive", exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, LAYER_RETRY_MAX)
                continue
            delay = LAYER_RETRY
            try:
                self._received(message)
            except Exception:
                log.exception("collab hub: bad message from the channel layer")

    def _received(self, message: dict[str, Any]) -> None:
        if message.get("origin") == self.id:
            return
        if message["type"] == "hub.access":
            publish.access_moved()  # a change of access committed in another worker
            return
        room = self.rooms.get(message["board"])
        if room is None:
            return
        kind = message["type"]
        if kind == "hub.applied":
            self._applied(room.board_id, message["version"], message["frame"])
        elif kind == "hub.presence":
            for item in message["messages"]:
                self._presence_here(room, item["client"], item)
        elif kind == "hub.left":
            self._left_here(room, message["message"])
        elif kind == "hub.event":
            self.event_here(room.board_id, message["frame"])

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(POLL_INTERVAL)
            refresh_due = time.monotonic() - self._refreshed >= GROUP_REFRESH
            if self.layer is not None and self.channel is not None and self.layer_up and refresh_due:
                try:
                    await self._subscribe_all()
                except Exception as exc:
                    self._layer_down("group_add", exc)
            for room in list(self.rooms.values()):
                if room.expected is None or room.filling:
                    continue
                try:
                    stored = await database_sync_to_async(store.current_version)(room.board_id)
                    if stored is not None and stored >= room.expected:
                        await self._fill(room, stored)
                except Exception:
                    log.exception("collab hub: catching up board %s failed", room.board_id)

    # --- the channel layer going away and coming back -------------------------------------------

    async def _group_add(self, board_id: int) -> None:
        if self.layer is None or self.channel is None:
            return
        try:
            await self.layer.group_add(group_name(board_id), self.channel)
        except Exception as exc:
            # The socket is served anyway; `_recover` joins the group once the layer is back.
            self._layer_down("group_add", exc)

    async def _subscribe_all(self) -> None:
        """Join every room's group again (idempotent); raises when the layer does not answer."""
        assert self.layer is not None and self.channel is not None
        await self.layer.group_add(ACCESS_GROUP, self.channel)
        for board_id in list(self.rooms):
            await self.layer.group_add(group_name(board_id), self.channel)
        self._refreshed = time.monotonic()

    def _layer_down(self, what: str, exc: BaseException) -> None:
        if self.layer_up:
            self.layer_up = False
            log.warning(
                "collab hub: the channel layer failed (%s: %s); ops of other workers come from the op log "
                "until it is back",
                what,
                exc,
            )
        if self._recovery is None or self._recovery.done():
            self._recovery = self._spawn(self._recover())

    async def _recover(self) -> None:
        """Retry with backoff until the layer answers; then re-join every group and catch up."""
        assert self.layer is not None and self.channel is not None
        delay = LAYER_RETRY
        while True:
            await asyncio.sleep(delay)
            try:
                # A message to our own channel (the listener drops it): a round trip even with no rooms.
                await self.layer.send(self.channel, {"type": "hub.ping", "origin": self.id})
                await self._subscribe_all()
                break
            except Exception:
                delay = min(delay * 2, LAYER_RETRY_MAX)
        self.layer_up = True
        log.warning("collab hub: the channel layer is back; rejoined %d board groups", len(self.rooms))
        # Notifications sent while this worker was out of its groups are lost: read them now.
        for room in list(self.rooms.values()):
            if room.expected is not None:
                self._spawn(self._fill(room, None))

    def _spawn(self, awaitable: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        # A fresh context: callbacks may come from a sync_to_async thread, and a task inheriting
        # that context would find asgiref's single DB thread "in use" and refuse to run.
        task: asyncio.Task[Any] = self.loop.create_task(awaitable, context=contextvars.Context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def aclose(self) -> None:
        """Stop this hub (tests, shutdown): leave every group and stop its tasks."""
        if self.layer is not None and self.channel is not None:
            with contextlib.suppress(Exception):
                await self.layer.group_discard(ACCESS_GROUP, self.channel)
            for board_id in list(self.rooms):
                with contextlib.suppress(Exception):
                    await self.layer.group_discard(group_name(board_id), self.channel)
        self.rooms.clear()
        for ending in self._visits.values():
            ending.cancel()
        self._visits.clear()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """This worker's hub (one per event loop: tests run a loop each, a server runs one)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(loop)
    return hub


def _running_hub() -> Hub | None:
    for loop, hub in list(_hubs.items()):
        if loop.is_running() and not loop.is_closed():
            return hub
    return None


publish.serve_with(_running_hub)
