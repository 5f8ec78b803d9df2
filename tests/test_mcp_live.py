"""The MCP server in real processes: `manage.py mcp` as a desktop client starts it (stdio), and two
uvicorn workers behind a round-robin balancer with a live editor on the other worker."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from itertools import cycle
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.builders import sample_board
from tests.conftest import require
from tests.support.deployment import PYTHON, ROOT, Deployment, port_open
from whiteboard.collab.client import BoardClient

pytestmark = pytest.mark.slow

# Its own Redis database: board ids start at 1 in every deployment, and so do their channel groups.
REDIS_URL = os.environ.get("TEST_MCP_REDIS_URL", "redis://127.0.0.1:6379/6")
CACHE = {"action": "add_node", "node": {"id": "cache", "kind": "cache", "x": 480, "y": 240}}


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with Deployment(redis_url=REDIS_URL if port_open(REDIS_URL) else None) as deployed:
        deployed.token("alice")
        yield deployed


def stdio(deployment: Deployment, user: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=PYTHON, args=["manage.py", "mcp", "--user", user], env=deployment.env, cwd=str(ROOT)
    )


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_agent_creates_changes_and_reviews_a_board_over_stdio(deployment, mode):
    async with Client(stdio(deployment, "alice"), mode=mode) as agent:
        created = await agent.call_tool("create_board", {"board": sample_board(f"over stdio, {mode}")})
        board_id = created.structured_content["id"]
        applied = await agent.call_tool("apply_ops", {"board_id": board_id, "ops": [CACHE]})
        review = await agent.call_tool("review_board", {"board_id": board_id})
        listed = await agent.list_resources()
    assert not applied.is_error and review.structured_content["version"] == 2
    assert f"board://{board_id}" in {str(resource.uri) for resource in listed.resources}
    ((op_id, owner),) = deployment.query(
        "SELECT o.op_id, u.username FROM boards_boardop o JOIN auth_user u ON u.id = o.user_id "
        "WHERE o.board_id = ? AND o.version = 2",
        board_id,
    )
    assert op_id.startswith("mcp-") and owner == "alice"


def test_hostile_lines_on_stdio_are_answered_with_the_problem(deployment):
    handshake = '{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}'
    lines = [
        {"id": 0, "method": "initialize", "raw_params": handshake},
        {"id": 1, "method": "tools/call", "raw_params": '{"name":"get_board","arguments":{"board_id":1,"board_id":2}}'},
        {
            "id": 2,
            "method": "tools/call",
            "raw_params": '{"name":"list_boards","arguments":{"name_contains":"\\ud800"}}',
        },
        {"id": 3, "method": "resources/read", "raw_params": '{"uri":"board://1\\u0000"}'},
    ]
    process = subprocess.Popen(
        [PYTHON, "manage.py", "mcp", "--user", "alice"],
        cwd=ROOT, env=deployment.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    answers: dict[int, Any] = {}
    try:
        for line in lines:
            message = (
                f'{{"jsonrpc":"2.0","id":{line["id"]},"method":"{line["method"]}","params":{line["raw_params"]}}}\n'
            )
            process.stdin.write(message.encode())
            if line["id"] == 0:
                process.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        process.stdin.flush()
        while len(answers) < len(lines):
            answer = json.loads(process.stdout.readline())
            answers[answer["id"]] = answer
    finally:
        process.stdin.close()
        process.wait(30)
    assert answers[1]["result"]["isError"] is True
    assert 'repeated key "board_id"' in answers[1]["result"]["content"][0]["text"]
    assert answers[2]["result"]["structuredContent"]["errors"] == [
        {"loc": "name_contains", "msg": "invalid text: a lone UTF-16 surrogate (\\ud800) at character 1 is not Unicode"}
    ]
    assert (
        answers[3]["error"]["code"] == -32600
        and "params.uri: invalid text: a NUL character" in answers[3]["error"]["message"]
    )


def test_the_stdio_server_refuses_an_unknown_user(deployment):
    done = subprocess.run(
        [PYTHON, "manage.py", "mcp", "--user", "nobody"], cwd=ROOT, env=deployment.env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "no active user named 'nobody'" in done.stderr


class RoundRobin(httpx2.AsyncBaseTransport):
    """A balancer: each request to the next worker in turn, as nginx spreads them."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = cycle(ports)
        self.inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        request.url = request.url.copy_with(port=next(self.ports))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.services
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_two_workers_serve_one_agent_and_an_editor_on_either_sees_it_live(deployment, mode):
    require(port_open(REDIS_URL), f"Redis is not reachable at {REDIS_URL}")
    while len(deployment.workers) < 2:
        deployment.start_worker()
    token = deployment.token("alice")
    board_id = deployment.api(0, "POST", "/api/boards", token, sample_board())["id"]
    balancer = RoundRobin(deployment.ports)
    async with (
        BoardClient(deployment.ws_url(1, board_id), token=token) as editor,
        httpx2.AsyncClient(transport=balancer, headers={"Authorization": f"Bearer {token}"}) as http,
        Client(
            streamable_http_client(f"http://127.0.0.1:{deployment.ports[0]}/mcp", http_client=http), mode=mode
        ) as agent,
    ):
        # The handshake, the listing and the calls land on both workers in turn: nothing of a
        # session may live in one worker's memory.
        tools = await agent.list_tools()
        read = await agent.call_tool("get_board", {"board_id": board_id})
        applied = await agent.call_tool("apply_ops", {"board_id": board_id, "ops": [CACHE]})
        await editor.wait_version(2)
        present = await editor.wait_for(lambda m: m["type"] == "presence" and "selection" in m)
    assert len(tools.tools) == 10 and read.structured_content["version"] == 1
    assert not applied.is_error
    assert "cache" in {n["id"] for n in editor.board["nodes"]}
    assert present["user"] == "alice (via MCP)" and present["selection"] == ["cache"]
