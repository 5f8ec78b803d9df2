"""The review panel partial and the rule documentation pages."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.builders import board as build_board
from tests.builders import edge, node
from whiteboard.boards.services import board_create
from whiteboard.domain.review import RULES

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_panel_lists_findings_by_severity_with_links_to_elements(owner):
    doc = build_board(
        [node("u", "user", label="Users"), node("db", "sql_db", label="<b>Orders DB</b>")],
        [edge("e1", "u", "db")],
        review={"suppress": [{"rule": "unreplicated-datastore", "target": "db", "reason": "dev only"}]},
    )
    created = board_create(owner=owner, document=doc)
    page = logged_in(owner).get(f"/boards/{created.pk}/review").content.decode()
    assert "client-to-datastore" in page and 'data-edges="e1"' in page and 'href="#node-db"' in page
    assert "Suppressed: dev only" in page
    assert "<b>Orders DB</b>" not in page


def test_a_clean_board_says_so(owner):
    created = board_create(owner=owner, document=build_board([], []))
    assert "No findings" in logged_in(owner).get(f"/boards/{created.pk}/review").content.decode()


def test_the_panel_is_404_for_an_outsider(board, outsider):
    assert logged_in(outsider).get(f"/boards/{board.pk}/review").status_code == 404


def test_every_rule_has_a_page_with_its_documentation():
    client = Client()
    listing = client.get("/rules/").content.decode()
    for rule_id, rule in RULES.items():
        assert rule_id in listing
        page = client.get(f"/rules/{rule_id}/")
        assert page.status_code == 200
        assert rule.title.replace("'", "&#x27;") in page.content.decode()


def test_an_unknown_rule_page_is_404():
    assert Client().get("/rules/no-such-rule/").status_code == 404


def test_rule_pages_render_their_markdown_and_escape_html(monkeypatch):
    page = Client().get("/rules/single-point-of-failure/").content.decode()
    assert "<code>replicas</code>" in page  # `replicas` in the docstring
    assert "<h2>How to fix</h2>" in page
    from whiteboard.reviews.templatetags.review_tags import markdown

    hostile = markdown("**bold** <script>alert(1)</script> [x](javascript:alert(2)) ![i](http://example.com/i.png)")
    assert "<strong>bold</strong>" in hostile
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile
    assert 'href="javascript' not in hostile and "<img" not in hostile
