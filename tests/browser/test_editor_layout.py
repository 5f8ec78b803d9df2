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
