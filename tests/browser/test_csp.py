"""The Content-Security-Policy in a real browser: the editor and the pages run with no violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, edge, node

pytestmark = pytest.mark.browser


def test_the_editor_and_pages_work_under_the_csp_with_no_violation(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board(
        "alice",
        board(
            [node("web", "browser", props={"rps": 5}), node("api", "service"), node("db", "sql_db")],
            [edge("e0", "web", "api"), edge("e1", "api", "db")],
            name="CSP",
        ),
    )
    editor = editor_for("alice", enforce_csp=True)
    violations: list[str] = []
    editor.page.on(
        "console",
        lambda msg: (
            violations.append(f"{editor.page.url}: {msg.location}: {msg.text[:80]}")
            if "Content Security Policy" in msg.text
            else None
        ),
    )
    editor.open(board_id)
    assert {n["id"] for n in editor.board()["nodes"]} == {"web", "api", "db"}
    box = editor.page.locator("#cy").bounding_box()
    assert box is not None and box["height"] > 200 and box["width"] > 200  # the canvas keeps its layout
    editor.node_at("api")
    editor.page.click(".tab[data-tab=load]")  # the heat badges are coloured through the CSSOM
    editor.page.locator(".load-badge[data-id=api]").wait_for()
    headers = editor.page.request.get(f"{archboard_server.url}/boards/{board_id}/").headers
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    for path in (
        "/",
        f"/boards/{board_id}/history",
        f"/boards/{board_id}/diff",
        f"/boards/{board_id}/share",
        "/rules/",
        "/accounts/tokens/",
        "/api/docs",
    ):
        editor.page.goto(f"{archboard_server.url}{path}")
        editor.page.wait_for_load_state("networkidle")
    assert not violations, violations
