"""The editor page and its auto-layout endpoint (the browser side is in tests/browser)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.html import json_script

from tests.builders import board, edge, node
from whiteboard.boards.services import board_create, board_share
from whiteboard.domain.board import MAX_LABEL, MAX_POLICIES, POLICY_PREFIX
from whiteboard.domain.board_schema import policy_schema
from whiteboard.domain.layout import layout_board
from whiteboard.domain.palette import KINDS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def users(db: None) -> dict[str, Any]:
    make = get_user_model().objects.create_user
    return {name: make(name, password=f"pw-{name}-12345") for name in ("olive", "eddie", "viv", "otto")}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_editor_page_hands_the_board_to_the_scripts_as_json(users: dict[str, Any]) -> None:
    doc = board([node("a", label="<img src=x onerror=alert(1)>", x=10, y=20)], name="<script>alert(2)</script>")
    b = board_create(owner=users["olive"], document=doc)
    response = _client(users["olive"]).get(f"/boards/{b.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<img src=x" not in html and "<script>alert" not in html
    start = html.index('<script id="editor-config" type="application/json">') + len(
        '<script id="editor-config" type="application/json">'
    )
    config = json.loads(html[start : html.index("</script>", start)])
    assert config["board"]["nodes"][0]["label"] == "<img src=x onerror=alert(1)>"
    assert config["role"] == "owner" and config["wsPath"] == f"/ws/boards/{b.pk}/"
    # The policy form checks against the schema the server validates with, and names categories.
    assert config["policies"] == {"max": MAX_POLICIES, "prefix": POLICY_PREFIX, "schema": policy_schema()}
    assert config["categories"]["data"] == "Data"


def test_the_config_element_is_what_djangos_json_script_writes_for_it(users: dict[str, Any]) -> None:
    """The config is encoded in two parts (the page's own, the code's once per process): joined,
    they are the element Django's json_script writes for the whole, escapes and key order included."""
    doc = board([node("a", label="</script><b>&amp;</b> \u2028 é", x=1, y=2)], name="<!-- & -->")
    b = board_create(owner=users["olive"], document=doc)
    html = _client(users["olive"]).get(f"/boards/{b.pk}/").content.decode()
    start = html.index('<script id="editor-config"')
    element = html[start : html.index("</script>", start) + len("</script>")]
    config = json.loads(element[element.index(">") + 1 : -len("</script>")])
    assert element == json_script(config, "editor-config")
    assert list(config)[:4] == ["boardId", "version", "board", "role"]
    assert {"kinds", "rules", "categories", "policies", "look"} <= set(config)
    assert config["board"] == b.document


def _panels(html: str) -> list[str]:
    """The palette, the toolbar and the properties forms of an editor page."""
    marks = [
        ('<aside class="palette"', "</aside>"),
        ('<div class="toolbar"', '<div class="toasts"'),
        ('data-panel="properties">', '<div class="tab-panel" data-panel="review"'),
    ]
    return [html[html.index(begin) : html.index(end, html.index(begin))] for begin, end in marks]


def test_the_panels_rendered_once_are_the_same_on_every_page(users: dict[str, Any]) -> None:
    """The panels are rendered once per process: they carry nothing of a user, a role or a board."""
    mine = board_create(owner=users["olive"], document=board([node("a")], name="Mine"))
    theirs = board_create(owner=users["eddie"], document=board([node("b", "cache")], name="Theirs"))
    board_share(board=theirs, user=users["viv"], role="viewer")
    pages = [
        _client(users["olive"]).get(f"/boards/{mine.pk}/").content.decode(),
        _client(users["viv"]).get(f"/boards/{theirs.pk}/").content.decode(),
    ]
    assert _panels(pages[0]) == _panels(pages[1])
    palette, toolbar, properties = _panels(pages[0])
    assert palette.count('class="palette-item"') == len(KINDS) and "Mine" not in palette
    assert '<svg class="i"' in toolbar and 'data-command="tool-select"' in toolbar and 'data-command="fit"' in toolbar
    assert properties.count('<option value="service">') == 1 and f'maxlength="{MAX_LABEL}"' in properties
    assert ">Theirs</span>" in pages[1] and "View only" in pages[1] and "View only" not in pages[0]


def test_a_page_builds_nothing_that_only_the_code_decides(users: dict[str, Any]) -> None:
    """The panels and the config's constant members are built by the first page of a process;
    later pages render neither a panel nor the policy schema again."""
    b = board_create(owner=users["olive"], document=board([node("a")]))
    client = _client(users["olive"])
    client.get(f"/boards/{b.pk}/")
    with (
        mock.patch("whiteboard.boards.views.policy_schema", side_effect=AssertionError("per page")),
        mock.patch("whiteboard.boards.views.render_to_string", side_effect=AssertionError("per page")),
    ):
        response = client.get(f"/boards/{b.pk}/")
    assert response.status_code == 200 and b'class="palette-item"' in response.content


@pytest.mark.parametrize("role", ["owner", "editor", "viewer"])
def test_the_page_takes_the_same_few_queries_however_big_the_board(
    users: dict[str, Any], role: str, django_assert_max_num_queries: Any
) -> None:
    """The session, the user, the board with the caller's role; the document is read once."""
    big = board([node(f"n{i}", x=i, y=i) for i in range(300)])
    b = board_create(owner=users["olive"], document=big)
    who = {"owner": "olive", "editor": "eddie", "viewer": "viv"}[role]
    if role != "owner":
        board_share(board=b, user=users[who], role=role)
    client = _client(users[who])
    client.get(f"/boards/{b.pk}/")
    with django_assert_max_num_queries(4) as queries:
        response = client.get(f"/boards/{b.pk}/")
    assert response.status_code == 200
    assert len([q for q in queries.captured_queries if '"document"' in q["sql"]]) == 1


def test_a_viewer_gets_the_read_only_page(users: dict[str, Any]) -> None:
    b = board_create(owner=users["olive"], document=board([node("a")]))
    board_share(board=b, user=users["viv"], role="viewer")
    response = _client(users["viv"]).get(f"/boards/{b.pk}/")
    assert response.status_code == 200
    assert b"read-only" in response.content


def test_layout_places_every_node(users: dict[str, Any]) -> None:
    doc = json.loads((ROOT / "fixtures" / "multi_agent_squad.json").read_text())
    b = board_create(owner=users["olive"], document=doc)
    board_share(board=b, user=users["eddie"], role="editor")
    response = _client(users["eddie"]).get(f"/boards/{b.pk}/layout")
    assert response.status_code == 200
    positions = response.json()["positions"]
    assert set(positions) == {n["id"] for n in doc["nodes"]}
    assert len({(p["x"], p["y"]) for p in positions.values()}) == len(positions)


def test_layout_of_a_new_board_without_edge_labels(users: dict[str, Any]) -> None:
    b = board_create(owner=users["olive"], document=board([node("a"), node("b")], [edge("e1", "a", "b")]))
    response = _client(users["olive"]).get(f"/boards/{b.pk}/layout")
    assert response.status_code == 200
    assert set(response.json()["positions"]) == {"a", "b"}


def test_layout_answers_the_auto_layouts_positions(users: dict[str, Any]) -> None:
    doc = json.loads((ROOT / "fixtures" / "ride_hailing.json").read_text())
    b = board_create(owner=users["olive"], document=doc)
    response = _client(users["olive"]).get(f"/boards/{b.pk}/layout")
    assert response.json() == {"version": b.version, "positions": layout_board(b.document)}


def test_layout_is_for_editors_only(users: dict[str, Any]) -> None:
    b = board_create(owner=users["olive"], document=board([node("a")]))
    board_share(board=b, user=users["viv"], role="viewer")
    assert _client(users["viv"]).get(f"/boards/{b.pk}/layout").status_code == 403
    assert _client(users["otto"]).get(f"/boards/{b.pk}/layout").status_code == 404
    assert _client(users["olive"]).post(f"/boards/{b.pk}/layout").status_code == 405


def test_no_template_or_editor_script_writes_a_length_limit_of_its_own() -> None:
    """Form and editor limits come from the server's declarations (whiteboard.templating)."""
    import re

    literal = re.compile(r"maxlength=\"\d+\"|maxLength = \d+", re.IGNORECASE)
    places = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("static/editor/*.js")]
    assert places
    assert [str(p.relative_to(ROOT)) for p in places if literal.search(p.read_text())] == []


def test_the_forms_take_their_limits_from_the_validator(users: dict[str, Any]) -> None:
    from whiteboard.domain.board import MAX_LABEL, MAX_NAME, MAX_REASON

    b = board_create(owner=users["olive"], document=board([node("a", x=0, y=0)]))
    html = _client(users["olive"]).get(f"/boards/{b.pk}/").content.decode()
    start = html.index('<script id="archboard-limits" type="application/json">') + len(
        '<script id="archboard-limits" type="application/json">'
    )
    limits = json.loads(html[start : html.index("</script>", start)])
    assert (limits["name"], limits["label"], limits["reason"]) == (MAX_NAME, MAX_LABEL, MAX_REASON)
    assert f'id="board-name" class="board-name-input" value="{b.name}" maxlength="{MAX_NAME}"' in html
    listing = _client(users["olive"]).get("/").content.decode()
    assert f'name="name" placeholder="New board name" maxlength="{MAX_NAME}"' in listing
