"""Capacity and resilience: replicas, quorums, and the single instances and remote calls that
the work waits on."""

from __future__ import annotations

import re
from collections.abc import Iterator

from whiteboard.domain.review.graph import HOSTED_LLM_TECHS, SCALES_ITSELF, BoardGraph
from whiteboard.domain.review.registry import Finding, rules_of

rule = rules_of("capacity")


@rule(
    "single-instance-consumer",
    severity="warning",
    title="A consumer of a queue or stream runs as one instance",
    hint="Run the consumer with replicas >= 2 (competing consumers, or members of one consumer group).",
)
def single_instance_consumer(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: what a queue or stream delivers to a consumer waits for that consumer: for a
    stream, every message of its consumer group; for the only consumer of a queue, every message.
    On one process, a crash, a poison message or a redeploy stops that flow while the producers
    carry on and see nothing wrong, and the backlog grows.

    How to fix: run the consumer with `replicas` >= 2 (competing consumers on a queue, members of
    one consumer group on a stream). Consumers are the compute and AI components a messaging node
    delivers to; serverless functions scale out by themselves, and a dead-letter queue drained by
    hand is exempt.

    Example: `api -> queue -> worker` with one worker replica is flagged; with `"replicas": 2`
    on the worker it is not.
    """
    cats, kinds, dead_letter = g.categories, g.kinds, g.dead_letter_queues
    for i in g.of_category("messaging"):
        if dead_letter[i]:
            continue
        consumers = dict.fromkeys(g.dst[k] for k in g.out_edges[i] if cats[g.dst[k]] in ("compute", "ai"))
        for c in consumers:
            if g.replicas(c) < 2 and kinds[c] not in SCALES_ITSELF:
                yield Finding(
                    [g.ids[i], g.ids[c]],
                    [g.edge_id(k) for k in g.out_edges[i] if g.dst[k] == c],
                    f"{g.describe(c)} consumes {g.describe(i)} as a single instance.",
                )


# Kinds whose replicas are not the board's to count: a person approving, a tool (most often a
# function or a SaaS API behind a thin wrapper).
_NOT_REPLICATED_HERE = frozenset({"human_approval", "tool"})


@rule(
    "single-instance-on-request-path",
    severity="warning",
    title="A component that client requests wait on runs as one instance",
    hint="Run it with replicas >= 2 (behind a load balancer), or make the call asynchronous.",
)
def single_instance_on_request_path(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: every client request that reaches the component waits on one process. Its
    crash, deploy or long pause is an outage of every feature behind it, and it cannot scale out
    when the load grows.

    How to fix: run it with `replicas` >= 2 (stateless instances behind a load balancer, or a
    primary with a standby), or take it off the synchronous path. Checked for the compute and AI
    components clients reach through synchronous calls; serverless functions, tools and human
    approvals are exempt, and what single-point-of-failure, flow-bottleneck or llm-path-bottleneck
    report is left to them.

    Example: `browser -> gw -> api -> search -> index` with `api -> index` too: `search` at one
    replica is no articulation point and guards nothing alone, yet every search waits on it, so
    it is flagged; with `"replicas": 2` it is not.
    """
    on_path, cats, kinds = g.request_path, g.categories, g.kinds
    cut, gated, gates_llm = g.is_cut, g.gated, g.gates_llm
    for v in range(len(g)):
        if not on_path[v] or (cats[v] != "compute" and cats[v] != "ai") or g.replicas(v) >= 2:
            continue
        if (
            kinds[v] in SCALES_ITSELF
            or kinds[v] in _NOT_REPLICATED_HERE
            or (kinds[v] == "llm" and g.tech(v) in HOSTED_LLM_TECHS)
        ):
            continue
        if cut[v] or gated[v] >= 0 or gates_llm[v] >= 0:
            continue
        yield Finding([g.ids[v]], message=f"Client requests wait on {g.describe(v)}, which runs as a single instance.")


# Managed, serverless messaging: the provider replicates it across zones.
MANAGED_MESSAGING = frozenset(
    {
        "sqs",
        "sns",
        "eventbridge",
        "gcp-pubsub",
        "kinesis",
        "event-grid",
        "cloud-tasks",
        "azure-service-bus",
        "event-hubs",
    }
)


@rule(
    "broker-single-replica",
    severity="warning",
    title="A message broker or stream with one replica",
    hint="Run a cluster (replicas >= 2: quorum queues, a replication factor of 3), or a managed service.",
)
def broker_single_replica(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a broker holds the messages nobody has processed yet. On one node, its crash
    stops every producer and consumer at once and a lost disk loses the messages in flight: the
    asynchronous half of the design becomes its single point of failure.

    How to fix: run a cluster and record it as `replicas` >= 2 (quorum or mirrored queues, a
    replication factor of 3 for a topic). Serverless managed services replicate by themselves and
    are exempt when the node names one as its technology (`sqs`, `sns`, `eventbridge`,
    `gcp-pubsub`, `kinesis`, `event-grid`, `cloud-tasks`, `azure-service-bus`, `event-hubs`).

    Example: `{"kind": "event_stream", "props": {"tech": "kafka"}}` is flagged; with
    `"replicas": 3` it is not, and neither is `{"kind": "queue", "props": {"tech": "sqs"}}`.
    """
    for i in g.of_category("messaging"):
        if g.replicas(i) < 2 and g.tech(i) not in MANAGED_MESSAGING:
            yield Finding([g.ids[i]], message=f"Broker {g.describe(i)} runs as a single replica.")


QUORUM = 3
# Discovery that keeps no consensus state of its own: DNS, meshes, a cloud's registry.
_NO_CONSENSUS = frozenset({"coredns", "istio", "linkerd", "cloud-map"})


@rule(
    "coordination-without-quorum",
    severity="warning",
    title=f"A coordination service with fewer than {QUORUM} members",
    hint="Run 3 members (5 to survive two failures) so that a majority survives a failure.",
)
def coordination_without_quorum(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: consensus stores (ZooKeeper, etcd, Consul) accept a write only when a majority
    of their members agree. One member is a single point of failure for every lock, leader
    election and configuration read; two are worse than one, as losing either stops the majority.

    How to fix: run 3 members (5 to survive two failures) and set `replicas` accordingly. Checked
    for `service_discovery` nodes whose technology is a consensus store or that name none;
    DNS-based or managed discovery (`coredns`, `istio`, `linkerd`, `cloud-map`) is exempt.

    Example: `{"kind": "service_discovery", "props": {"tech": "zookeeper", "replicas": 2}}` is
    flagged; with `"replicas": 3` it is not.
    """
    for i in g.of_kind("service_discovery"):
        if g.tech(i) not in _NO_CONSENSUS and g.replicas(i) < QUORUM:
            yield Finding(
                [g.ids[i]],
                message=f"Coordination service {g.describe(i)} has {g.replicas(i)} member(s): "
                f"a quorum needs {QUORUM} to survive a failure.",
            )


_RETRY_PROPS = ("retry", "retries", "max_retries", "retry_policy", "circuit_breaker", "fallback")
_RETRY_WORDS = re.compile(
    r"retr(?:y|ies|ied|ying)|circuit[- ]?breaker|back-?off|fall(?:s|ing)?[- ]?back", re.IGNORECASE
)


def _says_resilient(g: BoardGraph, k: int) -> bool:
    """Does the board say that the call over edge k is retried, broken or has a fallback?"""
    props = g.edge_props(k)
    if any(props.get(key) not in (None, False, 0, "") for key in _RETRY_PROPS):
        return True
    # Notes, not labels: a label names the call ("Fallback completion"), a note says how it behaves.
    texts = (props.get("notes"), g.props[g.src[k]].get("notes"))
    return any(isinstance(text, str) and _RETRY_WORDS.search(text) for text in texts)


# How boards name a model behind someone else's API, drawn as an external system.
_LLM_PROVIDER_NAME = re.compile(
    r"llm|openai|anthropic|claude|gpt|gemini|mistral|cohere|hugging ?face|model (?:api|provider)|inference api",
    re.IGNORECASE,
)


def llm_providers(g: BoardGraph) -> list[int]:
    """LLMs served by someone else: `llm` nodes with a provider's API as `tech`, and external
    systems named as one ("OpenAI API", "LLM provider")."""
    hosted = [i for i in g.of_kind("llm") if g.tech(i) in HOSTED_LLM_TECHS]
    named = [i for i in g.of_kind("external_system") if _LLM_PROVIDER_NAME.search(f"{g.ids[i]} {g.labels[i]}")]
    return sorted(hosted + named)


def unguarded_calls(g: BoardGraph, providers: list[int]) -> Iterator[tuple[int, int]]:
    """(edge, provider): the synchronous calls to the providers from components clients wait
    on, that nothing on the board says are retried, broken or have a fallback. An edge back to a
    provider that calls in itself (a reply on its session) is not a call to it."""
    cats, on_path, is_async = g.categories, g.request_path, g.is_async
    for p in providers:
        callers_back = set(g.succ[p])
        for k in g.in_edges[p]:
            u = g.src[k]
            if cats[u] == "client" or not on_path[u] or is_async[k] or u in callers_back:
                continue
            if not _says_resilient(g, k):
                yield k, p


def call_finding(g: BoardGraph, k: int, p: int) -> Finding:
    u = g.src[k]
    return Finding(
        [g.ids[u], g.ids[p]],
        [g.edge_id(k)],
        f"{g.describe(u)} calls {g.describe(p)} synchronously while a client waits, with no queue or retry.",
    )


PAYMENT_TECHS = frozenset({"stripe", "paypal", "adyen"})
# How boards name a payment provider drawn as an external system.
_PAYMENT_NAME = re.compile(r"\bpsp\b|payment|card network|acquirer|\bbank\b", re.IGNORECASE)


def payment_providers(g: BoardGraph) -> list[int]:
    """External systems that move money: a payment technology, or named as a payment provider."""
    return [
        i
        for i in g.of_kind("external_system")
        if g.tech(i) in PAYMENT_TECHS or _PAYMENT_NAME.search(f"{g.ids[i]} {g.labels[i]}")
    ]


@rule(
    "payment-provider-without-retry",
    severity="warning",
    title="A payment provider called synchronously on the request path with no queue or retry",
    hint="Retry with the same idempotency key, with a timeout and a circuit breaker (say so on the edge), or queue it.",
)
def payment_provider_without_retry(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a payment provider times out now and then, and a timed-out authorization may
    or may not have happened. With nothing on the board to retry it safely (the same idempotency
    key), check its status, or break the circuit when the provider is down, a timeout becomes a
    failed checkout, or a customer charged twice.

    How to fix: retry with the same idempotency key and a bounded budget, behind a timeout and a
    circuit breaker, or take the call off the request path (a queue and a worker), and say so on
    the board: an edge prop (`retries`, `retry`, `circuit_breaker`, `fallback`) or a note on the
    edge or the caller. Payment providers are external systems with a payment technology
    (stripe, paypal, adyen) or named as one ("PSP", "Payment provider", "card networks").

    Example: `browser -> gw -> payments -> psp` is flagged for the last edge; with the caller's
    note "retries with the same idempotency key, circuit breaker per PSP", it is not.
    """
    for k, p in unguarded_calls(g, payment_providers(g)):
        yield call_finding(g, k, p)


@rule(
    "external-call-without-retry",
    severity="info",
    title="An external system called synchronously on the request path with no queue or retry",
    hint="Hand the call to a queue, or retry it with a timeout and backoff (and say so on the edge).",
)
def external_call_without_retry(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a third-party API (a maps service, a reputation check) fails and slows down on
    its own schedule. Called synchronously while a client waits, its timeouts are your users'
    errors and its outage is yours. Whether a call needs more than a timeout depends on the
    provider and on what the product can do without it, so this is advice, not a warning.

    How to fix: hand the call to a queue and a worker when the client need not wait for it, or
    make the synchronous call resilient and say so on the board: an edge prop (`retries`,
    `retry`, `circuit_breaker`, `fallback`), or a note on the edge or the caller that describes
    the retries, backoff, circuit breaker or fallback. Hosted LLMs and payment providers are
    left to llm-provider-without-retry and payment-provider-without-retry, warnings.

    Example: `browser -> gw -> pricing -> maps` (an external system) is reported for the last
    edge; with `"retries": 2` on it, or with `pricing -> queue -> worker -> maps`, it is not.
    """
    own_rules = {*llm_providers(g), *payment_providers(g)}
    for k, p in unguarded_calls(g, [i for i in g.of_kind("external_system") if i not in own_rules]):
        yield call_finding(g, k, p)


# Load (SPEC section 8): only when some client sends load (`rps`).
NEAR_CAPACITY = 0.8


@rule(
    "over-capacity",
    severity="error",
    title="A component gets more requests than it can serve",
    hint="Add replicas or concurrency, make it faster, or take load off it (a cache, a queue); "
    "`manage.py estimate` shows the largest scale the board can take.",
)
def over_capacity(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a component whose servers would need to be busy more than all of the time
    builds a queue that never drains: waits grow until requests time out, and callers retry,
    which adds more load.

    How to fix: give it more servers (`replicas`, `concurrency`), make each request cheaper
    (`latency_ms`), or send it fewer requests: a cache in front (`hit_ratio`), fewer `calls`, or
    a queue that smooths the load. The estimate (`GET /api/boards/{id}/estimate`) names the
    bottleneck and the largest scale the board can take.

    Example: `browser (rps 200) -> service (latency_ms 20, concurrency 2)` needs 4 busy servers
    of 2 (utilisation 2.0) and is flagged; with `"replicas": 3` and `"concurrency": 2` it runs at
    0.67 and is not.
    """
    load = g.load
    if load is None:
        return
    for node_id, figures in load["nodes"].items():
        utilisation = figures["utilisation"]
        if utilisation is not None and utilisation >= 1:
            yield Finding(
                [node_id],
                message=f"{g.describe(g.index[node_id])} is over capacity: {figures['rate']:.4g} requests/s need "
                f"{utilisation * figures['servers']:.4g} busy servers of its {figures['servers']} "
                f"(utilisation {utilisation:.2f}), so its queue grows without bound.",
            )


@rule(
    "near-capacity",
    severity="warning",
    title="A component runs close to its capacity",
    hint="Keep utilisation under 80 %: add replicas or concurrency, or take load off it.",
)
def near_capacity(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: waiting time grows steeply as utilisation approaches 1 (in M/M/1 the wait is
    rho / (1 - rho) service times: 4 at 80 %, 9 at 90 %), so a component past 80 % is slow
    already and the next burst or a lost replica pushes it over.

    How to fix: add headroom: more `replicas` or `concurrency`, a faster implementation, or less
    load through a cache or a queue. The estimate's `max_scale` says how much growth the board
    takes before something is over capacity.

    Example: `browser (rps 90) -> service (latency_ms 10, concurrency 1)` runs at 0.9 and is
    flagged; with `"replicas": 2` it runs at 0.45 and is not.
    """
    load = g.load
    if load is None:
        return
    for node_id, figures in load["nodes"].items():
        utilisation = figures["utilisation"]
        if utilisation is not None and NEAR_CAPACITY <= utilisation < 1:
            yield Finding(
                [node_id],
                message=f"{g.describe(g.index[node_id])} runs at {utilisation:.0%} of its capacity "
                f"({figures['rate']:.4g} requests/s on {figures['servers']} servers).",
            )


@rule(
    "slo-breach",
    severity="warning",
    title="A client's 99th-percentile time is above its SLO",
    hint="Cut or parallelise the slowest synchronous calls, make some async, or add capacity at the bottleneck.",
)
def slo_breach(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: one request in a hundred takes longer than the p99, and a page that makes a
    few requests meets it far more often than that; a p99 above the client's `slo_p99_ms` means
    the target is missed by design, before anything fails.

    How to fix: look at the client's synchronous call tree: remove or cache slow calls, turn
    calls that need no answer into async ones, stream LLM answers, and add capacity where the
    estimate shows long waits (`wait_ms`).

    Example: `browser (rps 10, slo_p99_ms 2000) -> api -> llm` with a 3-second model is flagged;
    with `"slo_p99_ms": 15000` it is not.
    """
    load = g.load
    if load is None:
        return
    for entry in load["entries"]:
        p99, slo = entry["p99_ms"], entry["slo_p99_ms"]
        if p99 is not None and slo is not None and p99 > slo:
            yield Finding(
                [entry["client"]],
                message=f"Client {g.describe(g.index[entry['client']])} has an estimated p99 of {p99:,.0f} ms, "
                f"above its SLO of {slo:,.0f} ms.",
            )
