"""The MCP server (whiteboard/mcp), driven by the official SDK's client: in memory against the
server object (as the stdio server acts for one user) and over streamable HTTP through the
project's own ASGI app, beside a live WebSocket editor on the same event loop."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import jsonschema
import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client as DjangoClient
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from tests.builders import board as build_board
from tests.builders import edge, node, sample_board
from whiteboard.accounts.services import token_create
from whiteboard.asgi import application
from whiteboard.boards.models import Board, BoardOp
from whiteboard.boards.routing import websocket_application
from whiteboard.boards.services import board_create
from whiteboard.collab import hub as hub_module
from whiteboard.domain.estimate import defaults_for, estimate_board
from whiteboard.domain.review import review_board
from whiteboard.mcp.server import ArchboardMCP

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "http://127.0.0.1:8000"
MODES = ["auto", "legacy"]  # the 2026-07-28 protocol, and the initialize handshake of older clients
UNKNOWN_KIND = {"action": "add_node", "node": {"id": "vec", "kind": "vectordb"}}
CACHE = {"action": "add_node", "node": {"id": "cache", "kind": "cache", "x": 480, "y": 240}}


def agent(user: Any) -> Client:
    """An agent in memory, acting for `user` as `manage.py mcp --user` does."""
    return Client(ArchboardMCP(stdio_user=user), raise_exceptions=True)


@asynccontextmanager
async def http_session(token: str | None, **headers: str) -> AsyncIterator[httpx2.AsyncClient]:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx2.ASGITransport(app=application)
    async with httpx2.AsyncClient(transport=transport, base_url=BASE, headers={**auth, **headers}) as http:
        yield http


@asynccontextmanager
async def http_agent(token: str, mode: str = "auto") -> AsyncIterator[Client]:
    async with (
        http_session(token) as http,
        Client(streamable_http_client(f"{BASE}/mcp", http_client=http), mode=mode) as client,
    ):
        yield client


async def post(http: httpx2.AsyncClient, body: bytes | dict[str, Any]) -> httpx2.Response:
    """One raw JSON-RPC message, as a pre-2026 client sends it (no handshake needed: stateless)."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
    }
    return await http.post("/mcp", content=content, headers=headers)


def call(name: str, arguments: dict[str, Any] | str) -> bytes:
    """A tools/call message; `arguments` as JSON text may carry what a JSON encoder would not write."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return f'{{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{"name":"{name}","arguments":{text}}}}}'.encode()


def text_of(result: Any) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


@pytest.fixture
def owner_token(owner: Any) -> str:
    return token_create(user=owner, name="agent")[1]


@pytest.fixture
def viewer_token(viewer: Any) -> str:
    return token_create(user=viewer, name="agent")[1]


def stored(board: Board) -> tuple[int, int]:
    """The board's version and the length of its op log."""
    board.refresh_from_db()
    return board.version, BoardOp.objects.filter(board=board).count()


# --- over HTTP -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_an_agent_lists_reads_creates_and_changes_boards_over_http(board, owner_token, mode):
    async with http_agent(owner_token, mode) as client:
        listed = (await client.call_tool("list_boards", {})).structured_content["boards"]
        assert [(b["id"], b["role"], b["nodes"]) for b in listed] == [(board.pk, "owner", 6)]
        read = await client.call_tool("get_board", {"board_id": board.pk})
        assert read.structured_content == {"id": board.pk, "version": 1, "board": board.document}
        created = await client.call_tool("create_board", {"board": sample_board("Drafted by an agent")})
        assert created.structured_content["version"] == 1
        applied = await client.call_tool("apply_ops", {"board_id": board.pk, "ops": [CACHE]})
    assert not applied.is_error
    assert applied.structured_content["version"] == 2
    [result] = applied.structured_content["results"]
    assert result["type"] == "applied" and result["user"] == "olivia" and result["op_id"].startswith("mcp-")
    new_board = await database_sync_to_async(Board.objects.get)(pk=created.structured_content["id"])
    assert (new_board.name, new_board.owner_id) == ("Drafted by an agent", board.owner_id)
    logged = await database_sync_to_async(BoardOp.objects.get)(board=board, version=2)
    assert logged.op_id == result["op_id"] and logged.op["node"]["id"] == "cache"


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "authentication required: send 'Authorization: Bearer <token>'"),
        ({"Authorization": "Bearer ab_not-a-token"}, "invalid or revoked API token"),
        ({"Authorization": "Basic b2xpdmlhOnB3"}, "the Authorization header must be 'Bearer <token>'"),
    ],
)
async def test_a_missing_or_bad_token_is_refused_with_401_before_any_tool_runs(board, headers, detail):
    async with http_session(None, **headers) as http:
        response = await post(http, call("apply_ops", {"board_id": board.pk, "ops": [CACHE]}))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="archboard"'
    assert response.json()["detail"].startswith(detail)
    assert await database_sync_to_async(stored)(board) == (1, 1)


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT"])
async def test_only_post_is_served_a_stateless_server_has_no_stream_or_session(owner_token, method):
    async with http_session(owner_token) as http:
        response = await http.request(method, "/mcp", headers={"accept": "application/json, text/event-stream"})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert response.json()["detail"] == f"method {method} not allowed here; use POST"


async def test_a_revoked_token_is_refused_at_once(board, owner_token, owner):
    async with http_session(owner_token) as http:
        assert (await post(http, call("list_boards", {}))).status_code == 200
        await database_sync_to_async(owner.api_tokens.all().delete)()
        assert (await post(http, call("list_boards", {}))).status_code == 401


async def test_a_host_the_site_does_not_serve_is_refused(owner_token):
    async with http_session(owner_token, Host="evil.example") as http:
        response = await post(http, call("list_boards", {}))
    assert response.status_code == 400
    assert response.json()["detail"] == "the Host header names no host this server serves"


async def test_mcp_requests_count_against_the_tokens_api_rate_limit(settings, owner_token):
    settings.ARCHBOARD_RATE_LIMITS = {**settings.ARCHBOARD_RATE_LIMITS, "api_token": "3/60"}
    async with http_session(owner_token) as http:
        answers = [await post(http, call("list_boards", {})) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["detail"].startswith("too many requests: the limit is 3 per 60 s (api token)")


async def test_the_server_keeps_no_session_so_any_worker_can_answer_any_request(board, owner_token):
    handshake = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    async with http_session(owner_token) as http:
        opened = await post(http, handshake)
        # A follow-up without a session id, as if it had reached another worker.
        read = await post(http, call("get_board", {"board_id": board.pk}))
    assert opened.status_code == 200 and "mcp-session-id" not in opened.headers
    assert opened.headers["content-type"].startswith("application/json")  # one JSON body, no stream
    assert read.json()["result"]["structuredContent"]["id"] == board.pk


async def test_a_body_over_the_limit_is_refused_before_it_is_read(settings, owner_token):
    settings.ARCHBOARD_MAX_BODY_BYTES = 1000
    async with http_session(owner_token) as http:
        response = await post(http, call("create_board", {"board": sample_board("x" * 2000)}))
    assert response.status_code == 413


# --- roles, limits and errors ----------------------------------------------------------------------


async def test_a_board_the_caller_may_not_see_is_no_such_board(board, outsider):
    reads = [
        ("get_board", {"board_id": board.pk}),
        ("apply_ops", {"board_id": board.pk, "ops": [CACHE]}),
        ("review_board", {"board_id": board.pk}),
        ("render_board", {"board_id": board.pk}),
        ("export_board", {"board_id": board.pk, "format": "json"}),
        ("get_board", {"board_id": 999_999}),
    ]
    async with agent(outsider) as client:
        answers = [await client.call_tool(name, arguments) for name, arguments in reads]
        listed = await client.list_resources()
        with pytest.raises(MCPError, match="no such board"):
            await client.read_resource(f"board://{board.pk}")
    assert all(a.is_error and text_of(a) == "no such board" for a in answers)
    assert all(a.structured_content == {"detail": "no such board", "errors": []} for a in answers)
    assert listed.resources == []
    assert await database_sync_to_async(stored)(board) == (1, 1)


async def test_a_viewer_reads_a_board_but_its_changes_are_forbidden(board, viewer):
    async with agent(viewer) as client:
        read = await client.call_tool("get_board", {"board_id": board.pk})
        refused = await client.call_tool("apply_ops", {"board_id": board.pk, "ops": [CACHE]})
    assert not read.is_error
    assert refused.is_error
    assert text_of(refused) == "Your role on this board is viewer; this needs edit rights."
    assert await database_sync_to_async(stored)(board) == (1, 1)


async def test_an_invalid_op_is_a_tool_error_naming_its_place_and_stores_nothing(board, owner):
    async with agent(owner) as client:
        refused = await client.call_tool("apply_ops", {"board_id": board.pk, "ops": [UNKNOWN_KIND]})
    assert refused.is_error
    assert text_of(refused).splitlines() == [
        f"1 of 1 ops rejected; nothing was applied (board {board.pk} is at version 1):",
        "ops[0].node.kind: unknown kind 'vectordb'",
    ]
    [result] = refused.structured_content["results"]
    assert result["type"] == "rejected" and result["errors"] == [
        {"loc": "ops[0].node.kind", "msg": "unknown kind 'vectordb'"}
    ]
    assert await database_sync_to_async(stored)(board) == (1, 1)


async def test_each_op_is_applied_or_rejected_on_its_own_as_on_the_socket(board, owner):
    ops = [
        CACHE,
        {"action": "delete_edge", "id": "nope"},
        {"action": "update_node", "id": "cache", "set": {"label": "Redis"}},
    ]
    async with agent(owner) as client:
        answer = await client.call_tool("apply_ops", {"board_id": board.pk, "ops": ops})
    assert answer.is_error
    assert [r["type"] for r in answer.structured_content["results"]] == ["applied", "rejected", "applied"]
    assert "ops[1].id: no edge with id 'nope'" in text_of(answer)
    assert await database_sync_to_async(stored)(board) == (3, 3)
    await database_sync_to_async(board.refresh_from_db)()
    assert [n["label"] for n in board.document["nodes"] if n["id"] == "cache"] == ["Redis"]


async def test_a_batch_is_all_or_nothing(board, owner):
    batch = {"action": "batch", "ops": [CACHE, UNKNOWN_KIND]}
    async with agent(owner) as client:
        answer = await client.call_tool("apply_ops", {"board_id": board.pk, "ops": [batch]})
    assert answer.is_error and "ops[0].ops[1].node.kind: unknown kind 'vectordb'" in text_of(answer)
    assert await database_sync_to_async(stored)(board) == (1, 1)


async def test_an_invalid_document_is_refused_whole_naming_every_place(owner):
    document = build_board([node("a", "vectordb"), node("b")], [edge("e1", "a", "zz")])
    async with agent(owner) as client:
        refused = await client.call_tool("create_board", {"board": document})
    assert refused.is_error
    assert "nodes[0].kind: unknown kind 'vectordb'" in text_of(refused)
    assert refused.structured_content["detail"] == "invalid input"
    assert await database_sync_to_async(Board.objects.count)() == 0


@pytest.mark.parametrize(
    ("tool", "arguments", "problem"),
    [
        ("get_board", {"board_id": "abc"}, "board_id: Input should be a valid integer"),
        ("get_board", {}, "board_id: is required"),
        ("apply_ops", {"board_id": 1, "ops": []}, "ops: List should have at least 1 item"),
        ("apply_ops", {"board_id": 1, "ops": ["add_node"]}, "ops[0]: Input should be a valid dictionary"),
        ("apply_ops", {"board_id": 1, "ops": [CACHE] * 1001}, "ops: List should have at most 1000 items"),
        ("render_board", {"board_id": 1, "width": 5}, "width: Input should be greater than or equal to 200"),
        ("render_board", {"board_id": 1, "format": "gif"}, "unknown format 'gif'; use png or svg"),
        ("render_board", {"board_id": 1, "layout": "spiral"}, "layout must be one of drawn, auto, not 'spiral'."),
        (
            "export_board",
            {"board_id": 1, "format": "bmp"},
            "unknown format 'bmp'; use one of png, svg, pdf, dot, py, json",
        ),
        (
            "import_board",
            {"text": "{}", "format": "visio"},
            "format: unknown format 'visio' (allowed: auto, archboard, diagrams, mermaid, drawio, compose)",
        ),
    ],
)
async def test_arguments_that_do_not_fit_are_named_by_their_place(board, owner, tool, arguments, problem):
    async with agent(owner) as client:
        answer = await client.call_tool(tool, arguments)
    assert answer.is_error
    assert problem in text_of(answer)
    assert "Traceback" not in text_of(answer) and "pydantic" not in text_of(answer)


async def test_boards_per_user_and_board_creations_are_limited_as_on_the_api(settings, owner):
    settings.ARCHBOARD_MAX_BOARDS_PER_USER = 1
    async with agent(owner) as client:
        first = await client.call_tool("create_board", {"board": sample_board("one")})
        second = await client.call_tool("create_board", {"board": sample_board("two")})
    assert not first.is_error
    assert text_of(second) == "you have reached the limit of 1 boards; delete one first"
    settings.ARCHBOARD_MAX_BOARDS_PER_USER = 10
    settings.ARCHBOARD_RATE_LIMITS = {**settings.ARCHBOARD_RATE_LIMITS, "board_create": "1/60"}
    async with agent(owner) as client:
        limited = await client.call_tool("import_board", {"text": json.dumps(sample_board("three"))})
    assert text_of(limited).startswith("too many requests: the limit is 1 per 60 s (board create)")
    assert limited.structured_content["retry_after"] >= 1
    assert await database_sync_to_async(Board.objects.count)() == 1


async def test_renders_count_against_the_users_render_budget(settings, board, owner):
    settings.ARCHBOARD_RATE_LIMITS = {**settings.ARCHBOARD_RATE_LIMITS, "render": "2/60"}
    async with agent(owner) as client:
        answers = [await client.call_tool("export_board", {"board_id": board.pk, "format": "dot"}) for _ in range(3)]
    assert [a.is_error for a in answers] == [False, False, True]
    assert "(render)" in text_of(answers[-1])


# --- hostile input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ('{"board_id":1,"board_id":2}', 'repeated key "board_id": an object may name each key once'),
        (
            '{"board":{"format":"archboard/1","name":"a\\ud800","nodes":[],"edges":[]}}',
            "board.name: invalid text: a lone UTF-16 surrogate (\\ud800) at character 2 is not Unicode",
        ),
        (
            '{"board":{"format":"archboard/1","nodes":[{"id":"a","kind":"llm","label":"x\\u0000"}],"edges":[]}}',
            "board.nodes[0].label: invalid text: a NUL character (\\u0000) at character 2 is not allowed",
        ),
        (
            '{"board":{"format":"archboard/1","nodes":[],"edges":[],"nodes":[]}}',
            'board: repeated key "nodes": an object may name each key once',
        ),
    ],
)
async def test_hostile_text_in_arguments_is_a_tool_error_and_never_stored(owner_token, arguments, problem):
    async with http_session(owner_token) as http:
        response = await post(http, call("create_board", arguments))
    result = response.json()["result"]
    assert result["isError"] is True
    assert problem in result["content"][0]["text"]
    assert await database_sync_to_async(Board.objects.count)() == 0


async def test_hostile_text_outside_the_arguments_is_an_invalid_request(board, owner_token):
    message = b'{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"board://1\\u0000"}}'
    async with http_session(owner_token) as http:
        response = await post(http, message)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == -32600
    assert (
        error["message"]
        == "invalid request: params.uri: invalid text: a NUL character (\\u0000) at character 10 is not allowed"
    )


async def test_deeply_nested_arguments_are_a_parse_error_not_a_crash(owner_token):
    deep = "[" * 100_000 + "]" * 100_000
    async with http_session(owner_token) as http:
        response = await post(http, call("create_board", f'{{"board":{deep}}}'))
        still = await post(http, call("list_boards", {}))
    assert response.status_code == 400 and response.json()["error"]["code"] == -32700
    assert still.status_code == 200


# --- the tools' work ---------------------------------------------------------------------------------


async def test_review_board_gives_the_apis_findings(board, owner):
    async with agent(owner) as client:
        answer = await client.call_tool("review_board", {"board_id": board.pk})
    assert answer.structured_content == review_board(board.document, version=1)
    assert {f["rule"] for f in answer.structured_content["findings"]} >= {"single-point-of-failure"}


async def test_render_board_gives_a_png_image_or_the_svg_text(board, owner):
    async with agent(owner) as client:
        png = await client.call_tool("render_board", {"board_id": board.pk, "scale": 2})
        svg = await client.call_tool("render_board", {"board_id": board.pk, "format": "svg", "layout": "drawn"})
    [image] = png.content
    assert image.type == "image" and image.mime_type == "image/png", png.content
    assert base64.b64decode(image.data).startswith(b"\x89PNG\r\n\x1a\n")
    assert svg.content[0].type == "text" and 'data-id="gw"' in svg.content[0].text


async def test_render_and_export_take_a_part_of_the_board(board, owner):
    async with agent(owner) as client:
        svg = await client.call_tool("render_board", {"board_id": board.pk, "format": "svg", "only": "e2"})
        part = await client.call_tool("export_board", {"board_id": board.pk, "format": "json", "only": "q,dev"})
        refused = await client.call_tool("render_board", {"board_id": board.pk, "only": "gw,ghost"})
    drawn = set(re.findall(r'data-id="([^"]+)"', svg.content[0].text))
    assert drawn == {"gw", "super", "e2", "edge"}  # the gateway stands in its group, "edge"
    assert [n["id"] for n in json.loads(part.content[0].text)["nodes"]] == ["q", "dev"]
    assert refused.is_error and "only: no element 'ghost' on this board" in text_of(refused)


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("json", lambda text: json.loads(text)["nodes"][1]["id"] == "gw"),
        ("py", lambda text: "from diagrams import" in text),
        ("dot", lambda text: text.startswith("digraph")),
        ("svg", lambda text: text.lstrip().startswith("<")),
    ],
)
async def test_export_board_gives_text_formats_as_text(board, owner, fmt, check):
    async with agent(owner) as client:
        answer = await client.call_tool("export_board", {"board_id": board.pk, "format": fmt})
    [block] = answer.content
    assert block.type == "text" and check(block.text)


async def test_export_board_gives_a_pdf_as_an_embedded_resource(board, owner):
    async with agent(owner) as client:
        answer = await client.call_tool("export_board", {"board_id": board.pk, "format": "pdf"})
    [block] = answer.content
    assert block.type == "resource" and block.resource.mime_type == "application/pdf"
    assert block.resource.uri == f"board://{board.pk}/export.pdf"
    assert base64.b64decode(block.resource.blob).startswith(b"%PDF")


async def test_import_board_stores_an_archboard_document_or_only_reads_it(owner):
    text = json.dumps(sample_board("Imported"))
    async with agent(owner) as client:
        read = await client.call_tool("import_board", {"text": text, "store": False})
        stored_board = await client.call_tool("import_board", {"text": text, "format": "archboard"})
        bad = await client.call_tool("import_board", {"text": '{"format": "archboard/1", "nodes": [], "nodes": []}'})
    assert read.structured_content == {"board": read.structured_content["board"], "warnings": []}
    assert read.structured_content["board"]["name"] == "Imported"
    assert stored_board.structured_content["version"] == 1
    assert bad.is_error and 'repeated key "nodes"' in text_of(bad)
    assert await database_sync_to_async(Board.objects.count)() == 1


async def test_get_palette_lists_every_kind_with_its_technologies(owner):
    async with agent(owner) as client:
        answer = await client.call_tool("get_palette", {})
    kinds = {k["id"]: k for c in answer.structured_content["categories"] for k in c["kinds"]}
    assert {"api_gateway", "vector_db", "guardrail", "note"} <= set(kinds)
    assert kinds["cache"]["techs"][:2] == ["redis", "memcached"]
    assert kinds["llm"]["defaults"] == defaults_for("llm")


async def test_boards_are_resources_listed_per_user(board, owner, collaborator, outsider):
    async with agent(collaborator) as client:
        listed = await client.list_resources()
        read = await client.read_resource(f"board://{board.pk}")
    [resource] = listed.resources
    assert str(resource.uri) == f"board://{board.pk}" and resource.name == "Sample"
    assert "editor of this board" in resource.description
    assert json.loads(read.contents[0].text) == board.document


async def test_the_tools_advertise_precise_input_schemas(owner):
    async with agent(owner) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == {
        "list_boards", "get_board", "create_board", "apply_ops", "review_board",
        "estimate_board", "render_board", "import_board", "export_board", "get_palette",
    }  # fmt: skip
    ops = jsonschema.Draft202012Validator(tools["apply_ops"].input_schema)
    assert ops.is_valid({"board_id": 1, "ops": [CACHE, {"action": "delete_edge", "id": "e1"}]})
    assert not ops.is_valid({"board_id": 1, "ops": [UNKNOWN_KIND]})
    assert not ops.is_valid({"board_id": 1, "ops": [{"action": "add_node", "id": "x"}]})
    document = jsonschema.Draft202012Validator(tools["create_board"].input_schema)
    assert document.is_valid({"board": sample_board()})
    assert not document.is_valid({"board": {**sample_board(), "colour": "red"}})
    assert '{"action": "add_node"' in tools["apply_ops"].description
    assert tools["get_board"].annotations.read_only_hint is True
    assert tools["apply_ops"].annotations.destructive_hint is True


# --- live editors ------------------------------------------------------------------------------------


async def open_editor(board_id: int, token: str) -> WebsocketCommunicator:
    headers = [(b"origin", BASE.encode()), (b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {token}".encode())]
    socket = WebsocketCommunicator(websocket_application, f"/ws/boards/{board_id}/", headers=headers)
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from(timeout=3))["type"] == "snapshot"
    return socket


async def next_of(socket: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    while True:
        message = await socket.receive_json_from(timeout=5)
        if message["type"] == kind:
            return message


async def test_a_live_editor_receives_an_agents_ops_and_sees_the_agent_present(
    monkeypatch, board, collaborator, owner_token
):
    monkeypatch.setattr(hub_module, "VISIT_STAY", 0.5)
    editor_token = await database_sync_to_async(token_create)(user=collaborator, name="editor")
    socket = await open_editor(board.pk, editor_token[1])
    async with http_agent(owner_token) as client:
        answer = await client.call_tool("apply_ops", {"board_id": board.pk, "ops": [CACHE]})
    applied = await next_of(socket, "applied")
    assert applied == {
        "type": "applied",
        "version": 2,
        "op_id": answer.structured_content["results"][0]["op_id"],
        "user": "olivia",
        "op": {"action": "add_node", "node": {**CACHE["node"], "label": "", "props": {}}},
    }
    present = await next_of(socket, "presence")
    assert present["user"] == "olivia (via MCP)"
    assert present["selection"] == ["cache"] and present["cursor"] == {"x": 480, "y": 240}
    left = await next_of(socket, "left")
    assert left["client"] == present["client"]
    await socket.disconnect()


async def test_the_activity_feed_names_the_ops_an_agent_applied(board, owner, owner_api):
    async with agent(owner) as client:
        await client.call_tool("apply_ops", {"board_id": board.pk, "ops": [CACHE]})
    feed = (await sync_to_async(owner_api.get)(f"/api/boards/{board.pk}/activity")).json()["items"]
    assert [(item["user"], item["via"], item["text"]) for item in feed] == [
        ("olivia", "MCP", "added node cache"),
        ("olivia", None, "created the board"),
    ]

    def page() -> str:
        browser = DjangoClient()
        browser.force_login(owner)
        return browser.get(f"/boards/{board.pk}/activity").content.decode()

    html = await sync_to_async(page)()
    assert html.count("via MCP") == 1


async def test_estimate_board_gives_the_apis_estimate_at_a_scale(owner):
    loaded = build_board(
        [
            node("web", "browser", props={"rps": 40}),
            node("lb", "load_balancer"),
            node("api", props={"latency_ms": 20, "concurrency": 2}),
        ],
        [edge("e1", "web", "lb"), edge("e2", "lb", "api")],
    )
    board = await database_sync_to_async(board_create)(owner=owner, document=loaded)
    async with agent(owner) as client:
        answer = await client.call_tool("estimate_board", {"board_id": board.pk, "scale": 2})
        refused = await client.call_tool("estimate_board", {"board_id": board.pk, "scale": -1})
    assert answer.structured_content == estimate_board(board.document, scale=2, version=1)
    assert answer.structured_content["nodes"]["api"]["utilisation"] == pytest.approx(0.8)
    assert refused.is_error and "scale: Input should be greater than or equal to 0" in text_of(refused)


async def test_import_board_reads_every_format_of_spec_9_with_its_warnings(owner):
    text = "flowchart LR\n  web[Web app] -->|HTTPS| api[Orders API] --> db[(Orders DB)]\n"
    async with agent(owner) as client:
        read = await client.call_tool("import_board", {"text": text, "store": False})
    board = read.structured_content["board"]
    assert sorted(n["kind"] for n in board["nodes"]) == ["browser", "service", "sql_db"]
    assert {"loc": "line 2", "msg": "'db' read as sql_db from its words"} in read.structured_content["warnings"]


async def test_export_board_writes_the_text_formats_of_spec_9(board, owner):
    async with agent(owner) as client:
        answer = await client.call_tool("export_board", {"board_id": board.pk, "format": "compose.yaml"})
    [block] = answer.content
    assert block.type == "text" and "services:" in block.text
