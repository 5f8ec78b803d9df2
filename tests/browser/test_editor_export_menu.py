"""The Export menu at a page width: it says how large the text comes out before the picture is
taken, warns when a board is too wide for that width, and offers the width at which it reads."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import board, edge, node

pytestmark = pytest.mark.browser


def _hint(page: Any) -> tuple[str, bool]:
    page.wait_for_function(
        "() => { const h = document.getElementById('export-text-size');"
        " return !h.hidden && !h.textContent.startsWith('Measuring'); }"
    )
    return page.evaluate(
        "() => { const h = document.getElementById('export-text-size');"
        " return [h.textContent, h.classList.contains('warn')]; }"
    )


def test_a_page_width_shows_the_text_size_and_warns_for_a_wide_board(archboard_server: Any, editor_for: Any) -> None:
    # Labels as wide as the spacing: text cannot grow without running into its neighbours.
    wide = board(
        [node(f"n{i}", "service", label=f"Payment service {i}", x=i * 150, y=0) for i in range(40)],
        [edge(f"e{i}", f"n{i}", f"n{i + 1}", label="HTTPS") for i in range(39)],
        name="Wide",
    )
    small = board([node("api", "service", label="API", x=0, y=0), node("db", "sql_db", x=240, y=0)], name="Small")
    medium = board(
        [node(f"n{i}", "service", label=f"Payment service {i}", x=i * 200, y=0) for i in range(10)],
        [edge(f"e{i}", f"n{i}", f"n{i + 1}", label="HTTPS") for i in range(9)],
        name="Ten services",
    )
    wide_id = archboard_server.create_board("alice", wide)
    medium_id = archboard_server.create_board("alice", medium)
    small_id = archboard_server.create_board("alice", small)

    ed = editor_for("alice").open(wide_id)
    page = ed.page
    page.click("#export-menu summary")
    assert page.locator("#export-text-size").is_hidden()  # natural size: nothing to say
    page.select_option("#export-options select[name=width]", "800")
    text, warn = _hint(page)
    assert warn and "too small to read" in text and "At 800 px" in text
    # Readable only past the widest picture the API makes: no width is offered.
    assert "export it at its natural size" in text and page.locator(".export-use-width").count() == 0
    # The link the user then clicks is the one measured.
    assert "width=800" in page.get_attribute("#export-menu a[data-export=svg]", "href")

    # The auto layout takes no width: the hint goes with it.
    page.select_option("#export-options select[name=layout]", "auto")
    page.wait_for_function("() => document.getElementById('export-text-size').hidden")

    # A board a little wide for 800 px: the menu offers the narrowest width whose text reads.
    ed = editor_for("alice").open(medium_id)
    page = ed.page
    page.click("#export-menu summary")
    page.select_option("#export-options select[name=width]", "800")
    text, warn = _hint(page)
    offered = int(text.split("reads from ")[1].split(" px")[0])
    assert warn and 800 < offered < 4000
    page.click(".export-use-width")
    text, warn = _hint(page)
    assert not warn and text.startswith(f"At {offered} px the smallest text is")
    assert float(text.split("is ")[1].split(" px")[0]) >= 11
    assert page.input_value("#export-options select[name=width]") == str(offered)
    assert f"width={offered}" in page.get_attribute("#export-menu a[data-export=png]", "href")

    ed = editor_for("alice").open(small_id)
    page = ed.page
    page.click("#export-menu summary")
    page.select_option("#export-options select[name=width]", "1200")
    text, warn = _hint(page)
    assert not warn and text.startswith("At 1200 px the smallest text is")


def test_the_selection_alone_exports_and_a_png_copies_to_the_clipboard(archboard_server: Any, editor_for: Any) -> None:
    """Selection only: the links name the selected group (`only=`), the text size is measured for
    the part, and deselecting takes it back out; Copy PNG puts that very picture on the system
    clipboard."""
    doc = board(
        [
            node("users", "user", label="Users", x=0, y=100),
            node("gw", "api_gateway", label="Gateway", x=200, y=100),
            node("svc", "service", label="Orders service", x=420, y=40, group="core"),
            node("db", "sql_db", label="Orders DB", x=640, y=40, group="core"),
            node("queue", "queue", label="Events", x=420, y=220, group="core"),
            node("mail", "worker", label="Mailer", x=880, y=220),
        ],
        [
            edge("e1", "users", "gw", label="HTTPS"),
            edge("e2", "gw", "svc", label="gRPC"),
            edge("e3", "svc", "db", label="SQL"),
            edge("e4", "svc", "queue", label="Order placed"),
            edge("e5", "queue", "mail", label="Consume"),
        ],
        groups=[{"id": "core", "label": "Core"}],
        name="Orders",
    )
    board_id = archboard_server.create_board("alice", doc)
    ed = editor_for("alice").open(board_id)
    ed.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=archboard_server.url)
    page = ed.page
    png_href = "() => document.querySelector('#export-menu a[data-export=png]').getAttribute('href')"

    page.click("#export-menu summary")
    assert page.is_disabled("#export-options input[name=only]")  # nothing selected yet
    page.click("#export-menu summary")  # closed again, so the click below reaches the canvas

    # Press on the group's frame, beside its members, as a user selects a group.
    core, svc = ed.node_at("core"), ed.node_at("svc")
    page.mouse.click(core["x1"] + 6, (svc["y2"] + core["y2"]) / 2)
    page.wait_for_function("() => window.archboard.canvas.selectedIds().join() === 'core'")

    page.click("#export-menu summary")
    page.check("#export-options input[name=only]")
    page.select_option("#export-options select[name=width]", "800")
    text, warn = _hint(page)
    assert text.startswith("At 800 px the smallest text is") and not warn
    for kind in ("png", "svg", "pdf", "json"):
        href = page.get_attribute(f"#export-menu a[data-export={kind}]", "href")
        assert "only=core" in href, href
    assert "width=800" in page.evaluate(png_href)

    page.click("#export-copy-png")
    page.wait_for_function("() => document.getElementById('export-text-size').textContent.startsWith('PNG copied')")
    copied = page.evaluate(
        """async () => {
            const [item] = await navigator.clipboard.read();
            const blob = await item.getType('image/png');
            const bitmap = await createImageBitmap(blob);
            return { types: item.types, width: bitmap.width, height: bitmap.height };
        }"""
    )
    assert copied["types"] == ["image/png"]
    assert copied["width"] == 1600  # 800 px at the menu's 2x scale
    # The very picture the link downloads, the part's and not the whole board's.
    sizes = page.evaluate(
        """async (href) => {
            const size = async (url) => {
                const bitmap = await createImageBitmap(await (await fetch(url)).blob());
                return [bitmap.width, bitmap.height];
            };
            const whole = new URL(href, location.href);
            whole.searchParams.delete('only');
            return [await size(href), await size(whole.href)];
        }""",
        page.evaluate(png_href),
    )
    assert sizes[0] == [copied["width"], copied["height"]]
    assert sizes[1][0] == 1600 and sizes[1][1] != copied["height"]

    # Deselected: the box unticks itself and the links are the whole board's again.
    page.click("#export-menu summary")
    page.keyboard.press("Escape")
    page.evaluate("() => { window.archboard.canvas.cy.elements().unselect(); }")
    page.wait_for_function("() => document.querySelector('#export-options input[name=only]').disabled")
    assert not page.is_checked("#export-options input[name=only]")
    assert "only=" not in page.evaluate(png_href)


def test_a_failed_export_says_what_the_server_said(archboard_server: Any, editor_for: Any) -> None:
    """The renderer refusing (busy) is told in the menu in the API's words, for the text-size
    measure and for Copy PNG alike; a failure without the API's JSON is told by its status."""
    board_id = archboard_server.create_board("alice", board([node("api", "service", label="API", x=0, y=0)]))
    ed = editor_for("alice").open(board_id)
    ed.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=archboard_server.url)
    page = ed.page
    busy = '{"detail": "The renderer is busy; try again in a few seconds.", "errors": []}'
    page.route("**/export.svg*", lambda route: route.fulfill(status=503, body=busy, content_type="application/json"))
    page.route("**/export.png*", lambda route: route.fulfill(status=502, body="<html>Bad gateway</html>"))

    page.click("#export-menu summary")
    page.select_option("#export-options select[name=width]", "800")
    text, warn = _hint(page)
    assert warn and text == "No picture at 800 px: The renderer is busy; try again in a few seconds."

    page.click("#export-copy-png")
    page.wait_for_function("() => document.getElementById('export-text-size').textContent.startsWith('Could not')")
    text, warn = _hint(page)
    assert warn and text == "Could not copy the PNG: the server answered 502"
    assert page.is_enabled("#export-copy-png")  # ready for another try
