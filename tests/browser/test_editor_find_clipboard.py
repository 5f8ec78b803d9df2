"""Find (Ctrl+F) and copy / paste through the system clipboard, between boards and tabs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.builders import board, edge, node

pytestmark = pytest.mark.browser


def test_find_searches_labels_techs_and_ids_and_enter_selects_and_centres(
    archboard_server: Any, editor_for: Any
) -> None:
    nodes = [node(f"n{i}", "service", label=f"Service {i}", x=i * 200, y=0) for i in range(12)]
    nodes.append(node("sessions", "cache", label="Session store", x=3000, y=1200, props={"tech": "redis"}))
    ed = editor_for("alice").open(archboard_server.create_board("alice", board(nodes)))
    page = ed.page
    page.locator("#cy").focus()
    page.keyboard.press("Control+f")
    page.wait_for_selector("#find:not([hidden])")
    page.keyboard.type("redis")
    assert page.inner_text("#find .find-count") == "1 match"
    page.keyboard.press("Enter")
    assert page.evaluate("window.archboard.canvas.selectedIds()") == ["sessions"]
    assert "Session store" in page.inner_text("#find .find-count")
    box = ed.node_at("sessions")
    cy = page.locator("#cy").bounding_box()
    assert abs(box["x"] - (cy["x"] + cy["width"] / 2)) < 2 and abs(box["y"] - (cy["y"] + cy["height"] / 2)) < 2
    # By id, then by label; Enter steps through the matches.
    page.fill("#find input", "n1")
    assert page.inner_text("#find .find-count") == "3 matches"  # n1, n10, n11
    page.fill("#find input", "service 1")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert page.evaluate("window.archboard.canvas.selectedIds()") == ["n10"]
    page.keyboard.press("Escape")
    assert page.is_hidden("#find")


def test_copy_in_one_board_and_paste_in_another_tab(archboard_server: Any, editor_for: Any) -> None:
    first = archboard_server.create_board(
        "alice",
        board(
            [node("api", "service", label="API", x=0, y=0), node("db", "sql_db", label="DB", x=200, y=0)],
            [edge("e1", "api", "db", label="SQL", props={"protocol": "sql"})],
        ),
    )
    second = archboard_server.create_board("alice", board([node("web", "browser", label="Web", x=0, y=0)]))
    ed = editor_for("alice").open(first)
    page = ed.page
    page.locator("#cy").focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Control+c")
    other = ed.context.new_page()
    other.goto(f"{archboard_server.url}/boards/{second}/")
    other.wait_for_selector("#conn.conn-online")
    other.locator("#cy").focus()
    other.keyboard.press("Control+v")
    other.wait_for_function("window.archboard.board().nodes.length === 3 && window.archboard.sync.pending.length === 0")
    doc = other.evaluate("window.archboard.board()")
    pasted = {n["label"]: n for n in doc["nodes"] if n["label"] in ("API", "DB")}
    assert set(pasted) == {"API", "DB"}
    assert not {"api", "db"} & {n["id"] for n in doc["nodes"]}  # fresh ids
    [copied] = doc["edges"]
    assert (copied["source"], copied["target"]) == (pasted["API"]["id"], pasted["DB"]["id"])
    assert copied["label"] == "SQL" and copied["props"]["protocol"] == "sql"
    assert sorted(other.evaluate("window.archboard.canvas.selectedIds()")) == sorted(n["id"] for n in pasted.values())

    # Pasting again in the first board puts a copy beside the original, offset.
    page.locator("#cy").focus()
    page.keyboard.press("Control+v")
    page.wait_for_function("window.archboard.board().nodes.length === 4")
    ed.wait_idle()
    positions = sorted((n["x"], n["y"]) for n in ed.board()["nodes"])
    assert positions == [(0, 0), (40, 40), (200, 0), (240, 40)]
    other.close()


def test_pasting_a_board_document_adds_its_elements(archboard_server: Any, editor_for: Any) -> None:
    target = archboard_server.create_board("alice", board([node("web", "browser", label="Web", x=0, y=0)]))
    ed = editor_for("alice").open(target)
    page = ed.page
    document = board(
        [node("web", "browser", label="Shop", x=100, y=100), node("q", "queue", label="Orders queue", x=300, y=100)],
        [edge("e1", "web", "q")],
        groups=[{"id": "g", "label": "Imported"}],
    )
    document["nodes"][1]["group"] = "g"
    # Put the document on the system clipboard the way a person would: copy it from a text field.
    page.locator("#cy").focus()
    page.keyboard.press("Control+f")
    page.fill("#find input", json.dumps(document))
    page.keyboard.press("Control+a")
    page.keyboard.press("Control+c")
    page.keyboard.press("Escape")
    page.locator("#cy").focus()
    page.keyboard.press("Control+v")
    page.wait_for_function("window.archboard.board().nodes.length === 3")
    ed.wait_idle()
    doc = ed.board()
    labels = {n["label"]: n for n in doc["nodes"]}
    assert labels["Web"]["id"] == "web"  # the existing one is untouched; the pasted "web" got a fresh id
    assert labels["Shop"]["id"] != "web"
    [group] = doc["groups"]
    assert group["label"] == "Imported" and labels["Orders queue"]["group"] == group["id"]
    assert [(e["source"], e["target"]) for e in doc["edges"]] == [(labels["Shop"]["id"], labels["Orders queue"]["id"])]
