"""Groups in the editor: a whole group dragged into another one nests there (SPEC 1, `parent`)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, node

pytestmark = pytest.mark.browser


def _groups(server: Any, user: str, board_id: int) -> dict[str, Any]:
    status, body = server.api(user, "GET", f"/api/boards/{board_id}")
    assert status == 200, body
    return {g["id"]: g for g in body["board"]["groups"]}


def test_a_group_dropped_on_another_group_nests_in_it_and_undo_takes_it_out(
    archboard_server: Any, editor_for: Any
) -> None:
    doc = board(
        [
            node("web", "service", label="Web", x=0, y=0, group="platform"),
            node("jobs", "worker", label="Jobs", x=480, y=0, group="platform"),
            node("db", "sql_db", label="DB", x=480, y=320, group="data"),
            node("cache", "cache", label="Cache", x=660, y=320, group="data"),
        ],
        groups=[{"id": "platform", "label": "Platform"}, {"id": "data", "label": "Data"}],
    )
    board_id = archboard_server.create_board("alice", doc)
    ed = editor_for("alice").open(board_id)
    page = ed.page
    assert _groups(archboard_server, "alice", board_id)["data"].get("parent") is None

    # Press on the Data group's frame (not on a component) and drop it in the middle of Platform.
    data, platform, db = ed.node_at("data"), ed.node_at("platform"), ed.node_at("db")
    grip = (data["x1"] + 8, (data["y1"] + db["y1"]) / 2)
    target = ((platform["x1"] + platform["x2"]) / 2, (platform["y1"] + platform["y2"]) / 2)
    page.mouse.move(*grip)
    page.mouse.down()
    page.mouse.move(grip[0] + (target[0] - data["x"]), grip[1] + (target[1] - data["y"]), steps=12)
    page.mouse.up()
    page.wait_for_function("window.archboard.version() === 2")  # one op: the move and the nesting

    groups = _groups(archboard_server, "alice", board_id)
    assert groups["data"]["parent"] == "platform"
    assert groups["platform"].get("parent") is None
    nodes = {n["id"]: n for n in ed.board()["nodes"]}
    assert (nodes["db"]["group"], nodes["cache"]["group"]) == ("data", "data")
    assert nodes["db"]["y"] < 320  # the group moved with its members
    assert page.evaluate("window.archboard.canvas.cy.getElementById('data').parent().id()") == "platform"

    # One undo puts the group back where it was, outside Platform, members and all.
    page.locator("#cy").focus()
    page.keyboard.press("Control+z")
    page.wait_for_function("window.archboard.version() === 3")
    groups = _groups(archboard_server, "alice", board_id)
    assert groups["data"].get("parent") is None
    nodes = {n["id"]: n for n in ed.board()["nodes"]}
    assert (nodes["db"]["x"], nodes["db"]["y"], nodes["cache"]["x"]) == (480, 320, 660)
    assert page.evaluate("window.archboard.canvas.cy.getElementById('data').parent().empty()")


def test_an_empty_group_opens_beside_the_components_not_under_them(archboard_server: Any, editor_for: Any) -> None:
    doc = board(
        [node("web", "service", label="Web", x=0, y=0), node("db", "sql_db", label="DB", x=200, y=0)],
        groups=[{"id": "spare", "label": "Spare"}, {"id": "later", "label": "Later"}],
    )
    ed = editor_for("alice").open(archboard_server.create_board("alice", doc))
    boxes = {key: ed.node_at(key) for key in ("web", "db", "spare", "later")}

    def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
        return a["x1"] < b["x2"] and b["x1"] < a["x2"] and a["y1"] < b["y2"] and b["y1"] < a["y2"]

    for group in ("spare", "later"):
        assert boxes[group]["x1"] > boxes["db"]["x2"], group  # right of the components
        assert not overlap(boxes[group], boxes["web"]) and not overlap(boxes[group], boxes["db"])
    assert not overlap(boxes["spare"], boxes["later"])


def test_group_titles_of_a_large_board_show_at_every_zoom(archboard_server: Any, editor_for: Any) -> None:
    """A board of more than 300 elements opens in the cheap far style; its groups keep their
    titles whether it opens far out or near, and after zooming in and out."""
    nodes = [
        node(f"n{i}", "service", label=f"Service {i}", x=(i % 20) * 200, y=(i // 20) * 160, group=f"g{i // 40}")
        for i in range(320)
    ]
    groups = [{"id": f"g{k}", "label": f"Team {k}"} for k in range(8)]
    board_id = archboard_server.create_board("alice", board(nodes, groups=groups))
    page = editor_for("alice").open(board_id).page
    titles = (
        """() => window.archboard.canvas.cy.nodes('.group').map((g) => [g.id(), g.hasClass('far'), g.style('label')])"""
    )
    zoom = "(z) => { const cy = window.archboard.canvas.cy; cy.zoom(z); window.archboard.canvas.updateDetail(); }"
    expected = sorted([g["id"], False, g["label"]] for g in groups)
    assert sorted(page.evaluate(titles)) == expected  # as it opens (fit)
    for level in (1.0, 0.05, 1.0):
        page.evaluate(zoom, level)
        assert sorted(page.evaluate(titles)) == expected, level
