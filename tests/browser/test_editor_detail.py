"""The detail level of a large board follows the view: components in and near the view are drawn
with their labels and icons once zoomed in past the far-out level, the ones far off screen stay in
the cheap far style, and panning brings the detail along."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, edge, node

pytestmark = pytest.mark.browser

COLS, ROWS = 25, 40  # 1,000 components 160 x 140 apart: about 5 by 7 screens at 100 %

# For each component: where it is on the canvas (container pixels) and how it is drawn.
DRAWN = """() => { const c = window.archboard.canvas; const cy = c.cy;
    return cy.nodes().not('.group').map((n) => { const p = c.toScreen(n.position());
        return {id: n.id(), x: p.x, y: p.y, near: n.hasClass('near'), far: n.hasClass('far'), label: n.style('label')}; }); }"""
SETTLED = "() => !window.archboard.canvas.detailQueued"


def _large_board() -> dict[str, Any]:
    nodes = [
        node(f"n{i}", "service", label=f"Service {i}", x=(i % COLS) * 160, y=(i // COLS) * 140)
        for i in range(COLS * ROWS)
    ]
    edges = [edge(f"e{i}", f"n{i}", f"n{i + 1}", label=f"call {i}") for i in range(0, COLS * ROWS - 1, 3)]
    return board(nodes, edges)


def _check(page: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The components in view and those more than three screens away, once the canvas has
    settled; every one in view is drawn with its label, every far one in the far style."""
    page.wait_for_function(SETTLED)
    size = page.evaluate("() => [window.archboard.canvas.cy.width(), window.archboard.canvas.cy.height()]")
    drawn = page.evaluate(DRAWN)
    in_view = [n for n in drawn if 0 <= n["x"] <= size[0] and 0 <= n["y"] <= size[1]]
    away = [n for n in drawn if abs(n["x"] - size[0] / 2) > 3 * size[0] or abs(n["y"] - size[1] / 2) > 3 * size[1]]
    assert in_view and away
    assert [n["id"] for n in in_view if not n["near"] or n["label"] != f"Service {n['id'][1:]}"] == []
    assert [n["id"] for n in away if not n["far"] or n["label"]] == []
    return in_view, away


def test_zoomed_in_a_large_board_draws_in_detail_what_is_in_view_and_the_detail_follows_a_pan(
    archboard_server: Any, editor_for: Any
) -> None:
    board_id = archboard_server.create_board("alice", _large_board())
    page = editor_for("alice").open(board_id).page
    page.wait_for_function(SETTLED)
    # Opened fitted to the window, far out: everything in the far style.
    assert page.evaluate("() => window.archboard.canvas.cy.zoom()") < 0.4
    assert page.evaluate("() => window.archboard.canvas.cy.nodes('.near').not('.group').length") == 0

    # Ctrl + wheel over the top left of the board (between components: over one, its connection
    # handles would take the wheel) until past 100 %.
    top_left = page.evaluate(
        "() => { const c = window.archboard.canvas; const r = c.container.getBoundingClientRect();"
        " const p = c.toScreen({x: 240, y: 210}); return {x: r.left + p.x, y: r.top + p.y}; }"
    )
    page.mouse.move(top_left["x"], top_left["y"])
    page.keyboard.down("Control")
    while page.evaluate("() => window.archboard.canvas.cy.zoom()") < 1:
        page.mouse.wheel(0, -120)
    page.keyboard.up("Control")
    in_view, _ = _check(page)

    # Hold Space and drag the canvas, several screens up and left (the board moves under the
    # pointer: the view goes down and right).
    box = page.locator("#cy").bounding_box()
    start = (box["x"] + box["width"] - 40, box["y"] + box["height"] - 40)
    page.keyboard.down(" ")
    for _ in range(4):
        page.mouse.move(*start)
        page.mouse.down()
        page.mouse.move(start[0] - 750, start[1] - 750, steps=15)
        page.mouse.up()
    page.keyboard.up(" ")
    moved_in_view, _ = _check(page)
    assert not {n["id"] for n in in_view} & {n["id"] for n in moved_in_view}
