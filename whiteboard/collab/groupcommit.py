"""Group commit: the ops of a board go to the database in batches, one batch at a time.

Each board has one runner task. It calls `run(board_id, items)` (synchronous: it goes to the
database thread) with everything waiting each time that thread is free for it: natural batching,
no added delay. A lone op goes at once; under load, the ops that arrived while the previous batch
was being stored share one transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from channels.db import database_sync_to_async

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        spawn: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]],
    ) -> None:
        self.loop = loop
        self._spawn = spawn
        # Ops waiting for the database, per board, each with the future of its result.
        self.queues: dict[int, list[tuple[Any, asyncio.Future[Any]]]] = {}
        self._runners: dict[int, asyncio.Task[None]] = {}

    def apply(self, board_id: int, item: T, run: Callable[[int, list[T]], list[R]]) -> asyncio.Future[R]:
        """Queue an op of a board; the future gets its result once its batch is committed."""
        future: asyncio.Future[R] = self.loop.create_future()
        self.queues.setdefault(board_id, []).append((item, future))
        if board_id not in self._runners:
            self._runners[board_id] = self._spawn(self._run(board_id, run))
        return future

    async def _run(self, board_id: int, run: Callable[[int, list[Any]], list[Any]]) -> None:
        try:
            while batch := self.queues.pop(board_id, None):
                try:
                    results = await database_sync_to_async(run)(board_id, [item for item, _ in batch])
                except BaseException as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    if isinstance(exc, asyncio.CancelledError):
                        raise
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._runners.pop(board_id, None)
