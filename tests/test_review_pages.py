"""The review panel partial and the rule documentation pages."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.builders import board as build_board
from tests.builders import edge, node
from whiteboard.boards.history import snapshot_create
from whiteboard.boards.models import Board
from whiteboard.boards.services import board_apply_op, board_create
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


AGENT_BOARD = build_board(
    [node("a", "agent", label="Planner", props={"replicas": 2}), node("db", "sql_db", props={"replicas": 2})],
    [edge("e1", "a", "db")],
    review={
        "policies": [
            {
                "id": "agents-use-tools",
                "severity": "error",
                "message": "Agents reach data only through tools",
                "forbid": {"from": {"kind": ["agent"]}, "to": {"category": ["data"]}},
            }
        ]
    },
)


def test_the_panel_shows_a_policy_finding_as_a_board_policy(owner):
    created = board_create(owner=owner, document=AGENT_BOARD)
    page = logged_in(owner).get(f"/boards/{created.pk}/review").content.decode()
    assert 'data-rule="policy:agents-use-tools"' in page and "board policy" in page
    assert (
        "Agents reach data only through tools: &#x27;Planner&#x27; calls the sql database &#x27;db&#x27; directly."
        in page
    )
    assert 'href="/rules/#policies"' in page


def edit(board: Board, owner, op: dict) -> None:
    board_apply_op(board_id=board.pk, op=op, op_id=f"op-{op['action']}-{board.version}", user=owner)
    board.refresh_from_db()


def test_the_panel_shows_the_findings_new_and_fixed_since_the_last_named_version(owner):
    created = board_create(owner=owner, document=AGENT_BOARD)
    snapshot_create(board=created, name="design review", user=owner)
    # Put a tool between the agent and the database (fixes the policy), and add an orphan (new).
    edit(created, owner, {"action": "add_node", "node": {"id": "t", "kind": "tool", "props": {"read_only": True}}})
    edit(created, owner, {"action": "add_edge", "edge": {"id": "e2", "source": "a", "target": "t"}})
    edit(created, owner, {"action": "add_edge", "edge": {"id": "e3", "source": "t", "target": "db"}})
    edit(created, owner, {"action": "delete_edge", "id": "e1"})
    edit(created, owner, {"action": "add_node", "node": {"id": "lonely", "kind": "secrets"}})
    page = logged_in(owner).get(f"/boards/{created.pk}/review").content.decode()
    since = page[page.index('class="review-since"') : page.index("</div>", page.index('class="review-since"'))]
    assert "design review" in since and "(v1)" in since
    assert 'class="finding finding-fixed" data-rule="policy:agents-use-tools"' in since
    assert 'finding-new" data-rule="orphan-component" data-nodes="lonely"' in since
    assert f"?from=1&amp;to={created.version}" in since


def test_the_panel_says_when_no_finding_changed_and_shows_nothing_without_an_earlier_named_version(owner):
    created = board_create(owner=owner, document=AGENT_BOARD)
    snapshot_create(board=created, name="baseline", user=owner)
    # Named at the current version: nothing earlier to compare with.
    assert "review-since" not in logged_in(owner).get(f"/boards/{created.pk}/review").content.decode()
    edit(created, owner, {"action": "update_node", "id": "a", "set": {"label": "Planner agent"}})
    assert "No finding new or fixed." in logged_in(owner).get(f"/boards/{created.pk}/review").content.decode()


def test_a_rule_page_names_its_category_and_the_risks_it_checks_for():
    page = Client().get("/rules/agent-action-without-guardrail/").content.decode()
    assert "OWASP LLM06:2025 Excessive Agency" in page and '<span class="tag">ai</span>' in page
    assert '"rules": {"agent-action-without-guardrail": "off" | "info"' in page.replace("&quot;", '"')


def test_the_rule_list_documents_board_policies_and_a_policy_rule_id_leads_there():
    listing = Client().get("/rules/").content.decode()
    assert 'id="policies"' in listing and "min_replicas" in listing
    answer = Client().get("/rules/policy:agents-use-tools/")
    assert answer.status_code == 302 and answer["Location"] == "/rules/#policies"


def test_rule_pages_render_their_markdown_and_escape_html(monkeypatch):
    page = Client().get("/rules/single-point-of-failure/").content.decode()
    assert "<code>replicas</code>" in page  # `replicas` in the docstring
    assert "<h2>How to fix</h2>" in page
    from whiteboard.reviews.templatetags.review_tags import markdown

    hostile = markdown("**bold** <script>alert(1)</script> [x](javascript:alert(2)) ![i](http://example.com/i.png)")
    assert "<strong>bold</strong>" in hostile
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile
    assert 'href="javascript' not in hostile and "<img" not in hostile
