"""Board policies in the Review tab: add one from scratch and from a finding, see its findings
live, edit one, remove one, undo; a second editor follows live and a viewer reads them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, edge, node

pytestmark = pytest.mark.browser


def _policies(server: Any, board_id: int) -> list[dict[str, Any]]:
    status, body = server.api("alice", "GET", f"/api/boards/{board_id}")
    assert status == 200, body
    return body["board"].get("review", {}).get("policies", [])


def _squad() -> dict[str, Any]:
    return board(
        [
            node("web", "browser", label="Web app", x=0, y=0),
            node("planner", "agent", label="Planner", x=200, y=0),
            node("db", "sql_db", label="Orders DB", x=400, y=0),
        ],
        [edge("e1", "planner", "db"), edge("e2", "web", "db")],
        review={"suppress": [{"rule": "orphan-component", "reason": "kept"}]},
    )


def test_a_policy_is_added_from_scratch_and_from_a_finding_edited_removed_and_restored_by_undo(
    archboard_server: Any, editor_for: Any
) -> None:
    board_id = archboard_server.create_board("alice", _squad())
    archboard_server.share("alice", board_id, "bob", "editor")
    archboard_server.share("alice", board_id, "carol", "viewer")
    alice = editor_for("alice").open(board_id)
    bob = editor_for("bob").open(board_id)
    carol = editor_for("carol").open(board_id)
    page = alice.page
    page.click(".tab[data-tab=review]")
    section = page.locator("#policies")
    section.get_by_text("None: this board uses only the built-in rules.").wait_for()

    # From scratch: AI agents may not call a datastore directly.
    section.locator("[data-act=add-policy]").click()
    form = section.locator("form.policy-form")
    form.locator("[name=id]").fill("Agents to data")
    form.locator("[name=severity]").select_option("error")
    form.locator("[name=message]").fill("Agents go through the data API")
    form.locator("[name=from-kind]").select_option(["agent"])
    form.locator("[name=to-category]").select_option(["data"])
    form.locator("[data-act=save-policy]").click()
    # A bad id is caught before anything is sent.
    assert "1 to 64 characters" in form.locator(".policy-error").inner_text()
    form.locator("[name=id]").fill("no-agent-to-data")
    form.locator("[data-act=save-policy]").click()
    policy = section.locator(".policy[data-policy=no-agent-to-data]")
    policy.wait_for()
    assert form.count() == 0
    text = policy.inner_text()
    assert "Forbid: AI agent → Data (direct edges) — error" in text
    # Its finding comes with the review the server pushes, and is counted on the policy.
    finding = page.locator(".finding[data-rule='policy:no-agent-to-data']")
    finding.wait_for()
    assert "Board policy “no-agent-to-data”" in finding.inner_text()
    assert "On: Orders DB, Planner" in finding.inner_text()
    policy.get_by_text("1 finding", exact=True).wait_for()
    alice.wait_idle()
    stored = {
        "id": "no-agent-to-data",
        "severity": "error",
        "message": "Agents go through the data API",
        "forbid": {"from": {"kind": ["agent"]}, "to": {"category": ["data"]}},
    }
    assert _policies(archboard_server, board_id) == [stored]
    status, body = archboard_server.api("alice", "GET", f"/api/boards/{board_id}")
    assert status == 200, body
    assert body["board"]["review"]["suppress"] == [{"rule": "orphan-component", "reason": "kept"}]

    # The second editor sees it live; the viewer reads it without controls.
    bob.page.click(".tab[data-tab=review]")
    bob.page.locator("#policies .policy[data-policy=no-agent-to-data]").wait_for()
    carol.page.click(".tab[data-tab=review]")
    carol.page.locator("#policies .policy[data-policy=no-agent-to-data]").wait_for()
    assert carol.page.locator("#policies button").count() == 0
    assert carol.page.locator(".finding [data-act=make-policy]").count() == 0

    # From a finding: the browser calling the database, made a policy in two clicks.
    page.locator(".finding[data-rule=client-to-datastore] [data-act=make-policy]").click()
    assert form.locator("[name=id]").input_value() == "no-browser-to-data"
    assert form.locator("fieldset[data-selector=through]").is_hidden()
    assert form.locator("[name=min_replicas]").is_hidden()
    form.locator("[data-act=save-policy]").click()
    browser_policy = section.locator(".policy[data-policy=no-browser-to-data]")
    browser_policy.wait_for()
    assert "Forbid: Browser → Data (direct edges) — error" in browser_policy.inner_text()
    page.locator(".finding[data-rule='policy:no-browser-to-data']").wait_for()
    alice.wait_idle()
    assert [p["id"] for p in _policies(archboard_server, board_id)] == ["no-agent-to-data", "no-browser-to-data"]
    assert _policies(archboard_server, board_id)[1]["forbid"] == {
        "from": {"kind": ["browser"]},
        "to": {"category": ["data"]},
    }

    # What only the server checks (here a message past its limit, the form's own limit lifted):
    # the form comes back with the reason, and nothing is stored.
    section.locator("[data-act=add-policy]").click()
    form.locator("[name=id]").fill("too-long")
    form.locator("[name=message]").evaluate("input => input.removeAttribute('maxlength')")
    form.locator("[name=message]").fill("x" * 2001)
    form.locator("[data-act=save-policy]").click()
    form.locator(".policy-error").get_by_text("The server refused it").wait_for()
    assert "message" in form.locator(".policy-error").inner_text()
    page.locator(".toast.error").first.wait_for()
    assert section.locator(".policy[data-policy=too-long]").count() == 0
    form.locator("[data-act=cancel-policy]").click()
    alice.wait_idle()
    assert len(_policies(archboard_server, board_id)) == 2

    # Edited in place: a warning, over any path.
    browser_policy.locator("[data-act=edit-policy]").click()
    assert form.locator("[name=from-kind]").evaluate("s => [...s.selectedOptions].map(o => o.value)") == ["browser"]
    form.locator("[name=severity]").select_option("warning")
    form.locator("[name=direct]").uncheck()
    form.locator("fieldset[data-selector=to] .policy-techs summary").click()
    form.locator("[name=to-tech]").select_option(["postgresql"])
    form.locator("[data-act=save-policy]").click()
    browser_policy.get_by_text("Forbid: Browser → Data, PostgreSQL (any path) — warning").wait_for()
    alice.wait_idle()
    assert _policies(archboard_server, board_id)[1] == {
        "id": "no-browser-to-data",
        "severity": "warning",
        "forbid": {
            "from": {"kind": ["browser"]},
            "to": {"category": ["data"], "tech": ["postgresql"]},
            "direct": False,
        },
    }

    # Remove the first; its finding goes, live for the other editor too; undo brings both back.
    policy.locator("[data-act=remove-policy]").click()
    policy.wait_for(state="detached")
    page.locator(".finding[data-rule='policy:no-agent-to-data']").wait_for(state="detached")
    bob.page.locator("#policies .policy[data-policy=no-agent-to-data]").wait_for(state="detached")
    alice.wait_idle()
    assert [p["id"] for p in _policies(archboard_server, board_id)] == ["no-browser-to-data"]
    page.locator("#cy").focus()
    page.keyboard.press("Control+z")
    policy.wait_for()
    page.locator(".finding[data-rule='policy:no-agent-to-data']").wait_for()
    bob.page.locator("#policies .policy[data-policy=no-agent-to-data]").wait_for()
    alice.wait_idle()
    assert _policies(archboard_server, board_id)[0] == stored
