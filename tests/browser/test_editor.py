"""The board editor driven in headless Chromium against a real server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.builders import board, edge, node

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
XSS = "<img src=x onerror=alert(1)>"


def _stored(server: Any, user: str, board_id: int) -> dict[str, Any]:
    status, body = server.api(user, "GET", f"/api/boards/{board_id}")
    assert status == 200, body
    return body


def _same_elements(a: dict[str, Any], b: dict[str, Any]) -> None:
    for section in ("nodes", "edges", "groups"):
        left = {e["id"]: e for e in a.get(section, [])}
        right = {e["id"]: e for e in b.get(section, [])}
        assert left == right, section


def _drop_from_palette(editor: Any, kind: str, x: float, y: float) -> None:
    editor.page.drag_and_drop(f".palette-item[data-kind={kind}]", "#cy", target_position={"x": x, "y": y})


def test_it_builds_a_board_by_direct_manipulation(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board("alice", board(name="Built in the browser"))
    ed = editor_for("alice").open(board_id)
    page = ed.page

    _drop_from_palette(ed, "service", 250, 300)
    _drop_from_palette(ed, "sql_db", 550, 300)
    ed.wait_idle()
    doc = ed.board()
    kinds = sorted(n["kind"] for n in doc["nodes"])
    assert kinds == ["service", "sql_db"]
    service = next(n for n in doc["nodes"] if n["kind"] == "service")
    db = next(n for n in doc["nodes"] if n["kind"] == "sql_db")
    assert service["x"] % 20 == 0 and service["y"] % 20 == 0  # snapped to the grid

    # Connect: press the handle right of the service, drag to the database.
    src = ed.node_at(service["id"])
    dst = ed.node_at(db["id"])
    page.mouse.move(src["x"], src["y"])
    handle = page.locator(".edge-handle[data-side=right]:not([hidden])").bounding_box()
    assert handle is not None
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move((src["x2"] + dst["x"]) / 2, dst["y"], steps=5)
    page.mouse.move(dst["x"], dst["y"], steps=5)
    page.mouse.up()
    ed.wait_idle()
    edges = ed.board()["edges"]
    assert [(e["source"], e["target"]) for e in edges] == [(service["id"], db["id"])]

    # Edit the label and the replicas in the properties panel.
    page.mouse.click(src["x"], src["y"])
    page.wait_for_selector("#props-node:not([hidden])")
    page.fill("#props-node [data-field=label]", "Orders API")
    page.press("#props-node [data-field=label]", "Enter")
    page.fill("#props-node [data-prop=replicas]", "3")
    page.press("#props-node [data-prop=replicas]", "Enter")
    ed.wait_idle()
    stored = {n["id"]: n for n in _stored(archboard_server, "alice", board_id)["board"]["nodes"]}
    assert stored[service["id"]]["label"] == "Orders API"
    assert stored[service["id"]]["props"]["replicas"] == 3

    # Group both, undo, redo.
    page.locator("#cy").focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Control+g")
    ed.wait_idle()
    groups = ed.board()["groups"]
    assert len(groups) == 1
    assert {n["group"] for n in ed.board()["nodes"]} == {groups[0]["id"]}
    page.locator("#cy").focus()
    page.keyboard.press("Control+z")
    ed.wait_idle()
    assert ed.board()["groups"] == []
    assert all("group" not in n for n in ed.board()["nodes"])
    page.click(".toolbar [data-command=redo]")
    ed.wait_idle()
    assert len(ed.board()["groups"]) == 1

    # Delete the database (its edge goes too), then undo brings both back.
    dst = ed.node_at(db["id"])
    page.mouse.click(dst["x"], dst["y"])
    page.keyboard.press("Delete")
    ed.wait_idle()
    assert [n["id"] for n in ed.board()["nodes"]] == [service["id"]]
    assert ed.board()["edges"] == []
    page.keyboard.press("Control+z")
    ed.wait_idle()
    assert len(ed.board()["edges"]) == 1

    stored = _stored(archboard_server, "alice", board_id)
    _same_elements(stored["board"], ed.board())
    assert stored["version"] == page.evaluate("window.archboard.version()")

    # Export a PNG from the menu.
    page.click("#export-menu summary")
    with page.expect_download() as download_info:
        page.click("#export-menu a[data-export=png]")
    path = download_info.value.path()
    assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_two_editors_see_each_others_edits_and_cursors(archboard_server: Any, editor_for: Any) -> None:
    doc = json.loads((ROOT / "fixtures" / "multi_agent_squad.json").read_text())
    board_id = archboard_server.create_board("alice", doc)
    archboard_server.share("alice", board_id, "bob", "editor")
    alice = editor_for("alice").open(board_id)
    bob = editor_for("bob").open(board_id)

    # Alice places a component by click-then-click; Bob sees it.
    alice.page.click(".palette-item[data-kind=cache]")
    alice.page.mouse.click(700, 760)
    bob.page.wait_for_function(
        "window.archboard.board().nodes.some(n => n.kind === 'cache' && n.label === 'Cache' && !n.group)",
    )
    cache_id = next(n["id"] for n in alice.board()["nodes"] if n["kind"] == "cache" and n["label"] == "Cache")
    bob.page.wait_for_function("id => window.archboard.rendered(id) !== null", arg=cache_id)

    # Bob renames it; Alice sees the new label.
    box = bob.node_at(cache_id)
    bob.page.mouse.click(box["x"], box["y"])
    bob.page.fill("#props-node [data-field=label]", "Hot cache")
    bob.page.press("#props-node [data-field=label]", "Enter")
    alice.page.wait_for_function(
        "id => window.archboard.board().nodes.find(n => n.id === id)?.label === 'Hot cache'",
        arg=cache_id,
    )

    # Bob's cursor (with his name) and his selection show on Alice's screen.
    bob.page.mouse.move(600, 400)
    bob.page.mouse.move(640, 420, steps=4)
    alice.page.wait_for_selector(".peer-cursor:not([hidden]) .peer-name:text('bob')")
    alice.page.wait_for_function(
        "id => window.archboard.canvas.cy.getElementById(id).data('peer') !== undefined", arg=cache_id
    )
    assert alice.page.locator("#peers .avatar[data-user=bob]").count() == 1

    alice.wait_idle()
    bob.wait_idle()
    alice.page.wait_for_function(
        "v => window.archboard.version() === v", arg=bob.page.evaluate("window.archboard.version()")
    )
    stored = _stored(archboard_server, "alice", board_id)
    _same_elements(stored["board"], alice.board())
    _same_elements(stored["board"], bob.board())


def test_hostile_labels_are_shown_as_text(archboard_server: Any, editor_for: Any) -> None:
    doc = board(
        [
            node("a", "service", label=XSS, x=100, y=100, props={"notes": "<script>alert(2)</script>", XSS: XSS}),
            node("b", "sql_db", label="<script>alert(3)</script>", x=400, y=100),
        ],
        [edge("e1", "a", "b", label="<b onmouseover=alert(4)>x</b>")],
        groups=[{"id": "g", "label": "<svg onload=alert(5)>"}],
        name="<img src=y onerror=alert(6)>",
    )
    doc["nodes"][0]["group"] = "g"
    board_id = archboard_server.create_board("alice", doc)
    ed = editor_for("alice").open(board_id)
    page = ed.page
    a = ed.node_at("a")
    page.mouse.move(a["x"], a["y"])
    page.wait_for_selector("#tooltip:not([hidden])")
    assert XSS in page.inner_text("#tooltip")
    page.mouse.click(a["x"], a["y"])
    page.wait_for_selector("#props-node:not([hidden])")
    assert page.input_value("#props-node [data-field=label]") == XSS
    assert page.locator("#props-node .custom-name").first.inner_text() == XSS
    page.click(".tab[data-tab=review]")
    page.wait_for_selector(".finding")
    assert page.input_value("#board-name") == "<img src=y onerror=alert(6)>"
    page.goto(archboard_server.url + "/")
    page.wait_for_selector(".board-card")
    page.wait_for_load_state("networkidle")  # the thumbnails are in: anything injected would be too
    assert page.locator("img[src=x], img[src=y], svg[onload]").count() == 0


def test_a_refused_edit_is_rolled_back_with_a_message(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board(
        "alice", board([node("svc", "service", label="Svc", x=200, y=200, props={"replicas": 2})])
    )
    ed = editor_for("alice").open(board_id)
    page = ed.page
    box = ed.node_at("svc")
    page.mouse.click(box["x"], box["y"])
    page.fill("#props-node [data-prop=replicas]", "5000")  # the schema allows 1-1000
    page.press("#props-node [data-prop=replicas]", "Enter")
    page.wait_for_selector(".toast.error")
    assert "refused" in page.inner_text(".toast.error")
    ed.wait_idle()
    assert ed.board()["nodes"][0]["props"]["replicas"] == 2
    page.wait_for_function("document.querySelector('#props-node [data-prop=replicas]').value === '2'")


def test_a_viewer_gets_a_read_only_editor(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board("alice", board([node("svc", "service", label="Svc", x=200, y=200)]))
    archboard_server.share("alice", board_id, "victor", "viewer")
    ed = editor_for("victor").open(board_id)
    page = ed.page
    assert not page.is_visible("#palette")
    box = ed.node_at("svc")
    page.mouse.click(box["x"], box["y"])
    assert page.is_disabled("#props-node [data-field=label]")
    page.mouse.move(box["x"], box["y"])
    page.mouse.down()
    page.mouse.move(box["x"] + 150, box["y"] + 80, steps=5)
    page.mouse.up()
    page.keyboard.press("Delete")
    # Nothing was even tried: a viewer's gestures and keys make no op (none pending, none sent).
    assert page.evaluate("window.archboard.sync.pending.length") == 0
    assert page.evaluate("window.archboard.canvas.cy.getElementById('svc').position('x')") == 200
    assert ed.board()["nodes"][0]["x"] == 200
    assert _stored(archboard_server, "alice", board_id)["version"] == 1


def test_edits_made_offline_are_sent_on_reconnect(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board("alice", board([node("svc", "service", label="Svc", x=200, y=200)]))
    ed = editor_for("alice").open(board_id)
    page = ed.page
    ed.context.set_offline(True)  # the browser's offline event: the page gives its socket up at once
    page.wait_for_selector("#conn.conn-offline")
    box = ed.node_at("svc")
    page.mouse.click(box["x"], box["y"])
    page.fill("#props-node [data-field=label]", "Renamed offline")
    page.press("#props-node [data-field=label]", "Enter")
    assert "waiting" in page.inner_text("#conn")
    ed.context.set_offline(False)
    page.wait_for_selector("#conn.conn-online", timeout=15_000)
    ed.wait_idle()
    assert _stored(archboard_server, "alice", board_id)["board"]["nodes"][0]["label"] == "Renamed offline"


def test_a_selected_component_deleted_by_someone_else_leaves_the_selection(
    archboard_server: Any, editor_for: Any
) -> None:
    doc = board([node("a", label="A", x=100, y=100), node("b", label="B", x=400, y=100)])
    board_id = archboard_server.create_board("alice", doc)
    archboard_server.share("alice", board_id, "bob", "editor")
    alice = editor_for("alice").open(board_id)
    bob = editor_for("bob").open(board_id)

    box = alice.node_at("a")
    alice.page.mouse.click(box["x"], box["y"])
    alice.page.wait_for_function("window.archboard.canvas.selectedIds().join() === 'a'")
    assert alice.page.locator("[data-command=delete]").is_enabled()

    # The canvas keeps the selected ids between changes: a removal must still clear them.
    bob.page.evaluate("window.archboard.sync.submit({action: 'delete_node', id: 'a'})")
    alice.page.wait_for_function("!window.archboard.board().nodes.some((n) => n.id === 'a')")
    assert alice.page.evaluate("window.archboard.canvas.selectedIds()") == []
    assert alice.page.locator("[data-command=delete]").is_disabled()

    box = alice.node_at("b")
    alice.page.mouse.click(box["x"], box["y"])
    alice.page.wait_for_function("window.archboard.canvas.selectedIds().join() === 'b'")
    assert alice.page.locator("[data-command=delete]").is_enabled()
