"""Design-review comments live in the editor: markers, the Comments tab, pushed updates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
XSS = "<img src=x onerror=alert(1)>"


def test_a_comment_reaches_the_other_editor_with_a_marker_and_the_thread(
    archboard_server: Any, editor_for: Any
) -> None:
    doc = json.loads((ROOT / "fixtures" / "multi_agent_squad.json").read_text())
    board_id = archboard_server.create_board("alice", doc)
    archboard_server.share("alice", board_id, "bob", "editor")
    alice = editor_for("alice").open(board_id)
    bob = editor_for("bob").open(board_id)

    # Bob looks at the Super Agent's comments (none yet) and waits.
    box = bob.node_at("super")
    bob.page.mouse.click(box["x"], box["y"])
    bob.page.click(".tab[data-tab=comments]")
    bob.page.wait_for_selector("#comments-panel .new-thread input[name=target][value='node:super']", state="attached")
    assert bob.page.locator(".comment-marker").count() == 0

    # Alice selects it, opens the Comments tab and writes (htmx posts the form).
    box = alice.node_at("super")
    alice.page.mouse.click(box["x"], box["y"])
    alice.page.click(".tab[data-tab=comments]")
    alice.page.wait_for_selector("#comments-panel .new-thread input[name=target][value='node:super']", state="attached")
    alice.page.fill("#comments-panel .new-thread textarea", f"Should this fan out through the queue? {XSS} @bob")
    alice.page.click("#comments-panel .new-thread button[type=submit]")

    # Without a reload: the marker on the node and the thread in Bob's panel.
    bob.page.wait_for_selector(".comment-marker[data-target='node:super']")
    bob.page.wait_for_selector("#comments-panel .thread .comment-body:has-text('fan out through the queue')")
    assert bob.page.locator(".comment-marker[data-target='node:super']").inner_text() == "1"
    assert bob.page.locator("#comments-count").inner_text() == "1"
    body = bob.page.locator("#comments-panel .comment-body").first
    assert XSS in body.inner_text()  # shown as text
    assert body.locator("img").count() == 0
    assert body.locator(".mention").inner_text() == "@bob"
    alice.page.wait_for_selector(".comment-marker[data-target='node:super']")

    # The marker is on the node: clicking it selects the node and shows its threads.
    bob.page.click(".tab[data-tab=properties]")
    bob.page.locator("#cy").focus()
    bob.page.keyboard.press("Escape")  # nothing selected now
    bob.page.wait_for_function("window.archboard.canvas.selectedIds().length === 0")
    bob.page.click(".comment-marker[data-target='node:super']")
    bob.page.wait_for_selector("#comments-panel:not([hidden]) .thread")
    assert bob.page.evaluate("window.archboard.canvas.selectedIds()") == ["super"]

    # Bob resolves it; the marker goes away on both screens.
    bob.page.click("#comments-panel .thread form.inline button[type=submit]")
    alice.page.wait_for_selector(".comment-marker[data-target='node:super']", state="detached")
    bob.page.wait_for_selector(".comment-marker[data-target='node:super']", state="detached")

    # A review status change made elsewhere shows in the Review tab.
    status, _ = archboard_server.api(
        "alice", "POST", f"/api/boards/{board_id}/review/status", {"status": "in_review", "reviewers": ["bob"]}
    )
    assert status == 200
    bob.page.click(".tab[data-tab=review]")
    bob.page.wait_for_selector("#review-status-slot .status-in_review")


def test_the_comments_and_status_panels_run_under_the_csp(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board(
        "alice",
        {"format": "archboard/1", "name": "CSP comments", "nodes": [{"id": "api", "kind": "service"}], "edges": []},
    )
    editor = editor_for("alice", enforce_csp=True)
    violations: list[str] = []
    editor.page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    editor.open(board_id)
    editor.page.click(".tab[data-tab=review]")
    editor.page.wait_for_selector("#review-status-slot .status-draft")
    editor.page.click(".tab[data-tab=comments]")
    editor.page.fill("#comments-panel .new-thread textarea", "On the whole board")
    editor.page.click("#comments-panel .new-thread button[type=submit]")
    editor.page.wait_for_selector("#comments-panel .thread .comment-body:has-text('On the whole board')")
    editor.page.wait_for_selector("#comments-count:text('1')")
    assert not violations, violations
