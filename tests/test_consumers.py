"""The board WebSocket (whiteboard/boards/consumers.py) through the whole stack, in process."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import DataError
from django.test import Client

from whiteboard.accounts.services import token_create, token_revoke
from whiteboard.boards.models import Board, BoardOp, Membership
from whiteboard.boards.routing import websocket_application
from whiteboard.boards.services import board_apply_op, board_replace, board_share
from whiteboard.collab import hub as hub_module
from whiteboard.collab import protocol

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = b"http://127.0.0.1:8000"
HOST = b"127.0.0.1:8000"
NODE = {"action": "add_node", "node": {"id": "cache", "kind": "cache"}}


class Socket:
    """A WebsocketCommunicator with the protocol's conveniences."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.comm = communicator
        self.snapshot: dict[str, Any] = {}

    async def send(self, message: dict[str, Any]) -> None:
        await self.comm.send_json_to(message)

    async def op(self, op: dict[str, Any], op_id: str = "op-1") -> None:
        await self.send({"type": "op", "op_id": op_id, "op": op})

    async def receive(self, timeout: float = 3) -> dict[str, Any]:
        return await self.comm.receive_json_from(timeout=timeout)

    async def receive_type(self, kind: str, timeout: float = 3) -> dict[str, Any]:
        """The next message of this type, skipping presence chatter and pushed review findings."""
        while True:
            message = await self.receive(timeout)
            if message["type"] == kind:
                return message
            assert message["type"] in ("presence", "left", "review"), message

    async def nothing(self, timeout: float = 0.3) -> bool:
        """True when nothing but pushed review findings arrives within `timeout`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while (remaining := deadline - asyncio.get_running_loop().time()) > 0:
            if await self.comm.receive_nothing(timeout=remaining):
                return True
            if (await self.receive())["type"] != "review":
                return False
        return True

    async def close_code(self) -> int:
        while True:
            output = await self.comm.receive_output(timeout=3)
            if output["type"] == "websocket.close":
                return output.get("code", 1000)

    async def leave(self) -> None:
        await self.comm.disconnect()


def token_for(user: Any) -> str:
    return token_create(user=user, name="ws")[1]


async def open_socket(
    board_id: int, *, token: str | None = None, headers: list[tuple[bytes, bytes]] | None = None
) -> Socket:
    all_headers = [(b"origin", ORIGIN), (b"host", HOST), *(headers or [])]
    if token:
        all_headers.append((b"authorization", f"Bearer {token}".encode()))
    comm = WebsocketCommunicator(websocket_application, f"/ws/boards/{board_id}/", headers=all_headers)
    connected, _ = await comm.connect(timeout=3)
    assert connected
    return Socket(comm)


async def joined(board_id: int, token: str) -> Socket:
    socket = await open_socket(board_id, token=token)
    socket.snapshot = await socket.receive_type("snapshot")
    return socket


@pytest.fixture
def tokens(owner: Any, collaborator: Any, viewer: Any, outsider: Any) -> dict[str, str]:
    return {
        name: token_for(user)
        for name, user in [
            ("owner", owner),
            ("editor", collaborator),
            ("viewer", viewer),
            ("outsider", outsider),
        ]
    }


async def test_it_sends_the_snapshot_on_connect(board: Board, tokens: dict[str, str]) -> None:
    socket = await joined(board.pk, tokens["owner"])
    assert socket.snapshot["version"] == 1
    assert socket.snapshot["board"] == board.document
    assert socket.snapshot["presence"] == []
    assert socket.snapshot["user"] == "olivia"
    assert socket.snapshot["role"] == "owner"
    await socket.leave()


async def test_an_op_reaches_every_client_the_sender_included_after_it_is_stored(
    board: Board, tokens: dict[str, str]
) -> None:
    alice, bob = await joined(board.pk, tokens["owner"]), await joined(board.pk, tokens["editor"])
    await alice.op(NODE, "a-1")
    for socket in (alice, bob):
        applied = await socket.receive_type("applied")
        assert applied == {
            "type": "applied",
            "version": 2,
            "op_id": "a-1",
            "user": "olivia",
            "op": {"action": "add_node", "node": {"id": "cache", "kind": "cache", "label": "", "props": {}}},
        }
    stored = await database_sync_to_async(Board.objects.get)(pk=board.pk)
    assert stored.version == 2
    assert stored.document["nodes"][-1]["id"] == "cache"
    await alice.leave()
    await bob.leave()


async def test_ops_from_several_clients_arrive_in_one_total_order(board: Board, tokens: dict[str, str]) -> None:
    alice, bob = await joined(board.pk, tokens["owner"]), await joined(board.pk, tokens["editor"])
    for i in range(5):
        await alice.op({"action": "add_node", "node": {"id": f"a{i}", "kind": "llm"}}, f"a{i}")
        await bob.op({"action": "add_node", "node": {"id": f"b{i}", "kind": "llm"}}, f"b{i}")
    seen = []
    for socket in (alice, bob):
        seen.append([(m["version"], m["op_id"]) for m in [await socket.receive_type("applied") for _ in range(10)]])
    assert seen[0] == seen[1]
    assert [v for v, _ in seen[0]] == list(range(2, 12))
    await alice.leave()
    await bob.leave()


async def test_an_invalid_op_is_rejected_to_the_sender_only_and_changes_nothing(
    board: Board, tokens: dict[str, str]
) -> None:
    alice, bob = await joined(board.pk, tokens["owner"]), await joined(board.pk, tokens["editor"])
    await alice.op({"action": "update_node", "id": "gw", "set": {"props": {"replicas": 0}}}, "bad-1")
    rejected = await alice.receive_type("rejected")
    assert rejected["op_id"] == "bad-1"
    assert rejected["errors"][0]["loc"] == "op.set.props.replicas"
    assert "replicas" in rejected["error"]
    assert await bob.nothing()
    assert (await database_sync_to_async(Board.objects.get)(pk=board.pk)).version == 1
    await alice.leave()
    await bob.leave()


async def test_an_op_on_a_deleted_element_is_rejected_cleanly(board: Board, tokens: dict[str, str]) -> None:
    alice = await joined(board.pk, tokens["owner"])
    await alice.op({"action": "delete_node", "id": "q"}, "del")
    await alice.receive_type("applied")
    await alice.op({"action": "update_node", "id": "q", "set": {"label": "late"}}, "late")
    rejected = await alice.receive_type("rejected")
    assert rejected["errors"] == [{"loc": "op.id", "msg": "no node with id 'q' (it was deleted or never added)"}]
    await alice.leave()


async def test_a_resent_op_id_gets_the_original_applied_and_is_not_applied_twice(
    board: Board, tokens: dict[str, str]
) -> None:
    alice = await joined(board.pk, tokens["owner"])
    await alice.op(NODE, "once")
    first = await alice.receive_type("applied")
    await alice.op(NODE, "once")
    again = await alice.receive_type("applied")
    assert again == first
    assert await database_sync_to_async(BoardOp.objects.filter(board=board).count)() == 2
    await alice.leave()


async def test_a_viewers_op_is_rejected_but_the_viewer_sees_changes(board: Board, tokens: dict[str, str]) -> None:
    vera, olivia = await joined(board.pk, tokens["viewer"]), await joined(board.pk, tokens["owner"])
    assert vera.snapshot["role"] == "viewer"
    await vera.op(NODE, "v-1")
    rejected = await vera.receive_type("rejected")
    assert "viewer" in rejected["error"]
    await olivia.op(NODE, "o-1")
    assert (await vera.receive_type("applied"))["op_id"] == "o-1"
    await vera.leave()
    await olivia.leave()


@pytest.mark.parametrize("who", ["outsider", "anonymous", "bad-token"])
async def test_a_caller_who_may_not_see_the_board_is_closed_with_4403(
    board: Board, tokens: dict[str, str], who: str
) -> None:
    token = {"outsider": tokens["outsider"], "anonymous": None, "bad-token": "ab_nope"}[who]
    socket = await open_socket(board.pk, token=token)
    assert await socket.close_code() == 4403


async def test_a_missing_board_is_closed_with_4403(tokens: dict[str, str]) -> None:
    socket = await open_socket(999_999, token=tokens["owner"])
    assert await socket.close_code() == 4403


async def test_a_cross_origin_handshake_is_refused(board: Board, tokens: dict[str, str]) -> None:
    comm = WebsocketCommunicator(
        websocket_application,
        f"/ws/boards/{board.pk}/",
        headers=[
            (b"origin", b"https://evil.example"),
            (b"authorization", f"Bearer {tokens['owner']}".encode()),
        ],
    )
    connected, _ = await comm.connect(timeout=3)
    assert not connected


async def _handshake(board: Board, token: str, origin: bytes | None, host: bytes, scheme: str = "ws") -> bool:
    headers = [(b"host", host), (b"authorization", f"Bearer {token}".encode())]
    if origin is not None:
        headers.append((b"origin", origin))
    comm = WebsocketCommunicator(websocket_application, f"/ws/boards/{board.pk}/", headers=headers)
    comm.scope["scheme"] = scheme
    connected, _ = await comm.connect(timeout=3)
    if connected:
        await comm.disconnect()
    return connected


@pytest.mark.parametrize(
    ("origin", "host", "scheme", "accepted"),
    [
        (b"http://127.0.0.1:8000", b"127.0.0.1:8000", "ws", True),
        (b"http://127.0.0.1:9999", b"127.0.0.1:8000", "ws", False),  # another port of the same host
        (b"http://127.0.0.1", b"127.0.0.1:8000", "ws", False),
        (b"https://127.0.0.1:8000", b"127.0.0.1:8000", "ws", False),  # another scheme
        (b"http://localhost:8000", b"127.0.0.1:8000", "ws", False),  # another host, allowed or not
        (b"https://localhost", b"localhost", "wss", True),
        (b"https://localhost:443", b"localhost", "wss", True),
        (b"http://localhost", b"localhost", "wss", False),
        (b"http://evil.example:8000", b"evil.example:8000", "ws", False),  # a host we do not serve
        (b"null", b"127.0.0.1:8000", "ws", False),
        (None, b"127.0.0.1:8000", "ws", True),  # scripts and the CLI send no Origin
    ],
)
async def test_a_browser_handshake_must_come_from_this_very_origin(
    board: Board, tokens: dict[str, str], origin: bytes | None, host: bytes, scheme: str, accepted: bool
) -> None:
    assert await _handshake(board, tokens["owner"], origin, host, scheme) is accepted


async def test_a_trusted_origin_of_the_settings_may_open_a_socket(
    board: Board, tokens: dict[str, str], settings: Any
) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://boards.example.com", "https://*.example.org"]
    assert await _handshake(board, tokens["owner"], b"https://boards.example.com", b"127.0.0.1:8000")
    assert await _handshake(board, tokens["owner"], b"https://app.example.org", b"127.0.0.1:8000")
    assert not await _handshake(board, tokens["owner"], b"https://boards.example.com:8443", b"127.0.0.1:8000")
    assert not await _handshake(board, tokens["owner"], b"http://boards.example.com", b"127.0.0.1:8000")
    assert not await _handshake(board, tokens["owner"], b"https://evilexample.org", b"127.0.0.1:8000")


async def test_the_session_cookie_authenticates_too(board: Board, owner: Any) -> None:
    client = Client()
    await database_sync_to_async(client.force_login)(owner)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = await open_socket(board.pk, headers=[(b"cookie", cookie)])
    assert (await socket.receive_type("snapshot"))["user"] == "olivia"
    await socket.leave()


@pytest.mark.parametrize(
    ("raw", "loc", "text"),
    [
        ("not json", "", "malformed JSON"),
        ("[1, 2]", "", "JSON object"),
        ('{"type": "dance"}', "type", "unknown message type"),
        ('{"type": "op", "op": {"action": "delete_node", "id": "q"}}', "op_id", "is required"),
        (
            '{"type": "op", "op_id": "x", "board": 12345, "op": {"action": "delete_node", "id": "q"}}',
            "board",
            "not 12345",
        ),
        ('{"type": "op", "op_id": "x", "op": {"action": "explode"}}', "op.action", "unknown action"),
        (
            '{"type": "op", "op_id": "x", "op": {"action": "add_node", "node": {"id": "n", "kind": "x"}}}',
            "op.node.kind",
            "",
        ),
        ('{"type": "sync", "since": "yesterday"}', "since", ""),
        ('{"type": "presence", "cursor": {"x": "left"}}', "cursor", ""),
    ],
)
async def test_bad_messages_are_rejected_with_a_clear_reason_and_change_nothing(
    board: Board, tokens: dict[str, str], raw: str, loc: str, text: str
) -> None:
    alice, bob = await joined(board.pk, tokens["owner"]), await joined(board.pk, tokens["editor"])
    await alice.comm.send_to(text_data=raw)
    rejected = await alice.receive_type("rejected")
    assert rejected["errors"][0]["loc"] == loc
    assert text in rejected["error"]
    assert await bob.nothing()
    assert (await database_sync_to_async(Board.objects.get)(pk=board.pk)).version == 1
    # The socket still works afterwards.
    await alice.op(NODE, "after")
    assert (await alice.receive_type("applied"))["version"] == 2
    await alice.leave()
    await bob.leave()


async def test_binary_frames_and_messages_over_1_mib_are_rejected(board: Board, tokens: dict[str, str]) -> None:
    alice = await joined(board.pk, tokens["owner"])
    await alice.comm.send_to(bytes_data=b"{}")
    assert "binary" in (await alice.receive_type("rejected"))["error"]
    big = json.dumps(
        {
            "type": "op",
            "op_id": "big",
            "op": {"action": "set_board", "set": {"description": "x" * (1024 * 1024)}},
        }
    )
    await alice.comm.send_to(text_data=big)
    assert "1 MiB" in (await alice.receive_type("rejected"))["error"]
    await alice.leave()


async def test_sync_returns_every_op_after_the_given_version(board: Board, tokens: dict[str, str]) -> None:
    alice = await joined(board.pk, tokens["owner"])
    for i in range(3):
        await alice.op({"action": "add_node", "node": {"id": f"n{i}", "kind": "llm"}}, f"n{i}")
        await alice.receive_type("applied")
    await alice.send({"type": "sync", "since": 2})
    reply = await alice.receive_type("ops")
    assert [m["version"] for m in reply["ops"]] == [3, 4]
    assert all(m["type"] == "applied" and m["user"] == "olivia" for m in reply["ops"])
    await alice.leave()


async def test_sync_from_too_long_ago_gets_a_snapshot(board: Board, tokens: dict[str, str], monkeypatch: Any) -> None:
    from whiteboard.collab import store

    monkeypatch.setattr(store, "MAX_SYNC_OPS", 1)
    alice = await joined(board.pk, tokens["owner"])
    for i in range(3):
        await alice.op({"action": "add_node", "node": {"id": f"n{i}", "kind": "llm"}}, f"n{i}")
        await alice.receive_type("applied")
    await alice.send({"type": "sync", "since": 0})
    reply = await alice.receive_type("snapshot")
    assert reply["version"] == 4
    assert [n["id"] for n in reply["board"]["nodes"]][-3:] == ["n0", "n1", "n2"]
    await alice.leave()


async def test_presence_goes_to_the_others_and_left_follows_a_disconnect(board: Board, tokens: dict[str, str]) -> None:
    alice, bob = await joined(board.pk, tokens["owner"]), await joined(board.pk, tokens["editor"])
    await alice.send({"type": "presence", "cursor": {"x": 1, "y": 2}, "selection": ["gw"]})
    seen = await bob.receive()
    assert seen["type"] == "presence"
    assert seen["user"] == "olivia"
    assert seen["client"] == alice.snapshot["client"]
    assert seen["cursor"] == {"x": 1, "y": 2}
    assert seen["selection"] == ["gw"]
    assert seen["color"].startswith("#")
    assert await alice.nothing()
    carol = await joined(board.pk, tokens["owner"])
    assert [p["client"] for p in carol.snapshot["presence"]] == [alice.snapshot["client"]]
    await alice.leave()
    left = await bob.receive_type("left")
    assert left == {"type": "left", "user": "olivia", "client": alice.snapshot["client"]}
    await bob.leave()
    await carol.leave()


async def test_a_rest_replace_reaches_live_editors(board: Board, tokens: dict[str, str], owner: Any) -> None:
    alice = await joined(board.pk, tokens["editor"])
    new = {"format": "archboard/1", "name": "Replaced", "nodes": [{"id": "x", "kind": "llm"}], "edges": []}
    await database_sync_to_async(board_replace)(board=board, version=1, document=new, user=owner)
    applied = await alice.receive_type("applied")
    assert applied["version"] == 2
    assert applied["op"]["action"] == "replace"
    assert applied["op"]["board"]["name"] == "Replaced"
    await alice.leave()


async def test_a_removed_collaborator_is_rejected_on_the_next_op_and_closed(
    board: Board, tokens: dict[str, str], collaborator: Any
) -> None:
    bob = await joined(board.pk, tokens["editor"])
    await database_sync_to_async(Membership.objects.filter(board=board, user=collaborator).delete)()
    await bob.op(NODE, "too-late")
    rejected = await bob.receive_type("rejected")
    assert "access" in rejected["error"]
    await bob.receive_type("error")
    assert await bob.close_code() == 4403
    assert (await database_sync_to_async(Board.objects.get)(pk=board.pk)).version == 1


async def test_a_revoked_token_closes_the_socket_on_the_next_op(board: Board, owner: Any) -> None:
    token, raw = await database_sync_to_async(token_create)(user=owner, name="short-lived")
    alice = await joined(board.pk, raw)
    await database_sync_to_async(token_revoke)(user=owner, token_id=token.pk)
    await alice.op(NODE, "x")
    assert "logged in" in (await alice.receive_type("rejected"))["error"]
    await alice.receive_type("error")
    assert await alice.close_code() == 4403


async def test_a_logged_out_session_is_closed_on_the_next_op(board: Board, owner: Any) -> None:
    client = Client()
    await database_sync_to_async(client.force_login)(owner)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = await open_socket(board.pk, headers=[(b"cookie", cookie)])
    await socket.receive_type("snapshot")
    await database_sync_to_async(client.logout)()
    await socket.op(NODE, "x")
    await socket.receive_type("rejected")
    await socket.receive_type("error")
    assert await socket.close_code() == 4403


async def test_an_idle_socket_loses_access_within_seconds(
    board: Board, tokens: dict[str, str], collaborator: Any, monkeypatch: Any
) -> None:
    from whiteboard.boards import consumers

    monkeypatch.setattr(consumers, "RECHECK_INTERVAL", 0.1)
    bob = await joined(board.pk, tokens["editor"])
    await database_sync_to_async(Membership.objects.filter(board=board, user=collaborator).delete)()
    await bob.receive_type("error")
    assert await bob.close_code() == 4403


async def test_lost_notifications_are_filled_from_the_op_log(
    board: Board, tokens: dict[str, str], owner: Any, monkeypatch: Any
) -> None:
    """The channel layer may drop messages: clients still get every version, in order."""
    monkeypatch.setattr(hub_module, "GAP_WAIT", 0.05)
    monkeypatch.setattr(hub_module, "POLL_INTERVAL", 0.2)
    alice = await joined(board.pk, tokens["editor"])
    real_publish = hub_module.Hub.publish
    dropped: list[int] = []

    def lossy_publish(self: hub_module.Hub, board_id: int, version: int, frame: str) -> None:
        if version % 2 == 0:  # drop every other notification, the last one included
            dropped.append(version)
            return
        real_publish(self, board_id, version, frame)

    monkeypatch.setattr(hub_module.Hub, "publish", lossy_publish)
    for i in range(5):
        await database_sync_to_async(board_apply_op)(
            board_id=board.pk,
            op={"action": "add_node", "node": {"id": f"n{i}", "kind": "llm"}},
            op_id=f"n{i}",
            user=owner,
        )
    versions = [(await alice.receive_type("applied", timeout=5))["version"] for _ in range(5)]
    assert versions == [2, 3, 4, 5, 6]
    assert dropped == [2, 4, 6]
    await alice.leave()


async def test_review_findings_are_pushed_after_changes(board: Board, tokens: dict[str, str]) -> None:
    alice, bob = await joined(board.pk, tokens["owner"]), await joined(board.pk, tokens["editor"])
    orphan = {"action": "add_node", "node": {"id": "lonely", "kind": "service", "label": "Lonely"}}
    await alice.op(orphan, "a-orphan")
    for socket in (alice, bob):
        assert (await socket.receive_type("applied"))["op_id"] == "a-orphan"
        review = await socket.receive_type("review", timeout=5)
        assert review["version"] == 2
        assert any(f["rule"] == "orphan-component" and f["nodes"] == ["lonely"] for f in review["findings"])
        assert set(review["summary"]) == {"error", "warning", "info"}
    await alice.leave()
    await bob.leave()


async def test_ops_over_the_connection_limit_are_rejected_with_retry_after_and_others_go_on(
    board: Board, tokens: dict[str, str], settings: Any
) -> None:
    settings.ARCHBOARD_RATE_LIMITS = {**settings.ARCHBOARD_RATE_LIMITS, "ws_op": "3/60"}
    alice, bob = await joined(board.pk, tokens["owner"]), await joined(board.pk, tokens["editor"])
    for i in range(3):
        await alice.op({"action": "update_node", "id": "gw", "set": {"label": f"v{i}"}}, f"a-{i}")
        assert (await alice.receive_type("applied"))["op_id"] == f"a-{i}"
    await alice.op({"action": "update_node", "id": "gw", "set": {"label": "flood"}}, "a-flood")
    rejected = await alice.receive_type("rejected")
    assert rejected["op_id"] == "a-flood" and "too many" in rejected["error"] and rejected["retry_after"] >= 1
    await bob.op({"action": "update_node", "id": "gw", "set": {"label": "bob"}}, "b-1")
    seen = [(await bob.receive_type("applied"))["op_id"] for _ in range(4)]
    assert seen == ["a-0", "a-1", "a-2", "b-1"]
    stored = await database_sync_to_async(Board.objects.get)(pk=board.pk)
    labels = {n["id"]: n["label"] for n in stored.document["nodes"]}
    assert labels["gw"] == "bob" and stored.version == 5
    await alice.leave()
    await bob.leave()


async def test_a_ping_gets_a_pong_and_bad_heartbeats_are_rejected(board: Board, tokens: dict[str, str]) -> None:
    socket = await joined(board.pk, tokens["viewer"])
    await socket.send({"type": "ping"})
    assert await socket.receive_type("pong") == {"type": "pong"}
    await socket.send({"type": "ping", "extra": 1})
    rejected = await socket.receive_type("rejected")
    assert "unknown key" in rejected["error"]
    await socket.send({"type": "pong"})  # an answer to the server's ping: no reply
    await socket.send({"type": "ping"})
    assert (await socket.receive_type("pong"))["type"] == "pong"
    await socket.leave()


async def test_the_server_pings_a_quiet_client(board: Board, tokens: dict[str, str], monkeypatch: Any) -> None:
    from whiteboard.boards import consumers

    monkeypatch.setattr(consumers, "HEARTBEAT_INTERVAL", 0.1)
    socket = await joined(board.pk, tokens["owner"])
    assert await socket.receive_type("ping") == {"type": "ping"}
    await socket.leave()


async def test_a_client_that_keeps_the_heartbeat_and_goes_silent_is_closed(
    board: Board, tokens: dict[str, str], monkeypatch: Any
) -> None:
    from whiteboard.boards import consumers

    monkeypatch.setattr(consumers, "SILENCE_LIMIT", 0.3)
    monkeypatch.setattr(consumers, "WATCH_TICK", 0.05)
    old = await joined(board.pk, tokens["editor"])  # never pings: an older client
    keeper = await joined(board.pk, tokens["owner"])
    await keeper.send({"type": "ping"})
    await keeper.receive_type("pong")
    assert await keeper.close_code() == protocol.CLOSE_SILENT
    # The older client is still served.
    await old.send({"type": "sync", "since": 1})
    assert (await old.receive_type("ops"))["ops"] == []
    await old.leave()


async def test_a_role_change_reaches_the_open_socket_at_once(
    board: Board, tokens: dict[str, str], collaborator: Any
) -> None:
    bob = await joined(board.pk, tokens["editor"])
    assert bob.snapshot["role"] == "editor"
    await database_sync_to_async(board_share)(board=board, user=collaborator, role="viewer")
    assert await bob.receive_type("role") == {"type": "role", "role": "viewer"}
    await bob.send({"type": "op", "op_id": "late", "op": {"action": "update_node", "id": "gw", "set": {"label": "x"}}})
    assert "viewer" in (await bob.receive_type("rejected"))["error"]
    await database_sync_to_async(board_share)(board=board, user=collaborator, role="editor")
    assert await bob.receive_type("role") == {"type": "role", "role": "editor"}
    await bob.leave()


async def test_bad_text_in_an_op_is_rejected_where_it_is_and_the_socket_stays_open(
    board: Board, tokens: dict[str, str]
) -> None:
    alice = await joined(board.pk, tokens["owner"])
    bad = '{"type": "op", "op_id": "evil", "op": {"action": "add_node", "node": {"id": "x", "kind": "llm", "label": "\\ud800"}}}'
    await alice.comm.send_to(text_data=bad)
    rejected = await alice.receive_type("rejected")
    # Refused as a whole, but it names the op, so the sender does not wait for it forever.
    assert rejected["op_id"] == "evil"
    assert rejected["errors"] == [
        {"loc": "op.node.label", "msg": "invalid text: a lone UTF-16 surrogate (\\ud800) at character 1 is not Unicode"}
    ]
    nul = '{"type": "op", "op_id": "n1", "op": {"action": "update_node", "id": "gw", "set": {"props": {"custom": "\\u0000"}}}}'
    await alice.comm.send_to(text_data=nul)
    rejected = await alice.receive_type("rejected")
    assert rejected["op_id"] == "n1" and rejected["errors"][0]["loc"] == "op.set.props.custom"
    # When the op_id itself is in doubt (repeated, or bad text), no op is named.
    await alice.comm.send_to(text_data='{"type": "op", "op_id": "a", "op_id": "b", "op": {}}')
    rejected = await alice.receive_type("rejected")
    assert rejected["op_id"] is None and rejected["errors"][0]["msg"].startswith('repeated key "op_id"')
    await alice.comm.send_to(text_data='{"type": "op", "op_id": "a\\u0000", "op": {}}')
    assert (await alice.receive_type("rejected"))["op_id"] is None
    await alice.op(NODE, "fine")
    assert (await alice.receive_type("applied"))["op_id"] == "fine"
    await alice.leave()


async def test_poison_ops_in_a_group_commit_cost_the_honest_editors_nothing(
    board: Board, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four honest editors and one attacker on a board; the attacker's ops share the group commit
    with theirs (held back until all are queued), some refused by the parser, some by the store."""
    from whiteboard.boards import consumers, services

    real_store = services._store

    def store(board_row: Board, accepted: list[Any]) -> None:
        if any("poison" in str(applied.op) for applied, _ in accepted):
            raise DataError("the database cannot store this value")
        real_store(board_row, accepted)

    monkeypatch.setattr(services, "_store", store)
    # Each socket has one op in flight at a time. The first batch waits (on the event loop, so
    # role checks and queueing go on) until the first op of every socket has queued up behind it:
    # then the second batch holds honest and poison ops alike. Later rounds batch as they come.
    gate, held = asyncio.Event(), []
    from whiteboard.collab import groupcommit

    real_to_thread = groupcommit.database_sync_to_async

    def gated(func: Any) -> Any:
        call = real_to_thread(func)

        async def after_gate(board_id: int, items: list[Any]) -> Any:
            held.append(len(items))
            await gate.wait()
            return await call(board_id, items)

        return after_gate if func is consumers._apply_batch else call

    monkeypatch.setattr(groupcommit, "database_sync_to_async", gated)
    honest = [await joined(board.pk, tokens["owner" if i % 2 else "editor"]) for i in range(4)]
    attacker = await joined(board.pk, tokens["editor"])
    mine = {i: [f"h{i}-{k}" for k in range(5)] for i in range(4)}
    hub = hub_module.get_hub()
    loop = asyncio.get_running_loop()

    async def until(condition: Any, what: str) -> None:
        deadline = loop.time() + 10
        while not condition():
            assert loop.time() < deadline, what
            await asyncio.sleep(0.01)

    for k in range(5):
        for i, socket in enumerate(honest):
            await socket.op({"action": "add_node", "node": {"id": f"n{i}x{k}", "kind": "service"}}, mine[i][k])
            if k == 0 and i == 0:  # the first op alone makes the first batch, held at the gate
                await until(lambda: held == [1], "the first op never reached the gate")
        if k < 3:
            await attacker.op(
                {"action": "add_node", "node": {"id": f"p{k}", "kind": "llm", "label": "poison"}}, f"p{k}"
            )
        else:
            await attacker.comm.send_to(text_data='{"type": "op", "op_id": "s", "op": {"label": "\\udfff"}}')
        if k == 0:
            # Three honest ops and the attacker's wait behind it: the next batch mixes them.
            await until(lambda: len(hub.commits.queues.get(board.pk, [])) == 4, "the first ops never queued up")
            gate.set()

    everyone = {op_id for ids in mine.values() for op_id in ids}
    for socket in honest:
        applied = {(await socket.receive_type("applied"))["op_id"] for _ in range(20)}
        assert applied == everyone
    refusals, heard = [], set()
    while len(refusals) < 5 or heard != everyone:
        message = await attacker.receive()
        if message["type"] == "rejected":
            refusals.append(message)
        elif message["type"] == "applied":
            heard.add(message["op_id"])
    assert sorted(r["op_id"] for r in refusals) == ["p0", "p1", "p2", "s", "s"]
    stored = await database_sync_to_async(Board.objects.get)(pk=board.pk)
    assert stored.version == 1 + 20
    assert not any(n["id"].startswith("p") for n in stored.document["nodes"])
    for socket in [*honest, attacker]:
        assert await socket.nothing(0.05)  # still open: nothing more, and no close
    for socket in [*honest, attacker]:
        await socket.leave()
