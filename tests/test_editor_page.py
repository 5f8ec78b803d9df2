"""The editor page and its auto-layout endpoint (the browser side is in tests/browser)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.builders import board, node
from whiteboard.boards.services import board_create, board_share
from whiteboard.domain.board import MAX_POLICIES, POLICY_PREFIX
from whiteboard.domain.board_schema import policy_schema
from whiteboard.domain.layout import layout_board

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
