"""Load: many concurrent clients against one real uvicorn worker on loopback.

The mix per client, in a loop over one keep-alive connection: the board through the API (40%),
the board list (20%), the board's review (20%) and the board page itself (20%, logged in by
session). Each concurrency level runs for a few seconds; the report gives throughput, p50/p99
latency and the error rate per level, and the largest level that one worker sustains with no
error and p99 under 200 ms. The client runs on the same 2 cores as the server, so the figures
are a floor. Rate limits are switched off for the run: it measures capacity, not the limiter.
Writes bench/results/load.json; exits 1 when even the lowest level misses the target.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LEVELS = [1, 2, 4, 8, 16, 32]
SECONDS_PER_LEVEL = float(os.environ.get("LOAD_SECONDS", "6"))
TARGET_P99_MS = 200.0
RESULTS = ROOT / "bench" / "results" / "load.json"


def _session_cookie(port: int, user: str, password: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    html = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert csrf_cookie and form_token, "no CSRF token on the log-in page"
    body = urllib.parse.urlencode({"username": user, "password": password, "csrfmiddlewaretoken": form_token[1]})
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie[1]}"},
    )
    response = conn.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie") or "")
    assert response.status == 302 and session, f"log-in failed: {response.status}"
    return f"sessionid={session[1]}; csrftoken={csrf_cookie[1]}"


def _client(port: int, plan: list[tuple[str, dict[str, str]]], until: float, out: list[tuple[float, bool]]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    i = 0
    while time.monotonic() < until:
        path, headers = plan[i % len(plan)]
        i += 1
        started = time.perf_counter()
        ok = False
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        out.append(((time.perf_counter() - started) * 1000, ok))
    conn.close()


def _level(port: int, clients: int, plan: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
    samples: list[list[tuple[float, bool]]] = [[] for _ in range(clients)]
    until = time.monotonic() + SECONDS_PER_LEVEL
    threads = [
        threading.Thread(target=_client, args=(port, plan[i % 5 :] + plan[: i % 5], until, samples[i]))
        for i in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    flat = [s for client in samples for s in client]
    latencies = sorted(ms for ms, _ in flat)
    errors = sum(1 for _, ok in flat if not ok)
    return {
        "clients": clients,
        "requests": len(flat),
        "throughput_rps": round(len(flat) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        "errors": errors,
        "error_rate": round(errors / len(flat), 4),
    }


def main() -> int:
    os.environ.update(ARCHBOARD_RATE_API_TOKEN="", ARCHBOARD_RATE_RENDER="", ARCHBOARD_RATE_BOARD_CREATE="")
    from tests.browser.liveserver import PASSWORD, start_server

    server = start_server()
    try:
        document = json.loads((ROOT / "fixtures" / "multi_agent_squad.json").read_text())
        board_id = server.create_board("loader", document)
        token = {"Authorization": f"Bearer {server.user('loader')}"}
        cookie = {"Cookie": _session_cookie(server.port, "loader", PASSWORD)}
        plan = [
            (f"/api/boards/{board_id}", token),
            ("/api/boards", token),
            (f"/api/boards/{board_id}/review", token),
            (f"/api/boards/{board_id}", token),
            (f"/boards/{board_id}/", cookie),
        ]
        _level(server.port, 2, plan)  # warm-up: imports, caches, the first page render
        levels = []
        print(f"{'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for clients in LEVELS:
            result = _level(server.port, clients, plan)
            levels.append(result)
            print(
                f"{clients:>7} {result['throughput_rps']:>8} {result['p50_ms']:>8} {result['p99_ms']:>8} "
                f"{result['errors']:>7}",
                flush=True,
            )
    finally:
        server.stop()
    sustained = [r for r in levels if r["errors"] == 0 and r["p99_ms"] < TARGET_P99_MS]
    best = max(sustained, key=lambda r: r["clients"]) if sustained else None
    summary = {
        "target": f"0 errors and p99 < {TARGET_P99_MS:g} ms, one uvicorn worker, SQLite, loopback, 2 cores",
        "mix": "40% GET board (API), 20% board list (API), 20% review (API), 20% board page (session)",
        "seconds_per_level": SECONDS_PER_LEVEL,
        "levels": levels,
        "largest_sustained": best,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    if best is None:
        print("no level met the target")
        return 1
    print(f"largest load sustained: {best['clients']} clients, {best['throughput_rps']} req/s, p99 {best['p99_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
