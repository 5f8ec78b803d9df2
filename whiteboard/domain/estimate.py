"""The load estimate (SPEC section 8): capacity, latency and availability from the board.

The board is read as an open network of queues. Clients send Poisson requests (`rps`, times
`scale`); a request handled at a node goes on along its out edges: a router (load balancer, API
gateway, CDN, DNS) picks one edge by `fraction`, any other node calls every target `calls` times,
and a cache forwards only its misses. The rates solve lambda = offered + lambda x shares, taken in
topological order, with a linear system only for the loops. Every node is an M/M/c station with
c = replicas x concurrency servers and mean service time S = latency_ms (an LLM with token figures:
time to first token plus the tokens at its speed); its mean wait is Erlang C's. A request's time
is its station time plus the time of its synchronous calls; availability multiplies along them.
What the system sends to a client (a call to a third-party API, a push) is answered by that
client's own station and goes no further: what a client sends is its own `rps`. Notes are left out.

How the 99th percentile is computed. A station's sojourn time in M/M/c is an exponential service
time plus, with the Erlang C probability, an exponential wait; the estimate takes it as a gamma
distribution with its exact mean and variance (for one server that gamma is the exact
exponential, so M/M/1's p99 is exact). A request's end-to-end time is a random sum of sojourns:
sequential calls add, a router or a cache mixes the alternatives, a non-integer `calls` mixes the
two nearest whole numbers. That sum is carried as a mixture of at most `MAX_COMPONENTS` gammas: a
sum of two components is the gamma with the summed mean and variance, a mix keeps the
alternatives side by side, and components whose means are close are merged keeping the
mixture's first two moments. Sojourns at different stations are independent, but two visits of
one request to the same busy station are not (its queue drains slowly): their covariance is
added (`Algebra`). The p99 is where the mixture's tail, a sum of regularised incomplete gamma
functions, is 1 %. This keeps apart what a single moment fit would blur (a cache's fast hits and
slow misses, a router's fast and slow routes), costs a few operations per edge, and is checked
against a discrete-event simulation of random boards in tests/test_estimate_simulation.py.

What it leaves out: service times are exponential and arrivals Poisson (no bursts, no heavy
tails); a caller's server is free while it waits on a call (no thread held per call); no retries
on failure, timeouts, cold starts, connection pools or rate limits; availability is of the
components alone (no partial outages, no correlated failures).
"""

from __future__ import annotations

import hashlib
import importlib
import math
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from statistics import NormalDist
from typing import Any

from whiteboard.domain.graphs import strongly_connected_components
from whiteboard.domain.palette import KINDS

ROUTERS = frozenset({"load_balancer", "api_gateway", "cdn", "dns"})
STREAMING_PROTOCOLS = frozenset({"sse", "websocket"})
# Categories the estimate leaves out: notes are text on the canvas, not components.
IGNORED_CATEGORIES = frozenset({"annotation"})
PERCENTILE = 0.99
MAX_SCALE = 1_000_000
MAX_COMPONENTS = 4
# Components whose means differ by less than this factor are merged: a gamma with both their
# moments is then indistinguishable from the pair at the 99th percentile.
_CLOSE_MEANS = 1.1
# Below this chance of waiting, repeated visits to a station are taken as independent.
_QUEUEING = 0.01
_NORMAL = NormalDist()
# A gamma of this shape spreads by 1e-15 of its mean, below a float's precision: a constant time.
_CONSTANT_SHAPE = 1e30
# A pivot this close to zero means the loop gives back every request it takes in (gain >= 1).
_SINGULAR = 1e-9


# ---------------------------------------------------------------------------------------------
# Estimate props: one declaration for the board validator (board.py) and the OpenAPI document


def _figure(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


@dataclass(frozen=True)
class EstimateProp:
    """An estimate prop's element ("node" or "edge") and its range."""

    element: str
    low: float
    high: float
    description: str
    integer: bool = False
    above_low: bool = False  # the low end itself is excluded (a speed or an SLO of 0 means nothing)
    # How the editor's properties panel shows it: a short label, the unit, and the kind or
    # category of the nodes the model reads it on ("" for every node, or every edge).
    label: str = ""
    unit: str = ""
    only: str = ""

    @property
    def rule(self) -> str:
        if self.integer:
            return f"must be an integer from {_figure(self.low)} to {_figure(self.high)}"
        if self.above_low:
            return f"must be a number above {_figure(self.low)} and at most {_figure(self.high)}"
        return f"must be a number from {_figure(self.low)} to {_figure(self.high)}"

    def problem(self, value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return self.rule
        if isinstance(value, float) and not math.isfinite(value):
            return self.rule
        if value > self.high or value < self.low or (self.above_low and value == self.low):
            return self.rule
        if self.integer and value != int(value):
            return self.rule
        return None


_DAY_MS = 86_400_000
ESTIMATE_PROPS: dict[str, EstimateProp] = {
    "rps": EstimateProp(
        "node", 0, 10_000_000, "requests per second a client sends", label="Load", unit="req/s", only="client"
    ),
    "slo_p99_ms": EstimateProp(
        "node",
        0,
        _DAY_MS,
        "a client's 99th-percentile target, in ms",
        above_low=True,
        label="p99 target (SLO)",
        unit="ms",
        only="client",
    ),
    "latency_ms": EstimateProp(
        "node", 0, _DAY_MS, "mean service time of one request, in ms", label="Service time", unit="ms"
    ),
    "concurrency": EstimateProp(
        "node",
        1,
        100_000,
        "requests one replica serves at once",
        integer=True,
        label="Concurrency",
        unit="per replica",
    ),
    "availability": EstimateProp(
        "node", 0, 1, "the fraction of time one replica is up", label="Availability", unit="0-1, per replica"
    ),
    "hit_ratio": EstimateProp(
        "node",
        0,
        1,
        "a cache's share of requests answered without going on",
        label="Hit ratio",
        unit="0-1",
        only="cache",
    ),
    "ttft_ms": EstimateProp(
        "node", 0, _DAY_MS, "an LLM's time to first token, in ms", label="Time to first token", unit="ms", only="llm"
    ),
    "output_tokens": EstimateProp(
        "node",
        0,
        1_000_000,
        "mean tokens an LLM generates per request",
        label="Output tokens",
        unit="per request",
        only="llm",
    ),
    "tokens_per_s": EstimateProp(
        "node",
        0,
        1_000_000,
        "an LLM's output speed per request",
        above_low=True,
        label="Output speed",
        unit="tokens/s",
        only="llm",
    ),
    "calls": EstimateProp(
        "edge", 0, 1000, "calls per request along the edge (a mean)", label="Calls", unit="per request"
    ),
    "fraction": EstimateProp(
        "edge", 0, 1, "a router's probability of choosing the edge", label="Fraction", unit="0-1, from a router"
    ),
}


def check_estimate_prop(key: str, value: object, element: str) -> str | None:
    """The problem with an estimate prop's value on a node or edge, or None when it is fine
    (or the key is no estimate prop of that element)."""
    prop = ESTIMATE_PROPS.get(key)
    if prop is None or prop.element != element:
        return None
    return prop.problem(value)


def check_scale(value: float) -> str | None:
    """The problem with a `scale`, or None."""
    if not math.isfinite(value) or not 0 <= value <= MAX_SCALE:
        return f"must be a number from 0 to {MAX_SCALE:,}"
    return None


# ---------------------------------------------------------------------------------------------
# Defaults: every kind has a latency, a concurrency and an availability


@dataclass(frozen=True)
class Defaults:
    latency_ms: float
    concurrency: int
    availability: float  # of one replica
    ttft_ms: float | None = None  # LLMs only: what streaming shows first

    def as_dict(self) -> dict[str, float]:
        figures: dict[str, float] = {
            "latency_ms": self.latency_ms,
            "concurrency": self.concurrency,
            "availability": self.availability,
        }
        if self.ttft_ms is not None:
            figures["ttft_ms"] = self.ttft_ms
        return figures


# Order-of-magnitude figures for a design discussion, to be overridden by the board's own props.
# Latency is a node's own work: what it calls is drawn as edges and added by the model.
# Availability is one replica's; `replicas` multiplies the chance that all are down.
_BY_CATEGORY: dict[str, Defaults] = {
    # People and their devices are where load comes from: passing through one (users -> browser)
    # adds no time, and they are not ours to fail.
    "client": Defaults(latency_ms=0, concurrency=1, availability=1.0),
    # Managed edge services add about a millisecond and are sized far beyond one origin.
    "edge": Defaults(latency_ms=1, concurrency=10_000, availability=0.9999),
    # A request handler's own work (parse, check, serialise) is ~10 ms; 8 workers is a 4-vCPU
    # container at gunicorn's 2 x cores + 1; one instance: the AWS EC2 instance-level SLA, 99.5%.
    "compute": Defaults(latency_ms=10, concurrency=8, availability=0.995),
    # An agent's own glue (prompt assembly, parsing tool output); its model calls are edges.
    "ai": Defaults(latency_ms=100, concurrency=16, availability=0.995),
    # An indexed query with its network round trip; about one query per core of a 16-vCPU
    # server; single-AZ Amazon RDS SLA, 99.5%.
    "data": Defaults(latency_ms=5, concurrency=16, availability=0.995),
    # Publishing to a broker: Amazon SQS SendMessage takes tens of ms, RabbitMQ ~1 ms; brokers take
    # many publishers at once; Amazon SQS SLA, 99.9%.
    "messaging": Defaults(latency_ms=10, concurrency=1_000, availability=0.999),
    # Side services (metrics, logs, discovery) answer from memory in a few ms; CloudWatch SLA, 99.9%.
    "ops": Defaults(latency_ms=2, concurrency=100, availability=0.999),
}
# A kind added to the palette later, in a category added later, gets these until it has its own.
_FALLBACK = _BY_CATEGORY["compute"]

_BY_KIND: dict[str, Defaults] = {
    # A third-party API (payments, maps): a few hundred ms; Stripe's live-mode limit of 100
    # operations a second at 300 ms is 30 at once; Google Maps Platform SLA, 99.9%.
    "external_system": Defaults(latency_ms=300, concurrency=30, availability=0.999),
    # Resolvers cache answers, so a request pays almost nothing; Amazon Route 53's SLA is 100%.
    "dns": Defaults(latency_ms=1, concurrency=10_000, availability=0.9999),
    # A hit served from an edge location near the user; Amazon CloudFront SLA, 99.9%.
    "cdn": Defaults(latency_ms=20, concurrency=10_000, availability=0.999),
    # Elastic Load Balancing SLA, 99.99%.
    "load_balancer": Defaults(latency_ms=1, concurrency=10_000, availability=0.9999),
    # Envoy or Kong add ~1 ms, Amazon API Gateway ~10 ms; its SLA, 99.95%.
    "api_gateway": Defaults(latency_ms=5, concurrency=1_000, availability=0.9995),
    # AWS WAF SLA, 99.95%.
    "firewall": Defaults(latency_ms=1, concurrency=10_000, availability=0.9995),
    # A background job (resize an image, send an e-mail, build a report) takes about a second.
    "worker": Defaults(latency_ms=1_000, concurrency=4, availability=0.995),
    # An event loop holds thousands of connections and does little per message.
    "websocket_server": Defaults(latency_ms=2, concurrency=1_000, availability=0.995),
    # A warm AWS Lambda invocation; the default regional concurrency quota is 1,000; SLA 99.95%.
    "function": Defaults(latency_ms=50, concurrency=1_000, availability=0.9995),
    # Amazon EventBridge Scheduler SLA, 99.99%.
    "scheduler": Defaults(latency_ms=10, concurrency=10, availability=0.9999),
    # Artificial Analysis (artificialanalysis.ai) measures hosted models at ~0.3-1 s to the first
    # token and 50-150 output tokens/s: 500 ms + 250 tokens at 100 tokens/s = 3 s. Continuous
    # batching (vLLM) keeps tens of sequences in flight per GPU replica. Azure OpenAI SLA, 99.9%.
    "llm": Defaults(latency_ms=3_000, concurrency=32, availability=0.999, ttft_ms=500),
    # AWS Step Functions SLA, 99.9%.
    "orchestrator": Defaults(latency_ms=20, concurrency=16, availability=0.999),
    # One query embedding through a hosted API, tens of ms.
    "embedding_model": Defaults(latency_ms=50, concurrency=32, availability=0.999),
    # A tool call is usually an HTTP API, a search or a sandboxed run.
    "tool": Defaults(latency_ms=200, concurrency=16, availability=0.995),
    # A safety classifier (Llama Guard and the like) is a short generation of a small model.
    "guardrail": Defaults(latency_ms=150, concurrency=32, availability=0.999),
    # A person on call answers in minutes: 30 minutes, a handful of approvers, and an approval
    # that times out fails the action.
    "human_approval": Defaults(latency_ms=1_800_000, concurrency=5, availability=0.99),
    # DynamoDB answers in single-digit ms and scales out; its SLA, 99.99%.
    "nosql_db": Defaults(latency_ms=5, concurrency=100, availability=0.9999),
    # Qdrant's and Milvus's benchmarks: ~10 ms for the top 10 of a million vectors.
    "vector_db": Defaults(latency_ms=10, concurrency=16, availability=0.999),
    # A Redis GET with the round trip within a zone; ~100,000 operations/s per node; ElastiCache
    # SLA, 99.9%.
    "cache": Defaults(latency_ms=1, concurrency=100, availability=0.999),
    # Amazon S3's performance guidelines: 100-200 ms to the first byte; 5,500 GETs/s per prefix;
    # S3 Standard is designed for 99.99%.
    "object_storage": Defaults(latency_ms=100, concurrency=1_000, availability=0.9999),
    # A query on a warm Elasticsearch/OpenSearch index; Amazon OpenSearch Service SLA, 99.9%.
    "search_index": Defaults(latency_ms=20, concurrency=16, availability=0.999),
    # A Kafka produce with acks=all across zones takes a few ms; Amazon MSK SLA, 99.9%.
    "event_stream": Defaults(latency_ms=5, concurrency=1_000, availability=0.999),
    # Amazon SNS publish; its SLA, 99.9%.
    "pubsub": Defaults(latency_ms=20, concurrency=1_000, availability=0.999),
    # Verifying a token against cached keys, or an introspection call; Amazon Cognito SLA, 99.9%.
    "auth": Defaults(latency_ms=10, concurrency=100, availability=0.999),
    # Secrets are read at start-up and cached; a read that reaches the store takes ~10 ms.
    "secrets": Defaults(latency_ms=10, concurrency=100, availability=0.999),
}


def _category(kind: str) -> str | None:
    known = KINDS.get(kind)
    return known.category if known is not None else None


def _defaults(kind: str) -> Defaults:
    own = _BY_KIND.get(kind)
    if own is not None:
        return own
    return _BY_CATEGORY.get(_category(kind) or "", _FALLBACK)


def defaults_for(kind: str) -> dict[str, float]:
    """The estimate's defaults for a kind, as served by /api/palette; empty for notes, which the
    estimate ignores."""
    if _category(kind) in IGNORED_CATEGORIES:
        return {}
    return _defaults(kind).as_dict()


# ---------------------------------------------------------------------------------------------
# Queueing: Erlang C, without overflow at thousands of servers


def erlang_c(servers: int, load: float) -> float:
    """The probability that a request waits in M/M/c with `servers` and offered `load` (Erlangs,
    below `servers`).

    Erlang B by its recursion B(k) = a B(k-1) / (k + a B(k-1)), which never overflows, then
    C = B / (1 - rho (1 - B)). For a large load the recursion starts 10 standard deviations below
    it, from the Poisson ratio B has there, and it stops once B is too small to change the wait:
    steps of the order of the spread of the load and its distance from the pool's size, not of
    the pool's size.
    """
    if load <= 0:
        return 0.0
    rho = load / servers
    # Past the load B only falls; below this bound the wait it implies is under 1e-15 of S.
    negligible = 1e-15 * (1 - rho) * (servers - load)
    # Most stations of a board are far from busy. B(c) <= a^(c - j) j! / c! for any j <= c (the
    # sum B divides by has the term a^j / j!): when that is a million times below the bound,
    # the recursion could only end in "negligible", so it is not run.
    if rho < 1:
        whole = int(load)
        bound = (servers - whole) * math.log(load) + math.lgamma(whole + 1) - math.lgamma(servers + 1)
        if bound < math.log(negligible) - 14:
            return 0.0
    start = 0
    blocking = 1.0
    if load > 100:
        # B(k) = p(k) / P(N <= k) for N Poisson(load); below the load the sum falls geometrically.
        start = min(servers, int(load - 10 * math.sqrt(load)))
        total, term = 1.0, 1.0
        for j in range(start, 0, -1):
            term *= j / load
            total += term
            if term < 1e-17 * total:
                break
        blocking = 1.0 / total
    # Up to the load (k <= int(load)) B cannot be negligible yet: no test in that stretch.
    for k in range(start + 1, min(servers, int(load)) + 1):
        carried = load * blocking
        blocking = carried / (k + carried)
    for k in range(max(start, int(load)) + 1, servers + 1):
        carried = load * blocking
        blocking = carried / (k + carried)
        if blocking < negligible:
            return 0.0
    return blocking / (1 - rho * (1 - blocking))


# ---------------------------------------------------------------------------------------------
# End-to-end time distributions: mixtures of gammas


# (weight, mean, variance, visits) per component; weights add up to 1. `visits` holds the expected
# number of visits to each station where repeated visits meet correlated queues (`Algebra`).
Component = tuple[float, float, float, dict[int, float]]
Mixture = tuple[Component, ...]
_NO_VISITS: dict[int, float] = {}
NOTHING: Mixture = ((1.0, 0.0, 0.0, _NO_VISITS),)  # no time at all: a request that goes no further


_mean = itemgetter(1)  # a component's mean, as a sort key without a Python call per component


def _added(a: dict[int, float], b: dict[int, float], wa: float = 1.0, wb: float = 1.0) -> dict[int, float]:
    if not b:
        return a if wa == 1 else {s: wa * n for s, n in a.items()}
    if not a:
        return b if wb == 1 else {s: wb * n for s, n in b.items()}
    total = {s: wa * n for s, n in a.items()}
    for s, n in b.items():
        total[s] = total.get(s, 0.0) + wb * n
    return total


def _merge(a: Component, b: Component) -> Component:
    """One component with the pair's weight, mean and second moment."""
    wa, ma, va, na = a
    wb, mb, vb, nb = b
    weight = wa + wb
    if not weight > 0:
        return a  # two chances so small their product was 0: nothing to weigh
    mean = (wa * ma + wb * mb) / weight
    second = (wa * (va + ma * ma) + wb * (vb + mb * mb)) / weight
    visits = _added(na, nb, wa / weight, wb / weight) if na or nb else _NO_VISITS
    return (weight, mean, max(second - mean * mean, 0.0), visits)


def _reduced(components: list[Component]) -> Mixture:
    """At most MAX_COMPONENTS components, by merging neighbours in the order of their means: first
    those closer than _CLOSE_MEANS, then the closest pairs (no time at all merges last)."""
    if len(components) == 1:
        return (components[0],)
    components.sort(key=_mean)
    merged = []
    # The component being grown, as four locals: _merge inlined, the same arithmetic in the same
    # order (max(x, 0.0) as a comparison, NaN and -0.0 kept alike), for this runs for every node
    # a client reaches. `grown` is None once something is merged into it; until then it is kept
    # as it came, not built again.
    rest = iter(components)
    first = next(rest)
    wa, ma, va, na = first
    grown: Component | None = first
    limit = ma * _CLOSE_MEANS
    for c in rest:
        if c[1] <= limit:
            grown = None
            wb, mb, vb, nb = c
            weight = wa + wb
            if not weight > 0:
                continue  # as in _merge: both weigh nothing (a product of tiny chances underflowed)
            mean = (wa * ma + wb * mb) / weight
            second = (wa * (va + ma * ma) + wb * (vb + mb * mb)) / weight
            na = _added(na, nb, wa / weight, wb / weight) if na or nb else _NO_VISITS
            va = second - mean * mean
            if va < 0.0:
                va = 0.0
            wa, ma = weight, mean
            limit = mean * _CLOSE_MEANS
        else:
            merged.append((wa, ma, va, na) if grown is None else grown)
            grown = c
            wa, ma, va, na = c
            limit = ma * _CLOSE_MEANS
    merged.append((wa, ma, va, na) if grown is None else grown)
    while len(merged) > MAX_COMPONENTS:
        closest, ratio = 0, math.inf
        for j in range(len(merged) - 1):
            low, high = merged[j][1], merged[j + 1][1]
            if low > 0 and high / low < ratio:
                closest, ratio = j, high / low
        merged[closest : closest + 2] = [_merge(merged[closest], merged[closest + 1])]
    return tuple(merged)


def mix(parts: Iterable[tuple[float, Mixture]]) -> Mixture:
    """Each alternative with its probability."""
    components = [(p * w, m, v, n) for p, mixture in parts if p > 0 for w, m, v, n in mixture]
    return _reduced(components) if components else NOTHING


class Algebra:
    """Sums of request times, with the covariance of repeated visits to one station.

    A station's queue drains far more slowly than a request passes through it: a request that
    waited long at its first visit to a busy database waits long again at its second. In M/M/1
    what waits behind a request when it leaves is what arrived while it was there, so its next
    visit waits rho x its first sojourn on average. Each pair of visits of a request to station s
    is given the covariance `covariance[s]` = rho x (variance of the wait + S^2 / c): for one
    server, rho x the variance of a sojourn, exact for back-to-back visits; with more servers the
    others drain the queue during the request's own service, and the wait's share dominates. It is
    added to a sum's variance whenever both parts visit s, in proportion to their expected visits.
    Against simulation this turns a p99 30 % low for three calls to a busy database into one
    within 5 %.
    """

    def __init__(self, covariance: dict[int, float]) -> None:
        self.covariance = covariance

    def convolve(self, a: Mixture, b: Mixture) -> Mixture:
        """The time of doing a then b: means add, variances add with the covariance of the
        stations both visit."""
        if b is NOTHING:
            return a
        if a is NOTHING:
            return b
        covariance = self.covariance
        if len(a) == 1 or len(b) == 1:
            # Adding one component to each of the others keeps their order and their number.
            (w1, m1, v1, n1), others = (a[0], b) if len(a) == 1 else (b[0], a)
            if not n1:
                return tuple([(w1 * w, m1 + m, v1 + v, n) for w, m, v, n in others])
        if not covariance or not any([na for _, _, _, na in a]) or not any([nb for _, _, _, nb in b]):
            # The common case: no station visited on both sides (none at all where no station
            # queues), so no covariance to add.
            return _reduced([(wa * wb, ma + mb, va + vb, na or nb) for wa, ma, va, na in a for wb, mb, vb, nb in b])
        components = []
        for wa, ma, va, na in a:
            for wb, mb, vb, nb in b:
                if not (na and nb):
                    components.append((wa * wb, ma + mb, va + vb, na or nb))
                    continue
                variance = va + vb
                small, large = (na, nb) if len(na) <= len(nb) else (nb, na)
                for s, count in small.items():
                    if s in large:
                        variance += 2 * count * large[s] * covariance[s]
                components.append((wa * wb, ma + mb, variance, _added(na, nb)))
        return _reduced(components)

    def repeated(self, mixture: Mixture, times: float) -> Mixture:
        """`times` calls one after the other; a non-integer mixes the nearest two counts."""
        if times == 1:
            return mixture
        whole = math.floor(times)
        part = times - whole
        base = self._power(mixture, whole)
        if part == 0:
            return base
        return mix(((1 - part, base), (part, self.convolve(base, mixture))))

    def _power(self, mixture: Mixture, times: int) -> Mixture:
        result = NOTHING
        square = mixture
        while times:
            if times & 1:
                result = self.convolve(result, square)
            times >>= 1
            if times:
                square = self.convolve(square, square)
        return result


def gamma_tail(shape: float, x: float) -> float:
    """P(X > x) for X gamma-distributed with this shape and scale 1 (the regularised upper
    incomplete gamma function)."""
    if x <= 0:
        return 1.0
    return _upper_gamma(shape, x, math.exp(shape * math.log(x) - x - math.lgamma(shape)))


def _upper_gamma(shape: float, x: float, front: float) -> float:
    """gamma_tail(shape, x) for x > 0, given front = x^shape e^-x / Gamma(shape) (x / front is
    the density's reciprocal, which the percentile needs too): its series below shape + 1, its
    continued fraction above."""
    if x < shape + 1:
        term = total = 1.0 / shape
        denominator = shape
        for _ in range(100_000):
            denominator += 1
            term *= x / denominator
            total += term
            if term < total * 1e-16:
                break
        return max(0.0, 1.0 - front * total)
    tiny = 1e-300
    b = x + 1 - shape
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - shape)
        b += 2
        # Chained comparisons rather than abs(): no call in a loop of tens of steps per tail.
        d = an * d + b
        if -tiny < d < tiny:
            d = tiny
        c = b + an / c
        if -tiny < c < tiny:
            c = tiny
        d = 1 / d
        step = d * c
        h *= step
        if -1e-16 < step - 1 < 1e-16:
            break
    return front * h


# A mixture's gammas as the percentile reads them: (weight, shape, rate = 1 / scale, ln Gamma(shape)).
_Gamma = tuple[float, float, float, float]


def _tail_and_density(gammas: list[_Gamma], atoms: list[tuple[float, float]], t: float) -> tuple[float, float, float]:
    """The mixture's P(T > t), its density and the density's slope at t > 0; `atoms` are its
    constant times (weight, time)."""
    tail = density = slope = 0.0
    for w, shape, rate, log_gamma in gammas:
        x = t * rate
        front = math.exp(shape * math.log(x) - x - log_gamma)
        part = w * rate * front / x
        density += part
        slope += part * rate * ((shape - 1) / x - 1)
        # Past shape + 1 the gamma's tail is below front / (x - shape + 1): a part below 1e-20
        # (1e-18 of a 1 % level) cannot move the percentile, so its continued fraction is skipped.
        if x < shape + 1 or w * front > 1e-20 * (x - shape + 1):
            tail += w * _upper_gamma(shape, x, front)
    for w, m in atoms:
        if t < m:
            tail += w
    return tail, density, slope


def _gamma_quantile(shape: float, tail: float) -> float:
    """Wilson and Hilferty's approximation of the gamma quantile with this upper tail (scale 1)."""
    z = _NORMAL.inv_cdf(1 - tail)
    spread = 1 / (9 * shape)
    return shape * max(1 - spread + z * math.sqrt(spread), 0.0) ** 3


def percentile(mixture: Mixture, p: float = PERCENTILE) -> float:
    """The time below which a share p of requests finish."""
    level = 1 - p
    if math.fsum([w for w, m, _, _ in mixture if m > 0]) <= level:
        return 0.0
    gammas: list[_Gamma] = []
    atoms: list[tuple[float, float]] = []
    for w, m, v, _ in mixture:
        if not m > 0:
            continue
        if not (m < math.inf and v < math.inf):  # NaN too
            # A time or a spread beyond a float (a mean over about 1e154 ms squares to infinity):
            # there is no percentile to search for, so it is unknown.
            return math.nan
        shape = m * m / v if v > 0 else math.inf
        rate = m / v if v > 0 else math.inf
        if shape >= _CONSTANT_SHAPE:
            atoms.append((w, m))  # no spread a float tells from none: a constant time
        elif shape > 0 and rate > 0:
            gammas.append((w, shape, rate, math.lgamma(shape)))
        else:
            return math.nan  # a spread so wide against the mean that its shape or rate underflows
    # Start where the component that reaches furthest leaves level / weight above it.
    t = max(
        (_gamma_quantile(shape, level / w) / rate for w, shape, rate, _ in gammas if w > level),
        default=max(c[1] for c in mixture),
    )
    low, high = 0.0, math.inf
    # Halley's method on the tail where the curvature only corrects Newton's step (far out in a
    # thin tail it would creep), Newton's elsewhere, kept inside the bracket it finds, so it
    # cannot run away. It stops at a tail within 1e-12 of the level, or after a Halley step
    # below 1e-6 of t: the error left is of the order of the step's cube (about 1e-18 of t), so
    # a start from Wilson and Hilferty's quantile mostly takes two evaluations of the tail.
    for _ in range(200):
        tail, density, slope = _tail_and_density(gammas, atoms, t)
        excess = tail - level
        if abs(excess) <= 1e-12 * level:
            break
        if excess > 0:
            low = t
        else:
            high = t
        if high - low <= 1e-12 * high < math.inf:
            break
        step, halley = math.nan, False
        if density > 0:
            newton = excess / density
            correction = newton * slope / (2 * density)
            halley = abs(correction) < 0.5
            step = t + (newton / (1 + correction) if halley else newton)
        if not low < step < high:
            step = 2 * t if high == math.inf else (low + high) / 2
        elif step > 2 * t:  # the density has all but vanished: search outwards instead
            step = 2 * t
        elif halley and abs(step - t) <= 1e-6 * t:
            return step
        t = step
    return t


# ---------------------------------------------------------------------------------------------
# The network


# An edge as the model reads it: (target, share, calls, terminal, streams). `share` is the requests
# along it per request at its source (NaN: unknown); `calls` a non-router's calls per request it
# sends on, or a router's fraction; `terminal` marks a call from the system to a client (a
# third-party API, a push to a device): the client answers it from its own station and goes no
# further, for what a client sends is its own `rps` (only what one client sends another, users ->
# browser, travels on through it); `streams` marks a streaming protocol (sse, websocket) on a
# client's edge (the first token a client sees is all it is read for).
Edge = tuple[int, float, float, bool, bool]


class _Network:
    """The board as integer-indexed arrays: stations (notes left out) and their out edges.

    Nodes are numbered in document order, as `nodes[i]` in messages. `onward[v]` holds v's edges
    in document order, terminal calls left out (nothing goes on from them), `terminal_calls`
    those, as (source, target, share) in order of source, and `indegree[v]` the number of edges
    of `onward` into v. `sync_out[v]` holds v's synchronous edges, terminal calls included. An
    edge in both is one tuple: a board has tens of thousands of edges, and each object costs.
    """

    def __init__(self, doc: dict[str, Any]) -> None:
        nodes: list[dict[str, Any]] = doc["nodes"]
        n = len(nodes)
        self.ids: list[str] = [node["id"] for node in nodes]
        self.kinds: list[str] = [node["kind"] for node in nodes]
        kinds = self.kinds
        index = {node_id: i for i, node_id in enumerate(self.ids)}
        # A board has a few kinds and thousands of nodes: look each kind up once.
        category = {kind: _category(kind) for kind in set(kinds)}
        categories = [category[kind] for kind in kinds]
        self.active = active = [c not in IGNORED_CATEGORIES for c in categories]
        self.is_client = is_client = [c == "client" for c in categories]
        self.clients = [i for i in range(n) if is_client[i]]
        self.is_router = is_router = [kind in ROUTERS for kind in kinds]
        self.errors: list[dict[str, str]] = []
        self.offered = [0.0] * n  # a client's rps at scale 1
        self.slo: list[float | None] = [None] * n
        # Every node starts from its kind's defaults (a note from nothing), and only the nodes
        # with props are read one by one.
        defaults = {kind: _defaults(kind) for kind in category}
        base = {
            kind: (float(d.latency_ms), d.concurrency, float(d.availability))
            if category[kind] not in IGNORED_CATEGORIES
            else (0.0, 1, 1.0)
            for kind, d in defaults.items()
        }
        self.service_ms = [base[kind][0] for kind in kinds]
        self.first_token_ms = self.service_ms[:]  # the service time until an LLM's first token
        self.servers = [base[kind][1] for kind in kinds]
        self.availability = [base[kind][2] for kind in kinds]  # A(v), all replicas together
        self.miss = [1.0] * n  # the share of requests a node sends on (a cache: 1 - hit_ratio)
        for i, node in enumerate(nodes):
            if active[i]:
                node_props = node.get("props")
                if node_props:
                    self._read_node(i, defaults[kinds[i]], node_props)

        self.sync_out: list[list[Edge]] = [[] for _ in range(n)]
        self.onward: list[list[Edge]] = [[] for _ in range(n)]
        self.terminal_calls: list[tuple[int, int, float]] = []
        self.indegree = indegree = [0] * n
        sync_out = self.sync_out
        onward, terminal_calls = self.onward, self.terminal_calls
        miss, streaming = self.miss, STREAMING_PROTOCOLS
        # One pass in document order; a router's edges wait for its fractions to be all read.
        # Problems are numbered so they come out by source, then edge, as the board lists them.
        routed: dict[int, list[tuple[int, int, dict[str, Any]]]] = {}
        problems: list[tuple[int, int, dict[str, str]]] = []
        # Typed, so that the compiled twin reads them as dicts, not as any object.
        edges: list[dict[str, Any]] = doc["edges"]
        for k, edge in enumerate(edges):
            s, t = index[edge["source"]], index[edge["target"]]
            if not (active[s] and active[t]):
                continue
            props: dict[str, Any] = edge.get("props") or _NO_PROPS
            if is_router[s]:
                routed.setdefault(s, []).append((k, t, props))
                continue
            calls = 1.0
            if "calls" in props:
                value = props["calls"]
                cls = value.__class__
                if (cls is int or cls is float) and _CALLS_LOW <= value <= _CALLS_HIGH:
                    calls = float(value)
                elif value is not None:
                    found: list[dict[str, str]] = []
                    checked = self._prop(props, "calls", "edge", k, found)
                    calls = 1.0 if checked is None else checked
                    problems += [(s, k, problem) for problem in found]
            share = calls * miss[s]
            if share == 0:
                continue  # no request ever takes it
            client = is_client[s]
            terminal = is_client[t] and not client
            edge_read = (t, share, calls, terminal, client and props.get("protocol") in streaming)
            if terminal:
                terminal_calls.append((s, t, share))
            else:
                onward[s].append(edge_read)
                indegree[t] += 1
            if props.get("async") is not True:
                sync_out[s].append(edge_read)
        for s in sorted(routed):
            self._read_router_edges(s, routed[s], problems)
        terminal_calls.sort(key=itemgetter(0))  # stable: in document order from each source
        if problems:
            problems.sort(key=itemgetter(0, 1))
            self.errors += [problem for _, _, problem in problems]

    def _prop(
        self, props: dict[str, Any], key: str, element: str, i: int, errors: list[dict[str, str]]
    ) -> float | None:
        """An estimate prop's value, None when absent. A stored board may predate the checks: a
        bad value is reported (in `errors`) and left out."""
        value = props.get(key)
        if value is None:
            return None
        cls = value.__class__
        if cls is int or cls is float:
            # The common case, a number within range, without building the rule's message.
            low, high, above_low, integer = _RANGES[element, key]
            within = low < value <= high or (value == low and not above_low)
            if within and (not integer or cls is int or value == int(value)):
                return float(value)
        problem = check_estimate_prop(key, value, element)
        if problem is not None or not isinstance(value, (int, float)):
            errors.append({"loc": f"{element}s[{i}].props.{key}", "msg": f"{problem}; it is left out"})
            return None
        return float(value)

    def _read_node(self, i: int, defaults: Defaults, props: dict[str, Any]) -> None:
        service = first_token = float(defaults.latency_ms)
        servers = defaults.concurrency
        up = float(defaults.availability)
        # Most nodes carry a prop or two: read the estimate keys they have, not every key, and a
        # number within range without a call (what _prop does first).
        figures: dict[str, float | None] = {}
        for key, value in props.items():
            limits = _NODE_RANGES.get(key)
            if limits is None or value is None:
                continue
            cls = value.__class__
            if cls is int or cls is float:
                low, high, above_low, integer = limits
                within = low < value <= high or (value == low and not above_low)
                if within and (not integer or cls is int or value == int(value)):
                    figures[key] = float(value)
                    continue
            figures[key] = self._prop(props, key, "node", i, self.errors)
        if figures:
            if self.is_client[i]:
                self.offered[i] = figures.get("rps") or 0.0
                self.slo[i] = figures.get("slo_p99_ms")
            latency = figures.get("latency_ms")
            if latency is not None:
                service = first_token = latency
            concurrency = figures.get("concurrency")
            if concurrency is not None:
                servers = int(concurrency)
            availability = figures.get("availability")
            if availability is not None:
                up = availability
        kind = self.kinds[i]
        if kind == "llm":
            ttft = figures.get("ttft_ms")
            if ttft is None and defaults.ttft_ms is not None:
                ttft = float(defaults.ttft_ms)
            tokens, speed = figures.get("output_tokens"), figures.get("tokens_per_s")
            if tokens is not None and speed is not None:
                service = (ttft or 0.0) + 1000 * tokens / speed
            first_token = service if ttft is None else min(ttft, service)
        elif kind == "cache":
            self.miss[i] = 1 - (figures.get("hit_ratio") or 0.0)
        replicas = props.get("replicas", 1)
        # isinstance, so that the compiled twin multiplies and raises to a native int.
        if isinstance(replicas, int) and replicas > 1:
            servers *= replicas
            up = 1 - (1 - up) ** replicas
        self.service_ms[i] = service
        self.first_token_ms[i] = first_token
        self.servers[i] = servers
        self.availability[i] = up

    def _read_router_edges(
        self, s: int, edges: list[tuple[int, int, dict[str, Any]]], problems: list[tuple[int, int, dict[str, str]]]
    ) -> None:
        found: list[dict[str, str]] = []
        fractions = []
        for k, _, props in edges:
            fractions.append(self._prop(props, "fraction", "edge", k, found))
            problems += [(s, k, problem) for problem in found]
            found.clear()
        chances = self._router_chances(s, fractions, found)
        problems += [(s, edges[-1][0] + 1, problem) for problem in found]  # after its edges' own
        miss, is_client, streaming = self.miss[s], self.is_client, STREAMING_PROTOCOLS
        client = is_client[s]
        sync_out = self.sync_out[s]
        for (_, t, props), chance in zip(edges, chances, strict=True):
            calls = 1.0 if chance is None else chance
            share = calls * miss
            if share == 0:
                continue  # no request ever takes it
            terminal = is_client[t] and not client
            edge = (t, share, calls, terminal, client and props.get("protocol") in streaming)
            if terminal:
                self.terminal_calls.append((s, t, share))
            else:
                self.onward[s].append(edge)
                self.indegree[t] += 1
            if props.get("async") is not True:
                sync_out.append(edge)

    def _router_chances(
        self, s: int, fractions: list[float | None], errors: list[dict[str, str]]
    ) -> list[float | None]:
        """Each out edge's chance to be a router's choice: its fraction, or an equal share of what
        the fractions leave (NaN for all when they add up to more than 1)."""
        total = math.fsum([f for f in fractions if f is not None])
        if total > 1 + 1e-9:
            errors.append(
                {
                    "loc": f"nodes[{s}]",
                    "msg": f"router {self.ids[s]!r}: the fractions of its out edges add up to {total:g}, above 1 "
                    "(a request takes exactly one of them)",
                }
            )
            return [math.nan] * len(fractions)
        unset = fractions.count(None)
        rest = (1 - total) / unset if unset else 0.0
        return [rest if f is None else f for f in fractions]

    def loop_path(self, members: Sequence[int], succ: Mapping[int, Sequence[int]] | Sequence[Sequence[int]]) -> str:
        """A cycle through the first of a loop's `members` (document order), as "a -> b -> a"."""
        inside = set(members)
        start = min(members)
        previous = {start: start}
        queue = deque([start])
        while queue:
            v = queue.popleft()
            for t in succ[v]:
                if t == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return " -> ".join(self.ids[u] for u in [*reversed(path), start])
                if t in inside and t not in previous:
                    previous[t] = v
                    queue.append(t)
        raise ValueError("the members form no loop")


_NO_PROPS: dict[str, Any] = {}
_NO_MEMBERS: frozenset[int] = frozenset()
_CALLS_LOW, _CALLS_HIGH = ESTIMATE_PROPS["calls"].low, ESTIMATE_PROPS["calls"].high
_RANGES = {
    (prop.element, key): (prop.low, prop.high, prop.above_low, prop.integer) for key, prop in ESTIMATE_PROPS.items()
}
_NODE_RANGES = {key: limits for (element, key), limits in _RANGES.items() if element == "node"}


def _callees_first(calls: Sequence[Sequence[Edge]], starts: Iterable[int]) -> tuple[list[int], list[int]]:
    """(order, looping): the nodes the `starts` call along `calls` (terminal calls left out),
    directly or not, each after its callees, those on or calling into a loop left out; and those,
    with the starts that call into a loop. One depth-first search from the starts' callees:
    nothing else is visited."""
    n = len(calls)
    # Lists rather than bytearrays: as fast here, and the compiled twin indexes a list natively.
    seen = [False] * n
    # Where a loop leads: a node on the search path reached again, or a node marked so.
    looped = [False] * n
    on_path = [False] * n
    order: list[int] = []
    looping: list[int] = []
    # The search path and each of its nodes' unread callees, as two parallel stacks (no tuple
    # per frame), as in graphs.strongly_connected_components.
    path: list[int] = []
    unread: list[Iterator[Edge]] = []
    starts = list(starts)
    for root in [t for v in starts for t, _, _, terminal, _ in calls[v] if not terminal]:
        if seen[root]:
            continue
        seen[root] = on_path[root] = True
        path.append(root)
        unread.append(iter(calls[root]))
        while path:
            v = path[-1]
            for t, _, _, terminal, _ in unread[-1]:
                if terminal:
                    continue
                if not seen[t]:
                    seen[t] = on_path[t] = True
                    path.append(t)
                    unread.append(iter(calls[t]))
                    break
                if on_path[t] or looped[t]:
                    looped[v] = True
            else:
                path.pop()
                unread.pop()
                on_path[v] = False
                if looped[v]:
                    looping.append(v)
                    if path:
                        looped[path[-1]] = True
                else:
                    order.append(v)
    for v in starts:
        if not seen[v] and any([looped[t] for t, _, _, terminal, _ in calls[v] if not terminal]):
            looping.append(v)
    return order, looping


def _solve_loop(members: list[int], net: _Network, inflow: list[float]) -> list[float] | None:
    """The rates of a loop's nodes: lambda_v - sum_u lambda_u x share(u, v) = inflow_v (plus what
    clients inside it send), or None when the loop multiplies load (gain >= 1).

    I - P^T is a Z-matrix, and it is a non-singular M-matrix (the loop's gain is below 1) exactly
    when Gaussian elimination without pivoting finds every pivot positive: the elimination tests
    the gain and solves at once. Rows are sparse dicts, for a loop of a real board is small.
    """
    local = {v: i for i, v in enumerate(members)}
    size = len(members)
    rows: list[dict[int, float]] = [{i: 1.0} for i in range(size)]
    rhs = [inflow[v] for v in members]
    holders: list[set[int]] = [{i} for i in range(size)]  # the rows with a term in column i
    onward, offered = net.onward, net.offered
    for u in members:
        i = local[u]
        for t, share, _, _, _ in onward[u]:
            j = local.get(t)
            if j is not None:
                rows[j][i] = rows[j].get(i, 0.0) - share
                holders[i].add(j)
                rhs[j] += offered[u] * share
    for i in range(size):
        pivot_row = rows[i]
        pivot = pivot_row[i]
        if not pivot > _SINGULAR:  # also catches NaN
            return None
        for j in holders[i]:
            if j <= i:
                continue
            row = rows[j]
            factor = row.pop(i) / pivot
            for col, value in pivot_row.items():
                if col != i:
                    row[col] = row.get(col, 0.0) - factor * value
                    holders[col].add(j)
            rhs[j] -= factor * rhs[i]
    rates = [0.0] * size
    for i in range(size - 1, -1, -1):
        row = rows[i]
        rates[i] = (rhs[i] - math.fsum([value * rates[col] for col, value in row.items() if col != i])) / row[i]
    return rates


def _unit_rates(net: _Network) -> list[float]:
    """Arrivals per second at each node at scale 1 (NaN where the routing has no answer)."""
    n = len(net.ids)
    rate = [0.0] * n  # what arrives to be sent on; terminal calls are added at the end
    onward, offered, indegree = net.onward, net.offered, net.indegree[:]
    # Kahn's order of the nodes no loop leads to, each sending on as it is taken: by then
    # everything it receives has arrived.
    order = [v for v in range(n) if net.active[v] and not indegree[v]]
    for v in order:  # the list grows while it is read
        emitted = rate[v] + offered[v]
        for t, share, _, _, _ in onward[v]:
            rate[t] += emitted * share
            indegree[t] -= 1
            if not indegree[t]:
                order.append(t)
    rest = [v for v in range(n) if indegree[v]]  # what a loop leads to, its own included

    def send(v: int, inside: frozenset[int]) -> None:
        emitted = rate[v] + offered[v]
        for t, share, _, _, _ in onward[v]:
            if t not in inside:
                rate[t] += emitted * share

    if rest:
        succ = {v: [edge[0] for edge in onward[v]] for v in rest}
        # Tarjan yields a component after every component it reaches: reversed, upstream first.
        for members in reversed(list(strongly_connected_components(rest, succ, n))):
            inside: frozenset[int] = _NO_MEMBERS
            if len(members) > 1:
                solved = _solve_loop(members, net, rate)
                if solved is None:
                    net.errors.append(
                        {
                            "loc": f"nodes[{min(members)}]",
                            "msg": f"the loop {net.loop_path(members, succ)} sends each request round again "
                            "at least once on average (gain >= 1), so its load grows without bound: lower "
                            "`calls` or `fraction` along it",
                        }
                    )
                    solved = [math.nan] * len(members)
                for v, value in zip(members, solved, strict=True):
                    rate[v] = value
                inside = frozenset(members)  # a loop's own edges are in its solution
            for v in members:
                send(v, inside)
    arrivals = rate[:]
    for v, t, share in net.terminal_calls:
        arrivals[t] += (rate[v] + offered[v]) * share
    return arrivals


# A node's M/M/c station: (rate, utilisation, wait_ms, mean_ms = W(v), variance of the sojourn in
# ms^2, covariance of two visits of one request (Algebra), 0 where requests rarely wait); wait,
# mean and variance are NaN over capacity. A plain tuple: one per node, built in a twentieth of a
# named tuple's time.
_Station = tuple[float, float, float, float, float, float]


def _station(service: float, servers: int, rate: float) -> _Station:
    load = rate * service / 1000  # in Erlangs
    utilisation = load / servers
    if not utilisation < 1:
        return (rate, utilisation, math.nan, math.nan, math.nan, 0.0)
    waits = erlang_c(servers, load)
    if not waits:
        return (rate, utilisation, 0.0, service, service * service, 0.0)
    drain = service / (servers - load)  # the mean wait of those who wait
    wait_variance = waits * (2 - waits) * drain * drain
    covariance = 0.0
    if waits >= _QUEUEING:
        covariance = utilisation * (wait_variance + service * service / servers)
    return (rate, utilisation, waits * drain, service + waits * drain, service * service + wait_variance, covariance)


class _Times:
    """R(v), its first-token variant, A_req(v) and the time distributions, callees first.

    Only the nodes that the `starts` call synchronously are computed: nothing else is read. Nodes
    on or calling into a synchronous loop get NaN, as do the callers of a node over capacity (NaN
    carries through the sums)."""

    def __init__(self, net: _Network, stations: list[_Station | None], starts: Iterable[int]) -> None:
        self.net = net
        n = len(net.ids)
        self.order, self.looping = _callees_first(net.sync_out, starts)
        nan = math.nan
        # What a node answers from its own station: for terminal calls, and the base of R.
        self.own_mean = [nan if s is None else s[3] for s in stations]
        own_mean, service_ms, first_token_ms = self.own_mean, net.service_ms, net.first_token_ms
        self.own_first = [own_mean[v] - service_ms[v] + first_token_ms[v] for v in range(n)]
        self.own_variance = [nan if s is None else s[4] for s in stations]
        self.mean = mean = [nan] * n
        self.first = first = [nan] * n
        self.reach = reach = [nan] * n
        own_mean, own_first, availability = self.own_mean, self.own_first, net.availability
        sync_out, is_router = net.sync_out, net.is_router
        # Only the stations a distribution can visit: the computed ones and the clients that
        # answer terminal calls. A board whose busy stations are all off the synchronous paths
        # (a queue's worker) then takes convolve's plain sums throughout.
        covariance = {v: s[5] for v in [*self.order, *net.clients] if (s := stations[v]) is not None and s[5] > 0}
        self.algebra = Algebra(covariance)
        self.own_visits = own_visits = [_NO_VISITS] * n
        for v in covariance:
            own_visits[v] = {v: 1.0}
        # Indexed by node; a node's entry is only read once it is computed (callers of a node
        # without one have a NaN mean and none either).
        self.distributions: list[Mixture] = [NOTHING] * n
        distributions, own_variance, convolve = self.distributions, self.own_variance, self.algebra.convolve
        calls_distribution = self.calls_distribution
        for v in self.order:
            # R(v) = W(v) + sum of share x R(callee); a terminal callee answers with its W alone.
            m, f, a = own_mean[v], own_first[v], 1.0
            router = is_router[v]
            for t, p, _, terminal, _ in sync_out[v]:
                if terminal:
                    m += p * own_mean[t]
                    f += p * own_first[t]
                    callee = availability[t]
                else:
                    m += p * mean[t]
                    f += p * first[t]
                    callee = reach[t]
                # A router's request fails only on the edge it takes: 1 - sum of p x (1 - A).
                a = a + p * (callee - 1) if router else a * callee
            mean[v], first[v], reach[v] = m, f, availability[v] * a
            if m != m:  # NaN: no distribution either
                continue
            # The end-to-end time distribution: the node's own time, then its calls'.
            calls = calls_distribution(v)
            own = own_mean[v]
            if not own > 0:
                distributions[v] = calls  # what convolve gives for no time of its own
            elif calls is NOTHING:
                distributions[v] = ((1.0, own, own_variance[v], own_visits[v]),)
            elif not own_visits[v]:
                # convolve's sum of one component and a mixture, without building the one
                variance = own_variance[v]
                distributions[v] = tuple([(w, own + mc, variance + vc, nc) for w, mc, vc, nc in calls])
            else:
                distributions[v] = convolve(self.own_distribution(v), calls)

    def calls_mean(self, v: int) -> float:
        own, full = self.own_mean, self.mean
        return sum([p * (own if terminal else full)[t] for t, p, _, terminal, _ in self.net.sync_out[v]], 0.0)

    def calls_first(self, client: int) -> float:
        """The time of a client's calls to the first token it sees: LLMs answer at their first
        token along its edges that stream (sse, websocket), and along an edge to another client
        as that client sees it (users -> a browser that streams)."""
        total = 0.0
        for t, p, _, _, streams in self.net.sync_out[client]:
            if streams:
                total += p * self.first[t]
            elif self.net.is_client[t]:
                total += p * (self.own_first[t] + self.calls_first(t))
            else:
                total += p * self.mean[t]
        return total

    def calls_reach(self, v: int) -> float:
        net = self.net
        availability, reach = net.availability, self.reach
        edges = net.sync_out[v]
        if net.is_router[v]:
            chosen = sum([p for _, p, _, _, _ in edges], 0.0)
            return (
                sum([p * (availability if terminal else reach)[t] for t, p, _, terminal, _ in edges], 0.0) + 1 - chosen
            )
        return math.prod([(availability if terminal else reach)[t] for t, _, _, terminal, _ in edges], start=1.0)

    def own_distribution(self, v: int) -> Mixture:
        mean = self.own_mean[v]
        return ((1.0, mean, self.own_variance[v], self.own_visits[v]),) if mean > 0 else NOTHING

    def calls_distribution(self, v: int) -> Mixture:
        """The time of v's synchronous calls for one request handled at v."""
        net = self.net
        edges = net.sync_out[v]
        if not edges:
            return NOTHING
        distributions = self.distributions
        if net.is_router[v]:
            chosen = sum([p for _, p, _, _, _ in edges], 0.0)
            parts = [(p, self.own_distribution(t) if terminal else distributions[t]) for t, p, _, terminal, _ in edges]
            return mix([*parts, (1 - chosen, NOTHING)])
        algebra = self.algebra
        total = NOTHING
        convolve = algebra.convolve
        for t, _, calls, terminal, _ in edges:
            d = self.own_distribution(t) if terminal else distributions[t]
            if calls != 1:
                d = algebra.repeated(d, calls)
            total = d if total is NOTHING else convolve(total, d)
        miss = net.miss[v]
        if miss < 1:
            total = mix(((1 - miss, NOTHING), (miss, total)))
        return total

    def loop_reasons(self) -> dict[int, str]:
        """For each client that reaches a synchronous loop, the loop, as "a -> b -> a"."""
        net = self.net
        if not self.looping:
            return {}
        succ = [[t for t, _, _, terminal, _ in out if not terminal] for out in net.sync_out]
        loops: dict[int, str] = {}
        for members in strongly_connected_components(self.looping, succ, len(net.ids)):
            if len(members) > 1:
                loops.update(dict.fromkeys(members, net.loop_path(members, succ)))
        looping = set(self.looping)
        reasons: dict[int, str] = {}
        for client in net.clients:
            if client not in looping:
                continue
            seen = {client}
            queue = deque([client])
            while client not in reasons:
                v = queue.popleft()
                if v in loops:
                    reasons[client] = loops[v]
                for t in succ[v]:
                    if t not in seen:
                        seen.add(t)
                        queue.append(t)
        return reasons


def estimate_board(doc: dict[str, Any], *, scale: float = 1.0, version: int | None = None) -> dict[str, Any]:
    """The estimate of a validated board at `scale` (SPEC section 8)."""
    net = _Network(doc)
    unit = _unit_rates(net)
    # Indexed rather than zipped: the compiled twin then builds no tuple per node.
    service_ms, servers, active = net.service_ms, net.servers, net.active
    stations = [_station(service_ms[v], servers[v], unit[v] * scale) if active[v] else None for v in range(len(unit))]
    times = _Times(net, stations, net.clients)
    loops = times.loop_reasons()
    # Clients that call the same way share one distribution, and its percentile. The cache holds
    # the distribution too: an id is only unique while its object lives, and a client's own
    # mixture (several calls) is dropped after its turn, so a later one could take its id.
    percentiles: dict[int, tuple[Mixture, float]] = {}
    entries = []
    for c in net.clients:
        mean = times.calls_mean(c)
        p99 = first = math.nan
        if math.isfinite(mean):  # so no loop: calls_first can follow clients calling clients
            first = times.calls_first(c)
            distribution = times.calls_distribution(c)
            shared = percentiles.get(id(distribution))
            if shared is None:
                shared = percentiles[id(distribution)] = (distribution, percentile(distribution))
            p99 = shared[1]
        if (mean == math.inf or math.isfinite(mean)) and not math.isfinite(p99):
            net.errors.append(
                {
                    "loc": f"nodes[{c}]",
                    "msg": f"client {net.ids[c]!r}: its time is too long to compute (about 1e150 ms or more): "
                    "check the service times and `calls` along its calls",
                }
            )
        availability = times.calls_reach(c)
        if c in loops:
            availability = math.nan
            net.errors.append(
                {
                    "loc": f"nodes[{c}]",
                    "msg": f"client {net.ids[c]!r} reaches the synchronous loop {loops[c]}, so it has no time or "
                    "availability: make one of the loop's edges async",
                }
            )
        entries.append(
            {
                "client": net.ids[c],
                "rps": net.offered[c] * scale,
                "mean_ms": _finite(mean),
                "p99_ms": _finite(p99),
                "first_token_ms": _finite(first),
                "availability": _finite(availability),
                "slo_p99_ms": net.slo[c],
            }
        )
    isfinite, ids, servers, up = math.isfinite, net.ids, net.servers, net.availability
    nodes: dict[str, dict[str, float | None]] = {}
    busiest, highest, unknown = None, 0.0, False
    for v, station in enumerate(stations):
        if station is not None:
            rate, utilisation, wait, sojourn, _, _ = station
            if utilisation > highest:  # False for NaN
                busiest, highest = v, utilisation
            elif utilisation != utilisation:
                unknown = True
            if utilisation < 1:  # then all four are finite (see _station): the common case
                nodes[ids[v]] = {
                    "rate": rate,
                    "servers": servers[v],
                    "utilisation": utilisation,
                    "wait_ms": wait,
                    "mean_ms": sojourn,
                    "availability": up[v],
                }
                continue
            nodes[ids[v]] = {  # _finite inlined: thousands of nodes, four figures each
                "rate": rate if isfinite(rate) else None,
                "servers": servers[v],
                "utilisation": utilisation if isfinite(utilisation) else None,
                "wait_ms": wait if isfinite(wait) else None,
                "mean_ms": sojourn if isfinite(sojourn) else None,
                "availability": up[v],
            }
    return {
        "board": doc.get("name") or "",
        "version": version,
        "scale": scale,
        "entries": entries,
        "nodes": nodes,
        "bottleneck": None if busiest is None else ids[busiest],
        # At scale 1 the stations' utilisations are the ones max_scale reads, to the last bit.
        "max_scale": (None if unknown else _filled_at(highest)) if scale == 1 else _max_scale(net, unit),
        "errors": net.errors,
    }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _max_scale(net: _Network, unit: list[float]) -> float | None:
    """Rates grow in proportion to scale, so the busiest node at scale 1 reaches a utilisation
    of 1 at scale 1 / its utilisation."""
    highest = 0.0
    for rate, service, servers, active in zip(unit, net.service_ms, net.servers, net.active, strict=True):
        if active:
            utilisation = rate * service / 1000 / servers
            if utilisation != utilisation:  # NaN
                return None
            if utilisation > highest:
                highest = utilisation
    return _filled_at(highest)


def _filled_at(highest: float) -> float | None:
    """The scale at which the busiest node, at `highest` utilisation at scale 1, is full."""
    # A load too small for any float scale to fill the busiest node has no max_scale either.
    return _finite(1 / highest) if highest > 0 else None


# ---------------------------------------------------------------------------------------------
# The compiled twin: this module built by mypyc into a C extension (`make install` runs
# scripts/build_native.py) runs the whole estimate about twice as fast, with the same
# arithmetic in the same order, so the same figures to the last bit. It records a digest of the
# sources it was built from and is used only when they are the sources here: an edited estimate
# (or a module it reads) runs as written until it is built again, never a stale build.

NATIVE_MODULE = "whiteboard.domain._estimate_native"
NATIVE_SOURCES = ("estimate.py", "graphs.py", "palette.py")


def native_digest() -> str:
    """The digest of the sources the twin is built from, as the build records it."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in NATIVE_SOURCES:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    return digest.hexdigest()


def compiled_twin(digest: str | None = None) -> Any:
    """The compiled twin when it is built and was built from these sources (or from those with
    `digest`), else None."""
    try:
        twin = importlib.import_module(NATIVE_MODULE)
    except ImportError:
        return None
    return twin if getattr(twin, "SOURCE_DIGEST", None) == (digest or native_digest()) else None


pure_estimate_board = estimate_board
# Only this module looks for the twin: the twin is this file under another name.
if __name__ == "whiteboard.domain.estimate":
    _twin = compiled_twin()
    if _twin is not None:
        estimate_board = _twin.estimate_board
