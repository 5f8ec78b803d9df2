"""Take the editor screenshots for the README: `python -m tests.browser.screenshots`.

Writes docs/screenshots/editor-*.png from the multi-agent squad board on a throwaway server, and
export-squad-agents.png, the PNG the Export menu gives for the agent squad alone at 800 px.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.liveserver import ROOT, login, start_server

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
            # Maya draws a connection from the Super Agent's right handle: the four handles, the line.
            sup = maya.evaluate("window.archboard.rendered('super')")
            maya.mouse.move(sup["x"], sup["y"])
            maya.wait_for_selector(".edge-handle[data-side=right]:not([hidden])")
            handle = maya.locator(".edge-handle[data-side=right]").bounding_box()
            maya.mouse.move(handle["x"] + 7, handle["y"] + 7)
            maya.mouse.down()
            maya.mouse.move(handle["x"] + 90, handle["y"] + 70, steps=5)
            maya.wait_for_timeout(300)
            maya.screenshot(path=str(OUT / "editor-squad.png"))
            maya.keyboard.press("Escape")
            maya.mouse.up()
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
            maya.locator("#cy").focus()
            maya.keyboard.press("Escape")
            maya.keyboard.press("?")
            maya.wait_for_timeout(200)
            maya.screenshot(path=str(OUT / "editor-shortcuts.png"))
            maya.keyboard.press("Escape")
            # Find, and a label edited in place.
            maya.keyboard.press("Control+f")
            maya.keyboard.type("runbooks")
            maya.keyboard.press("Enter")
            maya.wait_for_timeout(300)
            maya.screenshot(path=str(OUT / "editor-find.png"))
            maya.keyboard.press("Escape")
            maya.evaluate("window.archboard.commands.run('fit')")
            # Design review on the canvas: Sam comments on the Super Agent from its Comments tab and
            # on the vector DB through the API; Maya sees both markers live and answers in the panel.
            box = sam.evaluate("window.archboard.rendered('super')")
            sam.mouse.click(box["x"], box["y"])
            sam.click(".tab[data-tab=comments]")
            sam.wait_for_selector("#comments-panel input[name=target][value='node:super']", state="attached")
            sam.fill(
                "#comments-panel .new-thread textarea",
                "@maya should the Super Agent call the LLM pool directly, or through the task queue?",
            )
            sam.click("#comments-panel .new-thread button[type=submit]")
            server.api(
                "sam",
                "POST",
                f"/api/boards/{board_id}/comments",
                {"target": "node:vdb", "text": "One replica of the vector DB is a single point of failure."},
            )
            maya.wait_for_selector(".comment-marker[data-target='node:vdb']")
            box = maya.evaluate("window.archboard.rendered('super')")
            maya.click(".comment-marker[data-target='node:super']")
            maya.wait_for_selector("#comments-panel .thread .mention")
            maya.fill("#comments-panel .reply-form textarea", "Through the queue: it absorbs bursts and retries.")
            maya.click("#comments-panel .reply-form button[type=submit]")
            maya.wait_for_selector("#comments-panel .thread .comment:nth-of-type(2)")
            maya.mouse.move(box["x"] - 260, box["y"] + 220)
            maya.wait_for_timeout(500)
            maya.screenshot(path=str(OUT / "editor-comments.png"))
            # A part for a design doc: the agent squad alone, at a page's 800 px.
            maya.keyboard.press("Escape")
            maya.evaluate("() => { window.archboard.canvas.cy.getElementById('squad').select(); }")
            maya.click("#export-menu summary")
            maya.check("#export-options input[name=only]")
            maya.select_option("#export-options select[name=scale]", "1")
            maya.select_option("#export-options select[name=width]", "800")
            maya.wait_for_function(
                "() => /smallest text is/.test(document.getElementById('export-text-size').textContent)"
            )
            maya.screenshot(path=str(OUT / "editor-export.png"))
            href = maya.get_attribute("#export-menu a[data-export=png]", "href")
            (OUT / "export-squad-agents.png").write_bytes(maya.request.get(server.url + href).body())
            browser.close()
    finally:
        server.stop()
    for path in sorted([*Path(OUT).glob("editor-*.png"), *Path(OUT).glob("export-*.png")]):
        print(path)


if __name__ == "__main__":
    main()
