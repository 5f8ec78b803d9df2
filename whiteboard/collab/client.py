"""A small Python client of the board WebSocket (SPEC section 5), for tests, benchmarks and scripts.

It keeps a live replica of the board: it applies `applied` ops in version order with the same
op semantics as the server (whiteboard.domain.ops), asks for `sync` when it sees a gap, and can
reconnect and resend the ops it never saw acknowledged (the server answers a resent op_id from
its log, never applying it twice).

    async with BoardClient(url, token=token) as client:
        reply = await client.apply({"action": "add_node", "node": {"id": "a", "kind": "llm"}})
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from whiteboard.domain.board import BoardError
from whiteboard.domain.ops import apply_op

Listener = Callable[["BoardClient", dict[str, Any], float], None]


def origin_for(url: str) -> str:
    """The Origin a same-site browser would send for a ws:// or wss:// URL."""
    parsed = urlparse(url)
    return f"{'https' if parsed.scheme == 'wss' else 'http'}://{parsed.netloc}"


class Rejected(Exception):
    def __init__(self, message: dict[str, Any]) -> None:
        self.message = message
        super().__init__(message.get("error", "rejected"))


class Replica:
    """The client side of the protocol without a transport: a board kept in step with the server.

    Feed it every server message with `handle`; it returns a message to send back when it needs
    one (a `sync` after a gap).
    """

    def __init__(self, *, keep_board: bool = True) -> None:
        self.keep_board = keep_board
        self.board: dict[str, Any] = {}
        self.version = 0
        self.client_id = ""
        self.user = ""
        self.role = ""
        self.presence: dict[str, dict[str, Any]] = {}
        self.errors: list[str] = []  # replica problems: must stay empty
        self.syncing = False
        self._early: dict[int, dict[str, Any]] = {}

    def handle(self, message: dict[str, Any]) -> dict[str, Any] | None:
        kind = message.get("type")
        if kind == "applied":
            self._applied(message)
        elif kind == "ops":
            self.syncing = False
            for item in message["ops"]:
                self._applied(item)
        elif kind == "snapshot":
            self.syncing = False
            self.board, self.version = message["board"], message["version"]
            self.client_id = message.get("client", self.client_id)
            self.user, self.role = message.get("user", self.user), message.get("role", self.role)
            self.presence = {p["client"]: p for p in message.get("presence", [])}
            self._early = {v: m for v, m in self._early.items() if v > self.version}
            self._drain()
        elif kind == "presence":
            self.presence[message["client"]] = message
        elif kind == "left":
            self.presence.pop(message["client"], None)
        if self._early and not self.syncing:
            # A gap: the server never skips versions, so something was lost; catch up from the log.
            self.syncing = True
            return {"type": "sync", "since": self.version}
        return None

    def _applied(self, message: dict[str, Any]) -> None:
        if message["version"] > self.version:
            self._early[message["version"]] = message
            self._drain()

    def _drain(self) -> None:
        while self.version + 1 in self._early:
            message = self._early.pop(self.version + 1)
            if self.keep_board:
                try:
                    self.board = apply_op(self.board, message["op"], validated=True)
                except BoardError as exc:
                    self.errors.append(f"version {message['version']}: {exc}")
            self.version = message["version"]


class BoardClient:
    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        origin: str | None = None,
        listener: Listener | None = None,
        keep_replica: bool = True,
    ) -> None:
        self.url = url
        # The Origin of the page a browser would connect from; by default the one of `url` at
        # each connect, since a client may reconnect to another worker.
        self.origin = origin
        self.headers: dict[str, str] = {}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if cookie:
            self.headers["Cookie"] = cookie
        self.listener = listener
        self.replica = Replica(keep_board=keep_replica)
        self.received: list[dict[str, Any]] = []  # everything but applied/ops, for tests to inspect
        self.close_code: int | None = None
        self.close_reason = ""
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._unacked: dict[str, dict[str, Any]] = {}
        self._version_changed = asyncio.Event()
        self._snapshot = asyncio.Event()

    async def __aenter__(self) -> BoardClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- connection ----------------------------------------------------------------------------

    async def connect(self, timeout: float = 10.0) -> None:
        """Open the socket and wait for the snapshot (raises ConnectionError if it is refused)."""
        self._snapshot.clear()
        self.close_code = None
        self._ws = await connect(
            self.url,
            additional_headers={"Origin": self.origin or origin_for(self.url), **self.headers},
            max_size=None,
            compression=None,
            open_timeout=timeout,
        )
        self._reader = asyncio.get_running_loop().create_task(self._read(self._ws))
        waiter = asyncio.ensure_future(self._snapshot.wait())
        done, _ = await asyncio.wait({waiter, self._reader}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            raise ConnectionError(f"no snapshot: closed with {self.close_code} {self.close_reason!r}")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(BaseException):
                await self._reader

    def drop(self) -> None:
        """Lose the connection abruptly (no close handshake), as a crashed client would."""
        if self._ws is not None:
            self._ws.transport.abort()

    async def reconnect(self) -> None:
        """Connect again (a fresh snapshot), then resend every op not yet acknowledged."""
        if self._ws is not None:
            self.drop()
            if self._reader is not None:
                with contextlib.suppress(BaseException):
                    await self._reader
        await self.connect()
        for op_id, op in list(self._unacked.items()):
            await self._send({"type": "op", "op_id": op_id, "op": op})

    @property
    def connected(self) -> bool:
        return self._ws is not None and self.close_code is None and not self._reader.done()  # type: ignore[union-attr]

    # --- sending -------------------------------------------------------------------------------

    async def send_op(self, op: dict[str, Any], op_id: str | None = None) -> str:
        op_id = op_id or uuid.uuid4().hex
        self._unacked[op_id] = op
        await self._send({"type": "op", "op_id": op_id, "op": op})
        return op_id

    async def apply(self, op: dict[str, Any], op_id: str | None = None, timeout: float = 10.0) -> dict[str, Any]:
        """Send an op and wait for its `applied` (returned) or `rejected` (raised as Rejected)."""
        op_id = op_id or uuid.uuid4().hex
        future = self._waiting[op_id] = asyncio.get_running_loop().create_future()
        await self.send_op(op, op_id)
        try:
            reply = await asyncio.wait_for(future, timeout)
        finally:
            self._waiting.pop(op_id, None)
        if reply["type"] == "rejected":
            raise Rejected(reply)
        answer: dict[str, Any] = reply
        return answer

    async def send_raw(self, text: str | bytes) -> None:
        assert self._ws is not None
        await self._ws.send(text)

    async def sync(self) -> None:
        self.replica.syncing = True
        await self._send({"type": "sync", "since": self.version})

    async def send_presence(self, cursor: dict[str, float] | None, selection: list[str] | None = None) -> None:
        message: dict[str, Any] = {"type": "presence", "cursor": cursor}
        if selection is not None:
            message["selection"] = selection
        await self._send(message)

    async def wait_version(self, version: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.version < version:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"at version {self.version}, waited for {version}")
            self._version_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._version_changed.wait(), remaining)

    async def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> dict[str, Any]:
        """The first received (non-op) message matching predicate, waiting for it if needed."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for message in self.received[seen:]:
                if predicate(message):
                    return message
            seen = len(self.received)
            if time.monotonic() > deadline:
                raise TimeoutError("no such message")
            await asyncio.sleep(0.01)

    async def wait_acknowledged(self, timeout: float = 10.0) -> None:
        """Wait until every op sent has been answered (applied or rejected)."""
        deadline = time.monotonic() + timeout
        while self._unacked:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self._unacked)} ops never answered")
            await asyncio.sleep(0.01)

    @property
    def unacknowledged(self) -> list[str]:
        return list(self._unacked)

    async def _send(self, message: dict[str, Any]) -> None:
        assert self._ws is not None
        await self._ws.send(json.dumps(message, separators=(",", ":")))

    # --- receiving -----------------------------------------------------------------------------

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                now = time.monotonic()
                message = json.loads(raw)
                self._handle(message)
                if self.listener is not None:
                    self.listener(self, message, now)
        except ConnectionClosed:
            pass
        finally:
            self.close_code = ws.close_code if ws.close_code is not None else 1006
            self.close_reason = ws.close_reason or ""
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"closed ({self.close_code})"))

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        before = self.replica.version
        reply = self.replica.handle(message)
        if reply is not None and self._ws is not None:
            asyncio.get_running_loop().create_task(self._send(reply))
        if kind == "applied":
            self._acknowledged(message)
        elif kind == "ops":
            for item in message["ops"]:
                self._acknowledged(item)
        elif kind == "snapshot":
            self._snapshot.set()
        else:
            if kind == "rejected":
                self._unacked.pop(message.get("op_id") or "", None)
                self._resolve(message)
            self.received.append(message)
        if self.replica.version != before:
            self._version_changed.set()

    def _acknowledged(self, message: dict[str, Any]) -> None:
        if message.get("user") == self.replica.user:
            self._unacked.pop(message["op_id"], None)
            self._resolve(message)

    def _resolve(self, message: dict[str, Any]) -> None:
        future = self._waiting.get(message.get("op_id") or "")
        if future is not None and not future.done():
            future.set_result(message)

    # --- the replica ---------------------------------------------------------------------------

    @property
    def board(self) -> dict[str, Any]:
        return self.replica.board

    @property
    def version(self) -> int:
        return self.replica.version

    @property
    def client_id(self) -> str:
        return self.replica.client_id

    @property
    def presence(self) -> dict[str, dict[str, Any]]:
        return self.replica.presence

    @property
    def errors(self) -> list[str]:
        return self.replica.errors
