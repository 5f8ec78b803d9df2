"""The editor in a 1024 px window: the top bar fits, the side panels fold away, and the labels of
every demo board stay legible at the zoom `fit` picks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Editor, editors_from
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted((ROOT / "fixtures").glob("*.json"))
LEGIBLE_PX = 6.0


class SmallEditor(Editor):
    def __init__(self, browser: Any, server: LiveServer, user: str) -> None:
        super().__init__(browser, server, user)
        self.page.set_viewport_size({"width": 1024, "height": 768})


@pytest.fixture
def small(browser: Any, archboard_server: LiveServer) -> Iterator[Any]:
    with editors_from(lambda user: SmallEditor(browser, archboard_server, user)) as make:
        yield make


def test_the_top_bar_and_toolbar_fit_a_1024_px_window(archboard_server: Any, small: Any) -> None:
    doc = json.loads((ROOT / "fixtures" / "multi_agent_squad.json").read_text())
    ed = small("alice").open(archboard_server.create_board("alice", doc))
    boxes = ed.page.evaluate(
        """() => [...document.querySelectorAll('.topbar > *, .topbar .board-title > *, .topbar-actions > *, .topnav > *')]
            .filter(e => e.offsetParent !== null)
            .map(e => { const r = e.getBoundingClientRect(); return {name: e.className || e.tagName, x1: r.left, x2: r.right, y2: r.bottom}; })"""
    )
    assert boxes and all(b["x1"] >= 0 and b["x2"] <= 1024 and b["y2"] <= 52 for b in boxes), boxes
    stage = ed.page.locator("#stage").bounding_box()
    toolbar = ed.page.locator(".toolbar").bounding_box()
    assert stage is not None and toolbar is not None
    assert toolbar["x"] >= stage["x"] and toolbar["x"] + toolbar["width"] <= stage["x"] + stage["width"]


def test_the_side_panels_fold_away_and_stay_folded(archboard_server: Any, small: Any) -> None:
    doc = json.loads((ROOT / "fixtures" / "url_shortener.json").read_text())
    board_id = archboard_server.create_board("alice", doc)
    ed = small("alice").open(board_id)
    page = ed.page
    width = page.locator("#cy").bounding_box()["width"]
    page.click("#palette [data-command=toggle-palette]")
    page.keyboard.press("]")
    assert page.is_hidden("#palette") and page.is_hidden("#inspector")
    page.wait_for_function("w => document.querySelector('#cy').getBoundingClientRect().width > w + 400", arg=width)
    ed.open(board_id)  # the choice is kept in this browser
    assert page.is_hidden("#palette") and page.is_hidden("#inspector")
    page.click(".panel-open.left")
    page.click(".panel-open.right")
    assert page.is_visible("#palette") and page.is_visible("#inspector")


@pytest.mark.parametrize("width", [1440, 1024])
def test_labels_are_legible_at_the_zoom_fit_picks_on_every_demo_board(
    archboard_server: Any, editor_for: Any, width: int
) -> None:
    ed = editor_for("alice")
    ed.page.set_viewport_size({"width": width, "height": 900 if width > 1024 else 768})
    for path in FIXTURES:
        ed.open(archboard_server.create_board("alice", json.loads(path.read_text())))
        sizes = ed.page.evaluate(
            """() => { const cy = window.archboard.canvas.cy; const z = cy.zoom();
                const px = (eles) => eles.map(e => parseFloat(e.style('font-size')) * z);
                return {nodes: Math.min(...px(cy.nodes().not('.group'))), edges: Math.min(...px(cy.edges('[display != ""]')))}; }"""
        )
        assert sizes["nodes"] >= LEGIBLE_PX and sizes["edges"] >= LEGIBLE_PX * 0.9, (path.name, sizes)


LABELS = """() => { const c = window.archboard.canvas; const cy = c.cy;
    const only = {includeNodes: false, includeEdges: false, includeLabels: true, includeSourceLabels: false,
                  includeTargetLabels: false, includeOverlays: false, includeUnderlays: false};
    const drawn = cy.edges().filter(e => e.data('display') && !e.hasClass('annotation') && e.style('label') !== '');
    return {scale: c.scale, tucked: [...c.tucked], drawn: drawn.map(e => ({id: e.id(), box: e.boundingBox(only)}))}; }"""


def _overlapping(labels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    def over(a: dict[str, float], b: dict[str, float]) -> bool:  # by more than a pixel of the board
        return a["x1"] < b["x2"] - 1 and b["x1"] < a["x2"] - 1 and a["y1"] < b["y2"] - 1 and b["y1"] < a["y2"] - 1

    return [(a["id"], b["id"]) for i, a in enumerate(labels) for b in labels[i + 1 :] if over(a["box"], b["box"])]


@pytest.mark.parametrize("width", [1440, 1024])
def test_zoomed_out_the_connection_labels_that_would_collide_are_left_out_until_wanted(
    archboard_server: Any, editor_for: Any, width: int
) -> None:
    ed = editor_for("alice")
    page = ed.page
    page.set_viewport_size({"width": width, "height": 900 if width > 1024 else 768})
    doc = json.loads((ROOT / "fixtures" / "multi_agent_squad.json").read_text())
    ed.open(archboard_server.create_board("alice", doc))
    seen = page.evaluate(LABELS)
    assert seen["scale"] == "zoom-xs"  # labels drawn larger at the zoom fit picks
    assert seen["tucked"] and len(seen["drawn"]) >= 15, seen
    assert _overlapping(seen["drawn"]) == []
    # Fit keeps the whole board, labels included, above the floating toolbar.
    clear = page.evaluate(
        """() => { const cy = window.archboard.canvas.cy; const top = cy.container().getBoundingClientRect().top;
            const bar = document.querySelector('.toolbar').getBoundingClientRect().top - top;
            return [cy.nodes().renderedBoundingBox({includeLabels: true, includeOverlays: false}).y2, bar, cy.nodes().not(".group").renderedBoundingBox({includeLabels: true, includeOverlays: false}).y2]; }"""
    )
    assert clear[0] <= clear[1], clear  # groups, components and labels
    # A label left out comes back on the connection selected.
    left_out = seen["tucked"][0]
    page.evaluate("id => { window.archboard.canvas.cy.getElementById(id).select(); }", left_out)
    assert page.evaluate("id => window.archboard.canvas.cy.getElementById(id).style('label')", left_out)
    # Zoomed in to 100 %, every label is drawn at its own size.
    page.evaluate("() => { window.archboard.canvas.cy.zoom(1); }")
    page.wait_for_function("() => window.archboard.canvas.scale === '' && window.archboard.canvas.tucked.size === 0")
    drawn = page.evaluate(LABELS)["drawn"]
    labelled = page.evaluate(
        "() => window.archboard.canvas.cy.edges().filter(e => e.data('display') && !e.hasClass('annotation')).length"
    )
    assert len(drawn) == labelled > len(seen["drawn"])
