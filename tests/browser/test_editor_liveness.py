"""The editor notices a dead connection, role changes and departures while the page stays open."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, node

pytestmark = pytest.mark.browser


def _doc() -> dict[str, Any]:
    return board([node("api", "service", label="API", x=0, y=0), node("db", "sql_db", label="DB", x=300, y=0)])


def test_a_silent_network_drop_shows_reconnecting_and_catches_up(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board("alice", _doc())
    ed = editor_for("alice")
    down = {"now": False}
    links: list[dict[str, bool]] = []

    # The page's socket goes through this relay. When the network "goes down", every link open
    # then loses every frame both ways and closes nothing, as a silently dropped network does;
    # a link tried while it is down fails; links made after it is back work.
    def relay(ws: Any) -> None:
        if down["now"]:
            ws.close()
            return
        link = {"dead": False}
        links.append(link)
        server = ws.connect_to_server()
        ws.on_message(lambda message: None if link["dead"] else server.send(message))
        server.on_message(lambda message: None if link["dead"] else ws.send(message))

    ed.page.route_web_socket("**/ws/boards/**", relay)
    ed.open(board_id)
    down["now"] = True
    for link in links:
        link["dead"] = True
    status, _ = archboard_server.api(
        "alice", "PUT", f"/api/boards/{board_id}", {"version": 1, "board": {**_doc(), "name": "Changed elsewhere"}}
    )
    assert status == 200
    ed.page.wait_for_selector("#conn.conn-reconnecting, #conn.conn-offline", timeout=15_000)
    down["now"] = False
    ed.page.wait_for_selector("#conn.conn-online", timeout=15_000)
    ed.page.wait_for_function("window.archboard.board().name === 'Changed elsewhere'")


def test_the_browser_going_offline_shows_at_once_and_online_reconnects(archboard_server: Any, editor_for: Any) -> None:
    ed = editor_for("alice").open(archboard_server.create_board("alice", _doc()))
    ed.page.evaluate("window.dispatchEvent(new Event('offline'))")
    assert ed.page.get_attribute("#conn", "class") == "conn conn-offline"
    ed.page.evaluate("window.dispatchEvent(new Event('online'))")
    ed.page.wait_for_selector("#conn.conn-online")


def test_a_role_change_applies_to_the_open_page(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board("alice", _doc())
    archboard_server.share("alice", board_id, "bob", "editor")
    bob = editor_for("bob").open(board_id)
    assert bob.page.is_visible("#palette")
    archboard_server.share("alice", board_id, "bob", "viewer")
    bob.page.wait_for_selector("body.read-only")
    assert not bob.page.is_visible("#palette")
    assert bob.page.text_content(".topbar .role") == "View only"
    box = bob.node_at("api")
    bob.page.mouse.click(box["x"], box["y"])
    assert bob.page.is_disabled("#props-node [data-field=label]")
    archboard_server.share("alice", board_id, "bob", "editor")
    bob.page.wait_for_selector("body:not(.read-only)")
    assert bob.page.is_enabled("#props-node [data-field=label]")


def test_a_departed_users_selection_outline_goes(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board("alice", _doc())
    archboard_server.share("alice", board_id, "bob", "editor")
    alice = editor_for("alice").open(board_id)
    bob = editor_for("bob").open(board_id)
    box = bob.node_at("db")
    bob.page.mouse.click(box["x"], box["y"])
    outlined = "window.archboard.canvas.cy.getElementById('db').style('outline-width') !== '0px'"
    alice.page.wait_for_function(outlined)
    bob.page.close()
    alice.page.wait_for_function(f"!({outlined})")
    assert alice.page.locator("#peers .avatar[data-user=bob]").count() == 0
