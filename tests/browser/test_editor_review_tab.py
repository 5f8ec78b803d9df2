"""The Review tab: suppress or accept a finding with a reason, change a rule's severity, undo."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, node

pytestmark = pytest.mark.browser


def _review(server: Any, board_id: int) -> dict[str, Any]:
    status, body = server.api("alice", "GET", f"/api/boards/{board_id}")
    assert status == 200, body
    return body["board"].get("review", {})


def test_a_finding_is_suppressed_with_a_reason_and_a_rule_turned_off_live_and_undoable(
    archboard_server: Any, editor_for: Any
) -> None:
    doc = board([node("db", "sql_db", label="Orders DB", x=0, y=0)])
    board_id = archboard_server.create_board("alice", doc)
    archboard_server.share("alice", board_id, "bob", "editor")
    alice = editor_for("alice").open(board_id)
    bob = editor_for("bob").open(board_id)
    page = alice.page
    page.click(".tab[data-tab=review]")
    finding = page.locator(".finding[data-rule=unreplicated-datastore]")
    finding.wait_for()
    assert "On: Orders DB" in finding.inner_text()
    link = finding.locator("a.finding-rule")
    assert link.get_attribute("href") == "/rules/unreplicated-datastore/"
    # The review was fetched once, with the snapshot; after each change the server pushes it.
    fetched: list[str] = []
    review_url = f"/api/boards/{board_id}/review"
    page.on("request", lambda request: fetched.append(request.url) if request.url.endswith(review_url) else None)

    finding.locator("[data-act=actions]").click()
    finding.locator("[data-act=suppress]").click()
    finding.locator(".suppress-form input").fill("dev only")
    finding.locator(".suppress-form button[value=accept]").click()
    page.wait_for_selector(".finding.suppressed[data-rule=unreplicated-datastore]")
    alice.wait_idle()
    expected = [{"rule": "unreplicated-datastore", "target": "db", "reason": "Accepted risk: dev only"}]
    assert _review(archboard_server, board_id) == {"suppress": expected}
    bob.page.click(".tab[data-tab=review]")
    bob.page.wait_for_selector(".finding.suppressed[data-rule=unreplicated-datastore]")  # live

    # The orphan rule, off for this board.
    page.locator(".finding[data-rule=orphan-component] [data-act=actions]").click()
    page.locator(".finding[data-rule=orphan-component] select.rule-level").select_option("off")
    page.wait_for_selector(".finding[data-rule=orphan-component]", state="detached")
    alice.wait_idle()
    assert _review(archboard_server, board_id)["rules"] == {"orphan-component": "off"}

    # Undo twice: the rule is back, then the suppression is gone.
    page.locator("#cy").focus()
    page.keyboard.press("Control+z")
    page.wait_for_selector(".finding[data-rule=orphan-component]")
    page.keyboard.press("Control+z")
    page.wait_for_selector(".finding:not(.suppressed)[data-rule=unreplicated-datastore]")
    alice.wait_idle()
    assert _review(archboard_server, board_id) == {}
    assert fetched == []
    status, activity = archboard_server.api("alice", "GET", f"/api/boards/{board_id}/activity")
    assert status == 200 and len(activity["items"]) == 5  # created, suppressed, rule off, two undos
