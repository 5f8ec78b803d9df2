"""Take the editor screenshots for the README: `python -m tests.browser.screenshots`.

Writes docs/screenshots/editor-*.png from the multi-agent squad board on a throwaway server.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.liveserver import ROOT, login, start_server

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    server = start_server()
    try:
        doc = json.loads((ROOT / "fixtures" / "multi_agent_squad.json").read_text())
        board_id = server.create_board("maya", doc)
        server.share("maya", board_id, "sam", "editor")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            pages = []
            for user in ("maya", "sam"):
                context = browser.new_context(viewport={"width": 1600, "height": 940}, device_scale_factor=1)
                page = context.new_page()
                login(page, server, user)
                page.goto(f"{server.url}/boards/{board_id}/")
                page.wait_for_selector("#conn.conn-online")
                pages.append(page)
            maya, sam = pages
            maya.wait_for_timeout(800)
            # Sam selects the Super Agent and points at the LLM pool; Maya sees both.
            box = sam.evaluate("window.archboard.rendered('super')")
            sam.mouse.click(box["x"], box["y"])
            llm = sam.evaluate("window.archboard.rendered('vdb')")
            sam.mouse.move(llm["x"] + 30, llm["y"] + 24, steps=6)
            gw = maya.evaluate("window.archboard.rendered('gw')")
            maya.mouse.click(gw["x"], gw["y"])
            maya.wait_for_selector(".peer-cursor:not([hidden])")
            maya.mouse.move(gw["x"] + 200, gw["y"] + 300)
            maya.wait_for_timeout(400)
            maya.screenshot(path=str(OUT / "editor-squad.png"))
            # Sam drops the vector DB to one replica: the review flags it at once.
            sam.mouse.click(llm["x"], llm["y"])
            sam.fill("#props-node [data-prop=replicas]", "1")
            sam.press("#props-node [data-prop=replicas]", "Enter")
            sam.mouse.move(llm["x"] + 40, llm["y"] + 30, steps=3)
            maya.click(".tab[data-tab=review]")
            maya.wait_for_selector(".finding")
            maya.locator(".finding.error, .finding.warning").first.click()
            maya.wait_for_timeout(700)
            maya.screenshot(path=str(OUT / "editor-review.png"))
            maya.keyboard.press("?")
            maya.wait_for_timeout(200)
            maya.screenshot(path=str(OUT / "editor-shortcuts.png"))
            browser.close()
    finally:
        server.stop()
    for path in sorted(Path(OUT).glob("editor-*.png")):
        print(path)


if __name__ == "__main__":
    main()
