"""The access-control matrix of the board WebSocket: the handshake and every client message type
against each kind of caller, with what each must get.

The message types come from the code (`protocol.CLIENT_TYPES`, which the consumer dispatches with
`BoardConsumer.HANDLERS`): a type added without a row here fails
`test_every_message_type_is_in_the_matrix`. Every denied message must leave the board as it was.

The callers, from the fewest rights to the most, then two who lose their access while connected:
anonymous, outsider, link (an anonymous holder of a read-only link, `?link=<token>`), viewer,
editor, owner; removed (an editor whose membership is deleted) and revoked_link (a link holder
whose link is revoked). Those two lose it before the handshake in the handshake row, and right
after their snapshot in the message rows.

Outcomes: `refused` (closed with 4403 at the handshake; whatever it sends later is ignored),
`snapshot:<role>`, `applied` (the op is stored and its `applied` comes back), `rejected` (a
`rejected` naming the reason; the socket stays open), `ops` (the sync answer), `relayed` (the
others see the presence), `pong` (the heartbeat's answer), `heard` (a pong taken with no answer,
the socket still answering), `closed` (a `rejected` with the reason, an `error`, then 4403).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model

from tests.builders import sample_board
from tests.test_consumers import HOST, ORIGIN, Socket
from whiteboard.accounts.services import token_create
from whiteboard.boards import sharing
from whiteboard.boards.consumers import BoardConsumer
from whiteboard.boards.models import Board, BoardOp, Membership, ShareLink
from whiteboard.boards.routing import websocket_application
from whiteboard.boards.services import board_create, board_share
from whiteboard.collab import protocol

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ("anonymous", "outsider", "link", "viewer", "editor", "owner", "removed", "revoked_link")
NO_ACCESS = {"anonymous": "refused", "outsider": "refused"}
LOST_ACCESS = {"removed": "closed", "revoked_link": "closed"}

MATRIX: dict[str, dict[str, str]] = {
    "handshake": {
        **NO_ACCESS,
        "link": "snapshot:viewer",
        "viewer": "snapshot:viewer",
        "editor": "snapshot:editor",
        "owner": "snapshot:owner",
        "removed": "refused",
        "revoked_link": "refused",
    },
    "op": {
        **NO_ACCESS,
        "link": "rejected",
        "viewer": "rejected",
        "editor": "applied",
        "owner": "applied",
        **LOST_ACCESS,
    },
    "sync": {**NO_ACCESS, "link": "ops", "viewer": "ops", "editor": "ops", "owner": "ops", **LOST_ACCESS},
    "presence": {
        **NO_ACCESS,
        "link": "relayed",
        "viewer": "relayed",
        "editor": "relayed",
        "owner": "relayed",
        **LOST_ACCESS,
    },
    "ping": {**NO_ACCESS, "link": "pong", "viewer": "pong", "editor": "pong", "owner": "pong", **LOST_ACCESS},
    "pong": {**NO_ACCESS, "link": "heard", "viewer": "heard", "editor": "heard", "owner": "heard", **LOST_ACCESS},
}

# A message of each type that is valid in every way but the caller's rights.
MESSAGES: dict[str, dict[str, Any]] = {
    "op": {"type": "op", "op": {"action": "update_node", "id": "gw", "set": {"label": "changed"}}},
    "sync": {"type": "sync", "since": 0},
    "presence": {"type": "presence", "cursor": {"x": 1, "y": 2}, "selection": ["gw"]},
    "ping": {"type": "ping"},
    "pong": {"type": "pong"},
}


def test_every_message_type_is_in_the_matrix() -> None:
    assert set(BoardConsumer.HANDLERS) == set(protocol.CLIENT_TYPES), "a client message type with no handler"
    types = {"handshake", *protocol.CLIENT_TYPES}
    assert set(MATRIX) == types, f"no matrix row: {sorted(types - set(MATRIX))}; stale: {sorted(set(MATRIX) - types)}"
    assert set(MESSAGES) == set(protocol.CLIENT_TYPES)
    assert all(set(row) == set(ROLES) for row in MATRIX.values()), "a row without every caller"


@pytest.fixture
def world(board: Board, owner: Any, collaborator: Any, viewer: Any, outsider: Any) -> dict[str, Any]:
    removed = get_user_model().objects.create_user("remy", password="pw-remy-12345")
    board_share(board=board, user=removed, role="editor")
    users = {"outsider": outsider, "viewer": viewer, "editor": collaborator, "owner": owner, "removed": removed}
    _, link = sharing.link_create(board=board, user=owner)
    revoked, revoked_token = sharing.link_create(board=board, user=owner)
    return {
        "board": board,
        "tokens": {role: token_create(user=user, name="ws-matrix")[1] for role, user in users.items()},
        "links": {"link": link, "revoked_link": revoked_token},
        "withdraw": {
            "removed": lambda: Membership.objects.filter(board=board, user=removed).delete(),
            "revoked_link": lambda: sharing.link_revoke(board=board, link_id=revoked.pk),
        },
    }


def _state(board_id: int) -> tuple[int, Any, int]:
    board = Board.objects.get(pk=board_id)
    return board.version, board.document, BoardOp.objects.filter(board_id=board_id).count()


async def _connect(world: dict[str, Any], role: str) -> tuple[Socket, dict[str, Any] | int]:
    """The socket and its snapshot, or the close code when the handshake is refused."""
    board: Board = world["board"]
    path = f"/ws/boards/{board.pk}/"
    headers = [(b"origin", ORIGIN), (b"host", HOST)]
    if role in world["links"]:
        path += f"?link={world['links'][role]}"
    elif role in world["tokens"]:
        headers.append((b"authorization", f"Bearer {world['tokens'][role]}".encode()))
    comm = WebsocketCommunicator(websocket_application, path, headers=headers)
    connected, _ = await comm.connect(timeout=3)
    assert connected  # the consumer accepts, then closes with 4403 when the caller may not see the board
    socket = Socket(comm)
    first = await comm.receive_output(timeout=3)
    if first["type"] == "websocket.close":
        return socket, int(first.get("code", 1000))
    message = protocol_message(first)
    assert message["type"] == "snapshot", message
    return socket, message


def protocol_message(output: dict[str, Any]) -> dict[str, Any]:
    assert output["type"] == "websocket.send", output
    return dict(json.loads(output["text"]))


async def _presence_seen_by(observer: Socket, client: str | None) -> bool:
    """Did the observer get presence from `client` (None: from anyone)? A sync round trip first:
    the observer's frames are in order, so anything relayed before it has arrived by its answer."""
    await observer.send({"type": "sync", "since": 1_000_000})
    seen = False
    while True:
        message = await observer.receive()
        if message["type"] in ("ops", "snapshot"):
            return seen
        seen = seen or (message["type"] == "presence" and client in (None, message["client"]))


async def _still_open(socket: Socket) -> bool:
    """A rejected caller keeps the socket when a sync still gets its answer."""
    await socket.send({"type": "sync", "since": 1_000_000})
    while True:
        output = await socket.comm.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            return False
        if protocol_message(output)["type"] in ("ops", "snapshot"):
            return True


async def _after_denial(socket: Socket, reply: dict[str, Any]) -> str:
    """`rejected` (a viewer: the socket stays) or `closed` (access gone), checking that each says why."""
    assert reply["type"] == "rejected", reply
    if await _still_open(socket):
        assert "viewer" in reply["error"], reply
        return "rejected"
    assert "access" in reply["error"] or "link no longer" in reply["error"], reply
    return "closed"


async def _next_answer(socket: Socket) -> dict[str, Any]:
    """The reply to an op or sync: skips presence chatter and pushed review findings."""
    while True:
        message = await socket.receive()
        if message["type"] not in ("presence", "left", "review", "ping"):
            return message


async def _handshake(world: dict[str, Any], role: str) -> str:
    withdraw = world["withdraw"].get(role)
    if withdraw is not None:
        await database_sync_to_async(withdraw)()
    socket, answer = await _connect(world, role)
    if isinstance(answer, int):
        assert answer == protocol.CLOSE_FORBIDDEN
        return "refused"
    await socket.leave()
    return f"snapshot:{answer['role']}"


async def _send(world: dict[str, Any], role: str, kind: str, observer: Socket) -> str:
    """Connect as `role`, send one message of `kind`, and tell what came of it."""
    message = {**MESSAGES[kind], "op_id": f"{role}-op"} if kind == "op" else MESSAGES[kind]
    socket, answer = await _connect(world, role)
    try:
        if isinstance(answer, int):
            assert answer == protocol.CLOSE_FORBIDDEN
            await socket.send(message)  # ignored: nothing comes back, nobody hears of it
            assert not await _presence_seen_by(observer, None)
            return "refused"
        withdraw = world["withdraw"].get(role)
        if withdraw is not None:
            await database_sync_to_async(withdraw)()
        await socket.send(message)
        if kind == "presence":
            if await _presence_seen_by(observer, answer["client"]):
                return "relayed"
            return await _after_denial(socket, await socket.receive_type("rejected"))
        if kind == "pong":
            await socket.send(MESSAGES["ping"])  # no answer to a pong: the socket still answers a ping
        reply = await _next_answer(socket)
        if reply["type"] == "pong":
            return "heard" if kind == "pong" else "pong"
        if reply["type"] == "applied":
            assert reply["op_id"] == f"{role}-op"
            return "applied"
        if reply["type"] in ("ops", "snapshot"):
            return "ops"
        return await _after_denial(socket, reply)
    finally:
        await socket.leave()


async def _probe(world: dict[str, Any], role: str, kind: str) -> str:
    if kind == "handshake":
        return await _handshake(world, role)
    board_id = world["board"].pk
    observer, _ = await _connect(world, "owner")
    before = await database_sync_to_async(_state)(board_id)
    outcome = await _send(world, role, kind, observer)
    after = await database_sync_to_async(_state)(board_id)
    if outcome == "applied":
        assert after[0] == before[0] + 1 and after[2] == before[2] + 1, f"{role} {kind}: applied but not stored"
    else:
        assert after == before, f"{role} {kind}: the board changed"
    await observer.leave()
    return outcome


@pytest.mark.parametrize("kind", list(MATRIX))
async def test_each_caller_gets_what_the_matrix_says(world: dict[str, Any], kind: str) -> None:
    # From the fewest rights to the most, so the ops that succeed come after the refused ones.
    got = {role: await _probe(world, role, kind) for role in ROLES}
    assert got == MATRIX[kind], f"{kind}: got {got}"


async def test_a_link_to_another_board_does_not_open_this_one(world: dict[str, Any], owner: Any) -> None:
    other = await database_sync_to_async(board_create)(owner=owner, document=sample_board("Other"))
    _, token = await database_sync_to_async(sharing.link_create)(board=other, user=owner)
    world = {**world, "links": {"link": token}}
    _, answer = await _connect(world, "link")
    assert answer == protocol.CLOSE_FORBIDDEN
    assert await database_sync_to_async(ShareLink.objects.filter(board=other).count)() == 1
