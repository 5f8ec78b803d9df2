"""Load: the HTTP API and the board page under many concurrent clients, with live editors on the
board's WebSocket at the same time, against one real uvicorn worker on loopback.

HTTP: wrk (a C load generator, installed by scripts/system-deps.sh with WITH_BENCH=1, so the
client takes little of the 2 cores the server also runs on) keeps N keep-alive connections busy
with the mix: the board through the API (40%), the board list (20%), the board's review (20%) and
the board page itself (20%, logged in by session). An error is a socket error, a timeout or any
status but 200.

WebSocket: EDITORS editors (default 10) stay connected to the same board for the whole run
(`/ws/boards/{id}/`, SPEC section 5), each sending RATE ops a second (default 3), a node move and
a label edit in turn. Each op is timed from send to the editor's own `applied`. An error is a
rejected op, an op with no answer within GRACE seconds of its level's end, or a socket that closed.

Levels: the editors alone first, then each HTTP concurrency level with the editors still at work,
LOAD_SECONDS each (default 5). Reported per level: HTTP req/s, p50/p99 and errors; WebSocket ops/s,
op round trip p50/p99 and errors; CPU of the server, of wrk and of this process (the editors), in %
of one core. Target: 0 errors (HTTP and WebSocket) and p99 under 200 ms (HTTP and WebSocket ops);
the report names the largest level that meets it. Rate limits of the HTTP scopes are switched off
for the run (it measures capacity, not the limiter); the per-socket op limit stays on.
Writes bench/results/load.json; exits 1 when no level meets the target.

    LOAD_LEVELS=1,2,4,8 LOAD_SECONDS=5 LOAD_EDITORS=10 LOAD_EDITOR_RATE=3 python bench/load.py
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whiteboard.collab.client import BoardClient  # noqa: E402

LEVELS = [int(n) for n in os.environ.get("LOAD_LEVELS", "1,2,4,8,16,24,32,48,64").split(",")]
SECONDS_PER_LEVEL = int(os.environ.get("LOAD_SECONDS", "5"))
EDITORS = int(os.environ.get("LOAD_EDITORS", "10"))
RATE = float(os.environ.get("LOAD_EDITOR_RATE", "3"))
GRACE = 5.0
TARGET_P99_MS = 200.0
RESULTS = ROOT / "bench" / "results" / "load.json"
TICKS = os.sysconf("SC_CLK_TCK")

WRK_SCRIPT = """
local plan = {PLAN}
local threads = {}
function setup(thread)
  thread:set("offset", #threads * 2)
  table.insert(threads, thread)
end
function init(args)
  i = offset
  bad = 0
end
function request()
  i = i + 1
  local item = plan[(i % #plan) + 1]
  return wrk.format("GET", item[1], item[2])
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local not_200 = 0
  for _, thread in ipairs(threads) do not_200 = not_200 + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d, "not_200": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, not_200))
end
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def ensure_wrk() -> str | None:
    if shutil.which("wrk") is None:
        subprocess.run([str(ROOT / "scripts" / "system-deps.sh")], env={**os.environ, "WITH_BENCH": "1"}, check=False)
    return shutil.which("wrk")


def lua_plan(plan: list[tuple[str, dict[str, str]]]) -> str:
    def lua(text: str) -> str:
        return json.dumps(text)  # a JSON string of printable ASCII is a valid Lua string

    items = []
    for path, headers in plan:
        pairs = ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in headers.items())
        items.append(f"{{{lua(path)}, {{{pairs}}}}}")
    return "{" + ", ".join(items) + "}"


def session_cookie(port: int, user: str, password: str) -> str:
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


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Editors:
    """EDITORS WebSocket clients on one board, each sending RATE ops a second until stopped."""

    def __init__(self, url: str, token: str, node_ids: list[str]) -> None:
        self.url, self.token, self.node_ids = url, token, node_ids
        self.clients: list[BoardClient] = []
        self.sent: dict[str, tuple[float, BoardClient]] = {}  # op_id -> when and by whom it was sent
        self.answers: dict[str, tuple[float, str | None]] = {}  # op_id -> (round trip, error)
        self.closed = 0
        self.running = True
        self.tasks: list[asyncio.Task[None]] = []

    def listen(self, client: BoardClient, message: dict[str, Any], now: float) -> None:
        sent = self.sent.get(message.get("op_id") or "")
        if sent is None or sent[1] is not client or message["op_id"] in self.answers:
            return
        if message["type"] == "applied":
            self.answers[message["op_id"]] = (now - sent[0], None)
        elif message["type"] == "rejected":
            self.answers[message["op_id"]] = (now - sent[0], str(message.get("error")))

    async def start(self) -> None:
        for _ in range(EDITORS):
            client = BoardClient(self.url, token=self.token, listener=self.listen, keep_replica=False)
            await client.connect()
            self.clients.append(client)
        self.tasks = [asyncio.ensure_future(self.edit(i, c)) for i, c in enumerate(self.clients)]

    async def edit(self, index: int, client: BoardClient) -> None:
        node = self.node_ids[index % len(self.node_ids)]
        await asyncio.sleep(random.random() / RATE)
        tick, n = time.monotonic(), 0
        while self.running:
            if not client.connected:
                self.closed += 1
                return
            n += 1
            change: dict[str, Any] = (
                {"x": random.randint(0, 2000), "y": random.randint(0, 1200)} if n % 2 else {"label": f"{node} {n}"}
            )
            op_id = uuid.uuid4().hex
            self.sent[op_id] = (time.monotonic(), client)
            await client.send_op({"action": "update_node", "id": node, "set": change}, op_id)
            tick += 1 / RATE
            await asyncio.sleep(max(0.0, tick - time.monotonic()))

    async def settle(self, start: float, end: float) -> dict[str, Any]:
        """Wait (up to GRACE) for the ops sent in [start, end) to be answered, then sum them up."""
        window = [op_id for op_id, (at, _) in self.sent.items() if start <= at < end]
        deadline = time.monotonic() + GRACE
        while any(op_id not in self.answers for op_id in window) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        answered = [self.answers[op_id] for op_id in window if op_id in self.answers]
        round_trips = [rtt * 1000 for rtt, problem in answered if problem is None]
        rejected = [problem for _, problem in answered if problem is not None]
        unanswered = len(window) - len(answered)
        return {
            "editors": len(self.clients),
            "ops": len(window),
            "ops_per_s": round(len(window) / (end - start), 1),
            "p50_ms": round(percentile(round_trips, 50), 1),
            "p99_ms": round(percentile(round_trips, 99), 1),
            "rejected": len(rejected),
            "unanswered": unanswered,
            "sockets_closed": self.closed,
            "errors": len(rejected) + unanswered + self.closed,
            "first_error": rejected[0] if rejected else None,
        }

    async def stop(self) -> None:
        self.running = False
        await asyncio.gather(*self.tasks)
        for client in self.clients:
            await client.close()


async def wrk(port: int, clients: int, seconds: int, script: str) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        "wrk",
        "-t",
        str(min(2, clients)),
        "-c",
        str(clients),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        script,
        f"http://127.0.0.1:{port}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    await proc.wait()
    found = re.search(r"WRK_RESULT (\{.*\})", out.decode())
    if proc.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err.decode()[-500:]}{out.decode()[-500:]}")
    raw = json.loads(found[1])
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"] + raw["not_200"]
    return {
        "clients": clients,
        "requests": raw["requests"],
        "throughput_rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "errors": errors,
        "error_rate": round(errors / max(1, raw["requests"] + errors), 4),
    }


async def level(server_pid: int, editors: Editors, clients: int, port: int, script: str) -> dict[str, Any]:
    server0, self0 = cpu_seconds(server_pid), os.times()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    if clients:
        row = await wrk(port, clients, SECONDS_PER_LEVEL, script)
    else:
        await asyncio.sleep(SECONDS_PER_LEVEL)
        row = {"clients": 0, "requests": 0, "throughput_rps": 0.0, "p50_ms": None, "p99_ms": None, "errors": 0}
    end = time.monotonic()
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    server1, self1 = cpu_seconds(server_pid), os.times()
    seconds = end - start
    row["cpu_pct"] = {
        "server": round(100 * (server1 - server0) / seconds),
        "wrk": round(
            100 * (children1.ru_utime + children1.ru_stime - children0.ru_utime - children0.ru_stime) / seconds
        ),
        "editors": round(100 * (self1.user + self1.system - self0.user - self0.system) / seconds),
    }
    row["ws"] = await editors.settle(start, end)
    return row


def meets_target(row: dict[str, Any]) -> bool:
    ws = row["ws"]
    http_ok = row["clients"] > 0 and row["errors"] == 0 and row["p99_ms"] < TARGET_P99_MS
    return http_ok and ws["errors"] == 0 and ws["p99_ms"] < TARGET_P99_MS


def print_row(row: dict[str, Any]) -> None:
    ws, cpu = row["ws"], row["cpu_pct"]
    http = (
        f"{row['throughput_rps']:>8} {row['p50_ms']:>7} {row['p99_ms']:>7} {row['errors']:>6}"
        if row["clients"]
        else f"{'-':>8} {'-':>7} {'-':>7} {'-':>6}"
    )
    print(
        f"{row['clients']:>7} {http} | {ws['ops_per_s']:>6} {ws['p50_ms']:>7} {ws['p99_ms']:>7} {ws['errors']:>6}"
        f" | {cpu['server']:>6} {cpu['wrk']:>5} {cpu['editors']:>7}",
        flush=True,
    )


async def run(server: Any, board_id: int, token: str, cookie: str, node_ids: list[str]) -> list[dict[str, Any]]:
    auth = {"Authorization": f"Bearer {token}"}
    plan = [
        (f"/api/boards/{board_id}", auth),
        ("/api/boards", auth),
        (f"/api/boards/{board_id}/review", auth),
        (f"/api/boards/{board_id}", auth),
        (f"/boards/{board_id}/", {"Cookie": cookie}),
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(WRK_SCRIPT.replace("{PLAN}", lua_plan(plan)))
    script = handle.name
    editors = Editors(f"ws://127.0.0.1:{server.port}/ws/boards/{board_id}/", token, node_ids)
    try:
        await editors.start()
        await wrk(server.port, 2, 2, script)  # warm-up: imports, caches, the first page render
        print(f"{'':>7} {'HTTP':^31} | {'WebSocket editors':^29} | {'CPU % of one core':^20}")
        print(
            f"{'clients':>7} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} | {'ops/s':>6} {'p50 ms':>7} "
            f"{'p99 ms':>7} {'errors':>6} | {'server':>6} {'wrk':>5} {'editors':>7}"
        )
        rows = []
        for clients in [0, *LEVELS]:
            row = await level(server.proc.pid, editors, clients, server.port, script)
            rows.append(row)
            print_row(row)
        return rows
    finally:
        await editors.stop()
        os.unlink(script)


def main() -> int:
    if ensure_wrk() is None:
        print("bench/load.py needs wrk: install it (apt-get install wrk) or run WITH_BENCH=1 scripts/system-deps.sh")
        return 2
    os.environ.update(ARCHBOARD_RATE_API_TOKEN="", ARCHBOARD_RATE_RENDER="", ARCHBOARD_RATE_BOARD_CREATE="")
    from tests.support.liveserver import PASSWORD, start_server

    server = start_server()
    try:
        document = json.loads((ROOT / "fixtures" / "multi_agent_squad.json").read_text())
        board_id = server.create_board("loader", document)
        token = server.user("loader")
        cookie = session_cookie(server.port, "loader", PASSWORD)
        node_ids = [node["id"] for node in document["nodes"]]
        rows = asyncio.run(run(server, board_id, token, cookie, node_ids))
    finally:
        server.stop()
    sustained = [r for r in rows if meets_target(r)]
    best = max(sustained, key=lambda r: r["clients"]) if sustained else None
    summary = {
        "target": (
            f"0 errors and p99 < {TARGET_P99_MS:g} ms for HTTP requests and for WebSocket ops, one uvicorn worker, "
            "SQLite, loopback, 2 cores shared by server and clients"
        ),
        "mix": "40% GET board (API), 20% board list (API), 20% review (API), 20% board page (session); wrk",
        "editors": (
            f"{EDITORS} WebSocket editors on the same board, {RATE:g} ops/s each (node moves and label edits "
            "in turn), round trip = send to own applied; level 0 = editors alone"
        ),
        "seconds_per_level": SECONDS_PER_LEVEL,
        "levels": rows,
        "largest_sustained": best,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    if best is None:
        print("no level met the target")
        return 1
    print(
        f"largest load sustained: {best['clients']} HTTP clients at {best['throughput_rps']} req/s, p99 "
        f"{best['p99_ms']} ms, with {EDITORS} editors at {best['ws']['ops_per_s']} ops/s, op p99 {best['ws']['p99_ms']} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
