"""The load estimate against a discrete-event simulation (simpy) of the same boards.

Random boards with routers and their fractions, caches with hit ratios, whole and fractional
`calls`, asynchronous edges, a retry loop, replicas and a third-party API are simulated request by
request: Poisson arrivals, FIFO queues in front of c servers, exponential service times, a router
drawing one edge, a cache drawing hit or miss, and each request timed from its client's send to
its answer. The simulation reads the board itself, so it shares no code with the estimate.

At a bottleneck utilisation of at most 0.8 the estimate must match every node's utilisation
within 0.02, each client's mean within 10 % and its p99 within 25 %. Each run is long enough that
those tolerances are at least three standard errors of the simulation wide (measured by batch
means and asserted), so a pass says the estimate is right, not that the simulation is vague.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import pytest
import simpy

from whiteboard.domain.board import validate_board
from whiteboard.domain.estimate import estimate_board
from whiteboard.domain.palette import category_of

ROUTER_KINDS = ("load_balancer", "api_gateway", "cdn", "dns")
WARM_UP = 0.05  # the share of each run left out while the queues fill
BATCHES = 10


def random_board(seed: int) -> dict[str, Any]:
    """Clients -> a router -> services -> caches and databases, a queue and its worker, with every
    estimate figure given (no defaults), at made-up but plausible sizes."""
    rng = random.Random(seed)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []

    def add(node_id: str, kind: str, **props: Any) -> str:
        nodes.append({"id": node_id, "kind": kind, "props": props})
        return node_id

    def link(source: str, target: str, **props: Any) -> None:
        edges.append({"id": f"e{len(edges)}", "source": source, "target": target, "props": props})

    def station(latency: tuple[float, float], concurrency: tuple[int, int]) -> dict[str, Any]:
        return {"latency_ms": round(rng.uniform(*latency), 2), "concurrency": rng.randint(*concurrency)}

    clients = [add(f"c{i}", rng.choice(("browser", "mobile")), rps=rng.choice((10, 20, 40))) for i in range(2)]
    router = add("lb", rng.choice(("load_balancer", "api_gateway")), **station((1, 2), (2, 4)))
    for client in clients:
        link(client, router)
    services = [
        add(f"s{i}", "service", replicas=rng.randint(1, 3), **station((5, 40), (2, 4)))
        for i in range(rng.randint(2, 4))
    ]
    given = 0.0
    for service in services:
        if rng.random() < 0.5 and given < 0.6:
            fraction = round(rng.uniform(0.1, 0.4), 2)
            given += fraction
            link(router, service, fraction=fraction)
        else:
            link(router, service)
    databases = [add(f"d{i}", "sql_db", replicas=rng.randint(1, 2), **station((3, 30), (2, 6))) for i in range(2)]
    caches = [
        add(f"k{i}", "cache", hit_ratio=round(rng.uniform(0.3, 0.95), 2), **station((0.5, 3), (2, 8)))
        for i in range(rng.randint(1, 2))
    ]
    for cache in caches:
        link(cache, rng.choice(databases))
    queue = add("q", "queue", **station((1, 1), (4, 4)))
    worker = add("w", "worker", **station((20, 80), (2, 6)))
    for service in services:
        for target in rng.sample(caches + databases, k=rng.randint(1, 2)):
            link(service, target, **({"calls": rng.choice((0.5, 1.5, 2, 3))} if rng.random() < 0.5 else {}))
        if rng.random() < 0.5:
            link(service, queue, calls=rng.choice((0.5, 1)), **{"async": True})
    link(services[0], services[-1], calls=0.5)
    partner = add("x", "external_system", **station((20, 60), (8, 8)))
    link(services[-1], partner, calls=0.5)
    link(queue, worker, **{"async": True})
    link(worker, rng.choice(databases))
    link(worker, queue, calls=0.2, **{"async": True})  # a retry loop, solved as a linear system
    return validate_board({"format": "archboard/1", "name": f"random {seed}", "nodes": nodes, "edges": edges})


@dataclass
class Observed:
    utilisation: dict[str, float]
    times: dict[str, list[float]] = field(default_factory=dict)  # per client, in completion order


class Simulation:
    """The board as simpy processes; times in milliseconds."""

    def __init__(self, doc: dict[str, Any], scale: float, seed: int) -> None:
        self.rng = random.Random(seed)
        self.env = simpy.Environment()
        self.scale = scale
        self.nodes = {n["id"]: n for n in doc["nodes"]}
        self.client = {i: category_of(n["kind"]) == "client" for i, n in self.nodes.items()}
        self.out: dict[str, list[dict[str, Any]]] = {i: [] for i in self.nodes}
        for e in doc["edges"]:
            self.out[e["source"]].append(e)
        self.servers = {
            i: n["props"].get("replicas", 1) * n["props"].get("concurrency", 1) for i, n in self.nodes.items()
        }
        self.queues = {i: simpy.Resource(self.env, capacity=c) for i, c in self.servers.items()}
        self.busy = dict.fromkeys(self.nodes, 0.0)
        self.times: dict[str, list[float]] = {i: [] for i, client in self.client.items() if client}
        self.measuring_from = math.inf

    def visit(self, node: str, goes_on: bool) -> Generator[Any, Any, None]:
        with self.queues[node].request() as turn:
            yield turn
            service = self.rng.expovariate(1 / self.nodes[node]["props"]["latency_ms"])
            if self.env.now >= self.measuring_from:
                self.busy[node] += service
            yield self.env.timeout(service)
        if goes_on:
            yield from self.calls(node)

    def follow(self, node: str, edge: dict[str, Any]) -> Generator[Any, Any, None]:
        target = edge["target"]
        # What the system sends to a client is answered there; what a client sends goes on.
        visit = self.visit(target, goes_on=self.client[node] or not self.client[target])
        if edge["props"].get("async"):
            self.env.process(visit)
        else:
            yield from visit

    def calls(self, node: str) -> Generator[Any, Any, None]:
        props, out = self.nodes[node]["props"], self.out[node]
        if self.nodes[node]["kind"] in ROUTER_KINDS:
            fractions = [e["props"].get("fraction") for e in out]
            rest = (1 - sum(f for f in fractions if f is not None)) / max(1, fractions.count(None))
            draw = self.rng.random()
            for edge, fraction in zip(out, fractions, strict=True):
                draw -= rest if fraction is None else fraction
                if draw < 0:
                    yield from self.follow(node, edge)
                    return
            return
        if self.rng.random() < props.get("hit_ratio", 0):
            return
        for edge in out:
            calls = edge["props"].get("calls", 1)
            for _ in range(math.floor(calls) + (self.rng.random() < calls % 1)):
                yield from self.follow(node, edge)

    def request(self, client: str) -> Generator[Any, Any, None]:
        sent = self.env.now
        yield from self.calls(client)
        if sent >= self.measuring_from:
            self.times[client].append(self.env.now - sent)

    def arrivals(self, client: str, per_ms: float) -> Generator[Any, Any, None]:
        while True:
            yield self.env.timeout(self.rng.expovariate(per_ms))
            self.env.process(self.request(client))

    def run(self, requests: int) -> Observed:
        offered = {i: self.nodes[i]["props"].get("rps", 0) * self.scale / 1000 for i in self.times}
        duration = requests / sum(offered.values())
        self.measuring_from = WARM_UP * duration
        for client, per_ms in offered.items():
            if per_ms > 0:
                self.env.process(self.arrivals(client, per_ms))
        self.env.run(until=duration)
        span = duration - self.measuring_from
        utilisation = {i: self.busy[i] / (self.servers[i] * span) for i in self.nodes if not self.client[i]}
        return Observed(utilisation, {i: t for i, t in self.times.items() if t})


def p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[98]


def standard_error(times: list[float], statistic: Any) -> float:
    """Of `statistic` over the run, from the spread of its value over consecutive batches (the
    batches are long next to the queues' memory, so they are nearly independent)."""
    size = len(times) // BATCHES
    values = [statistic(times[i * size : (i + 1) * size]) for i in range(BATCHES)]
    return statistics.stdev(values) / math.sqrt(BATCHES)


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "utilisation"), [(1, 0.8), (2, 0.7), (3, 0.8), (5, 0.8)])
def test_the_estimate_matches_a_simulation_of_a_random_board(seed: int, utilisation: float) -> None:
    doc = random_board(seed)
    scale = utilisation * estimate_board(doc)["max_scale"]  # the bottleneck at that utilisation
    estimate = estimate_board(doc, scale=scale)
    assert estimate["errors"] == []
    observed = Simulation(doc, scale, seed).run(requests=40_000)

    for node, busy in observed.utilisation.items():
        assert estimate["nodes"][node]["utilisation"] == pytest.approx(busy, abs=0.02), node
    for entry in (e for e in estimate["entries"] if e["rps"]):
        times = observed.times[entry["client"]]
        mean, tail = statistics.fmean(times), p99(times)
        assert standard_error(times, statistics.fmean) <= 0.10 * mean / 3, entry["client"]
        assert standard_error(times, p99) <= 0.25 * tail / 3, entry["client"]
        assert entry["mean_ms"] == pytest.approx(mean, rel=0.10), entry["client"]
        assert entry["p99_ms"] == pytest.approx(tail, rel=0.25), entry["client"]
