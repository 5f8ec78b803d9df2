"""Notes (SPEC 1.1, category `annotation`): free text on the canvas that the review ignores."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, node

pytestmark = pytest.mark.browser


def _notes(ed: Any) -> list[dict[str, Any]]:
    return [n for n in ed.board()["nodes"] if n["kind"] == "note"]


def test_notes_are_written_in_place_drawn_as_text_and_left_out_of_the_review(
    archboard_server: Any, editor_for: Any
) -> None:
    board_id = archboard_server.create_board("alice", board([node("api", "service", label="API", x=0, y=0)]))
    ed = editor_for("alice").open(board_id)
    page = ed.page
    page.locator("#cy").focus()
    page.keyboard.press("n")  # a note in the middle of the view, its text being written
    page.locator(".label-editor:not([hidden])").wait_for()
    page.keyboard.type("Rate limits are per tenant")
    page.keyboard.press("Enter")
    ed.wait_idle()
    [note] = _notes(ed)
    assert note["label"] == "Rate limits are per tenant"
    style = page.evaluate(
        "id => { const n = window.archboard.canvas.cy.getElementById(id); return [n.hasClass('note'), n.style('background-opacity'), n.data('icon')]; }",
        note["id"],
    )
    assert style[0] is True and style[1] == "0" and style[2] == []  # text, no box, no icon

    # A double-click on the empty canvas makes another one there.
    cy = page.locator("#cy").bounding_box()
    page.mouse.dblclick(cy["x"] + 120, cy["y"] + cy["height"] - 160)
    page.locator(".label-editor:not([hidden])").wait_for()
    page.keyboard.type("TODO: auth")
    page.keyboard.press("Enter")
    page.wait_for_function("window.archboard.board().nodes.filter(n => n.kind === 'note').length === 2")
    ed.wait_idle()

    # The review flags the lone service as an orphan, never the notes.
    status, review = archboard_server.api("alice", "GET", f"/api/boards/{board_id}/review")
    assert status == 200
    flagged = {n for f in review["findings"] for n in f["nodes"]}
    assert "api" in flagged and not flagged & {n["id"] for n in _notes(ed)}
