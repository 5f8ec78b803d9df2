"""One connection's outgoing frames (the hub writes every broadcast to each connection's outlet)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

# Frames queued for one connection: past this it is closed (it reconnects and syncs); presence is
# dropped much earlier.
MAX_BACKLOG = 2_000
PRESENCE_BACKLOG = 100


class Outlet:
    """One connection's outgoing frames, written in order by one task.

    Until the connection's snapshot is queued (`start`), applied frames are held; after it, only
    versions newer than the snapshot go out, so the client sees versions N+1, N+2, ... in order.
    """

    def __init__(
        self, client_id: str, write: Callable[[str], Awaitable[None]], on_overflow: Callable[[], None]
    ) -> None:
        self.client_id = client_id
        self.floor: int | None = None
        self._held: list[tuple[int, str]] = []
        self._queue: deque[str] = deque()
        self._wake = asyncio.Event()
        self._write = write
        self._on_overflow = on_overflow
        self.closed = False
        self._task = asyncio.get_running_loop().create_task(self._run())

    def start(self, version: int, snapshot_frame: str) -> None:
        self.floor = version
        self._put(snapshot_frame)
        for held_version, frame in self._held:
            self.applied(held_version, frame)
        self._held = []

    def applied(self, version: int, frame: str) -> None:
        if self.floor is None:
            self._held.append((version, frame))
        elif version > self.floor:
            self.floor = version
            self._put(frame)

    def send(self, frame: str, *, droppable: bool = False) -> None:
        self._put(frame, droppable=droppable)

    def _put(self, frame: str, *, droppable: bool = False) -> None:
        if self.closed:
            return
        backlog = len(self._queue)
        if droppable and backlog >= PRESENCE_BACKLOG:
            return
        if backlog >= MAX_BACKLOG:
            self.close()
            self._on_overflow()
            return
        self._queue.append(frame)
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                await self._write(self._queue.popleft())

    async def flush(self) -> None:
        """Wait until everything queued so far has been written (used before a close)."""
        while self._queue and not self._task.done():
            await asyncio.sleep(0.005)

    def close(self) -> None:
        self.closed = True
        self._task.cancel()
