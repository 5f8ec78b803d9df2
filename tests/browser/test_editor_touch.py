"""The editor on a tablet: a touch-screen browser context."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import Editor, editors_from
from tests.builders import board, node
from tests.support.liveserver import LiveServer, login

pytestmark = pytest.mark.browser


class TabletEditor(Editor):
    """One user's editor on a tablet-sized touch screen (touch events, the mobile viewport)."""

    def __init__(self, browser: Any, server: LiveServer, user: str) -> None:
        self.server = server
        self.context = browser.new_context(
            viewport={"width": 1180, "height": 820}, has_touch=True, is_mobile=True, bypass_csp=True
        )
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        login(self.page, server, user)

    def touch(self, kind: str, points: list[tuple[float, float]]) -> None:
        """One raw touch event (CDP): `kind` is touchStart, touchMove or touchEnd."""
        self.cdp.send(
            "Input.dispatchTouchEvent",
            {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]},
        )

    def swipe(self, starts: list[tuple[float, float]], shift: list[tuple[float, float]], steps: int = 8) -> None:
        """Put fingers down at `starts`, move each by its `shift` in `steps`, lift them."""
        self.touch("touchStart", starts)
        for step in range(1, steps + 1):
            f = step / steps
            self.touch("touchMove", [(x + dx * f, y + dy * f) for (x, y), (dx, dy) in zip(starts, shift, strict=True)])
        self.touch("touchEnd", [])

    @property
    def cdp(self) -> Any:
        if not hasattr(self, "_cdp"):
            self._cdp = self.context.new_cdp_session(self.page)
        return self._cdp

    def viewport(self) -> dict[str, Any]:
        return self.page.evaluate(
            "() => { const cy = window.archboard.canvas.cy; return {zoom: cy.zoom(), pan: cy.pan(), page: visualViewport.scale}; }"
        )


@pytest.fixture
def tablet(browser: Any, archboard_server: LiveServer) -> Iterator[Any]:
    with editors_from(lambda user: TabletEditor(browser, archboard_server, user)) as make:
        yield make


def _canvas_box(ed: TabletEditor) -> dict[str, float]:
    box = ed.page.locator("#cy").bounding_box()
    assert box is not None
    return box


def test_a_tap_on_the_palette_then_on_the_canvas_places_a_component(archboard_server: Any, tablet: Any) -> None:
    board_id = archboard_server.create_board("tina", board([node("api", "service", label="API", x=0, y=0)]))
    ed = tablet("tina").open(board_id)
    page = ed.page
    cy = _canvas_box(ed)
    x, y = cy["x"] + cy["width"] * 0.7, cy["y"] + cy["height"] * 0.7
    where = page.evaluate("([x, y]) => window.archboard.canvas.toModel(x, y)", [x, y])

    page.tap(".palette-item[data-kind=queue]")
    page.wait_for_selector(".palette-item.armed[data-kind=queue]")
    assert page.inner_text("#placing-hint").startswith("Tap the canvas to place Queue")
    page.touchscreen.tap(x, y)
    ed.wait_idle()

    queues = [n for n in ed.board()["nodes"] if n["kind"] == "queue"]
    assert len(queues) == 1
    assert (queues[0]["x"], queues[0]["y"]) == (round(where["x"] / 20) * 20, round(where["y"] / 20) * 20)
    assert page.locator(".palette-item.armed").count() == 0
    status, stored = archboard_server.api("tina", "GET", f"/api/boards/{board_id}")
    assert status == 200
    assert [n for n in stored["board"]["nodes"] if n["kind"] == "queue"] == queues


def test_fingers_pinch_zoom_and_pan_the_canvas_and_the_mouse_still_box_selects(
    archboard_server: Any, tablet: Any
) -> None:
    doc = board([node("a", "service", label="A", x=0, y=0), node("b", "cache", label="B", x=300, y=0)])
    board_id = archboard_server.create_board("tina", doc)
    ed = tablet("tina").open(board_id)
    page = ed.page
    cy = _canvas_box(ed)
    # Empty canvas below the two components.
    cx, cy_ = cy["x"] + cy["width"] / 2, cy["y"] + cy["height"] * 0.75
    before = ed.viewport()

    # One finger on the empty canvas pans it (the canvas follows the finger, give or take
    # Cytoscape's first step past its drag threshold: one step of the swipe, 10 x 4 px, at most;
    # where in it depends on where the finger starts); nothing on the board moves.
    ed.swipe([(cx, cy_)], [(-150, -60)], steps=15)
    panned = ed.viewport()
    assert panned["zoom"] == before["zoom"]
    assert abs(panned["pan"]["x"] - before["pan"]["x"] + 150) <= 10
    assert abs(panned["pan"]["y"] - before["pan"]["y"] + 60) <= 4
    assert {(n["x"], n["y"]) for n in ed.board()["nodes"]} == {(0, 0), (300, 0)}
    assert page.evaluate("window.archboard.version()") == 1

    # One finger on a component moves it (one op, snapped to the grid), not the canvas.
    b = ed.node_at("b")
    ed.swipe([(b["x"], b["y"])], [(0, 100)], steps=10)
    page.wait_for_function("window.archboard.version() === 2")
    moved = {n["id"]: (n["x"], n["y"]) for n in ed.board()["nodes"]}
    assert moved["a"] == (0, 0)
    assert moved["b"][0] == 300 and moved["b"][1] == round(100 / before["zoom"] / 20) * 20
    assert ed.viewport()["pan"] == panned["pan"]

    # Two fingers 240 px apart spread to 480 px: the canvas zooms in, the page does not.
    ed.swipe([(cx - 120, cy_), (cx + 120, cy_)], [(-120, 0), (120, 0)])
    page.wait_for_function("z => window.archboard.canvas.cy.zoom() > z * 1.3", arg=before["zoom"])
    zoomed = ed.viewport()
    assert zoomed["page"] == 1
    assert page.inner_text(".zoom-level") == f"{round(zoomed['zoom'] * 100)}%"

    # The fingers are gone: a mouse drag on the background box-selects again, and does not pan.
    page.evaluate("window.archboard.canvas.fit()")
    a, b = ed.node_at("a"), ed.node_at("b")
    fitted = ed.viewport()
    page.mouse.move(a["x1"] - 30, a["y1"] - 30)
    page.mouse.down()
    page.mouse.move(b["x2"] + 30, b["y2"] + 30, steps=6)
    page.mouse.up()
    page.wait_for_function("window.archboard.canvas.selectedIds().length === 2")
    assert ed.viewport()["pan"] == fitted["pan"]


def test_a_mouse_press_right_after_the_fingers_lift_is_a_mouse_gesture(archboard_server: Any, tablet: Any) -> None:
    """A tap, its lift and the next mouse press handled back to back, in one task of the page:
    nothing may be left to a timer, or the press would still be taken as a touch pan."""
    board_id = archboard_server.create_board("tina", board([node("a", "service", label="A", x=0, y=0)]))
    ed = tablet("tina").open(board_id)
    cy = _canvas_box(ed)
    x, y = cy["x"] + cy["width"] / 2, cy["y"] + cy["height"] * 0.75
    gestures = ed.page.evaluate(
        """([x, y]) => {
            const cy = window.archboard.canvas.cy;
            const target = document.elementFromPoint(x, y);
            const finger = new Touch({ identifier: 1, target, clientX: x, clientY: y });
            const touch = (type, touches) =>
                target.dispatchEvent(new TouchEvent(type, { bubbles: true, touches, changedTouches: [finger] }));
            touch("touchstart", [finger]);
            const during = { panning: cy.userPanningEnabled(), zooming: cy.userZoomingEnabled() };
            touch("touchend", []);
            const init = { bubbles: true, cancelable: true, clientX: x, clientY: y, button: 0, buttons: 1 };
            target.dispatchEvent(new PointerEvent("pointerdown", { ...init, pointerType: "mouse", isPrimary: true }));
            const after = { panning: cy.userPanningEnabled(), zooming: cy.userZoomingEnabled() };
            target.dispatchEvent(new PointerEvent("pointerup", { ...init, buttons: 0, pointerType: "mouse" }));
            return { during, after, boxSelect: cy.boxSelectionEnabled() };
        }""",
        [x, y],
    )
    assert gestures == {
        "during": {"panning": True, "zooming": True},
        "after": {"panning": False, "zooming": False},
        "boxSelect": True,
    }
