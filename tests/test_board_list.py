"""The board list (page and API) without documents: summary columns, search in the database, and
the palette of the editor page built once."""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.builders import board as build_board
from tests.builders import edge, node, sample_board
from whiteboard import backup as backup_module
from whiteboard.accounts.services import token_create
from whiteboard.boards.access import boards_visible_to
from whiteboard.boards.models import Board
from whiteboard.boards.services import board_apply_op, board_create, board_duplicate, board_restore, board_share
from whiteboard.domain import palette

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chain(name: str, n: int, description: str = "") -> dict[str, Any]:
    nodes = [node(f"n{i}", label=f"Service {i}") for i in range(n)]
    edges = [edge(f"e{i}", f"n{i}", f"n{i + 1}") for i in range(n - 1)]
    return build_board(nodes, edges, name=name, description=description)


def summary(board: Board) -> tuple[int | None, int | None, str]:
    board.refresh_from_db()
    return board.node_count, board.edge_count, board.description


def document_reads(queries: list[dict[str, Any]]) -> list[str]:
    return [q["sql"] for q in queries if '"document"' in q["sql"]]


def test_the_list_page_reads_no_document_and_a_fixed_number_of_queries(owner: Any, collaborator: Any) -> None:
    for i in range(3):
        board_create(owner=owner, document=chain(f"own {i}", 20))
    shared = board_create(owner=collaborator, document=chain("theirs", 5))
    board_share(board=shared, user=owner, role="viewer")
    client = logged_in(owner)
    with CaptureQueriesContext(connection) as few:
        response = client.get("/")
    assert response.status_code == 200
    assert document_reads(few.captured_queries) == []
    for i in range(10):
        board_create(owner=owner, document=chain(f"more {i}", 20))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/")
    assert response.content.decode().count('class="board-card"') == 14
    assert document_reads(many.captured_queries) == []
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_api_list_reads_no_document_and_keeps_its_shape(owner: Any, owner_api: Any, collaborator: Any) -> None:
    mine = board_create(owner=owner, document=chain("mine", 3))
    shared = board_create(owner=collaborator, document=chain("theirs", 3))
    board_share(board=shared, user=owner, role="editor")
    with CaptureQueriesContext(connection) as ctx:
        response = owner_api.get("/api/boards")
    assert response.status_code == 200
    assert document_reads(ctx.captured_queries) == []
    boards = response.json()["boards"]
    assert [set(b) for b in boards] == [{"id", "name", "role", "version", "updated"}] * 2
    by_id = {b["id"]: b for b in boards}
    mine.refresh_from_db()
    assert by_id[mine.pk] == {
        "id": mine.pk,
        "name": "mine",
        "role": "owner",
        "version": 1,
        "updated": mine.updated_at.isoformat(),
    }
    assert by_id[shared.pk]["role"] == "editor"
    assert [b["id"] for b in boards] == [shared.pk, mine.pk]  # most recently changed first


def test_a_row_shows_the_counts_description_and_thumbnail_of_the_document(owner: Any) -> None:
    board = board_create(owner=owner, document=sample_board())
    empty = board_create(owner=owner, document=build_board(name="Nothing yet"))
    html = logged_in(owner).get("/").content.decode()
    assert f'<img src="/api/boards/{board.pk}/export.svg?v=1" alt="" loading="lazy">' in html
    assert (
        '<p class="muted small clamp-2" title="a small board for tests">a small board for tests</p>\n'
        '    <p class="meta small"><span class="role role-owner">owner</span> 6 components · 5 connections · v1 · '
    ) in html
    row = html[html.index(f'id="board-{empty.pk}"') :]
    row = row[: row.index("</article>")]
    assert '<span class="muted">Empty board</span>' in row and "clamp-2" not in row
    assert "0 components · 0 connections" in row


def test_every_change_of_the_document_keeps_the_summary(owner: Any, tmp_path: Path) -> None:
    board = board_create(owner=owner, document=chain("c", 4, "first"))
    assert summary(board) == (4, 3, "first")
    board_apply_op(board_id=board.pk, op={"action": "delete_node", "id": "n0"}, op_id="a", user=owner)
    assert summary(board) == (3, 2, "first")
    ops = [
        {"action": "add_node", "node": node("x")},
        {"action": "add_edge", "edge": edge("ex", "x", "n1")},
        {"action": "set_board", "set": {"description": "second"}},
    ]
    board_apply_op(board_id=board.pk, op={"action": "batch", "ops": ops}, op_id="b", user=owner)
    assert summary(board) == (4, 3, "second")
    board_restore(board=board, version=1, user=owner)
    assert summary(board) == (4, 3, "first")
    response = _api_put(owner, board, chain("c", 7))
    assert response.status_code == 200
    assert summary(board) == (7, 6, "")
    copy = board_duplicate(board=board, user=owner)
    assert summary(copy) == (7, 6, "")
    path = tmp_path / "board.json"
    path.write_text(json.dumps(chain("imported", 9, "from a file")))
    call_command("import_board", str(path), owner=owner.username, stdout=io.StringIO())
    assert summary(Board.objects.get(name="imported")) == (9, 8, "from a file")


def _api_put(user: Any, board: Board, document: dict[str, Any]) -> Any:
    _, raw = token_create(user=user, name="put")
    return Client().put(
        f"/api/boards/{board.pk}",
        data=json.dumps({"version": board.version, "board": document}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )


def test_search_happens_in_the_database_in_any_case(owner: Any, collaborator: Any) -> None:
    board_create(owner=owner, document=chain("Payments API", 2))
    board_create(owner=owner, document=chain("Search stack", 2))
    board_create(owner=owner, document=chain("100% uptime", 2))
    theirs = board_create(owner=collaborator, document=chain("Shared payments", 2))
    board_share(board=theirs, user=owner, role="viewer")
    board_create(owner=collaborator, document=chain("Not shared payments", 2))

    def names(query: str) -> list[str]:
        return sorted(b.name for b, _ in boards_visible_to(owner, name_contains=query))

    assert names("PAYMENTS") == ["Payments API", "Shared payments"]
    assert names("%") == ["100% uptime"]
    assert names("") == ["100% uptime", "Payments API", "Search stack", "Shared payments"]
    with CaptureQueriesContext(connection) as ctx:
        boards_visible_to(owner, name_contains="stack")
    assert all("LIKE" in q["sql"] for q in ctx.captured_queries)
    response = logged_in(owner).get("/?q=payments", headers={"HX-Request": "true", "HX-Target": "board-rows"})
    assert response.content.decode().count('class="board-card"') == 2


def test_boards_restored_from_a_backup_without_summaries_get_them_at_restore(owner: Any, tmp_path: Path) -> None:
    board = board_create(owner=owner, document=sample_board())
    archive = tmp_path / "old.json.gz"
    backup_module.backup(archive)
    data = json.loads(gzip.decompress(archive.read_bytes()))
    for obj in data["objects"]:
        if obj["model"] == "boards.board":  # as written before the summary columns existed
            for field in ("node_count", "edge_count", "description"):
                del obj["fields"][field]
    archive.write_bytes(gzip.compress(json.dumps(data).encode()))
    backup_module.restore(archive, replace=True)
    assert summary(board) == (6, 5, "a small board for tests")
    # And should a row still lack them, the next list fills them in.
    Board.objects.filter(pk=board.pk).update(node_count=None, edge_count=None, description="")
    html = logged_in(owner).get("/").content.decode()
    assert "6 components · 5 connections" in html and "a small board for tests</p>" in html
    assert summary(board) == (6, 5, "a small board for tests")


# The palette loop of templates/boards/editor.html written plainly, with a URL reversal per kind;
# a technology's id and name are searchable on its kind's item.
OLD_PALETTE = """{% for category_name, kinds in categories %}
    <section class="palette-category" data-category="{{ kinds.0.category }}">
      <h3>{{ category_name }}</h3>
      <div class="palette-grid">
        {% for kind in kinds %}
        <button type="button" class="palette-item" draggable="true" data-kind="{{ kind.id }}" \
data-search="{{ kind.id }} {{ kind.name|lower }} {{ category_name|lower }}\
{% for tech in kind.tech_list %} {{ tech.id }} {{ tech.name|lower }}{% endfor %}" \
title="{{ kind.name }}: drag onto the canvas, or click then click on the canvas">
          {% if kind.drawn %}<img src="{% url 'palette_icon' kind.id %}" alt="" width="36" height="36" \
draggable="false">{% else %}<span class="palette-glyph" aria-hidden="true">Aa</span>{% endif %}
          <span>{{ kind.name }}</span>
        </button>
        {% endfor %}
      </div>
    </section>
  {% endfor %}"""


def test_the_editor_palette_html_is_as_before_without_a_url_reversal_per_kind(board: Any, owner: Any) -> None:
    categories = [
        (
            palette.CATEGORIES[c],
            [{**vars(k), "drawn": k.drawn, "tech_list": palette.techs_of(k.id)} for k in kinds],
        )
        for c, kinds in palette.kinds_by_category().items()
    ]
    expected = Template(OLD_PALETTE).render(Context({"categories": categories}))
    client = logged_in(owner)
    client.get(f"/boards/{board.pk}/")  # the palette is built on the first page of a process
    with mock.patch("django.urls.reverse", wraps=reverse) as reversals:
        html = client.get(f"/boards/{board.pk}/").content.decode()
    assert expected in html
    assert len(re.findall(r'class="palette-item"', html)) == len(palette.KINDS)
    icons = [c for c in reversals.call_args_list if c.args and c.args[0] == "palette_icon"]
    assert len(icons) <= 1  # the favicon of base.html; the palette's 33 come from a cached table


def test_search_covers_descriptions_component_labels_and_techs(owner: Any) -> None:
    doc = build_board(
        [node("q", "queue", label="Order events"), node("c", "cache", label="Sessions", props={"tech": "redis"})],
        [],
        name="Shop",
        description="Checkout for the spring sale",
    )
    shop = board_create(owner=owner, document=doc)
    board_create(owner=owner, document=chain("Other", 2))

    def names(query: str) -> list[str]:
        return [b.name for b, _ in boards_visible_to(owner, name_contains=query)]

    assert names("spring") == ["Shop"]
    assert names("ORDER EVENTS") == ["Shop"]
    assert names("redis") == ["Shop"]
    board_apply_op(
        board_id=shop.pk, op={"action": "update_node", "id": "q", "set": {"label": "Refunds"}}, op_id="t1", user=owner
    )
    assert names("order events") == [] and names("refunds") == ["Shop"]  # kept with every change


def test_a_new_account_starts_from_a_template(owner: Any) -> None:
    client = logged_in(owner)
    page = client.get("/").content.decode()
    assert "Start from a template" in page and '<details class="card starters" open>' in page
    assert 'value="multi_agent_squad"' in page
    response = client.post("/boards/new", {"template": "multi_agent_squad"})
    assert response.status_code == 302
    created = Board.objects.get(owner=owner)
    fixture = json.loads((Path(__file__).parents[1] / "fixtures" / "multi_agent_squad.json").read_text())
    assert created.name == fixture["name"] and len(created.document["nodes"]) == len(fixture["nodes"])
    assert '<details class="card starters">' in client.get("/").content.decode()  # folded once there are boards
    refused = client.post("/boards/new", {"template": "../settings"}, follow=True)
    assert "no such template" in refused.content.decode()
    assert Board.objects.filter(owner=owner).count() == 1
