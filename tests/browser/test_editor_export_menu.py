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
