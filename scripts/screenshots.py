"""Take the README's screenshots: serve a fresh demo database, log in, and photograph the pages;
then the editor's and the review workflow's (tests/browser/screenshots.py, review_screenshots.py).

Run `.venv/bin/python scripts/screenshots.py` (needs Debian's chromium at /usr/bin/chromium).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SQLITE_PATH": f"{tmp}/db.sqlite3", "DEBUG": "0"}
        py = sys.executable
        subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([py, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [py, "-m", "uvicorn", "whiteboard.asgi:application", "--port", str(port), "--lifespan", "off"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1360, "height": 860}, bypass_csp=True)
                page.goto(f"{base}/accounts/login/")
                page.fill("input[name=username]", "demo")
                page.fill("input[name=password]", "archboard-demo")
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/")
                page.wait_for_load_state("networkidle")
                page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
                page.screenshot(path=str(OUT / "board-list.png"))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    sys.path.insert(0, str(ROOT))
    from tests.browser import review_screenshots, screenshots

    screenshots.main()
    review_screenshots.main()
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
