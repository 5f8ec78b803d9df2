"""Zoomed out on a large board the canvas strokes its plain connections together (lines.js): another
user's move of a component redraws its connections where they now run, and nowhere else."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, edge, node

pytestmark = pytest.mark.browser

# Whether anything is drawn on Cytoscape's element layer around a board point (a 7 x 7 pixel
# window: zoomed far out, a line is less than a pixel wide and antialiased).
DRAWN_AT = """([x, y]) => { const c = window.archboard.canvas; const cy = c.cy;
    const layer = cy.container().querySelector('canvas[data-id="layer2-node"]');
    const ratio = layer.width / cy.width(); const p = c.toScreen({x, y});
    const pixels = layer.getContext('2d').getImageData(Math.round(p.x * ratio) - 3, Math.round(p.y * ratio) - 3, 7, 7).data;
    let alpha = 0; for (let i = 3; i < pixels.length; i += 4) alpha += pixels[i]; return alpha > 0; }"""
FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def _large_board() -> dict[str, Any]:
    """A 20 x 20 grid of components and, in open space below it, one connection from `a` to `b`."""
    nodes = [node(f"n{i}", "service", x=(i % 20) * 160, y=(i // 20) * 140) for i in range(400)]
    nodes += [node("a", "service", x=0, y=3400), node("b", "service", x=3000, y=3400)]
    return board(nodes, [edge("ab", "a", "b", props={"protocol": "https"})])


def test_a_remote_move_on_a_large_board_zoomed_out_redraws_the_connection_where_it_now_runs(
    archboard_server: Any, editor_for: Any
) -> None:
    board_id = archboard_server.create_board("alice", _large_board())
    archboard_server.share("alice", board_id, "bob", "editor")
    alice = editor_for("alice").open(board_id).page
    bob = editor_for("bob").open(board_id).page
    alice.wait_for_function("() => !window.archboard.canvas.detailQueued")
    assert alice.evaluate("() => window.archboard.canvas.far")
    alice.evaluate(FRAMES)
    assert alice.evaluate(DRAWN_AT, [1500, 3400])
    assert not alice.evaluate(DRAWN_AT, [1500, 3700])

    bob.evaluate("() => { window.archboard.sync.submit({action: 'update_node', id: 'b', set: {y: 4000}}); }")
    alice.wait_for_function("() => window.archboard.board().nodes.find((n) => n.id === 'b').y === 4000")
    alice.evaluate(FRAMES)
    assert alice.evaluate(DRAWN_AT, [1500, 3700])
    assert not alice.evaluate(DRAWN_AT, [1500, 3400])
