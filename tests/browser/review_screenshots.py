"""Take the review-workflow screenshots for the README: `python -m tests.browser.review_screenshots`.

Writes docs/screenshots/review-*.png from a small review of the Orders board on a throwaway server.
"""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from tests.browser.test_review_flow import ORDERS
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.liveserver import ROOT, login, start_server

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    server = start_server()
    try:
        board_id = server.create_board("maya", ORDERS)
        server.share("maya", board_id, "sam", "editor")
        base = f"{server.url}/boards/{board_id}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            pages = {}
            for user in ("maya", "sam"):
                context = browser.new_context(viewport={"width": 1280, "height": 860}, bypass_csp=True)
                pages[user] = context.new_page()
                login(pages[user], server, user)
            maya, sam = pages["maya"], pages["sam"]
            maya.goto(f"{base}/comments?target=edge:direct")
            maya.fill("#threads textarea[name=text]", "@sam do shoppers really talk SQL to the DB?")
            maya.click("#threads .new-thread button")
            maya.wait_for_selector(".thread .mention")
            sam.goto(f"{base}/comments")
            sam.fill(".thread .reply-form textarea", "No, that edge is a mistake: the service owns the database.")
            sam.click(".thread .reply-form button")
            sam.wait_for_selector(".comment:nth-of-type(2)")
            sam.screenshot(path=str(OUT / "review-comments.png"), full_page=True)
            maya.goto(f"{base}/review/status")
            maya.check("input[name=reviewers][value=sam]")
            maya.click("button[value=in_review]")
            maya.wait_for_selector("#review-status[data-status=in_review]")
            start = server.api("maya", "GET", f"/api/boards/{board_id}")[1]["version"]
            sam.goto(f"{base}/review/status")
            sam.fill("#review-status textarea[name=note]", "Remove the direct edge, please")
            sam.click("button[value=changes_requested]")
            sam.wait_for_selector("#review-status[data-status=changes_requested]")
            sam.screenshot(path=str(OUT / "review-status.png"), full_page=True)
            fixed = {**ORDERS, "edges": [e for e in ORDERS["edges"] if e["id"] != "direct"]}
            fixed["nodes"] = [{**n, "label": "Orders API"} if n["id"] == "svc" else n for n in fixed["nodes"]]
            fixed["nodes"].append({"id": "cache", "kind": "cache", "label": "Order cache", "props": {"replicas": 2}})
            fixed["edges"].append({"id": "e5", "source": "svc", "target": "cache"})
            _, body = server.api("maya", "PUT", f"/api/boards/{board_id}", {"version": start, "board": fixed})
            server.api("maya", "POST", f"/api/boards/{board_id}/versions", {"name": "After review 1"})
            sam.goto(f"{base}/diff?from={start}&to={body['version']}")
            sam.wait_for_function("document.querySelector('.preview img').naturalWidth > 0")
            sam.screenshot(path=str(OUT / "review-diff.png"), full_page=True)
            maya.goto(f"{base}/history")
            maya.screenshot(path=str(OUT / "review-history.png"), full_page=True)
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
