"""Two real worker processes sharing a board through Redis and PostgreSQL, and a worker SIGKILLed.

These start real servers on loopback ports with a database of their own; they skip with the
reason when PostgreSQL or Redis is not there (and fail instead under REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.builders import sample_board
from tests.conftest import require
from tests.support.deployment import Deployment, port_open
from whiteboard.collab.client import BoardClient

pytestmark = [pytest.mark.services, pytest.mark.slow]

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/archboard")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture
def deployment() -> Iterator[Deployment]:
    require(port_open(POSTGRES_URL), f"PostgreSQL is not reachable at {POSTGRES_URL}")
    require(port_open(REDIS_URL), f"Redis is not reachable at {REDIS_URL}")
    with Deployment(postgres_url=POSTGRES_URL, redis_url=REDIS_URL) as deployed:
        deployed.start_worker()
        deployed.start_worker()
        yield deployed


def add(node_id: str) -> dict[str, Any]:
    return {"action": "add_node", "node": {"id": node_id, "kind": "service"}}


async def converge(clients: list[BoardClient], deployment: Deployment, board_id: int, token: str) -> dict[str, Any]:
    for client in clients:
        await client.wait_acknowledged(timeout=20)
    (version,) = deployment.query("SELECT version FROM boards_board WHERE id = ?", board_id)[0]
    for client in clients:
        await client.wait_version(version, timeout=20)
    alive = 1 if deployment.workers[0].poll() is not None else 0
    stored = deployment.api(alive, "GET", f"/api/boards/{board_id}", token)["board"]
    for client in clients:
        assert client.errors == []
        assert client.version == version
        assert client.board == stored
    return stored


def test_clients_on_two_workers_converge_through_redis(deployment: Deployment) -> None:
    token = deployment.token("alice")
    board_id = deployment.api(0, "POST", "/api/boards", token, sample_board())["id"]

    async def scenario() -> None:
        a = BoardClient(deployment.ws_url(0, board_id), token=token)
        b = BoardClient(deployment.ws_url(1, board_id), token=token)
        await a.connect()
        await b.connect()

        async def edit(client: BoardClient, prefix: str) -> None:
            for i in range(40):
                await client.send_op(add(f"{prefix}{i}"))
                await client.send_op({"action": "update_node", "id": "gw", "set": {"label": f"{prefix}{i}"}})
                await asyncio.sleep(0.005)

        await asyncio.gather(edit(a, "a"), edit(b, "b"))
        stored = await converge([a, b], deployment, board_id, token)
        assert len(stored["nodes"]) == 6 + 80
        await a.send_presence({"x": 5, "y": 6}, ["gw"])
        seen = await b.wait_for(lambda m: m["type"] == "presence", timeout=10)
        assert seen["cursor"] == {"x": 5, "y": 6}
        await a.close()
        left = await b.wait_for(lambda m: m["type"] == "left", timeout=10)
        assert left["client"] == a.client_id
        await b.close()

    asyncio.run(scenario())
    log = deployment.query("SELECT version FROM boards_boardop WHERE board_id = ? ORDER BY version", board_id)
    assert [v for (v,) in log] == list(range(1, 1 + 1 + 160))


def test_a_worker_killed_mid_stream_loses_no_acknowledged_op(deployment: Deployment) -> None:
    token = deployment.token("alice")
    board_id = deployment.api(0, "POST", "/api/boards", token, sample_board())["id"]
    acknowledged: set[str] = set()

    def listen(client: BoardClient, message: dict[str, Any], _: float) -> None:
        if message["type"] == "applied" and message["op_id"] in mine[client]:
            acknowledged.add(message["op_id"])

    mine: dict[BoardClient, set[str]] = {}

    async def scenario() -> None:
        victims = [BoardClient(deployment.ws_url(0, board_id), token=token, listener=listen) for _ in range(3)]
        survivor = BoardClient(deployment.ws_url(1, board_id), token=token, listener=listen)
        for client in [*victims, survivor]:
            mine[client] = set()
            await client.connect()

        async def stream(client: BoardClient, count: int) -> None:
            for _ in range(count):
                if not client.connected:
                    return
                op_id = uuid.uuid4().hex
                mine[client].add(op_id)
                try:
                    await client.send_op(add(f"n{op_id[:12]}"), op_id)
                except Exception:
                    return
                await asyncio.sleep(0.01)

        streams = [asyncio.ensure_future(stream(c, 400)) for c in [*victims, survivor]]
        deadline = time.monotonic() + 30
        while len(acknowledged) < 60:
            assert time.monotonic() < deadline, f"only {len(acknowledged)} ops acknowledged in 30 s"
            await asyncio.sleep(0.01)
        deployment.kill_worker(0)
        await asyncio.gather(*streams[:3])
        for client in victims:
            client.url = deployment.ws_url(1, board_id)
            await client.reconnect()  # a fresh snapshot, then the unacknowledged ops again
        await streams[3]
        await converge([*victims, survivor], deployment, board_id, token)
        for client in [*victims, survivor]:
            await client.close()

    asyncio.run(scenario())
    stored = deployment.query("SELECT op_id FROM boards_boardop WHERE board_id = ?", board_id)
    stored_ids = [op_id for (op_id,) in stored]
    assert acknowledged <= set(stored_ids), "an acknowledged op is missing from the log"
    assert len(stored_ids) == len(set(stored_ids)), "an op was applied twice"
    versions = [v for (v,) in deployment.query("SELECT version FROM boards_boardop WHERE board_id = ?", board_id)]
    assert sorted(versions) == list(range(1, len(versions) + 1))


def test_a_role_changed_by_another_process_reaches_open_sockets_at_once(deployment: Deployment) -> None:
    """A change of access committed anywhere (here a separate `manage.py shell`, through Redis) is
    announced to every worker: an open socket re-checks at once, not at its periodic check."""
    owner = deployment.token("alice")
    member = deployment.token("bob")
    board_id = deployment.api(0, "POST", "/api/boards", owner, sample_board())["id"]

    def membership(role: str) -> None:
        deployment.manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User; from whiteboard.boards.models import Membership\n"
            f"m, _ = Membership.objects.get_or_create(board_id={board_id}, user=User.objects.get(username='bob'),"
            f" defaults={{'role': '{role}'}})\n"
            f"m.role = '{role}'; m.save()",
        )

    membership("editor")

    async def scenario() -> None:
        bob = BoardClient(deployment.ws_url(0, board_id), token=member)
        await bob.connect()
        await bob.apply(add("by-bob"))  # an editor
        membership("viewer")
        told = time.monotonic()
        seen = await bob.wait_for(lambda m: m["type"] == "role", timeout=10)
        waited = time.monotonic() - told
        assert seen["role"] == "viewer"
        # The periodic re-check comes 5 s after the last one; the announced change is at once.
        assert waited < 1.5, waited
        await bob.close()

    asyncio.run(scenario())
