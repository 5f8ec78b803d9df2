"""The board WebSocket carries design review: comments and review status reach live editors; read-only links."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tests.builders import sample_board
from tests.conftest import Api
from tests.test_consumers import HOST, ORIGIN, Socket, joined, token_for
from whiteboard.boards.models import Board
from whiteboard.boards.routing import websocket_application
from whiteboard.boards.services import board_create
from whiteboard.boards.sharing import link_create, link_revoke

pytestmark = pytest.mark.django_db(transaction=True)


async def _api_post(user: Any, path: str, body: dict[str, Any]) -> Any:
    def post() -> Any:
        return Api(token_for(user)).post(path, body)

    return await database_sync_to_async(post)()


async def _link_socket(board_id: int, link: str, headers: list[tuple[bytes, bytes]] | None = None) -> Socket:
    comm = WebsocketCommunicator(
        websocket_application,
        f"/ws/boards/{board_id}/?link={link}",
        headers=[(b"origin", ORIGIN), (b"host", HOST), *(headers or [])],
    )
    connected, _ = await comm.connect(timeout=3)
    assert connected
    return Socket(comm)


async def test_a_comment_made_through_the_api_reaches_connected_clients(
    board: Board, owner: Any, viewer: Any, collaborator: Any
) -> None:
    olivia = await joined(board.pk, await database_sync_to_async(token_for)(owner))
    vera = await joined(board.pk, await database_sync_to_async(token_for)(viewer))
    response = await _api_post(collaborator, f"/api/boards/{board.pk}/comments", {"target": "node:gw", "text": "Hi"})
    assert response.status_code == 201, response.content
    for socket in (olivia, vera):
        frame = await socket.receive_type("comment")
        assert frame["event"] == "created"
        assert frame["thread"]["target"] == {"type": "node", "id": "gw", "label": "API Gateway", "exists": True}
        assert frame["thread"]["comments"][0]["text"] == "Hi"
        assert frame["thread"]["comments"][0]["author"] == "carlos"
    thread_id = response.json()["id"]
    await _api_post(owner, f"/api/boards/{board.pk}/comments/{thread_id}/resolve", {})
    resolved = await vera.receive_type("comment")
    assert (resolved["event"], resolved["thread"]["status"]) == ("resolved", "resolved")
    await olivia.leave()
    await vera.leave()


async def test_a_review_status_change_reaches_connected_clients(board: Board, owner: Any) -> None:
    olivia = await joined(board.pk, await database_sync_to_async(token_for)(owner))
    response = await _api_post(
        owner, f"/api/boards/{board.pk}/review/status", {"status": "in_review", "reviewers": ["carlos"]}
    )
    assert response.status_code == 200, response.content
    frame = await olivia.receive_type("review_status")
    assert frame["status"] == "in_review"
    assert frame["reviewers"] == ["carlos"]
    assert frame["updated_by"] == "olivia"
    await olivia.leave()


async def test_a_read_only_link_opens_a_viewer_socket_and_revoking_it_closes_it(
    board: Board, owner: Any, monkeypatch: Any
) -> None:
    from whiteboard.boards import consumers

    monkeypatch.setattr(consumers, "RECHECK_INTERVAL", 0.1)
    link, token = await database_sync_to_async(link_create)(board=board, user=owner)
    guest = await _link_socket(board.pk, token)  # no login at all
    snapshot = await guest.receive_type("snapshot")
    assert snapshot["role"] == "viewer"
    assert snapshot["board"] == board.document
    await guest.op({"action": "set_board", "set": {"name": "Mine now"}}, "guest-1")
    assert (await guest.receive_type("rejected"))["op_id"] == "guest-1"
    assert (await database_sync_to_async(Board.objects.get)(pk=board.pk)).name == board.name

    await database_sync_to_async(link_revoke)(board=board, link_id=link.pk)
    assert "link" in (await guest.receive_type("error"))["error"]
    assert await guest.close_code() == 4403


async def test_a_revoked_or_foreign_link_is_refused_at_connect(board: Board, owner: Any, outsider: Any) -> None:
    link, token = await database_sync_to_async(link_create)(board=board, user=owner)
    await database_sync_to_async(link_revoke)(board=board, link_id=link.pk)
    revoked = await _link_socket(board.pk, token)
    assert await revoked.close_code() == 4403

    other = await database_sync_to_async(board_create)(owner=outsider, document=sample_board("Other"))
    _, other_token = await database_sync_to_async(link_create)(board=other, user=outsider)
    wrong_board = await _link_socket(board.pk, other_token)  # a live link, but to another board
    assert await wrong_board.close_code() == 4403
