"""Mouse gestures on the canvas, driven with real mouse events: the input state machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.builders import board, edge, node

pytestmark = pytest.mark.browser


def _handle(ed: Any, side: str) -> tuple[float, float]:
    box = ed.page.locator(f".edge-handle[data-side={side}]:not([hidden])").bounding_box()
    assert box is not None, f"no {side} handle shown"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _drag(page: Any, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=steps)
    page.mouse.up()


def _positions(ed: Any) -> dict[str, tuple[float, float]]:
    return {n["id"]: (n["x"], n["y"]) for n in ed.board()["nodes"]}


def test_the_handle_works_right_after_the_pointer_crosses_another_component(
    archboard_server: Any, editor_for: Any
) -> None:
    doc = board(
        [
            node("a", "service", label="A", x=0, y=0),
            node("b", "service", label="B", x=100, y=0),
            node("c", "sql_db", label="C", x=0, y=300),
        ]
    )
    ed = editor_for("alice").open(archboard_server.create_board("alice", doc))
    page = ed.page
    a, b, c = ed.node_at("a"), ed.node_at("b"), ed.node_at("c")
    # Straight from B's body to A's bottom handle, with no pause anywhere.
    page.mouse.move(b["x"], b["y"])
    page.mouse.move(a["x"], a["y"], steps=2)
    start = _handle(ed, "bottom")
    _drag(page, start, (c["x"], c["y"]))
    ed.wait_idle()
    doc = ed.board()
    assert [(e["source"], e["target"]) for e in doc["edges"]] == [("a", "c")]
    assert _positions(ed) == {"a": (0, 0), "b": (100, 0), "c": (0, 300)}  # nothing moved
    new = doc["edges"][0]["id"]
    assert page.evaluate("window.archboard.canvas.selectedIds()") == [new]  # the new edge is selected
    assert page.get_attribute("#stage", "data-state") in ("idle", "hover")


def test_the_handle_of_a_replicated_component_draws_an_edge(archboard_server: Any, editor_for: Any) -> None:
    doc = board(
        [
            node("api", "service", label="API", x=0, y=0, props={"replicas": 3}),
            node("db", "sql_db", label="DB", x=300, y=0),
        ]
    )
    ed = editor_for("alice").open(archboard_server.create_board("alice", doc))
    page = ed.page
    api, db = ed.node_at("api"), ed.node_at("db")
    page.mouse.move(api["x"], api["y"])
    for side in ("top", "right", "bottom", "left"):  # a handle on every side
        _handle(ed, side)
    _drag(page, _handle(ed, "right"), (db["x"], db["y"]))
    ed.wait_idle()
    assert [(e["source"], e["target"]) for e in ed.board()["edges"]] == [("api", "db")]
    assert _positions(ed) == {"api": (0, 0), "db": (300, 0)}


def test_a_handle_released_on_empty_canvas_leaves_no_mode_behind(archboard_server: Any, editor_for: Any) -> None:
    doc = board([node("a", "service", label="A", x=0, y=0), node("b", "cache", label="B", x=300, y=0)])
    ed = editor_for("alice").open(archboard_server.create_board("alice", doc))
    page = ed.page
    a = ed.node_at("a")
    page.mouse.move(a["x"], a["y"])
    start = _handle(ed, "left")
    _drag(page, start, (start[0] - 150, start[1] + 200))
    assert page.get_attribute("#stage", "data-state") == "idle"
    assert page.get_attribute("#stage", "data-tool") == "select"
    assert page.locator(".connect-preview:not([hidden])").count() == 0

    # The next drag of a component moves it: no edge, one move op.
    b = ed.node_at("b")
    _drag(page, (b["x"], b["y"]), (b["x"], b["y"] + 120))
    page.wait_for_function("window.archboard.version() === 2")
    ed.wait_idle()
    assert ed.board()["edges"] == []
    moved = _positions(ed)
    assert moved["a"] == (0, 0) and moved["b"][0] == 300 and moved["b"][1] > 0


def test_escape_cancels_a_connection_being_drawn(archboard_server: Any, editor_for: Any) -> None:
    doc = board([node("a", "service", label="A", x=0, y=0), node("b", "cache", label="B", x=300, y=0)])
    ed = editor_for("alice").open(archboard_server.create_board("alice", doc))
    page = ed.page
    a, b = ed.node_at("a"), ed.node_at("b")
    page.mouse.move(a["x"], a["y"])
    page.mouse.move(*_handle(ed, "right"))
    page.mouse.down()
    page.mouse.move(b["x"], b["y"], steps=5)
    assert page.get_attribute("#stage", "data-state") == "connect"
    page.keyboard.press("Escape")
    assert page.get_attribute("#stage", "data-state") == "idle"
    page.mouse.up()
    assert ed.board()["edges"] == []
    assert page.evaluate("window.archboard.version()") == 1


def test_space_pans_the_canvas_and_moves_nothing(archboard_server: Any, editor_for: Any) -> None:
    doc = board([node("a", "service", label="A", x=0, y=0), node("b", "cache", label="B", x=300, y=0)])
    ed = editor_for("alice").open(archboard_server.create_board("alice", doc))
    page = ed.page
    a = ed.node_at("a")
    pan = page.evaluate("window.archboard.canvas.cy.pan()")
    page.locator("#cy").focus()
    page.keyboard.down(" ")
    _drag(page, (a["x"], a["y"]), (a["x"] + 100, a["y"] + 50))
    page.keyboard.up(" ")
    after = page.evaluate("window.archboard.canvas.cy.pan()")
    assert (round(after["x"] - pan["x"]), round(after["y"] - pan["y"])) == (100, 50)
    assert _positions(ed) == {"a": (0, 0), "b": (300, 0)}
    assert page.evaluate("window.archboard.canvas.selectedIds()") == []


def test_the_connect_tool_draws_from_a_body_and_the_shortcuts_reverse_and_undo(
    archboard_server: Any, editor_for: Any
) -> None:
    doc = board([node("a", "service", label="A", x=0, y=0), node("b", "cache", label="B", x=300, y=0)])
    ed = editor_for("alice").open(archboard_server.create_board("alice", doc))
    page = ed.page
    page.click(".toolbar [data-command=tool-connect]")
    assert page.get_attribute("#stage", "data-tool") == "connect"
    a, b = ed.node_at("a"), ed.node_at("b")
    _drag(page, (a["x"], a["y"]), (b["x"], b["y"]))
    ed.wait_idle()
    assert [(e["source"], e["target"]) for e in ed.board()["edges"]] == [("a", "b")]
    page.keyboard.press("Escape")  # the new edge was selected: clear the selection, then back to Select
    page.keyboard.press("v")
    assert page.get_attribute("#stage", "data-tool") == "select"
    edge_id = ed.board()["edges"][0]["id"]
    page.evaluate("id => window.archboard.canvas.select([id])", edge_id)
    page.keyboard.press("Alt+r")
    ed.wait_idle()
    assert [(e["source"], e["target"]) for e in ed.board()["edges"]] == [("b", "a")]
    page.keyboard.press("Control+z")
    ed.wait_idle()
    assert [(e["source"], e["target"]) for e in ed.board()["edges"]] == [("a", "b")]
    # The selection follows the undo: the reversed-back edge is selected, and its panel shown.
    page.wait_for_function("id => window.archboard.canvas.selectedIds().join() === id", arg=edge_id)
    page.wait_for_selector("#props-edge:not([hidden])")


def test_the_toolbar_and_help_come_from_the_command_table(archboard_server: Any, editor_for: Any) -> None:
    doc = board(
        [node("a", "service", label="A", x=0, y=0), node("b", "cache", label="B", x=300, y=0)], [edge("e1", "a", "b")]
    )
    ed = editor_for("alice").open(archboard_server.create_board("alice", doc))
    page = ed.page
    table = page.evaluate("window.archboard.commandTable()")
    ids = [c["id"] for c in table]
    assert len(ids) == len(set(ids))
    assert page.get_attribute(".toolbar [data-command=undo]", "title") == "Undo your last edit (Ctrl+Z)"
    page.keyboard.press("?")
    page.wait_for_selector("#help[open]")
    help_text = page.inner_text("#help-grid")
    for command in table:
        if command["keys"]:
            assert command["label"] in help_text, command
    page.keyboard.press("Escape")
    # Route: the toolbar sets the selected connection's route and the default for new ones.
    page.evaluate("window.archboard.canvas.select(['e1'])")
    page.click("#route-menu summary")
    page.click("[data-command=route-orthogonal]")
    ed.wait_idle()
    assert ed.board()["edges"][0]["props"]["route"] == "orthogonal"
    assert page.evaluate("window.archboard.canvas.cy.getElementById('e1').style('curve-style')") == "taxi"
    assert page.inner_text("#route-current") == "orthogonal"


def test_the_readme_shortcut_table_is_the_command_table(archboard_server: Any, editor_for: Any) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("<!-- shortcuts: generated from static/editor/commands.js -->")[1].split(
        "<!-- /shortcuts -->"
    )[0]
    rows = [line.strip("|").split("|") for line in block.strip().splitlines()[2:]]
    documented = [
        (cells[0].strip().strip("`"), [k.strip().strip("`") for k in cells[1].split(" / ")], cells[2].strip())
        for cells in rows
    ]
    ed = editor_for("alice").open(archboard_server.create_board("alice", board([node("a", "service")])))
    table = ed.page.evaluate("window.archboard.commandTable()")
    expected = [(c["id"], c["keys"] or ["(toolbar)"], c["label"]) for c in table]
    assert documented == expected
