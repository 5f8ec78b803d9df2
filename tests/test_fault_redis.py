"""Faults: Redis restarted while editors are connected.

First the hub's recovery logic in process, with an in-memory channel layer that can be switched
off and restarted empty as Redis would be; then the whole thing with real servers.

The end-to-end test starts a Redis server of its own on a free loopback port (never the machine's
shared one), two real uvicorn workers on PostgreSQL sharing it, and editors on both workers
streaming ops. Redis is killed in the middle of the stream and started again on the same port,
empty. The op log in the database is the truth: every op acknowledged to its sender must be stored
exactly once, every client must end with the stored board, no socket may be lost, and both workers
must go on serving (and be back in the board's group) afterwards. It skips with the reason when
redis-server or PostgreSQL is not there, and fails instead under REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, channel_layers

from tests.builders import sample_board
from tests.conftest import require
from tests.support.deployment import Deployment, free_port, port_open
from tests.test_consumers import NODE, joined, token_for
from whiteboard.boards.models import Board, BoardOp
from whiteboard.boards.services import board_apply_op
from whiteboard.collab import hub as hub_module
from whiteboard.collab import protocol
from whiteboard.collab.client import BoardClient
from whiteboard.collab.hub import Hub
from whiteboard.collab.outlet import Outlet
from whiteboard.collab.publish import group_name

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/archboard")
REDIS_SERVER = shutil.which("redis-server")
# Ops an editor has sent and not yet seen answered before it waits: the load follows the machine.
IN_FLIGHT = 4


# --- the hub's recovery, in process -------------------------------------------------------------


class FlakyLayer(InMemoryChannelLayer):
    """The in-memory channel layer, taken down and brought back like a Redis server.

    Down, every call fails as channels_redis does (redis ConnectionError is a ConnectionError) and
    a receive in progress fails at once, as a reset connection does. `restart` brings it back
    empty: a Redis without persistence has forgotten every group and queued message.
    """

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self._went_down = asyncio.Event()

    def go_down(self) -> None:
        self.down = True
        self._went_down.set()

    def restart(self) -> None:
        self.channels.clear()
        self.groups.clear()
        self.down = False
        self._went_down = asyncio.Event()

    def members(self, board_id: int) -> set[str]:
        return set(self.groups.get(group_name(board_id), {}))

    def _check(self) -> None:
        if self.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        self._check()
        await super().send(channel, message)

    async def group_add(self, group: str, channel: str) -> None:
        self._check()
        await super().group_add(group, channel)

    async def group_discard(self, group: str, channel: str) -> None:
        self._check()
        await super().group_discard(group, channel)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self._check()
        await super().group_send(group, message)

    async def receive(self, channel: str) -> dict[str, Any]:
        self._check()
        getter = asyncio.ensure_future(super().receive(channel))
        went_down = asyncio.ensure_future(self._went_down.wait())
        await asyncio.wait({getter, went_down}, return_when=asyncio.FIRST_COMPLETED)
        went_down.cancel()
        if getter.done():
            return getter.result()
        getter.cancel()
        raise ConnectionError("Connection closed by server.")


@pytest.fixture
def fast_recovery(monkeypatch: Any) -> None:
    monkeypatch.setattr(hub_module, "LAYER_RETRY", 0.01)
    monkeypatch.setattr(hub_module, "LAYER_RETRY_MAX", 0.05)


async def eventually(predicate: Any, what: str, timeout: float = 10.0, every: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(every)


class Worker:
    """A hub with one connection of the board, standing in for a worker process."""

    def __init__(self, layer: FlakyLayer) -> None:
        self.hub = Hub(asyncio.get_running_loop())
        self.hub.layer = layer
        self.versions: list[int] = []

    async def open(self, board_id: int, version: int) -> None:
        async def write(frame: str) -> None:
            message = json.loads(frame)
            if message["type"] == "applied":
                self.versions.append(message["version"])

        outlet = Outlet(uuid.uuid4().hex[:12], write, lambda: None)
        await self.hub.join(board_id, outlet)
        outlet.start(version, protocol.encode({"type": "snapshot", "version": version}))
        self.hub.ready(board_id, version)


def _apply(board_id: int, user: Any, op_id: str) -> int:
    op = {"action": "add_node", "node": {"id": op_id, "kind": "service"}}
    return board_apply_op(board_id=board_id, op=op, op_id=op_id, user=user).version


@pytest.mark.django_db(transaction=True)
async def test_a_worker_out_of_its_groups_catches_up_from_the_log_when_the_layer_is_back(
    board: Board, owner: Any, monkeypatch: Any, fast_recovery: None
) -> None:
    monkeypatch.setattr(hub_module, "POLL_INTERVAL", 3600.0)  # only the recovery may catch up here
    layer = FlakyLayer()
    here, there = Worker(layer), Worker(layer)
    # Ops committed in this process are announced through `here`, as in the worker that took them.
    monkeypatch.setitem(hub_module._hubs, asyncio.get_running_loop(), here.hub)
    try:
        await here.open(board.pk, 1)
        await there.open(board.pk, 1)
        assert layer.members(board.pk) == {here.hub.channel, there.hub.channel}
        layer.go_down()
        assert await database_sync_to_async(_apply)(board.pk, owner, "during") == 2
        await eventually(lambda: here.versions == [2], "the op delivered in its own worker")
        await eventually(lambda: not here.hub.layer_up and not there.hub.layer_up, "both hubs to see the layer down")
        assert there.versions == []

        layer.restart()  # back, and empty
        await eventually(lambda: there.versions == [2], "the other worker to read the op from the log")
        await eventually(lambda: here.hub.layer_up and there.hub.layer_up, "both hubs to see the layer back")
        assert layer.members(board.pk) == {here.hub.channel, there.hub.channel}
        # Fan-out through the layer works again (no poll runs here, and there is no gap to fill).
        assert await database_sync_to_async(_apply)(board.pk, owner, "after") == 3
        await eventually(lambda: there.versions == [2, 3], "the next op through the layer")
        assert here.versions == [2, 3]
    finally:
        await here.hub.aclose()
        await there.hub.aclose()


async def test_a_worker_rejoins_the_groups_a_restarted_layer_forgot_without_an_error(monkeypatch: Any) -> None:
    """redis-py reconnects by itself: a Redis restarted between two commands shows no error."""
    monkeypatch.setattr(hub_module, "POLL_INTERVAL", 0.01)
    monkeypatch.setattr(hub_module, "GROUP_REFRESH", 0.05)
    layer = FlakyLayer()
    worker = Worker(layer)
    try:
        await worker.open(7, 0)
        layer.restart()
        assert layer.members(7) == set()
        await eventually(lambda: layer.members(7) == {worker.hub.channel}, "the worker back in the group")
        assert worker.hub.layer_up
    finally:
        await worker.hub.aclose()


@pytest.mark.django_db(transaction=True)
async def test_sockets_stay_open_and_ops_are_acknowledged_while_the_layer_is_down(
    board: Board, owner: Any, collaborator: Any, monkeypatch: Any, fast_recovery: None, caplog: Any
) -> None:
    # The flaky layer is the default one: the hub's, and any socket's that would listen on it.
    layer = FlakyLayer()
    monkeypatch.setitem(channel_layers.backends, "default", layer)
    owner_token = await database_sync_to_async(token_for)(owner)
    editor_token = await database_sync_to_async(token_for)(collaborator)
    layer.go_down()
    # The board's first socket joins while the layer is down, and a second one after it.
    alice = await joined(board.pk, owner_token)
    bob = await joined(board.pk, editor_token)
    await alice.op(NODE, "while-down")
    for socket in (alice, bob):
        assert (await socket.receive_type("applied"))["version"] == 2
    await alice.leave()
    assert (await bob.receive_type("left"))["client"] == alice.snapshot["client"]

    hub = hub_module.get_hub()
    layer.restart()
    await eventually(lambda: hub.layer_up and layer.members(board.pk) == {hub.channel}, "the hub back in its group")
    await bob.op({"action": "update_node", "id": "cache", "set": {"label": "back"}}, "after")
    assert (await bob.receive_type("applied"))["version"] == 3
    await bob.leave()
    stored = await database_sync_to_async(list)(BoardOp.objects.filter(board=board).values_list("op_id", flat=True))
    assert {"while-down", "after"} <= set(stored)
    # One warning when it went, one when it came back: not one per failed call.
    messages = [r.getMessage() for r in caplog.records if r.name == hub_module.__name__]
    assert len([m for m in messages if "channel layer failed" in m]) == 1, messages
    assert len([m for m in messages if "channel layer is back" in m]) == 1, messages


# --- the real thing: two workers, PostgreSQL and a Redis of the test's own --------------------------


class RedisServer:
    """A throwaway redis-server on a loopback port: no persistence, so a restart comes back empty."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--protected-mode", "no",
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def group_members(self, board_id: int) -> int:
        """How many workers are in the board's group (channels_redis keeps it in a sorted set)."""
        with redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5) as client:
            return int(client.zcard(f"asgi:group:{group_name(board_id)}"))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    require(REDIS_SERVER is not None, "redis-server is not installed (apt-get install redis-server)")
    assert REDIS_SERVER is not None
    server = RedisServer(REDIS_SERVER)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def deployment(redis_server: RedisServer) -> Iterator[Deployment]:
    require(port_open(POSTGRES_URL), f"PostgreSQL is not reachable at {POSTGRES_URL}")
    with Deployment(postgres_url=POSTGRES_URL, redis_url=redis_server.url) as deployed:
        deployed.start_worker()
        deployed.start_worker()
        yield deployed


def add(node_id: str) -> dict[str, Any]:
    return {"action": "add_node", "node": {"id": node_id, "kind": "service"}}


@pytest.mark.services
@pytest.mark.slow
def test_editors_recover_and_lose_nothing_acknowledged_when_redis_restarts(
    deployment: Deployment, redis_server: RedisServer
) -> None:
    token = deployment.token("alice")
    board_id = deployment.api(0, "POST", "/api/boards", token, sample_board())["id"]
    sent: dict[BoardClient, set[str]] = {}
    acknowledged: set[str] = set()
    reconnects = 0

    def listen(client: BoardClient, message: dict[str, Any], _: float) -> None:
        if message["type"] == "applied" and message["op_id"] in sent[client]:
            acknowledged.add(message["op_id"])
        elif message["type"] == "ops":
            acknowledged.update(m["op_id"] for m in message["ops"] if m["op_id"] in sent[client])

    async def scenario() -> None:
        editors = [BoardClient(deployment.ws_url(i % 2, board_id), token=token, listener=listen) for i in range(4)]
        for client in editors:
            sent[client] = set()
            await client.connect()
        stop = asyncio.Event()

        async def stream(client: BoardClient) -> None:
            # An editor keeps working; if its socket went it would reconnect (as static/editor/sync.js
            # does, with backoff) and resend what was never acknowledged.
            nonlocal reconnects
            while not stop.is_set():
                if not client.connected:
                    reconnects += 1
                    try:
                        await client.reconnect()
                    except (OSError, ConnectionError, TimeoutError):
                        await asyncio.sleep(0.25)
                        continue
                if len(client.unacknowledged) >= IN_FLIGHT:
                    await asyncio.sleep(0.02)
                    continue
                op_id = uuid.uuid4().hex
                sent[client].add(op_id)
                with contextlib.suppress(Exception):  # a socket that just went: reconnect above
                    await client.send_op(add(f"n{op_id[:12]}"), op_id)
                await asyncio.sleep(0.02)

        streams = [asyncio.ensure_future(stream(client)) for client in editors]
        await eventually(lambda: len(acknowledged) >= 30, "ops acknowledged before the fault", timeout=20.0, every=0.05)
        redis_server.kill()
        # Ops go on being stored and acknowledged while Redis is down: the database is the truth.
        during = len(acknowledged)
        await eventually(
            lambda: len(acknowledged) >= during + 30, "ops acknowledged while Redis was down", timeout=20.0, every=0.05
        )
        redis_server.start()
        await eventually(
            lambda: redis_server.group_members(board_id) == 2,
            "both workers back in the board's group",
            timeout=20.0,
            every=0.05,
        )
        after = len(acknowledged)
        await eventually(
            lambda: len(acknowledged) >= after + 30, "ops acknowledged after Redis came back", timeout=20.0, every=0.05
        )
        stop.set()
        await asyncio.gather(*streams)

        for client in editors:
            if not client.connected:
                await client.reconnect()
            await client.wait_acknowledged(timeout=20)
        (version,) = deployment.query("SELECT version FROM boards_board WHERE id = ?", board_id)[0]
        for client in editors:
            await client.wait_version(version, timeout=20)
        stored = deployment.api(0, "GET", f"/api/boards/{board_id}", token)["board"]
        for client in editors:
            assert client.errors == []
            assert client.version == version
            assert client.board == stored

        # Both workers serve new connections, and an op on one reaches the other.
        late = [BoardClient(deployment.ws_url(i, board_id), token=token) for i in (0, 1)]
        for client in late:
            await client.connect()
            assert client.version == version
        reply = await late[0].apply(add("after-restart"))
        await late[1].wait_version(reply["version"], timeout=10)
        assert late[1].board["nodes"][-1]["id"] == "after-restart"
        for client in [*editors, *late]:
            await client.close()

    asyncio.run(scenario())
    assert all(worker.poll() is None for worker in deployment.workers), "a worker died"
    assert reconnects == 0, "an editor lost its socket when Redis went away"
    for port in deployment.ports:
        log = (deployment.tmp / f"worker-{port}.log").read_text()
        assert "Exception in ASGI application" not in log, log[-3000:]
    stored_ids = [
        op_id for (op_id,) in deployment.query("SELECT op_id FROM boards_boardop WHERE board_id = ?", board_id)
    ]
    assert acknowledged <= set(stored_ids), "an acknowledged op is missing from the log"
    assert len(stored_ids) == len(set(stored_ids)), "an op was applied twice"
    versions = sorted(v for (v,) in deployment.query("SELECT version FROM boards_boardop WHERE board_id = ?", board_id))
    assert versions == list(range(1, len(versions) + 1))
