"""Comments land on the element the panel names, and typed text is never lost."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, node

pytestmark = pytest.mark.browser


def _doc() -> dict[str, Any]:
    return board([node("a", "service", label="Orders", x=0, y=0), node("b", "sql_db", label="Ledger", x=300, y=0)])


def _threads(server: Any, board_id: int) -> list[tuple[str, str]]:
    status, body = server.api("alice", "GET", f"/api/boards/{board_id}/comments")
    assert status == 200, body
    return [(t["target"]["type"] + ":" + t["target"]["id"], t["comments"][0]["text"]) for t in body["items"]]


def _select_and_open_comments(ed: Any, node_id: str) -> None:
    box = ed.node_at(node_id)
    ed.page.mouse.click(box["x"], box["y"])
    ed.page.click(".tab[data-tab=comments]")


def test_a_comment_after_a_connection_blip_lands_on_the_element_named(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board("alice", _doc())
    ed = editor_for("alice").open(board_id)
    page = ed.page
    _select_and_open_comments(ed, "a")
    page.wait_for_selector("#comments-panel input[name=target][value='node:a']", state="attached")
    assert "“Orders”" in page.get_attribute("#comments-panel .new-thread textarea", "placeholder")

    # The load of Ledger's comments fails (the connection blips): Orders' form must not stay
    # under Ledger's title.
    failed: list[str] = []

    def fail_once(route: Any) -> None:
        if not failed:
            failed.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/comments?target=node%3Ab", fail_once)
    _select_and_open_comments(ed, "b")
    page.wait_for_selector("#comments-panel .comments-body .error")
    assert page.inner_text("#comments-title") == "On component “Ledger”"
    assert page.locator("#comments-panel .new-thread").count() == 0
    # The socket blips too; on reconnect the panel loads Ledger's comments.
    page.evaluate("window.archboard.sync.ws.close()")
    page.wait_for_selector("#comments-panel input[name=target][value='node:b']", state="attached")
    page.fill("#comments-panel .new-thread textarea", "Is the ledger append-only?")
    # Even a form left over from another element posts to the one the panel names.
    page.evaluate("document.querySelector(\"#comments-panel input[name=target]\").value = 'node:a'")
    page.click("#comments-panel .new-thread button[type=submit]")
    page.wait_for_selector("#comments-panel .comment-body:has-text('append-only')")
    assert _threads(archboard_server, board_id) == [("node:b", "Is the ledger append-only?")]


def test_a_comment_on_an_element_deleted_meanwhile_keeps_its_text(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board("alice", _doc())
    ed = editor_for("alice").open(board_id)
    page = ed.page
    _select_and_open_comments(ed, "a")
    page.wait_for_selector("#comments-panel input[name=target][value='node:a']", state="attached")
    page.fill("#comments-panel .new-thread textarea", "Why two writers here?")
    # Someone else deletes the component while the comment is being written.
    status, body = archboard_server.api("alice", "GET", f"/api/boards/{board_id}")
    doc = body["board"]
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] != "a"]
    status, _ = archboard_server.api(
        "alice", "PUT", f"/api/boards/{board_id}", {"version": body["version"], "board": doc}
    )
    assert status == 200
    page.wait_for_function("!window.archboard.board().nodes.some(n => n.id === 'a')")
    assert page.input_value("#comments-panel .new-thread textarea") == "Why two writers here?"
    page.click("#comments-panel .new-thread button[type=submit]")
    page.wait_for_selector("#comments-panel .new-thread + .error")
    assert "no longer on this board" in page.inner_text("#comments-panel .error")
    assert page.input_value("#comments-panel .new-thread textarea") == "Why two writers here?"
    assert _threads(archboard_server, board_id) == []
