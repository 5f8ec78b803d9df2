"""Benchmark: how long after a silent network drop the editor says "Reconnecting…".

The page's WebSocket goes through a Playwright relay; "dropping" it loses every frame both ways and
closes nothing (a network that went away silently). Timed in the page, from the drop to the
session's "reconnecting" status; then the relay works again and the page must be Live before the
next round. Target: "Reconnecting…" within 5 s of silence.
Run from the repository root: `.venv/bin/python bench/liveness.py`; writes bench/results/liveness.json.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.liveserver import login, start_server  # noqa: E402

ROUNDS = 5
TARGET_MS = 5000


def main() -> None:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium (make test-deps)")
    server = start_server()
    times: list[float] = []
    try:
        board_id = server.create_board(
            "bench",
            {"format": "archboard/1", "name": "Liveness", "nodes": [{"id": "a", "kind": "service"}], "edges": []},
        )
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_context(bypass_csp=True).new_page()
            login(page, server, "bench")
            links: list[dict[str, bool]] = []

            def relay(ws: Any) -> None:
                link = {"dead": False}
                links.append(link)
                upstream = ws.connect_to_server()
                ws.on_message(lambda message: None if link["dead"] else upstream.send(message))
                upstream.on_message(lambda message: None if link["dead"] else ws.send(message))

            page.route_web_socket("**/ws/boards/**", relay)
            page.goto(f"{server.url}/boards/{board_id}/")
            page.wait_for_selector("#conn.conn-online", timeout=30_000)
            page.evaluate(
                "window.archboard.sync.addEventListener('status', e => {"
                " if (e.detail.state === 'reconnecting') window.benchReconnecting = performance.now(); })"
            )
            for _ in range(ROUNDS):
                page.evaluate("window.benchReconnecting = null")
                dropped = page.evaluate("performance.now()")
                for link in links:
                    link["dead"] = True
                page.wait_for_function("window.benchReconnecting !== null", timeout=30_000)
                times.append(page.evaluate("window.benchReconnecting") - dropped)
                page.wait_for_selector("#conn.conn-online", timeout=30_000)
            browser.close()
    finally:
        server.stop()
    result = {
        "drop_to_reconnecting_ms": {
            "median": round(statistics.median(times), 1),
            "max": round(max(times), 1),
            "runs": [round(t, 1) for t in times],
        },
        "target_ms": TARGET_MS,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
    }
    out = ROOT / "bench" / "results" / "liveness.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    figures = result["drop_to_reconnecting_ms"]
    print(
        f"silent drop to 'Reconnecting…': median {figures['median']} ms, max {figures['max']} ms (target <= {TARGET_MS})"
    )
    print(f"wrote {out.relative_to(ROOT)}")
    if figures["max"] > TARGET_MS:
        sys.exit(1)


if __name__ == "__main__":
    main()
