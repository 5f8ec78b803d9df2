"""Gestures over what is drawn on top of the canvas: the wheel over a component's connection
handles zooms as it does anywhere on the canvas; a middle-button drag pans and adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, node

pytestmark = pytest.mark.browser


def test_the_wheel_over_a_connection_handle_zooms_the_canvas(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board(
        "alice", board([node("api", "service", label="API", x=0, y=0), node("db", "sql_db", label="DB", x=300, y=0)])
    )
    ed = editor_for("alice").open(board_id)
    page = ed.page
    box = ed.node_at("api")
    page.mouse.move(box["x"], box["y"])
    handle = page.locator(".edge-handle[data-side=right]:not([hidden])")
    handle.wait_for()
    spot = handle.bounding_box()
    assert spot is not None
    page.mouse.move(spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2)
    # The pointer is on the handle itself, not on the canvas under it.
    assert page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).classList.contains('edge-handle')",
        [spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2],
    )
    before = page.evaluate("() => window.archboard.canvas.cy.zoom()")
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_function("z => window.archboard.canvas.cy.zoom() > z * 1.05", arg=before)
    # The page itself never scrolled or zoomed.
    assert page.evaluate("() => [window.scrollX, window.scrollY]") == [0, 0]


def test_a_middle_button_drag_pans_and_adds_nothing(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board("alice", board([node("api", "service", label="API", x=0, y=0)]))
    ed = editor_for("alice").open(board_id)
    page = ed.page
    # Something on the clipboard that a paste would add (a board document of one component).
    page.locator("#cy").focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Control+c")
    cy = page.locator("#cy").bounding_box()
    assert cy is not None
    pan_before = page.evaluate("() => window.archboard.canvas.cy.pan()")
    page.mouse.move(cy["x"] + cy["width"] - 150, cy["y"] + cy["height"] - 150)
    page.mouse.down(button="middle")
    page.mouse.move(cy["x"] + cy["width"] - 250, cy["y"] + cy["height"] - 200, steps=5)
    page.mouse.up(button="middle")
    page.wait_for_function("p => window.archboard.canvas.cy.pan().x !== p.x", arg=pan_before)  # it panned
    # A real paste still works after it: the next Ctrl+V adds the copy.
    page.keyboard.press("Control+v")
    page.wait_for_function("() => window.archboard.board().nodes.length >= 2")
    ed.wait_idle()
    assert len(ed.board()["nodes"]) == 2, ed.board()["nodes"]
