"""Random interleavings of several live clients: ops, resends, lost notifications, disconnects.

Whatever happens, every connected client ends with the stored board, the stored op log replays to
it, its versions are consecutive and no op_id was applied twice.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.builders import sample_board
from tests.test_ops import simple_ops
from whiteboard.accounts.services import token_create
from whiteboard.boards.models import Board, BoardOp
from whiteboard.boards.routing import websocket_application
from whiteboard.boards.services import board_create, board_share
from whiteboard.collab import hub as hub_module
from whiteboard.collab.client import Replica
from whiteboard.domain.board import empty_board, validate_board
from whiteboard.domain.ops import apply_op

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 3
# The op log must stand still within this long once every client is quiet.
SETTLE_DEADLINE = 30.0
DRAW_FROM = validate_board(sample_board())


class LiveClient:
    def __init__(self, name: str, token: str) -> None:
        self.name = name
        self.token = token
        self.comm: WebsocketCommunicator | None = None
        self.replica = Replica()
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.outstanding: set[str] = set()

    async def connect(self, board_id: int) -> None:
        headers = [
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {self.token}".encode()),
        ]
        self.comm = WebsocketCommunicator(websocket_application, f"/ws/boards/{board_id}/", headers=headers)
        connected, _ = await self.comm.connect(timeout=5)
        assert connected
        self.replica = Replica()
        while not self.replica.board:
            await self.receive_one(timeout=5)

    async def receive_one(self, timeout: float) -> None:
        assert self.comm is not None
        message = await self.comm.receive_json_from(timeout=timeout)
        assert message["type"] != "error", message
        if message["type"] == "rejected" or (message["type"] == "applied" and message["user"] == self.replica.user):
            self.outstanding.discard(message["op_id"])
        reply = self.replica.handle(message)
        if reply is not None:
            await self.comm.send_json_to(reply)

    async def pump(self) -> None:
        while self.comm is not None and not await self.comm.receive_nothing(timeout=0.02):
            await self.receive_one(timeout=1)

    async def disconnect(self) -> None:
        assert self.comm is not None
        await self.comm.disconnect()
        self.comm = None
        self.outstanding.clear()


class CollaborationMachine(RuleBasedStateMachine):
    loop: asyncio.AbstractEventLoop
    tokens: list[str] = []
    editors: list[Any] = []
    owner: Any = None

    def __init__(self) -> None:
        super().__init__()
        self.board = self.run(database_sync_to_async(self._create_board)())
        self.clients = [LiveClient(f"c{i}", token) for i, token in enumerate(self.tokens)]
        self.lose: set[int] = set()
        self.counter = 0

    def _create_board(self) -> Board:
        board = board_create(owner=self.owner, document=sample_board())
        for user in self.editors:
            board_share(board=board, user=user, role="editor")
        return board

    def run(self, awaitable: Any) -> Any:
        """Run a coroutine on the server's loop, which keeps running between steps like a server."""
        return asyncio.run_coroutine_threadsafe(awaitable, self.loop).result(timeout=60)

    @initialize()
    def connect_everyone(self) -> None:
        for client in self.clients:
            self.run(client.connect(self.board.pk))

    @precondition(lambda self: any(c.comm for c in self.clients))
    @rule(data=st.data(), index=st.integers(0, CLIENTS - 1), count=st.integers(1, 6))
    def send_ops(self, data: st.DataObject, index: int, count: int) -> None:
        """A burst of ops, each drawn against what the client has seen so far (maybe stale)."""
        client = self.clients[index]
        if client.comm is None:
            return
        for _ in range(count):
            # Drawn against a fixed board, not the replica: what a client has seen depends on
            # timing, and hypothesis needs the same draws each time it replays an example.
            op = data.draw(simple_ops(DRAW_FROM))
            self.counter += 1
            op_id = f"{client.name}-{self.counter}"
            client.sent.append((op_id, op))
            client.outstanding.add(op_id)
            self.run(client.comm.send_json_to({"type": "op", "op_id": op_id, "op": op}))

    @rule(data=st.data())
    def everyone_sends_an_op(self, data: st.DataObject) -> None:
        for index in range(CLIENTS):
            self.send_ops(data, index, 1)

    @rule(data=st.data(), index=st.integers(0, CLIENTS - 1))
    def resend_an_op(self, data: st.DataObject, index: int) -> None:
        client = self.clients[index]
        if client.comm is None or not client.sent:
            return
        op_id, op = data.draw(st.sampled_from(client.sent))
        client.outstanding.add(op_id)
        self.run(client.comm.send_json_to({"type": "op", "op_id": op_id, "op": op}))

    @rule(index=st.integers(0, CLIENTS - 1))
    def receive_what_is_there(self, index: int) -> None:
        self.run(self.clients[index].pump())

    @rule(index=st.integers(0, CLIENTS - 1))
    def disconnect(self, index: int) -> None:
        client = self.clients[index]
        if client.comm is not None:
            self.run(client.disconnect())

    @rule(index=st.integers(0, CLIENTS - 1))
    def reconnect(self, index: int) -> None:
        client = self.clients[index]
        if client.comm is None:
            self.run(client.connect(self.board.pk))

    @rule()
    def lose_the_next_notification(self) -> None:
        """The channel layer drops messages when a channel is over capacity: simulate one."""
        stored = self.run(database_sync_to_async(Board.objects.get)(pk=self.board.pk))
        self.lose.add(stored.version + 1)

    @rule(index=st.integers(0, CLIENTS - 1), x=st.integers(-50, 50))
    def move_cursor(self, index: int, x: int) -> None:
        client = self.clients[index]
        if client.comm is not None:
            self.run(client.comm.send_json_to({"type": "presence", "cursor": {"x": x, "y": 0}}))

    @invariant()
    def replicas_never_fail_to_apply(self) -> None:
        for client in self.clients:
            assert client.replica.errors == []

    def teardown(self) -> None:
        try:
            self.run(self.settle())
        finally:
            for client in self.clients:
                if client.comm is not None:
                    self.run(client.disconnect())

    async def settle(self) -> None:
        deadline = time.monotonic() + SETTLE_DEADLINE
        for client in self.clients:
            while client.outstanding and time.monotonic() < deadline:
                await client.pump()
            assert not client.outstanding, f"{client.name} never heard back about {client.outstanding}"
        # A client that disconnected may have had an op in flight: wait until the log stands still.
        version = -1
        deadline = time.monotonic() + SETTLE_DEADLINE
        while True:
            stored = await database_sync_to_async(Board.objects.get)(pk=self.board.pk)
            if stored.version == version:
                break
            assert time.monotonic() < deadline, f"the op log kept growing for {SETTLE_DEADLINE} s"
            version = stored.version
            await asyncio.sleep(0.1)
        for client in self.clients:
            if client.comm is None:
                continue
            deadline = time.monotonic() + SETTLE_DEADLINE
            while client.replica.version < stored.version and time.monotonic() < deadline:
                await client.pump()
                await asyncio.sleep(0.01)
            assert client.replica.version == stored.version, client.name
            assert client.replica.board == stored.document, client.name
            assert client.replica.errors == []
        log = await database_sync_to_async(list)(
            BoardOp.objects.filter(board=self.board)
            .order_by("version")
            .values_list("version", "user_id", "op_id", "op")
        )
        assert [row[0] for row in log] == list(range(1, stored.version + 1))
        assert len({(row[1], row[2]) for row in log}) == len(log), "an op_id was applied twice"
        replayed = empty_board()
        for row in log:
            replayed = apply_op(replayed, row[3])
        assert replayed == stored.document


def test_random_interleavings_of_clients_converge_on_the_stored_board(
    owner: Any, collaborator: Any, viewer: Any, monkeypatch: Any
) -> None:
    from django.contrib.auth import get_user_model

    extra = get_user_model().objects.create_user("erin", password="pw-erin-12345")
    monkeypatch.setattr(hub_module, "GAP_WAIT", 0.02)
    monkeypatch.setattr(hub_module, "POLL_INTERVAL", 0.1)
    real_publish = hub_module.Hub.publish

    machines: list[CollaborationMachine] = []

    def lossy_publish(self: hub_module.Hub, board_id: int, version: int, frame: str) -> None:
        if machines and version in machines[-1].lose:
            return
        real_publish(self, board_id, version, frame)

    monkeypatch.setattr(hub_module.Hub, "publish", lossy_publish)

    class Machine(CollaborationMachine):
        def __init__(self) -> None:
            super().__init__()
            machines.append(self)

    loop = asyncio.new_event_loop()
    server = threading.Thread(target=loop.run_forever, daemon=True)
    server.start()
    Machine.loop = loop
    Machine.owner = owner
    Machine.editors = [collaborator, extra]
    Machine.tokens = [token_create(user=u, name="t")[1] for u in (owner, collaborator, extra)]
    try:
        run_state_machine_as_test(
            Machine,
            settings=settings(
                max_examples=12,
                stateful_step_count=40,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            ),
        )
    finally:
        hub = hub_module._hubs.get(loop)
        if hub is not None:
            asyncio.run_coroutine_threadsafe(hub.aclose(), loop).result(10)
        asyncio.run_coroutine_threadsafe(get_channel_layer().flush(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        server.join(10)
        loop.close()
