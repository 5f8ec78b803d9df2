"""Comment threads: API and htmx pages, roles, mentions, escaping, elements relabelled or deleted."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.builders import sample_board
from whiteboard.boards.services import board_apply_op, board_create, new_op_id
from whiteboard.reviews.models import Comment, Thread
from whiteboard.reviews.services import find_mentions

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_thread(api: Any, board: Any, target: Any = "node:gw", body: str = "Why one gateway?") -> Any:
    return api.post(f"/api/boards/{board.pk}/comments", {"target": target, "text": body})


@pytest.mark.parametrize("who", ["owner_api", "collaborator_api", "viewer_api"])
def test_members_open_threads_on_nodes_edges_and_the_board(request, board, who):
    api = request.getfixturevalue(who)
    for target, expected in [("node:gw", "API Gateway"), ({"type": "edge", "id": "e1"}, "HTTPS"), ("board", "Sample")]:
        response = open_thread(api, board, target)
        assert response.status_code == 201, response.json()
        thread = response.json()
        assert thread["target"]["label"] == expected and thread["target"]["exists"] is True
        assert thread["status"] == "open" and thread["comments"][0]["text"] == "Why one gateway?"


def test_a_comment_on_a_missing_element_is_422(board, owner_api):
    response = open_thread(owner_api, board, "node:nope")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == "target.id"
    assert open_thread(owner_api, board, "edge:gw").status_code == 422  # gw is a node, not an edge
    assert open_thread(owner_api, board, "group:edge").status_code == 422
    assert open_thread(owner_api, board, "node:gw", body="   ").status_code == 422
    assert not Thread.objects.exists()


def test_an_outsider_cannot_read_or_write_comments(board, owner_api, outsider_api):
    thread_id = open_thread(owner_api, board).json()["id"]
    base = f"/api/boards/{board.pk}/comments"
    assert outsider_api.get(base).status_code == 404
    assert outsider_api.get(f"{base}/{thread_id}").status_code == 404
    assert outsider_api.get(f"{base}/markers").status_code == 404
    assert open_thread(outsider_api, board).status_code == 404
    assert outsider_api.post(f"{base}/{thread_id}/replies", {"text": "hi"}).status_code == 404
    assert outsider_api.post(f"{base}/{thread_id}/resolve").status_code == 404


def test_a_thread_of_another_board_is_404_here(board, owner, owner_api):
    other = board_create(owner=owner, document=sample_board("Other"))
    thread_id = open_thread(owner_api, other).json()["id"]
    assert owner_api.get(f"/api/boards/{board.pk}/comments/{thread_id}").status_code == 404
    assert owner_api.post(f"/api/boards/{board.pk}/comments/{thread_id}/replies", {"text": "x"}).status_code == 404


def test_replies_mentions_resolve_and_reopen(board, owner_api, viewer_api, collaborator_api):
    thread_id = open_thread(viewer_api, board, body="@olivia why? cc @carlos. and @ghost").json()["id"]
    base = f"/api/boards/{board.pk}/comments/{thread_id}"
    reply = owner_api.post(f"{base}/replies", {"text": "Fixed, @vera"})
    assert reply.status_code == 201
    comments = reply.json()["comments"]
    assert comments[0]["mentions"] == ["carlos", "olivia"] and comments[1]["mentions"] == ["vera"]
    assert collaborator_api.post(f"{base}/resolve").json()["status"] == "resolved"
    assert viewer_api.post(f"{base}/reopen").json()["status"] == "open"  # the viewer opened it
    markers = owner_api.get(f"/api/boards/{board.pk}/comments/markers").json()["targets"]
    assert markers == {"node:gw": {"open": 1, "resolved": 0}}
    assert owner_api.post(f"{base}/frobnicate").status_code == 404


def test_a_viewer_cannot_resolve_someone_elses_thread(board, owner_api, viewer_api):
    thread_id = open_thread(owner_api, board).json()["id"]
    assert viewer_api.post(f"/api/boards/{board.pk}/comments/{thread_id}/resolve").status_code == 403
    assert owner_api.get(f"/api/boards/{board.pk}/comments/{thread_id}").json()["status"] == "open"


def test_threads_follow_label_changes_and_say_when_their_element_is_gone(board, owner, owner_api):
    thread_id = open_thread(owner_api, board).json()["id"]
    board_apply_op(
        board_id=board.pk, op={"action": "update_node", "id": "gw", "set": {"label": "Edge"}}, op_id="a", user=owner
    )
    assert owner_api.get(f"/api/boards/{board.pk}/comments/{thread_id}").json()["target"]["label"] == "Edge"
    board_apply_op(board_id=board.pk, op={"action": "delete_node", "id": "gw"}, op_id=new_op_id("t"), user=owner)
    target = owner_api.get(f"/api/boards/{board.pk}/comments/{thread_id}").json()["target"]
    assert target == {"type": "node", "id": "gw", "label": "API Gateway", "exists": False}
    html = logged_in(owner).get(f"/boards/{board.pk}/comments").content.decode()
    assert "element deleted" in html


def test_the_list_filters_by_target_and_status(board, owner_api):
    open_thread(owner_api, board, "node:gw")
    done = open_thread(owner_api, board, "node:db").json()["id"]
    owner_api.post(f"/api/boards/{board.pk}/comments/{done}/resolve")
    base = f"/api/boards/{board.pk}/comments"
    assert [t["target"]["id"] for t in owner_api.get(f"{base}?target=node:gw").json()["items"]] == ["gw"]
    assert [t["id"] for t in owner_api.get(f"{base}?status=resolved").json()["items"]] == [done]
    assert owner_api.get(f"{base}?target=bogus").status_code == 422


def test_comments_are_escaped_and_only_mentions_are_marked(board, owner, viewer):
    client = logged_in(viewer)
    body = '<script>alert("x")</script> @olivia & "quotes" @nobody'
    response = client.post(f"/boards/{board.pk}/comments", {"target": "node:gw", "text": body})
    assert response.status_code == 302
    html = logged_in(owner).get(f"/boards/{board.pk}/comments").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<span class="mention">@olivia</span>' in html and '<span class="mention">@nobody</span>' not in html


def test_htmx_posts_return_partials(board, owner):
    client = logged_in(owner)
    created = client.post(
        f"/boards/{board.pk}/comments", {"target": "edge:e1", "text": "hi"}, headers={"HX-Request": "true"}
    )
    assert created.status_code == 200 and 'id="threads"' in created.content.decode()
    assert "<html" not in created.content.decode()
    thread = Thread.objects.get()
    reply = client.post(
        f"/boards/{board.pk}/comments/{thread.pk}/reply", {"text": "again"}, headers={"HX-Request": "true"}
    )
    assert f'id="thread-{thread.pk}"' in reply.content.decode() and "again" in reply.content.decode()
    bad = client.post(
        f"/boards/{board.pk}/comments", {"target": "node:zz", "text": "keep <me>"}, headers={"HX-Request": "true"}
    )
    assert bad.status_code == 200 and "no longer on this board" in bad.content.decode()
    assert ">keep &lt;me&gt;</textarea>" in bad.content.decode()  # the refused text stays in its box, escaped


def test_comment_pages_refuse_outsiders_and_wrong_methods(board, owner, outsider):
    assert logged_in(outsider).get(f"/boards/{board.pk}/comments").status_code == 404
    assert logged_in(outsider).post(f"/boards/{board.pk}/comments", {"text": "x"}).status_code == 404
    assert logged_in(owner).get(f"/boards/{board.pk}/comments/1/reply").status_code == 405


def test_every_comment_change_is_sent_to_the_boards_live_clients(board, owner_api, django_capture_on_commit_callbacks):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"board.{board.pk}", channel)
    with django_capture_on_commit_callbacks(execute=True):
        thread_id = open_thread(owner_api, board).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        owner_api.post(f"/api/boards/{board.pk}/comments/{thread_id}/resolve")
    first = async_to_sync(layer.receive)(channel)
    second = async_to_sync(layer.receive)(channel)
    assert first["type"] == "hub.event" and first["board"] == board.pk
    created, resolved = json.loads(first["frame"]), json.loads(second["frame"])
    assert (created["type"], created["event"], created["thread"]["id"]) == ("comment", "created", thread_id)
    assert (resolved["event"], resolved["thread"]["status"]) == ("resolved", "resolved")


_OLD_MENTION = re.compile(r"(?<![\w@])@([\w.@+-]*[\w+-])")


@given(st.text(alphabet="ab.@+-_ é\n", max_size=40))
def test_mentions_are_found_as_the_backtracking_pattern_found_them(text: str) -> None:
    expected = [(m.start(), m.end(), m.group(1)) for m in _OLD_MENTION.finditer(text)]
    assert find_mentions(text) == expected


@pytest.mark.timeout(30)
def test_a_page_of_long_runs_of_dots_and_ats_renders_in_linear_time(board, owner, viewer):
    """Each of these bodies cost the old pattern ~6 million steps (quadratic in its length)."""
    thread = Thread.objects.create(board=board, target_type="board", target_id="", version=1, created_by=owner)
    body = "@vera " + "@." * 2_499
    Comment.objects.bulk_create([Comment(thread=thread, author=owner, body=body) for _ in range(300)])
    page = logged_in(viewer).get(f"/boards/{board.pk}/comments")
    assert page.status_code == 200
    assert page.content.count(b"@.@.") >= 300
