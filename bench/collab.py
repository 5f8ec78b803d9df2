"""Live collaboration benchmark: N editors on one board of one real worker, against a bare relay.

For each N (default 20, 50, 100 editors, each sending 10 ops/s) every op is timed from send to
`applied` at every peer. Printed: p50/p95/p99 latency, ops/s, deliveries/s, lost and duplicated
ops, whether every replica equals the stored board, and, measured the same way in the same run, a
bare `websockets` relay (broadcast, no storage) as the ceiling. Writes bench/results/collab.json.
Targets: p99 <= 50 ms at 50 editors on one worker, nothing lost or duplicated, replicas equal to
the stored board, deliveries/s at least 30 % of the relay's, peak RSS under 300 MB.

    python bench/collab.py [--editors 20,50,100] [--seconds 20,10,10] [--rate 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import connect  # noqa: E402

from tests.support.deployment import Deployment, free_port, port_open  # noqa: E402
from whiteboard.collab.client import BoardClient  # noqa: E402
from whiteboard.domain.ops import apply_op  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "collab.json"
TARGET_P99_MS = 50.0
TARGET_EDITORS = 50
TARGET_RELAY_FRACTION = 0.30
TARGET_RSS_MB = 300.0

RELAY = """
import asyncio, sys
from websockets.asyncio.server import broadcast, serve
clients = set()
async def handler(ws):
    clients.add(ws)
    try:
        async for message in ws:
            broadcast(clients, message)
    finally:
        clients.discard(ws)
async def main():
    async with serve(handler, "127.0.0.1", int(sys.argv[1]), max_size=2**20, compression=None):
        await asyncio.Future()
asyncio.run(main())
"""


@contextlib.contextmanager
def collector_paused() -> Any:
    """The clients' garbage collector off while they are timed. They keep every op they receive
    (to check the replicas at the end): hundreds of thousands of objects, whose full collections
    paused this process for 50-100 ms at a time, and every op in flight then was counted as the
    server's latency. The server keeps its collector; this one catches up afterwards."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(latencies: list[float], sent: int, deliveries: int, seconds: float) -> dict[str, Any]:
    return {
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "ops_per_s": round(sent / seconds, 1),
        "deliveries_per_s": round(deliveries / seconds, 1),
    }


async def run_ours(
    deployment: Deployment, token: str, board_id: int, editors: int, rate: float, seconds: float
) -> dict[str, Any]:
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    seen: dict[BoardClient, list[tuple[int, dict[str, Any]]]] = {}
    counting: dict[str, Any] = {"on": False, "deliveries": 0, "last": 0.0}

    def listener(client: BoardClient, message: dict[str, Any], now: float) -> None:
        if message["type"] != "applied":
            return
        seen[client].append((message["version"], message["op"]))
        started = sent_at.get(message["op_id"])
        if started is not None:
            latencies.append(now - started)
        if counting["on"]:
            counting["deliveries"] += 1
            counting["last"] = now

    clients = [
        BoardClient(deployment.ws_url(0, board_id), token=token, listener=listener, keep_replica=False)
        for _ in range(editors)
    ]
    snapshots = []
    for client in clients:
        seen[client] = []
        await client.connect()
        snapshots.append((client.replica.version, client.replica.board))
    for i, client in enumerate(clients):
        await client.apply({"action": "add_node", "node": {"id": f"bench-{editors}-{i}", "kind": "service"}})
    await asyncio.sleep(0.5)
    latencies.clear()
    counting["on"] = True
    started = time.monotonic()
    deadline = started + seconds
    sent = 0

    async def editor(i: int, client: BoardClient) -> None:
        nonlocal sent
        await asyncio.sleep(random.random() / rate)
        tick = time.monotonic()
        while tick < deadline:
            op_id = uuid.uuid4().hex
            op = {
                "action": "update_node",
                "id": f"bench-{editors}-{i}",
                "set": {"x": random.randint(0, 2000), "y": random.randint(0, 2000)},
            }
            sent_at[op_id] = time.monotonic()
            await client.send_op(op, op_id)
            sent += 1
            tick += 1 / rate
            await asyncio.sleep(max(0.0, tick - time.monotonic()))

    with collector_paused():
        await asyncio.gather(*(editor(i, c) for i, c in enumerate(clients)))
        elapsed = time.monotonic() - started
        for client in clients:
            await client.wait_acknowledged(timeout=600)
    counting["on"] = False
    (version,) = deployment.query("SELECT version FROM boards_board WHERE id = ?", board_id)[0]
    for client in clients:
        await client.wait_version(version, timeout=600)
    stored = deployment.api(0, "GET", f"/api/boards/{board_id}", token)["board"]
    lost = duplicated = 0
    identical = True
    for (start_version, board), client in zip(snapshots, clients, strict=True):
        versions = [v for v, _ in seen[client]]
        duplicated += len(versions) - len(set(versions))
        expected = set(range(start_version + 1, version + 1))
        lost += len(expected - set(versions))
        replica = board
        for v, op in sorted(dict(seen[client]).items()):
            if v > start_version:
                replica = apply_op(replica, op, validated=True)
        identical = identical and replica == stored and not client.errors
    for client in clients:
        await client.close()
    # Deliveries per second over the time it really took to deliver them all (a backlog counts).
    result = summary(latencies, sent, counting["deliveries"], max(counting["last"] - started, elapsed))
    result["ops_per_s"] = round(sent / elapsed, 1)
    result.update(editors=editors, lost=lost, duplicated=duplicated, replicas_identical=identical, version=version)
    return result


async def run_relay(port: int, editors: int, rate: float, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    counting: dict[str, Any] = {"on": False, "deliveries": 0, "last": 0.0}
    sockets = [await connect(f"ws://127.0.0.1:{port}/", max_size=None, compression=None) for _ in range(editors)]

    async def reader(ws: Any) -> None:
        async for raw in ws:
            now = time.monotonic()
            message = json.loads(raw)
            latencies.append(now - message["t"])
            if counting["on"]:
                counting["deliveries"] += 1
                counting["last"] = now

    readers = [asyncio.ensure_future(reader(ws)) for ws in sockets]
    counting["on"] = True
    started = time.monotonic()
    deadline = started + seconds
    sent = 0

    async def editor(ws: Any) -> None:
        nonlocal sent
        await asyncio.sleep(random.random() / rate)
        tick = time.monotonic()
        while tick < deadline:
            # About the size of our `applied` frame for a moved node.
            payload = {"type": "applied", "op_id": uuid.uuid4().hex, "t": time.monotonic(), "pad": "x" * 120}
            await ws.send(json.dumps(payload))
            sent += 1
            tick += 1 / rate
            await asyncio.sleep(max(0.0, tick - time.monotonic()))

    with collector_paused():
        await asyncio.gather(*(editor(ws) for ws in sockets))
        elapsed = time.monotonic() - started
        await asyncio.sleep(1.0)
    counting["on"] = False
    for ws in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    result = summary(latencies, sent, counting["deliveries"], max(counting["last"] - started, elapsed))
    result["ops_per_s"] = round(sent / elapsed, 1)
    result["editors"] = editors
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--editors", default="20,50,100")
    parser.add_argument("--seconds", default="20,10,10")
    parser.add_argument("--rate", type=float, default=10.0)
    args = parser.parse_args()
    editors = [int(n) for n in args.editors.split(",")]
    seconds = [float(s) for s in args.seconds.split(",")]
    seconds += [seconds[-1]] * (len(editors) - len(seconds))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "whiteboard.settings")

    relay_port = free_port()
    relay = subprocess.Popen([sys.executable, "-c", RELAY, str(relay_port)])
    rows: list[dict[str, Any]] = []
    try:
        while not port_open("127.0.0.1", relay_port):
            time.sleep(0.05)
        with Deployment() as deployment:
            deployment.start_worker()
            token = deployment.token("bench")
            board_id = deployment.api(
                0,
                "POST",
                "/api/boards",
                token,
                {"format": "archboard/1", "name": "bench", "nodes": [], "edges": []},
            )["id"]
            for n, s in zip(editors, seconds, strict=True):
                ours = asyncio.run(run_ours(deployment, token, board_id, n, args.rate, s))
                bare = asyncio.run(run_relay(relay_port, n, args.rate, s))
                ours["relay"] = bare
                ours["fraction_of_relay"] = round(ours["deliveries_per_s"] / max(bare["deliveries_per_s"], 1), 3)
                ours["peak_rss_mb"] = round(deployment.peak_rss_mb(0), 1)
                rows.append(ours)
                print(
                    f"{n:>4} editors  ours p50 {ours['p50_ms']:>6} p95 {ours['p95_ms']:>6} p99 {ours['p99_ms']:>6} ms"
                    f"  {ours['ops_per_s']:>7} ops/s {ours['deliveries_per_s']:>9} deliveries/s"
                    f"  lost {ours['lost']} dup {ours['duplicated']} identical {ours['replicas_identical']}"
                    f"  | relay p50 {bare['p50_ms']:>6} p99 {bare['p99_ms']:>6} ms {bare['deliveries_per_s']:>9}/s"
                    f"  -> {ours['fraction_of_relay']:.0%} of relay  | worker peak RSS {ours['peak_rss_mb']} MB",
                    flush=True,
                )
    finally:
        relay.terminate()
        relay.wait(10)

    # The p99 target is for 50 editors on one worker (the smallest run when 50 is not among them).
    first = next((r for r in rows if r["editors"] == TARGET_EDITORS), rows[0])
    best = max(rows, key=lambda r: r["deliveries_per_s"])
    best_relay = max(r["relay"]["deliveries_per_s"] for r in rows)
    targets = {
        f"p99 <= {TARGET_P99_MS} ms at {first['editors']} editors": first["p99_ms"] <= TARGET_P99_MS,
        "0 lost, 0 duplicated, replicas identical": all(
            r["lost"] == 0 and r["duplicated"] == 0 and r["replicas_identical"] for r in rows
        ),
        f"max deliveries/s >= {TARGET_RELAY_FRACTION:.0%} of the relay's": best["deliveries_per_s"]
        >= TARGET_RELAY_FRACTION * best_relay,
        f"peak RSS < {TARGET_RSS_MB} MB": max(r["peak_rss_mb"] for r in rows) < TARGET_RSS_MB,
    }
    report = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "server": "1 uvicorn worker (websockets, 1 MiB limit), SQLite WAL, in-memory channel layer",
        "rate_per_editor": args.rate,
        "runs": rows,
        "max_deliveries_per_s": best["deliveries_per_s"],
        "max_relay_deliveries_per_s": best_relay,
        "targets": targets,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"max deliveries/s {best['deliveries_per_s']} = {best['deliveries_per_s'] / best_relay:.0%} of the relay's {best_relay}"
    )
    for name, ok in targets.items():
        print(f"  {'ok  ' if ok else 'MISS'} {name}")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
