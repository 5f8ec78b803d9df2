"""A design review walked in headless Chromium: comment, request changes, fix, approve, compare."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

ORDERS = {
    "format": "archboard/1",
    "name": "Orders",
    "nodes": [
        {"id": "u", "kind": "user", "label": "Shoppers"},
        {"id": "gw", "kind": "api_gateway", "label": "Gateway", "props": {"replicas": 2, "rate_limited": True}},
        {"id": "svc", "kind": "service", "label": "Orders service", "props": {"replicas": 2}},
        {"id": "db", "kind": "sql_db", "label": "Orders DB", "props": {"replicas": 2}},
        {"id": "mon", "kind": "monitoring", "label": "Monitoring", "props": {"replicas": 2}},
    ],
    "edges": [
        {"id": "e1", "source": "u", "target": "gw", "props": {"protocol": "https"}},
        {"id": "e2", "source": "gw", "target": "svc"},
        {"id": "e3", "source": "svc", "target": "db"},
        {"id": "direct", "source": "u", "target": "db", "label": "direct SQL"},
        {"id": "e4", "source": "mon", "target": "svc"},
    ],
}


class Reviewer:
    def __init__(self, browser: Any, server: Any, user: str) -> None:
        from tests.support.liveserver import login

        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda exc: self.problems.append(str(exc)))
        login(self.page, server, user)


def test_two_users_walk_a_review_to_approval(archboard_server: Any, browser: Any) -> None:
    server = archboard_server
    board_id = server.create_board("maya", ORDERS)
    server.share("maya", board_id, "sam", "editor")
    maya, sam = Reviewer(browser, server, "maya"), Reviewer(browser, server, "sam")
    base = f"{server.url}/boards/{board_id}"
    try:
        # Maya asks about the direct database edge; Sam answers in the thread.
        maya.page.goto(f"{base}/comments?target=edge:direct")
        maya.page.fill("#threads textarea[name=text]", "@sam do shoppers really talk SQL to the DB?")
        maya.page.click("#threads .new-thread button")
        maya.page.wait_for_selector(".thread .mention:text('@sam')")
        sam.page.goto(f"{base}/comments")
        assert "direct SQL" in sam.page.inner_text(".thread-head")
        sam.page.fill(".thread .reply-form textarea", "No, that edge is a mistake. <b>remove it</b>")
        sam.page.click(".thread .reply-form button")
        sam.page.wait_for_selector(".comment:nth-of-type(2) .comment-body:text('remove it')")
        assert "<b>remove it</b>" in sam.page.inner_text(".thread")  # shown as text, not markup

        # Maya asks Sam for a review; Sam cannot approve over an error and requests changes.
        maya.page.goto(f"{base}/review/status")
        maya.page.check("input[name=reviewers][value=sam]")
        maya.page.click("button[value=in_review]")
        maya.page.wait_for_selector("#review-status[data-status=in_review]")
        requested_at = server.api("maya", "GET", f"/api/boards/{board_id}")[1]["version"]
        sam.page.goto(f"{base}/review/status")
        assert "Approval is blocked" in sam.page.inner_text("#review-status")
        sam.page.click("button[value=approved]")
        sam.page.wait_for_selector("#review-status .error")
        sam.page.fill("#review-status textarea[name=note]", "Remove the direct edge")
        sam.page.click("button[value=changes_requested]")
        sam.page.wait_for_selector("#review-status[data-status=changes_requested]")

        # Maya fixes the board, asks again, and Sam approves.
        fixed = {**ORDERS, "edges": [e for e in ORDERS["edges"] if e["id"] != "direct"]}
        status, body = server.api("maya", "PUT", f"/api/boards/{board_id}", {"version": requested_at, "board": fixed})
        assert status == 200, body
        maya.page.goto(f"{base}/review/status")
        maya.page.click("button[value=in_review]")
        maya.page.wait_for_selector("#review-status[data-status=in_review]")
        sam.page.goto(f"{base}/review/status")
        sam.page.click("button[value=approved]")
        sam.page.wait_for_selector("#review-status[data-status=approved]")

        # The diff shows exactly the removed edge and the error it fixed.
        sam.page.goto(f"{base}/diff?from={requested_at}&to={body['version']}")
        items = sam.page.locator(".diff-list > li").all_inner_texts()
        assert [i for i in items if "direct" in i or "Fixed" in i] == items
        assert any(i.startswith("−") and "direct" in i for i in items)
        assert any("Fixed error" in i for i in items)
        sam.page.wait_for_function("document.querySelector('.preview img').naturalWidth > 0")
        thread = server.api("maya", "GET", f"/api/boards/{board_id}/comments")[1]["items"][0]
        assert thread["target"]["exists"] is False  # its edge was deleted
        assert not maya.problems and not sam.problems
    finally:
        maya.context.close()
        sam.context.close()
