"""AI systems: agents, models, retrieval and their guardrails."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator

from whiteboard.domain.graphs import strongly_connected_components
from whiteboard.domain.review.graph import (
    CALLER_CATEGORIES,
    HOSTED_LLM_TECHS,
    SCALES_ITSELF,
    BoardGraph,
)
from whiteboard.domain.review.registry import Finding, rules_of
from whiteboard.domain.review.rules.capacity import call_finding, llm_providers, unguarded_calls

rule = rules_of("ai")

STREAMING_PROTOCOLS = frozenset({"sse", "websocket"})
MAX_SYNC_DEPTH = 4


_AGENTS = ("agent", "orchestrator")


@rule(
    "agent-cycle",
    severity="warning",
    title="Agents call each other in a loop",
    hint="Break the loop with a supervisor that owns termination, or bound it with a turn budget.",
    core=True,
)
def agent_cycle(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: agents that can hand work back and forth can do so forever: runaway token
    spend, unbounded latency, and conversations nobody can trace.

    How to fix: make the flow a tree (a supervisor delegates, workers answer), or document the
    loop's bound (a turn budget) and suppress the finding with that reason.

    Example: `planner -> critic -> planner` (both agents) is flagged; `supervisor -> planner`,
    `supervisor -> critic` is not.
    """
    members = g.of_kind(*_AGENTS)
    if len(members) < 2:
        return
    kinds = g.kinds
    inside: dict[int, list[int]] = {}
    for v in members:
        inside[v] = [w for w in g.succ[v] if kinds[w] in _AGENTS]
    for component in strongly_connected_components(members, inside, len(g)):
        if len(component) < 2:
            continue
        yield _cycle_finding(g, component, "Agents {} form a cycle.")


def _cycle_finding(g: BoardGraph, component: list[int], template: str) -> Finding:
    nodes = set(component)
    edges = [g.edge_id(k) for v in component for k in g.out_edges[v] if g.dst[k] in nodes]
    names = ", ".join(g.describe(v) for v in sorted(component, key=g.ids.__getitem__))
    return Finding([g.ids[v] for v in component], edges, template.format(names))


@rule(
    "no-streaming-to-client",
    severity="warning",
    title="Clients wait for LLM answers without streaming",
    hint="Stream tokens to the client: give a client edge protocol 'sse' or 'websocket'.",
    core=True,
)
def no_streaming_to_client(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: LLM answers take seconds to generate; without streaming, users stare at a
    spinner for the whole generation and time out on long answers.

    How to fix: stream partial output: mark a connection from the client with protocol `sse` or
    `websocket` (for example `browser -> websocket_server` with `"protocol": "websocket"`).

    Example: `browser -> api -> llm` over `https` is flagged; the same with the browser edge's
    protocol set to `sse` is not.
    """
    llms = g.of_kind("llm")
    if not llms:
        return
    reachable = g.reachable_from_clients
    reached = [i for i in llms if reachable[i]]
    if not reached:
        return
    for s in g.of_category("client"):
        for k in g.out_edges[s]:
            if g.edge_props(k).get("protocol") in STREAMING_PROTOCOLS:
                return
    names = ", ".join(g.describe(i) for i in reached[:5]) + (" ..." if len(reached) > 5 else "")
    yield Finding(
        [g.ids[i] for i in reached],
        message=f"Clients reach {names} but no client connection streams (sse or websocket).",
    )


@rule(
    "deep-sync-chain-to-llm",
    severity="warning",
    title=f"More than {MAX_SYNC_DEPTH} synchronous hops from a client to an LLM",
    hint="Make part of the chain asynchronous (queue + worker) or collapse hops.",
)
def deep_sync_chain_to_llm(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: every synchronous hop adds its latency and its failure rate to the request,
    and an LLM call already takes seconds. Past 4 hops in a row, timeouts stack up, retries
    multiply, and one slow hop fails the whole request.

    How to fix: hand long work to a queue and a worker and answer asynchronously, or merge hops
    that only forward (a load balancer and a gateway in a row can often be one component). A hop
    is one synchronous edge on the shortest chain of calls from a client to the LLM; the chain
    runs through clients, edge, compute and AI components (a database or a queue does not call
    on), and an edge with `"async": true` or protocol `amqp`/`kafka` breaks it.

    Example: `browser -> lb -> gw -> api -> agent -> llm` (5 hops) is flagged;
    `browser -> gw -> api -> agent -> llm` (4) is not.
    """
    llms = g.of_kind("llm")
    if not llms:
        return
    cats, is_async = g.categories, g.is_async
    n = len(g)
    inf = n + 1
    depth = [inf] * n
    via = [-1] * n  # the edge a shortest chain arrives by
    queue: deque[int] = deque()
    for s in g.of_category("client"):
        depth[s] = 0
        queue.append(s)
    while queue:
        v = queue.popleft()
        if cats[v] not in CALLER_CATEGORIES:
            continue
        dv = depth[v] + 1
        for k in g.out_edges[v]:
            if is_async[k]:
                continue
            w = g.dst[k]
            if dv < depth[w]:
                depth[w] = dv
                via[w] = k
                queue.append(w)
    for i in llms:
        if inf > depth[i] > MAX_SYNC_DEPTH:
            nodes, edges = [i], []
            v = i
            while via[v] >= 0:
                k = via[v]
                edges.append(g.edge_id(k))
                v = g.src[k]
                nodes.append(v)
            chain = " -> ".join(g.ids[v] for v in reversed(nodes))
            yield Finding(
                [g.ids[v] for v in nodes],
                edges,
                f"{g.describe(i)} is {depth[i]} synchronous hops from a client: {chain}.",
            )


_RETRIEVAL_STORES = frozenset({"vector_db", "search_index"})


@rule(
    "agent-without-tool-boundary",
    severity="warning",
    title="An agent reaches data or external systems without a tool in between",
    hint="Give the agent a `tool` node that wraps the access with its own permissions.",
)
def agent_without_tool_boundary(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: an agent's actions are chosen by a model, so prompt injection turns into
    whatever the agent can reach. Direct access to a database or an external system gives the
    model the full power of those credentials.

    How to fix: put a `tool` node between the agent and the resource: a narrow, permission-checked
    interface (read-only queries, allow-listed endpoints, human approval for writes).

    Retrieval stores (`vector_db`, `search_index`) are exempt: querying them is ordinary
    retrieval-augmented generation.

    Example: `agent -> sql_db` is flagged; `agent -> tool -> sql_db` is not.
    """
    for i in g.of_kind("agent"):
        targets, edges = [], []
        for k in g.out_edges[i]:
            t = g.dst[k]
            kind = g.kinds[t]
            if kind == "external_system" or (g.categories[t] == "data" and kind not in _RETRIEVAL_STORES):
                targets.append(t)
                edges.append(g.edge_id(k))
        if targets:
            names = ", ".join(g.describe(t) for t in dict.fromkeys(targets))
            yield Finding(
                [g.ids[i], *dict.fromkeys(g.ids[t] for t in targets)],
                edges,
                f"Agent {g.describe(i)} reaches {names} with no tool boundary.",
            )


@rule(
    "llm-path-bottleneck",
    severity="warning",
    title="Every path from the clients to an LLM crosses one unreplicated component",
    hint="Replicate it (replicas >= 2) or add a second route to the model.",
)
def llm_path_bottleneck(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: the AI features of the product depend on every component that all requests
    to the model pass through. If one of them runs as a single instance, its failure takes every
    AI feature down, even when the rest of the system is healthy.

    How to fix: replicate the component (`replicas` >= 2) or give the requests a second route.
    Found with dominators: the component lies on every directed path from any client to the LLM.
    The LLM itself counts: a model served by a single replica is the bottleneck of its own path,
    unless a provider serves it (`tech` bedrock, azure-openai, vertex-ai). Serverless functions
    scale out by themselves.

    Example: `browser -> gw -> agent -> llm` with one replica each is flagged for `gw`, `agent`
    and `llm`; with `replicas: 2` on all three it is not.
    """
    if not g.of_kind("llm"):
        return
    gates_llm, cats, kinds = g.gates_llm, g.categories, g.kinds
    for v in range(len(g)):
        gated = gates_llm[v]
        if gated < 0 or cats[v] == "client" or g.replicas(v) >= 2 or kinds[v] in SCALES_ITSELF:
            continue
        if kinds[v] == "llm" and g.tech(v) in HOSTED_LLM_TECHS:
            continue  # a provider's API: no replicas of the board's to count
        if v == gated:
            message = f"{g.describe(v)} serves the clients with one replica: its failure stops every AI feature."
        else:
            message = (
                f"Every path from the clients to {g.describe(gated)} goes through {g.describe(v)}, "
                "which has one replica."
            )
        yield Finding([g.ids[v]], message=message)


@rule(
    "llm-without-rate-limit",
    severity="warning",
    title="Clients reach an LLM through no rate limit",
    hint="Put a rate-limited gateway (rate_limited: true) on the path to the model.",
)
def llm_without_rate_limit(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: every call to a model costs money. A path from clients to an LLM with no rate
    limit lets one script spend the month's budget in an hour (denial of wallet).

    How to fix: mark a component on every path as `"rate_limited": true` (usually the API
    gateway) and configure per-user quotas there.

    Example: `browser -> api -> llm` is flagged; `browser -> gw -> api -> llm` with
    `"rate_limited": true` on `gw` is not.
    """
    llms = g.of_kind("llm")
    if not llms:
        return
    limited, succ = g.rate_limited, g.succ
    state = bytearray(len(g))  # 0: not reached, 1: reached through no limit, 2: rate limited
    stack = []
    for s in g.of_category("client"):
        if not state[s]:
            state[s] = 2 if limited[s] else 1
            if state[s] == 1:
                stack.append(s)
    while stack:
        for w in succ[stack.pop()]:
            if not state[w]:
                if limited[w]:
                    state[w] = 2
                else:
                    state[w] = 1
                    stack.append(w)
    for i in llms:
        if state[i] == 1:
            yield Finding(
                [g.ids[i]],
                message=f"Clients reach {g.describe(i)} through no rate-limited component.",
            )


@rule(
    "vector-db-without-embedding-model",
    severity="info",
    title="A vector database but no embedding model",
    hint="Add the embedding model that turns documents and queries into vectors.",
)
def vector_db_without_embedding_model(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: vectors are only comparable when documents and queries are embedded by the
    same model. A board with a vector store and no embedding model hides the component whose
    version change silently breaks retrieval.

    How to fix: add an `embedding_model` node and connect it where documents are indexed and
    queries are embedded.

    Example: `agent -> vector_db` alone is flagged; adding `agent -> embedding_model` clears it.
    """
    stores = g.of_kind("vector_db")
    if stores and not g.of_kind("embedding_model"):
        yield Finding(
            [g.ids[i] for i in stores],
            message="The board has a vector database but no embedding model.",
        )


# Components that put documents into an index: pipelines run as workers, functions or scheduled
# jobs, the embedding model writing its vectors, and anything fed by a queue or stream.
_INGESTION_KINDS = frozenset({"embedding_model", "worker", "function", "scheduler"})


def _ingests(g: BoardGraph, w: int) -> bool:
    """Does component w write documents into the stores it has edges to (as opposed to querying them)?"""
    cats = g.categories
    if g.kinds[w] in _INGESTION_KINDS or cats[w] == "messaging":
        return True
    return cats[w] == "compute" and any(cats[p] == "messaging" for p in g.pred[w])


@rule(
    "vector-db-without-ingestion",
    severity="warning",
    title="A vector database that nothing writes embeddings into",
    hint="Draw the ingestion: a worker that embeds documents and upserts them (worker -> vector_db).",
)
def vector_db_without_ingestion(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a retrieval index is only as good as what is put into it. With only queries
    drawn against it, the board hides the pipeline that chunks, embeds and upserts documents: who
    runs it, how fresh the index is, and whether everything is re-embedded when the embedding
    model changes. Often that pipeline does not exist yet.

    How to fix: draw the ingestion: a worker, function or scheduled job, the embedding model, or a
    consumer of a queue or stream, with an edge into the vector database. Agents, tools, LLMs and
    request-path services that query the store are its readers.

    Example: `agent -> vector_db` alone is flagged; adding `indexer (a worker) -> vector_db`
    clears it.
    """
    for i in g.of_kind("vector_db"):
        if not any(_ingests(g, w) for w in g.pred[i]):
            yield Finding([g.ids[i]], message=f"Nothing writes embeddings into {g.describe(i)}.")


# What a tool may read without acting on anything: retrieval and models.
_READ_ONLY_TARGETS = frozenset({"vector_db", "search_index", "embedding_model", "llm"})
_MODEL_DRIVEN = ("llm", "agent", "orchestrator")


def _acts(g: BoardGraph, tool: int) -> bool:
    """Does the tool write or execute? Unless it is marked read-only or only reads retrieval
    stores and models, it is taken to: a tool with no edges out still runs code or calls an API."""
    if g.props[tool].get("read_only") is True:
        return False
    targets = g.succ[tool]
    return not targets or any(g.kinds[w] not in _READ_ONLY_TARGETS for w in targets)


def _unchecked_reach(g: BoardGraph, sources: list[int]) -> tuple[bytearray, list[int]]:
    """What the sources reach along paths with no checked component after the source: a guardrail,
    a human approval, or a component that consults one stops a path. Also, per node, a source
    that reaches it (-1 if none)."""
    checked, succ = g.checked, g.succ
    origin = [-1] * len(g)
    reached = bytearray(len(g))
    stack = []
    for s in sources:
        if not reached[s]:
            reached[s] = True
            origin[s] = s
            stack.append(s)
    while stack:
        v = stack.pop()
        for w in succ[v]:
            if not reached[w]:
                reached[w] = True
                origin[w] = origin[v]
                if not checked[w]:
                    stack.append(w)
    return reached, origin


@rule(
    "agent-action-without-guardrail",
    severity="warning",
    title="Model output reaches a tool that acts, with no guardrail or human approval",
    hint="Check the action first: agent -> guardrail -> tool, agent -> human_approval -> tool, or agent -> guardrail.",
    references=("OWASP LLM06:2025 Excessive Agency", "OWASP LLM05:2025 Improper Output Handling"),
)
def agent_action_without_guardrail(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: an agent's tool calls are written by a model, and models follow instructions
    hidden in what they read (a web page, a document, a ticket). A tool that writes or executes
    turns those instructions into actions: deleted data, money sent, code deployed. With nothing
    between the model and the tool, nothing checks the action before it happens.

    How to fix: put a `guardrail` (an allow-list of actions and arguments, a policy check) or a
    `human_approval` step between the model and the tool, inline (`agent -> guardrail -> tool`)
    or consulted by the agent or the tool (`agent -> guardrail`). A tool is taken to act unless it
    is marked `"read_only": true` or every edge out of it goes to a retrieval store, an embedding
    model or an LLM; a tool with no edges out still runs code or calls an API.

    Example: `agent -> tool -> sql_db` is flagged; `agent -> human_approval -> tool -> sql_db` is
    not, and neither is `agent -> search_tool -> vector_db`.
    """
    tools = g.of_kind("tool")
    if not tools:
        return
    checked = g.checked
    sources = [v for v in g.of_kind(*_MODEL_DRIVEN) if not checked[v]]
    reached, origin = _unchecked_reach(g, sources)
    for t in tools:
        if reached[t] and not checked[t] and _acts(g, t):
            yield Finding(
                [g.ids[t]],
                message=f"{g.describe(origin[t])} drives tool {g.describe(t)}, which acts, "
                "with no guardrail or human approval on the way.",
            )


@rule(
    "untrusted-input-without-guardrail",
    severity="warning",
    title="Client input reaches a prompt or a RAG index with no guardrail",
    hint="Screen input on its way in: gateway -> guardrail -> agent, or the service consults a guardrail.",
    references=(
        "OWASP LLM01:2025 Prompt Injection",
        "OWASP LLM04:2025 Data and Model Poisoning",
        "OWASP LLM08:2025 Vector and Embedding Weaknesses",
    ),
)
def untrusted_input_without_guardrail(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: whatever a client sends can carry instructions for the model (prompt
    injection). Straight into a prompt, it can take the conversation over; written into a
    retrieval index, it waits there for every later question that retrieves it (indirect
    injection, a poisoned index).

    How to fix: screen input before it reaches an LLM, and on the ingestion path before documents
    are embedded into a vector database: a `guardrail` inline (`gateway -> guardrail -> agent`) or
    consulted by a component on the way (`rag_service -> guardrail`). Paths start at clients
    (browsers, apps, external systems), follow synchronous and asynchronous edges alike, and stop
    at a guardrail or human approval or at a component that consults one. Queries against a
    vector database do not write to it: only its ingestion path counts.

    Example: `browser -> gw -> agent -> llm` is flagged for `llm`; with `gw -> guardrail -> agent`
    it is not. `browser -> gw -> upload -> queue -> indexer -> vector_db` is flagged for the
    vector database.
    """
    llms, stores = g.of_kind("llm"), g.of_kind("vector_db")
    if not llms and not stores:
        return
    clients = g.of_category("client")
    reached, origin = _unchecked_reach(g, clients)
    checked, cats = g.checked, g.categories
    guards = set(g.guards)
    for i in sorted([*llms, *stores]):
        if i in guards:
            continue  # a moderation model reads untrusted input by design
        if g.kinds[i] == "llm":
            source = origin[i] if reached[i] else -1
        else:
            writers = [
                w for w in g.pred[i] if reached[w] and (cats[w] == "client" or (not checked[w] and _ingests(g, w)))
            ]
            source = origin[writers[0]] if writers else -1
        if source >= 0:
            what = "a prompt of" if g.kinds[i] == "llm" else "the index of"
            yield Finding(
                [g.ids[i]],
                message=f"Input from {g.describe(source)} reaches {what} {g.describe(i)} with no guardrail on the way.",
            )


# Names of components that admit requests to a model pool: a router, an LLM gateway, a proxy.
_ROUTER_NAME = re.compile(r"router|gateway|proxy|balancer", re.IGNORECASE)
_ROUTERS = frozenset({"load_balancer", "api_gateway"})


def _admits(g: BoardGraph, u: int) -> bool:
    """Does caller u admit requests before they reach the model it calls: a router, a queue, a
    cache, or a component that consults a cache first?"""
    kinds = g.kinds
    if kinds[u] in _ROUTERS or kinds[u] == "cache" or g.categories[u] == "messaging":
        return True
    if _ROUTER_NAME.search(g.labels[u]) or _ROUTER_NAME.search(g.ids[u]):
        return True
    return any(kinds[w] == "cache" for w in g.succ[u])


@rule(
    "llm-without-admission-control",
    severity="warning",
    title="Clients reach an LLM pool with no queue, router or cache in front",
    hint="Put a model router or an admission queue in front of the pool, or a cache its caller consults first.",
    references=("OWASP LLM10:2025 Unbounded Consumption",),
)
def llm_without_admission_control(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: GPU capacity is fixed and each request holds it for seconds. A burst of client
    traffic sent straight at the model servers queues inside them (time to first token climbs for
    everyone) or fails outright, and every request, even one asked a thousand times, costs the
    full price.

    How to fix: admit requests before they reach the pool: a router directly in front of it (a
    `load_balancer` or `api_gateway`, or a component named as a router, gateway or proxy) that
    spreads and sheds load, an admission queue (the model is called from behind a queue or over
    an asynchronous edge), or a cache its caller consults first (a prompt or semantic cache).
    Checked for self-hosted models: an LLM whose `tech` is a provider's API (bedrock,
    azure-openai, vertex-ai) is not a pool of yours.

    Example: `browser -> gw -> api -> llm` is flagged; with `api -> router -> llm` (a load
    balancer), `api -> cache`, or `api -> queue -> worker -> llm` it is not.
    """
    on_path, is_async = g.request_path, g.is_async
    for i in g.of_kind("llm"):
        if g.tech(i) in HOSTED_LLM_TECHS:
            continue
        open_edges = [k for k in g.in_edges[i] if on_path[g.src[k]] and not is_async[k] and not _admits(g, g.src[k])]
        if open_edges:
            callers = list(dict.fromkeys(g.src[k] for k in open_edges))
            names = ", ".join(map(g.describe, callers))
            yield Finding(
                [g.ids[i], *(g.ids[u] for u in callers)],
                [g.edge_id(k) for k in open_edges],
                f"Client requests reach {g.describe(i)} from {names} with no queue, router or cache in front.",
            )


@rule(
    "llm-provider-without-retry",
    severity="warning",
    title="A hosted LLM called synchronously on the request path with no queue or retry",
    hint="Retry throttled and failed calls with backoff, or a fallback model (say so on the edge), or queue them.",
    references=("OWASP LLM10:2025 Unbounded Consumption",),
)
def llm_provider_without_retry(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a model behind a provider's API throttles (429), times out on long answers and
    has outages of its own, far more often than a database. Called synchronously while a client
    waits, with nothing to retry, slow down or switch models, every one of those is the user's
    error; and blind client retries multiply the spend.

    How to fix: retry with backoff and a bounded budget, fall back to another model or provider,
    or put the call behind a queue, and say so on the board: an edge prop (`retries`, `retry`,
    `circuit_breaker`, `fallback`) or a note on the edge or the caller. Hosted LLMs are `llm`
    nodes whose `tech` is a provider's API (bedrock, azure-openai, vertex-ai) and external systems
    named as one ("OpenAI API", "LLM provider"); the request path is what clients reach through
    synchronous calls.

    Example: `browser -> gw -> rag -> openai` (an external system "OpenAI API") is flagged; with
    the note "retried with backoff on 429, falls back to the self-hosted model" on the last edge,
    or with `rag -> queue -> worker -> openai`, it is not.
    """
    for k, p in unguarded_calls(g, llm_providers(g)):
        yield call_finding(g, k, p)
