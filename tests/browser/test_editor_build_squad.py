"""The heart of the README's multi-agent squad, built from an empty board with the mouse and the
keyboard only, the way a new user does it: every gesture must do exactly what it shows."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.builders import board

pytestmark = pytest.mark.browser

# (kind, label) after the fixture multi_agent_squad.json, left to right (each label differs from the
# kind's name, which a placed component starts with, so each is one rename).
CHAIN = [
    ("browser", "Chat UI"),
    ("load_balancer", "Edge load balancer"),
    ("api_gateway", "Public API gateway"),
    ("orchestrator", "Super Agent"),
    ("queue", "Task queue"),
    ("agent", "Dev agent"),
    ("llm", "LLM serving pool"),
]


def test_the_squad_is_built_without_one_failed_gesture(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board("alice", board([], name="Multi-agent squad"))
    ed = editor_for("alice").open(board_id)
    page = ed.page
    cy = page.locator("#cy").bounding_box()
    assert cy is not None
    version = 1

    def step(expected_version: int) -> None:
        page.wait_for_function("v => window.archboard.version() === v", arg=expected_version)

    ids = []
    for i, (kind, label) in enumerate(CHAIN):
        # Place: click the palette item, then the canvas; the new component is selected...
        page.click(f".palette-item[data-kind={kind}]")
        page.mouse.click(cy["x"] + 90 + i * 120, cy["y"] + 200 + (i % 2) * 60)
        version += 1
        step(version)
        [new] = page.evaluate("window.archboard.canvas.selectedIds()")
        ids.append(new)
        # ...so typing names it.
        page.keyboard.type(label)
        page.keyboard.press("Enter")
        version += 1
        step(version)

    # Connect each to the next by dragging its right handle.
    for source, target in itertools.pairwise(ids):
        a, b = ed.node_at(source), ed.node_at(target)
        page.mouse.move(a["x"], a["y"])
        handle = page.locator(".edge-handle[data-side=right]:not([hidden])").bounding_box()
        assert handle is not None
        page.mouse.move(handle["x"] + 7, handle["y"] + 7)
        page.mouse.down()
        page.mouse.move(b["x"], b["y"], steps=4)
        page.mouse.up()
        version += 1
        step(version)
        # The new connection is selected: the protocol goes on as its label.
        page.keyboard.type("HTTPS")
        page.keyboard.press("Enter")
        version += 1
        step(version)

    # The agents and the queue into a group, named in place.
    page.evaluate("ids => window.archboard.canvas.select(ids)", ids[3:6])
    page.keyboard.press("Control+g")
    page.locator(".label-editor:not([hidden])").wait_for()
    page.keyboard.press("Control+a")
    page.keyboard.type("Agent squad")
    page.keyboard.press("Enter")
    version += 2
    step(version)
    ed.wait_idle()

    status, stored = archboard_server.api("alice", "GET", f"/api/boards/{board_id}")
    assert status == 200
    doc = stored["board"]
    by_id = {n["id"]: n for n in doc["nodes"]}
    assert [(by_id[i]["kind"], by_id[i]["label"]) for i in ids] == CHAIN
    assert [(e["source"], e["target"], e["label"]) for e in doc["edges"]] == [
        (a, b, "HTTPS") for a, b in itertools.pairwise(ids)
    ]
    [group] = doc["groups"]
    assert group["label"] == "Agent squad"
    assert {i for i, n in by_id.items() if n.get("group") == group["id"]} == set(ids[3:6])
    assert stored["version"] == version  # not one gesture more or less than intended
