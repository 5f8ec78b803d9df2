"""The Load tab: the server's estimate at a what-if scale, with a heat overlay on the canvas."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, edge, node

pytestmark = pytest.mark.browser


def _shop() -> dict[str, Any]:
    # 40 req/s on 3 replicas x 1 server of 50 ms: the API is 67 % busy, the busiest node.
    return board(
        [
            node("people", "user", label="Shoppers", x=0, y=0, props={"rps": 40, "slo_p99_ms": 400}),
            node(
                "svc_api",
                "service",
                label="Orders API",
                x=220,
                y=0,
                props={"replicas": 3, "latency_ms": 50, "concurrency": 1},
            ),
            node("pg", "sql_db", label="Orders DB", x=440, y=0, props={"replicas": 2}),
        ],
        [
            edge("e1", "people", "svc_api", props={"protocol": "https"}),
            edge("e2", "svc_api", "pg", props={"protocol": "sql"}),
        ],
        name="Shop",
    )


def test_the_load_tab_shows_heat_badges_and_the_bottleneck_follows_the_slider_and_leaves_with_the_tab(
    archboard_server: Any, editor_for: Any
) -> None:
    board_id = archboard_server.create_board("alice", _shop())
    page = editor_for("alice").open(board_id).page
    assert page.locator("#load-badges > *").count() == 0  # no overlay before the tab is opened

    page.click(".tab[data-tab=load]")
    badge = page.locator(".load-badge[data-id=svc_api]")
    badge.wait_for()
    assert badge.inner_text() == "67 %"
    assert "bottleneck" in (badge.get_attribute("class") or "")
    assert page.locator(".load-badge[data-id=pg]").inner_text() in ("<1 %", "1 %")
    assert page.locator(".load-bottleneck").inner_text() == "Orders API"
    client = page.locator(".load-client[data-client=people]")
    assert "Shoppers" in client.inner_text()
    assert "40 req/s" in client.inner_text()
    assert "nines" in client.locator(".load-availability").inner_text()
    panel = page.locator("#load-panel").inner_text()
    assert "svc_api" not in panel and "people" not in panel  # labels, never ids
    assert page.evaluate("window.archboard.canvas.cy.getElementById('svc_api').hasClass('load-heat')")
    p99_before = client.locator(".load-p99").inner_text()

    # x3.16: the API takes 126 req/s for a capacity of 60: over capacity, no p99.
    page.locator("#load-scale").fill("0.5")
    page.wait_for_function("document.querySelector('.load-badge[data-id=svc_api]')?.textContent === '211 % over'")
    assert page.locator("#load-scale-value").inner_text() == "×3.16"
    assert "over" in (badge.get_attribute("class") or "")
    assert page.locator(".load-client[data-client=people] .load-p99").inner_text() == (
        "not defined: over capacity (SLO 400 ms)"
    )
    assert p99_before.endswith(" ms (SLO 400 ms)")
    assert "Over capacity" in page.locator(".load-over-note").inner_text()
    assert page.evaluate("window.archboard.canvas.cy.getElementById('svc_api').hasClass('load-over')")

    # x0.1: 4 req/s.
    page.locator("#load-scale").fill("-1")
    page.wait_for_function("document.querySelector('.load-badge[data-id=svc_api]')?.textContent === '7 %'")
    assert "4 req/s" in page.locator(".load-client[data-client=people]").inner_text()
    p99_light = page.locator(".load-client[data-client=people] .load-p99").inner_text()
    assert p99_light.endswith(" ms (SLO 400 ms)") and p99_light != p99_before  # less waiting

    # Folding the side panel away takes the overlay with it; unfolding brings it back.
    page.click(".tabs [data-command=toggle-inspector]")
    page.wait_for_function("document.querySelectorAll('#load-badges > *').length === 0")
    assert page.evaluate("window.archboard.canvas.cy.nodes('.load-heat').length") == 0
    page.click(".panel-open.right")
    badge.wait_for()

    # Closing the tab takes the overlay away.
    page.click(".tab[data-tab=properties]")
    assert page.locator("#load-badges > *").count() == 0
    assert page.evaluate("window.archboard.canvas.cy.nodes('.load-heat').length") == 0


def test_the_load_tab_follows_a_change_of_the_board(archboard_server: Any, editor_for: Any) -> None:
    board_id = archboard_server.create_board("alice", _shop())
    alice = editor_for("alice").open(board_id)
    page = alice.page
    page.click(".tab[data-tab=load]")
    page.locator(".load-badge[data-id=svc_api]").wait_for()
    # Twice the replicas: a third busy.
    page.evaluate("window.archboard.sync.submit({action: 'update_node', id: 'svc_api', set: {props: {replicas: 6}}})")
    page.wait_for_function("document.querySelector('.load-badge[data-id=svc_api]')?.textContent === '33 %'")


def _select(page: Any, element_id: str) -> None:
    page.evaluate("id => window.archboard.canvas.select([id])", element_id)


def test_estimate_props_are_edited_with_units_and_the_kind_defaults_and_a_bad_value_shows_its_error(
    archboard_server: Any, editor_for: Any
) -> None:
    doc = _shop()
    doc["nodes"].append(node("brain", "llm", label="Model", x=440, y=200))
    board_id = archboard_server.create_board("alice", doc)
    alice = editor_for("alice").open(board_id)
    page = alice.page
    form = page.locator("#props-node")

    _select(page, "svc_api")
    latency = form.locator("[data-prop=latency_ms]")
    assert latency.input_value() == "50"
    assert form.locator("[data-prop=availability]").get_attribute("placeholder") == "0.995 (default)"
    assert form.locator("label.estimate-field:has([data-prop=availability]) .unit").inner_text() == "0-1, per replica"
    assert not form.locator("[data-prop=rps]").is_visible()  # a client's prop
    assert not form.locator("[data-prop=ttft_ms]").is_visible()  # an LLM's

    latency.fill("25")
    latency.press("Enter")
    alice.wait_idle()
    assert alice.board()["nodes"][1]["props"]["latency_ms"] == 25
    assert not form.locator(".custom-list").inner_text().strip()  # not a custom property too

    # Out of range: the server refuses it; its message shows under the field, the value stays.
    availability = form.locator("[data-prop=availability]")
    availability.fill("1.5")
    availability.press("Enter")
    error = form.locator("#estimate-error-availability")
    error.wait_for()
    assert "must be a number from 0 to 1" in error.inner_text()
    assert availability.get_attribute("aria-invalid") == "true"
    alice.wait_idle()
    assert "availability" not in alice.board()["nodes"][1]["props"]

    _select(page, "brain")
    assert form.locator("[data-prop=ttft_ms]").get_attribute("placeholder") == "500 (default)"
    assert form.locator("[data-prop=latency_ms]").get_attribute("placeholder") == "3,000 (default)"
    assert not error.is_visible()

    _select(page, "people")
    rps = form.locator("[data-prop=rps]")
    assert rps.input_value() == "40"
    rps.fill("")
    rps.press("Enter")
    alice.wait_idle()
    assert "rps" not in alice.board()["nodes"][0]["props"]

    _select(page, "e1")
    calls = page.locator("#props-edge [data-prop=calls]")
    assert calls.get_attribute("placeholder") == "1 (default)"
    calls.fill("2.5")
    calls.press("Enter")
    alice.wait_idle()
    assert alice.board()["edges"][0]["props"]["calls"] == 2.5


def test_the_estimate_errors_name_components_by_label(archboard_server: Any, editor_for: Any) -> None:
    doc = board(
        [
            node("people", "user", label="Shoppers", props={"rps": 10}),
            node("lb1", "load_balancer", label="Front LB"),
            node("a1", "service", label="Blue"),
            node("b1", "service", label="Green"),
        ],
        [
            edge("e1", "people", "lb1"),
            edge("e2", "lb1", "a1", props={"fraction": 0.8}),
            edge("e3", "lb1", "b1", props={"fraction": 0.7}),
        ],
    )
    board_id = archboard_server.create_board("alice", doc)
    page = editor_for("alice").open(board_id).page
    page.click(".tab[data-tab=load]")
    error = page.locator(".load-errors .load-error").first
    error.wait_for()
    text = error.inner_text()
    assert text.startswith("Front LB: ") and "“Front LB”" in text and "add up to 1.5" in text
    assert "lb1" not in page.locator("#load-panel").inner_text()


def test_without_load_the_tab_says_how_to_give_some_and_puts_no_badges(archboard_server: Any, editor_for: Any) -> None:
    doc = _shop()
    del doc["nodes"][0]["props"]["rps"]
    board_id = archboard_server.create_board("alice", doc)
    page = editor_for("alice").open(board_id).page
    page.click(".tab[data-tab=load]")
    assert "give a client" in page.locator(".load-empty").inner_text()
    assert page.locator("#load-badges > *").count() == 0
    assert page.locator(".load-clients").count() == 0
