"""History: versions rebuilt from the op log, checkpoints, named versions, restore, diff, activity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.builders import sample_board
from whiteboard.boards import history
from whiteboard.boards.models import Board, BoardOp, Snapshot
from whiteboard.boards.services import board_apply_op, board_create, new_op_id
from whiteboard.domain.board import validate_board

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def apply(board: Board, op: dict[str, Any], user: Any) -> int:
    return board_apply_op(board_id=board.pk, op=op, op_id=new_op_id("t"), user=user).version


def relabel(board: Board, user: Any, label: str, node: str = "gw") -> int:
    return apply(board, {"action": "update_node", "id": node, "set": {"label": label}}, user)


def test_every_past_version_is_rebuilt_from_the_op_log(board, owner, monkeypatch):
    monkeypatch.setattr(history, "CHECKPOINT_EVERY", 4)
    states = {1: validate_board(sample_board())}
    for i in range(2, 12):
        relabel(board, owner, f"gw {i}")
        board.refresh_from_db()
        states[i] = board.document
    assert Snapshot.objects.filter(board=board, kind="auto").values_list("version", flat=True).count() == 2
    for version, doc in states.items():
        assert history.document_at(board, version) == doc


def test_a_pause_keeps_the_state_before_the_next_session(board, owner):
    Board.objects.filter(pk=board.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    relabel(board, owner, "after the pause")
    checkpoint = Snapshot.objects.get(board=board, kind="auto")
    assert checkpoint.version == 1 and checkpoint.author == owner
    assert checkpoint.document["nodes"][1]["label"] == "API Gateway"


def test_a_replace_in_the_log_is_a_starting_point(board, owner):
    doc = validate_board(sample_board("Replaced"))
    apply(board, {"action": "replace", "board": doc}, owner)
    relabel(board, owner, "x")
    board.refresh_from_db()
    assert history.document_at(board, 2) == doc
    assert history.document_at(board, 3)["nodes"][1]["label"] == "x"


@pytest.mark.parametrize("who", ["owner_api", "collaborator_api", "viewer_api"])
def test_members_read_versions_and_diffs(request, board, owner, who):
    relabel(board, owner, "Edge GW")
    api = request.getfixturevalue(who)
    assert api.get(f"/api/boards/{board.pk}/versions/1").json()["board"]["nodes"][1]["label"] == "API Gateway"
    diff = api.get(f"/api/boards/{board.pk}/diff?from=1&to=2").json()
    assert diff["nodes"]["changed"] == [
        {
            "id": "gw",
            "label": "Edge GW",
            "fields": [{"field": "label", "from": "API Gateway", "to": "Edge GW"}],
            "props": [],
        }
    ]
    assert (diff["from"], diff["to"]) == (1, 2)
    assert api.get(f"/api/boards/{board.pk}/activity").json()["count"] == 2


@pytest.mark.parametrize(
    "path",
    [
        "/api/boards/{id}/versions",
        "/api/boards/{id}/versions/1",
        "/api/boards/{id}/diff?from=1&to=1",
        "/api/boards/{id}/diff.svg?from=1&to=1",
        "/api/boards/{id}/activity",
    ],
)
def test_an_outsider_gets_404_for_versions_diffs_and_activity(board, outsider_api, path):
    assert outsider_api.get(path.format(id=board.pk)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/boards/{id}/history",
        "/boards/{id}/versions/1/",
        "/boards/{id}/versions/1/image.svg",
        "/boards/{id}/diff?from=1&to=1",
        "/boards/{id}/activity",
    ],
)
def test_an_outsider_gets_404_for_history_pages(board, outsider, path):
    assert logged_in(outsider).get(path.format(id=board.pk)).status_code == 404


def test_a_diff_across_boards_or_beyond_the_log_is_404(board, owner, owner_api):
    other = board_create(owner=owner, document=sample_board("Other"))
    for _ in range(3):
        relabel(other, owner, "busy")
    assert owner_api.get(f"/api/boards/{board.pk}/diff?from=1&to=3").status_code == 404
    assert owner_api.get(f"/api/boards/{board.pk}/diff?from=0&to=1").status_code == 404
    assert owner_api.get(f"/api/boards/{board.pk}/diff?from=abc").status_code == 404
    assert owner_api.get(f"/api/boards/{board.pk}/versions/4").status_code == 404
    assert owner_api.get(f"/api/boards/{board.pk}/diff").status_code == 422


def test_a_viewer_cannot_restore_or_name_a_version(board, owner, viewer, viewer_api):
    relabel(board, owner, "changed")
    assert viewer_api.post(f"/api/boards/{board.pk}/versions/1/restore").status_code == 403
    assert viewer_api.post(f"/api/boards/{board.pk}/versions", {"name": "mine"}).status_code == 403
    assert logged_in(viewer).post(f"/boards/{board.pk}/versions/1/restore").status_code == 403
    board.refresh_from_db()
    assert board.version == 2


def test_restore_is_a_replace_op_that_can_itself_be_undone(board, owner, collaborator_api):
    relabel(board, owner, "changed")
    response = collaborator_api.post(f"/api/boards/{board.pk}/versions/1/restore")
    assert response.status_code == 200
    assert response.json()["version"] == 3 and response.json()["restored"] == 1
    board.refresh_from_db()
    assert board.document == validate_board(sample_board())
    last = BoardOp.objects.get(board=board, version=3)
    assert last.op["action"] == "replace" and last.user.username == "carlos"
    collaborator_api.post(f"/api/boards/{board.pk}/versions/2/restore")
    board.refresh_from_db()
    assert board.document["nodes"][1]["label"] == "changed"
    feed = collaborator_api.get(f"/api/boards/{board.pk}/activity").json()["items"]
    assert [a["text"] for a in feed[:2]] == ["restored version 2", "restored version 1"]


def test_named_versions_are_listed_with_author_and_forgotten_by_editors(board, owner, owner_api, collaborator):
    relabel(board, owner, "v2")
    response = owner_api.post(f"/api/boards/{board.pk}/versions", {"name": "Design review 1", "version": 1})
    assert response.status_code == 201
    listing = owner_api.get(f"/api/boards/{board.pk}/versions").json()
    assert listing["items"][0] | {"created_at": None} == {
        "id": response.json()["id"],
        "version": 1,
        "kind": "named",
        "name": "Design review 1",
        "author": "olivia",
        "created_at": None,
    }
    assert owner_api.post(f"/api/boards/{board.pk}/versions", {"name": "  "}).status_code == 422
    page = logged_in(collaborator).get(f"/boards/{board.pk}/history").content.decode()
    assert "Design review 1" in page and "olivia" in page
    snapshot_id = response.json()["id"]
    logged_in(collaborator).post(f"/boards/{board.pk}/history/{snapshot_id}/forget")
    assert not Snapshot.objects.filter(pk=snapshot_id).exists()


def test_a_named_version_of_another_board_cannot_be_forgotten_here(board, owner):
    other = board_create(owner=owner, document=sample_board("Other"))
    snapshot = history.snapshot_create(board=other, name="keep", user=owner)
    assert logged_in(owner).post(f"/boards/{board.pk}/history/{snapshot.pk}/forget").status_code == 404
    assert Snapshot.objects.filter(pk=snapshot.pk).exists()


def test_version_names_are_escaped(board, owner):
    history.snapshot_create(board=board, name="<script>alert(1)</script>", user=owner)
    page = logged_in(owner).get(f"/boards/{board.pk}/history").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_the_history_is_paginated(board, owner, owner_api, monkeypatch):
    monkeypatch.setattr("whiteboard.boards.history_api.PAGE_SIZE", 2)
    for i in range(5):
        history.snapshot_create(board=board, name=f"n{i}", user=owner)
    first = owner_api.get(f"/api/boards/{board.pk}/versions").json()
    assert (first["count"], first["pages"], len(first["items"])) == (5, 3, 2)
    assert len(owner_api.get(f"/api/boards/{board.pk}/versions?page=3").json()["items"]) == 1


def test_the_diff_page_lists_changes_and_shows_the_coloured_picture(board, owner):
    relabel(board, owner, "<b>New</b> gateway")
    apply(board, {"action": "delete_edge", "id": "e5"}, owner)
    page = logged_in(owner).get(f"/boards/{board.pk}/diff?from=1&to=3")
    html = page.content.decode()
    assert page.status_code == 200
    assert "&lt;b&gt;New&lt;/b&gt; gateway" in html and "<b>New</b>" not in html
    assert "diff-removed" in html and "e5" in html
    assert f"/api/boards/{board.pk}/diff.svg?from=1&amp;to=3" in html


def test_the_diff_since_the_last_named_version_names_the_rules_of_the_findings_new_and_fixed(board, owner):
    history.snapshot_create(board=board, name="v1 review", user=owner)
    now = apply(board, {"action": "delete_edge", "id": "e5"}, owner)
    since = logged_in(owner).get(f"/boards/{board.pk}/diff?from=1&to={now}").content.decode()
    assert 'class="diff-removed" data-rule="orphan-component"' in since  # the database lost its only edge
    assert 'class="diff-added" data-rule="single-point-of-failure"' in since


def test_the_diff_picture_is_exported_as_svg_and_png(board, owner, owner_api):
    relabel(board, owner, "Edge GW")
    svg = owner_api.get(f"/api/boards/{board.pk}/diff.svg?from=1&to=2")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"#e08a00" in svg.content.lower()
    png = owner_api.get(f"/api/boards/{board.pk}/diff.png?from=1&to=2")
    assert png.content.startswith(b"\x89PNG")
    assert owner_api.get(f"/api/boards/{board.pk}/diff.pdf?from=1&to=2").status_code == 404


def test_a_past_version_page_is_read_only_and_escaped(board, owner, viewer):
    relabel(board, owner, "<img src=x onerror=alert(1)>")
    relabel(board, owner, "back")
    html = logged_in(viewer).get(f"/boards/{board.pk}/versions/2/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert "Restore this version" not in html
    assert "Restore this version" in logged_in(owner).get(f"/boards/{board.pk}/versions/2/").content.decode()


def test_the_activity_feed_says_who_did_what(board, owner, collaborator):
    apply(board, {"action": "add_node", "node": {"id": "c", "kind": "cache", "label": "Redis"}}, collaborator)
    apply(board, {"action": "update_node", "id": "c", "set": {"x": 5, "y": 6}}, collaborator)
    html = logged_in(owner).get(f"/boards/{board.pk}/activity").content.decode()
    assert "added node “Redis”" in html and "moved node “Redis”" in html and "created the board" in html
    assert "carlos" in html


def test_history_endpoints_refuse_wrong_methods(board, owner_api):
    assert owner_api.post(f"/api/boards/{board.pk}/diff?from=1").status_code == 405
    assert owner_api.get(f"/api/boards/{board.pk}/versions/1/restore").status_code == 405
    assert owner_api.delete(f"/api/boards/{board.pk}/activity").status_code == 405


def test_openapi_describes_the_review_workflow_routes(anonymous_api):
    paths = anonymous_api.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/boards/{board_id}/versions",
        "/api/boards/{board_id}/versions/{version}/restore",
        "/api/boards/{board_id}/diff",
        "/api/boards/{board_id}/diff.{fmt}",
        "/api/boards/{board_id}/activity",
        "/api/boards/{board_id}/comments",
        "/api/boards/{board_id}/comments/{thread_id}/replies",
        "/api/boards/{board_id}/comments/{thread_id}/resolve",
        "/api/boards/{board_id}/comments/{thread_id}/reopen",
        "/api/boards/{board_id}/review/status",
    ):
        assert path in paths


def test_restore_asks_first_then_offers_to_undo(board, owner):
    relabel(board, owner, "changed")
    client = logged_in(owner)
    ask = client.get(f"/boards/{board.pk}/versions/1/restore")
    assert ask.status_code == 200 and "Restore version 1?" in ask.content.decode()
    board.refresh_from_db()
    assert board.version == 2  # asking changes nothing
    done = client.post(f"/boards/{board.pk}/versions/1/restore")
    assert done.status_code == 302 and done["Location"].endswith("/history?undo=2")
    page = client.get(done["Location"]).content.decode()
    assert "Undo the restore (back to v2)" in page
    client.post(f"/boards/{board.pk}/versions/2/restore")
    board.refresh_from_db()
    assert board.version == 4 and board.document["nodes"][1]["label"] == "changed"


def test_the_history_page_reaches_every_version_with_names_and_labels(board, owner, monkeypatch):
    monkeypatch.setattr("whiteboard.boards.history_views.HISTORY_PAGE", 3)
    for i in range(4):
        relabel(board, owner, f"Gateway {i}")
    board.refresh_from_db()
    history.snapshot_create(board=board, name="Review 1", user=owner, version=2)
    client = logged_in(owner)
    first = client.get(f"/boards/{board.pk}/history").content.decode()
    assert 'id="version-5"' in first and 'id="version-3"' in first and 'id="version-2"' not in first
    assert "changed node “Gateway 3” (label)" in first
    second = client.get(f"/boards/{board.pk}/history?page=2").content.decode()
    assert 'id="version-2"' in second and 'id="version-1"' in second
    assert '<strong class="version-name">Review 1</strong>' in second


def test_the_diff_page_starts_from_the_last_named_version_and_picks_versions_by_name(board, owner):
    relabel(board, owner, "a")
    board.refresh_from_db()
    history.snapshot_create(board=board, name="Before review", user=owner)
    relabel(board, owner, "b")
    client = logged_in(owner)
    response = client.get(f"/boards/{board.pk}/diff")
    assert response.status_code == 302 and response["Location"].endswith("?from=2&to=3")
    html = client.get(response["Location"]).content.decode()
    assert '<option value="2" selected>Before review (v2)</option>' in html
    assert '<option value="3" selected>Now (v3)</option>' in html


def test_a_version_image_takes_the_picture_options_and_names_a_bad_one(board, owner):
    client = logged_in(owner)
    drawn = client.get(f"/boards/{board.pk}/versions/1/image.svg")
    assert drawn.status_code == 200 and b'data-layout="drawn"' in drawn.content
    auto = client.get(f"/boards/{board.pk}/versions/1/image.svg?layout=auto")
    assert auto.status_code == 200 and b'data-layout="drawn"' not in auto.content
    bad = client.get(f"/boards/{board.pk}/versions/1/image.png?background=pink")
    assert bad.status_code == 400 and "background must be" in bad.content.decode()


def test_the_diff_page_shows_each_clients_p99_and_the_utilisation_that_moved_most(board, owner):
    with_load = apply(board, {"action": "update_node", "id": "users", "set": {"props": {"rps": 80}}}, owner)
    # The Super Agent, 80 req/s on 16 servers: 20 ms of work is 10 % busy, 100 ms is 50 %.
    slower = apply(board, {"action": "update_node", "id": "super", "set": {"props": {"latency_ms": 100}}}, owner)
    html = logged_in(owner).get(f"/boards/{board.pk}/diff?from={with_load}&to={slower}").content.decode()
    table = html[html.index('id="diff-load"') : html.index("</table>")]
    client = table[table.index('data-id="users"') :].split("</tr>")[0]
    assert "p99 of Users" in client and client.count(" ms</td>") == 2
    rows = table.split('class="diff-load-node"')[1:]
    assert len(rows) == 1  # only the Super Agent's utilisation moved
    assert "Utilisation of Super Agent" in rows[0] and "<td>10 %</td>" in rows[0] and "<td>50 %</td>" in rows[0]
    assert 'data-id="super"' in rows[0]


def test_the_diff_page_has_no_load_table_when_no_client_has_rps(board, owner):
    relabel(board, owner, "Edge GW")
    html = logged_in(owner).get(f"/boards/{board.pk}/diff?from=1&to=2").content.decode()
    assert 'id="diff-load"' not in html
