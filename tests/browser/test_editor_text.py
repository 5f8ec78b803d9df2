"""Labels edited in place on the canvas: double-click, typing, Enter, Esc."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, edge, node
from whiteboard.domain.board import validate_board
from whiteboard.domain.drawn import plan_board

pytestmark = pytest.mark.browser


def _doc() -> dict[str, Any]:
    doc = board(
        [node("api", "service", label="API", x=0, y=0, group="g"), node("db", "sql_db", label="DB", x=300, y=0)],
        [edge("e1", "api", "db", label="SQL")],
        groups=[{"id": "g", "label": "Backend"}],
    )
    return doc


def _labels(ed: Any) -> dict[str, str]:
    doc = ed.board()
    return {e["id"]: e["label"] for section in ("nodes", "edges", "groups") for e in doc[section]}


def test_double_click_edits_a_label_in_place_enter_commits_and_esc_cancels(
    archboard_server: Any, editor_for: Any
) -> None:
    ed = editor_for("alice").open(archboard_server.create_board("alice", _doc()))
    page = ed.page
    api = ed.node_at("api")
    page.mouse.dblclick(api["x"], api["y"])
    editor = page.locator(".label-editor:not([hidden])")
    editor.wait_for()
    assert editor.input_value() == "API"
    assert page.get_attribute("#stage", "data-state") == "edittext"
    page.keyboard.type("Orders API")  # the old label was selected: typing replaces it
    page.keyboard.press("Enter")
    ed.wait_idle()
    assert _labels(ed)["api"] == "Orders API"
    assert page.get_attribute("#stage", "data-state") != "edittext"
    assert _positions_unchanged(ed)

    # The connection: double-click its middle; Esc leaves it as it was.
    mid = page.evaluate(
        "() => { const e = window.archboard.canvas.cy.getElementById('e1'); const r = window.archboard.canvas.container.getBoundingClientRect(); const p = e.renderedMidpoint(); return {x: r.left + p.x, y: r.top + p.y}; }"
    )
    page.mouse.dblclick(mid["x"], mid["y"])
    editor.wait_for()
    assert editor.input_value() == "SQL"
    page.keyboard.type("JDBC")
    page.keyboard.press("Escape")
    assert page.locator(".label-editor:not([hidden])").count() == 0
    assert _labels(ed)["e1"] == "SQL"
    assert page.evaluate("window.archboard.version()") == 2

    # The group: double-click its frame, away from its member.
    g = ed.node_at("g")
    page.mouse.dblclick(g["x1"] + 8, g["y2"] - 8)
    editor.wait_for()
    assert editor.input_value() == "Backend"
    page.keyboard.type("Core")
    page.keyboard.press("Enter")
    ed.wait_idle()
    assert _labels(ed)["g"] == "Core"


def _positions_unchanged(ed: Any) -> bool:
    return {(n["id"], n["x"], n["y"]) for n in ed.board()["nodes"]} == {("api", 0, 0), ("db", 300, 0)}


def test_typing_with_one_element_selected_starts_editing_it(archboard_server: Any, editor_for: Any) -> None:
    ed = editor_for("alice").open(archboard_server.create_board("alice", _doc()))
    page = ed.page
    db = ed.node_at("db")
    page.mouse.click(db["x"], db["y"])
    page.wait_for_selector("#props-node:not([hidden])")
    page.keyboard.type("Ledger")
    page.keyboard.press("Enter")
    ed.wait_idle()
    assert _labels(ed)["db"] == "Ledger"
    # Leaving the box by clicking elsewhere keeps what was typed.
    page.keyboard.press("F2")
    page.locator(".label-editor:not([hidden])").wait_for()
    page.keyboard.press("End")
    page.keyboard.type(" DB")
    page.mouse.click(db["x"] + 200, db["y"] + 200)
    ed.wait_idle()
    assert _labels(ed)["db"] == "Ledger DB"
    status, stored = archboard_server.api("alice", "GET", f"/api/boards/{page.url.rstrip('/').split('/')[-1]}")
    assert status == 200
    assert {n["id"]: n["label"] for n in stored["board"]["nodes"]}["db"] == "Ledger DB"


def test_a_connection_label_moves_off_the_component_it_would_cover(archboard_server: Any, editor_for: Any) -> None:
    doc = board(
        [
            node("a", "service", label="A", x=0, y=0),
            node("b", "cache", label="B", x=200, y=0),
            node("c", "sql_db", label="C", x=400, y=0),
        ],
        [edge("over", "a", "c", label="passes over B"), edge("clear", "a", "b", label="")],
    )
    ed = editor_for("alice").open(archboard_server.create_board("alice", doc))
    margins = ed.page.evaluate(
        "() => ['over', 'clear'].map(id => window.archboard.canvas.cy.getElementById(id).style('text-margin-y'))"
    )
    assert margins[0] != "0px"  # moved off B's body and label
    assert margins[1] == "0px"  # nothing to move
    # The drawn export moves it to the same place (one rule, the look's steps).
    over = next(e for e in plan_board(validate_board(doc)).edges if e.edge["id"] == "over")
    assert over.label_box is not None
    assert margins[0] == f"{round((over.label_box[1] + over.label_box[3]) / 2)}px"
    box = ed.page.evaluate(
        "() => window.archboard.canvas.cy.getElementById('over').boundingBox({includeEdges: false, includeLabels: true, includeOverlays: false, includeUnderlays: false})"
    )
    body = {"x1": 170, "x2": 230, "y1": -30, "y2": 30}  # B's body around (200, 0)
    assert box["w"] > 0
    assert box["y2"] < body["y1"] or box["y1"] > body["y2"] or box["x2"] < body["x1"] or box["x1"] > body["x2"]
