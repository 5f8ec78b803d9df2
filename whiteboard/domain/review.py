"""The review engine (SPEC section 3): the rule registry, the board graph and `review_board`.

Every rule is one decorated function from a `BoardGraph` to findings; its docstring is the rule's
documentation (three paragraphs: "Why it matters:", "How to fix:", "Example:"), served on the
rule's page and in the SARIF output. The graph is built once per review and its derived
structures (successors, predecessors, articulation points, reachability) are computed on first
use and shared by every rule, so the whole suite stays linear in the size of the board.

No recursion anywhere: boards may be long chains, and Python's stack is not.

On large boards the time goes into memory, not arithmetic: the instruction count of a review
grows exactly with the board, but past a few thousand nodes the graph no longer fits in the
processor's cache, every pointer followed at random costs a cache miss, and every fresh page the
allocator maps costs a page fault. Hence compact structures (tuples for adjacency, bytearrays
for flags), no object per search frame, temporaries dropped as soon as they are used, the
document read once, field by field, in order, and the cyclic garbage collector paused while a
review runs (`_CollectorPause`).
"""

from __future__ import annotations

import gc
import inspect
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import compress
from types import TracebackType
from typing import Any

from whiteboard.domain.board import without_notes
from whiteboard.domain.estimate import estimate_board
from whiteboard.domain.graphs import strongly_connected_components
from whiteboard.domain.palette import KINDS

SEVERITIES = ("error", "warning", "info")
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_CATEGORY = {kind_id: kind.category for kind_id, kind in KINDS.items()}
_EMPTY: dict[str, Any] = {}

# Edge protocols that hand a message over instead of waiting for an answer.
ASYNC_PROTOCOLS = frozenset({"amqp", "kafka"})
STREAMING_PROTOCOLS = frozenset({"sse", "websocket"})
DURABLE_STORES = frozenset({"sql_db", "nosql_db", "object_storage"})
MAX_SYNC_DEPTH = 4
SHARED_DB_CALLERS = 3


# ---------------------------------------------------------------------------------------------
# The board graph


def _replicas(props: dict[str, Any]) -> int:
    value = props.get("replicas", 1)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 1
    return int(value)


def _consume(iterator: Iterable[object]) -> None:
    deque(iterator, maxlen=0)


def _group(keys: list[str]) -> dict[str, list[int]]:
    """Positions of each distinct key, ascending."""
    groups: dict[str, list[int]] = {key: [] for key in set(keys)}
    _consume(map(list.append, map(groups.__getitem__, keys), range(len(keys))))
    return groups


def _adjacency(n: int, keys: list[int], values: Iterable[int]) -> list[tuple[int, ...]]:
    """`result[keys[k]]` collects `values[k]`, in order."""
    lists: list[list[int]] = [[] for _ in range(n)]
    _consume(map(list.append, map(lists.__getitem__, keys), values))
    # A tuple is one allocation where a list is two, and all empty tuples are the same object:
    # on a board of 10,000 nodes that is half the memory, and half the pages to fault in.
    return list(map(tuple, lists))


class BoardGraph:
    """A validated board as integer-indexed arrays, with derived structures computed lazily.

    Nodes are numbered in document order, edges too; `out_edges[i]` and `in_edges[i]` hold edge
    numbers, `src[k]`/`dst[k]` the node numbers of edge k. Building it reads each node and each
    edge of the document once; edge ids, which only findings need, are read on demand.
    """

    def __init__(self, doc: dict[str, Any]) -> None:
        nodes: list[dict[str, Any]] = doc["nodes"]
        edges: list[dict[str, Any]] = doc["edges"]
        self.name: str = doc.get("name", "") or ""
        self._doc = doc
        self._edges = edges
        n, m = len(nodes), len(edges)
        # One loop per list of elements, reading every field it needs while the element is in
        # the cache: one pass per field would fetch each element from memory again.
        ids: list[str] = []
        kinds: list[str] = []
        labels: list[str] = []
        props: list[dict[str, Any]] = []
        # The props that searches test on every node they reach, as compact per-node flags.
        public = bytearray()
        rate_limited = bytearray()
        for node in nodes:
            ids.append(node["id"])
            kinds.append(node["kind"])
            labels.append(node.get("label") or "")
            p = node.get("props", _EMPTY)
            props.append(p)
            public.append(bool(p) and p.get("public") is True)
            rate_limited.append(bool(p) and p.get("rate_limited") is True)
        self.ids, self.kinds, self.labels, self.props = ids, kinds, labels, props
        self.public, self.rate_limited = public, rate_limited
        node_numbers = list(range(n))
        self.index: dict[str, int] = dict(zip(ids, node_numbers, strict=True))
        self.categories: list[str] = list(map(_CATEGORY.__getitem__, kinds))
        index = self.index
        src: list[int] = []
        dst: list[int] = []
        is_async = bytearray()  # per edge: does it hand a message over instead of waiting?
        for edge in edges:
            src.append(index[edge["source"]])
            dst.append(index[edge["target"]])
            p = edge.get("props", _EMPTY)
            is_async.append(bool(p) and (p.get("async") is True or p.get("protocol") in ASYNC_PROTOCOLS))
        self.src, self.dst, self.is_async = src, dst, is_async
        # Python makes an object of every int above 256: edge numbers reuse the node numbers'
        # objects, and one object per number serves both directions.
        numbers = node_numbers[:m] + list(range(n, m))
        self.out_edges: list[tuple[int, ...]] = _adjacency(n, src, numbers)
        self.in_edges: list[tuple[int, ...]] = _adjacency(n, dst, numbers)
        self.by_kind: dict[str, list[int]] = _group(self.kinds)
        by_category: dict[str, list[int]] = {}
        for kind, members in self.by_kind.items():
            by_category.setdefault(_CATEGORY[kind], []).extend(members)
        for members in by_category.values():
            members.sort()
        self.by_category = by_category

    def __len__(self) -> int:
        return len(self.ids)

    def of_kind(self, *kinds: str) -> list[int]:
        if len(kinds) == 1:
            return self.by_kind.get(kinds[0], [])
        return sorted(i for k in kinds for i in self.by_kind.get(k, []))

    def of_category(self, category: str) -> list[int]:
        return self.by_category.get(category, [])

    def replicas(self, i: int) -> int:
        """The node's `replicas` prop; absent means 1."""
        props = self.props[i]
        return _replicas(props) if "replicas" in props else 1

    def describe(self, i: int) -> str:
        """How a message names node i for a person: its label, or its kind and id when it has none."""
        label = self.labels[i]
        if label:
            return f"'{label}'"
        kind = KINDS.get(self.kinds[i])
        return f"the {kind.name.lower() if kind else self.kinds[i]} '{self.ids[i]}'"

    def edge_id(self, k: int) -> str:
        return self._edges[k]["id"]

    def edge_props(self, k: int) -> dict[str, Any]:
        return self._edges[k].get("props", _EMPTY)

    @cached_property
    def succ(self) -> list[tuple[int, ...]]:
        """Successor node numbers of each node, one per edge (parallel edges repeat)."""
        return _adjacency(len(self.ids), self.src, self.dst)

    @cached_property
    def pred(self) -> list[tuple[int, ...]]:
        return _adjacency(len(self.ids), self.dst, self.src)

    @cached_property
    def articulation_points(self) -> list[int]:
        # The articulation points of a multigraph are those of its simple graph (removing a
        # node disconnects the same nodes whatever the multiplicity of edges), so the SPEC's
        # "undirected simple graph" needs no de-duplication: it is cheaper to skip repeats. The
        # undirected adjacency is not kept: its memory serves the rules that follow.
        return articulation_points(list(map(tuple.__add__, self.succ, self.pred)))

    @cached_property
    def load(self) -> dict[str, Any] | None:
        """The load estimate at scale 1 (SPEC section 8), or None when no client has an `rps`."""
        props = self.props
        for i in self.of_category("client"):
            rps = props[i].get("rps")
            if isinstance(rps, (int, float)) and not isinstance(rps, bool) and rps > 0:
                return estimate_board(self._doc)
        return None

    @cached_property
    def reachable_from_clients(self) -> bytearray:
        """Nodes reachable from some client node, following edge direction (clients included)."""
        return _reach(self.succ, self.of_category("client"), len(self.ids))


def _reach(adjacency: Sequence[Sequence[int]], sources: Iterable[int], n: int) -> bytearray:
    seen = bytearray(n)
    stack = []
    for s in sources:
        if not seen[s]:
            seen[s] = True
            stack.append(s)
    while stack:
        for w in adjacency[stack.pop()]:
            if not seen[w]:
                seen[w] = True
                stack.append(w)
    return seen


def articulation_points(adj: Sequence[Iterable[int]]) -> list[int]:
    """Articulation points of an undirected graph given as adjacency (Hopcroft-Tarjan).

    `adj[v]` may repeat a neighbour (parallel edges); every edge appears in the lists of both
    its ends. Iterative depth-first search, linear time. Returns node numbers in ascending order.
    """
    n = len(adj)
    disc = [0] * n  # discovery time, 0 = not visited yet
    low = [0] * n
    parent = [-1] * n
    is_cut = bytearray(n)
    time = 0
    # The search path and each of its nodes' unread neighbours, as two parallel stacks: a tuple
    # per frame would allocate one more object for every node of the board.
    path: list[int] = []
    unread: list[Iterator[int]] = []
    for root in range(n):
        if disc[root]:
            continue
        time += 1
        disc[root] = low[root] = time
        root_children = 0
        path.append(root)
        unread.append(iter(adj[root]))
        while path:
            v = path[-1]
            for w in unread[-1]:
                if not disc[w]:
                    parent[w] = v
                    time += 1
                    disc[w] = low[w] = time
                    path.append(w)
                    unread.append(iter(adj[w]))
                    break
                if w != parent[v] and disc[w] < low[v]:
                    low[v] = disc[w]
            else:
                path.pop()
                unread.pop()
                p = parent[v]
                if p < 0:
                    continue
                if low[v] < low[p]:
                    low[p] = low[v]
                if p == root:
                    root_children += 1
                elif low[v] >= disc[p]:
                    is_cut[p] = True
        if root_children > 1:
            is_cut[root] = True
    return [i for i in range(n) if is_cut[i]]


def immediate_dominators(
    succ: Sequence[Sequence[int]],
    pred: Sequence[Sequence[int]],
    roots: Sequence[int],
    allowed: Sequence[bool] | bytearray | None = None,
) -> list[int]:
    """Immediate dominators seen from a virtual root that points to every node of `roots`.

    Returns `idom` with `idom[v]` = v's immediate dominator, `n` (= len(succ)) for the virtual
    root and -1 for nodes not reachable from the roots. With `allowed`, only the subgraph of
    allowed nodes is searched. Cooper, Harvey and Kennedy's iterative algorithm ("A Simple, Fast
    Dominance Algorithm"): no recursion, near-linear on real graphs.
    """
    n = len(succ)
    virtual = n
    is_root = bytearray(n)
    # Marking disallowed nodes as seen keeps the search out of them.
    seen = bytearray(n) if allowed is None else bytearray(not a for a in allowed)
    postorder: list[int] = []
    path: list[int] = []  # the search path and its nodes' unread successors, as in articulation_points
    unread: list[Iterator[int]] = []
    for r in roots:
        if allowed is not None and not allowed[r]:
            continue
        is_root[r] = True
        if seen[r]:
            continue
        seen[r] = True
        path.append(r)
        unread.append(iter(succ[r]))
        while path:
            for w in unread[-1]:
                if not seen[w]:
                    seen[w] = True
                    path.append(w)
                    unread.append(iter(succ[w]))
                    break
            else:
                unread.pop()
                postorder.append(path.pop())
    post = [-1] * (n + 1)
    for i, v in enumerate(postorder):
        post[v] = i
    post[virtual] = len(postorder)
    idom = [-1] * (n + 1)
    idom[virtual] = virtual
    reverse_postorder = postorder[::-1]
    changed = True
    while changed:
        changed = False
        for v in reverse_postorder:
            new = virtual if is_root[v] else -1
            for p in pred[v]:
                if idom[p] < 0:
                    continue
                if new < 0:
                    new = p
                    continue
                a, b = p, new
                while a != b:
                    while post[a] < post[b]:
                        a = idom[a]
                    while post[b] < post[a]:
                        b = idom[b]
                new = a
            if idom[v] != new:
                idom[v] = new
                changed = True
    return idom[:n]


# ---------------------------------------------------------------------------------------------
# The rule registry


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule reports; the engine adds the rule id and severity, and sorts the id lists."""

    nodes: Sequence[str]
    edges: Sequence[str] = ()
    message: str = ""
    hint: str | None = None


Check = Callable[[BoardGraph], Iterable[Finding]]

_SECTION_RE = re.compile(r"^(Why it matters|How to fix|Example):\s*", re.MULTILINE)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    hint: str
    doc: str
    check: Check
    core: bool

    @property
    def sections(self) -> dict[str, str]:
        """The documentation split into "why", "fix" and "example"."""
        names = {"Why it matters": "why", "How to fix": "fix", "Example": "example"}
        parts = _SECTION_RE.split(self.doc)
        return {names[parts[i]]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


RULES: dict[str, Rule] = {}


def rule(rule_id: str, *, severity: str, title: str, hint: str, core: bool = False) -> Callable[[Check], Check]:
    """Register a rule; the decorated function's docstring is its documentation."""
    if severity not in _SEVERITY_RANK:
        raise ValueError(f"unknown severity {severity!r}")

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id!r} is registered twice")
        doc = inspect.cleandoc(check.__doc__ or "")
        RULES[rule_id] = Rule(rule_id, severity, title, hint, doc, check, core)
        return check

    return register


def rule_docs() -> list[dict[str, Any]]:
    """Every rule for the documentation pages, core rules first, then by id."""
    rules = sorted(RULES.values(), key=lambda r: (not r.core, r.id))
    return [
        {
            "id": r.id,
            "severity": r.severity,
            "title": r.title,
            "hint": r.hint,
            "core": r.core,
            "doc": r.doc,
            **r.sections,
        }
        for r in rules
    ]


# ---------------------------------------------------------------------------------------------
# Core rules (SPEC section 3: ids and meanings are fixed)


@rule(
    "single-point-of-failure",
    severity="error",
    title="A single instance holds the board together",
    hint="Run it with replicas >= 2 behind a load balancer, or add a redundant path around it.",
    core=True,
)
def single_point_of_failure(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: the component is an articulation point of the architecture: remove it and
    the board falls apart into pieces that can no longer talk to each other. With a single
    replica, one crash, deploy or noisy neighbour takes down everything on the far side.

    How to fix: give it `replicas` of 2 or more (and a load balancer in front), or add a second
    path so that traffic can flow around it. Clients are exempt: they are not yours to replicate.

    Example: `browser -> api -> db` with `api` at 1 replica: `api` is flagged. Set
    `"props": {"replicas": 3}` on `api` and the finding goes away.
    """
    cats = g.categories
    for i in g.articulation_points:
        if cats[i] != "client" and g.replicas(i) < 2:
            yield Finding(
                [g.ids[i]],
                message=f"{g.describe(i)} is a single point of failure: with one replica, its failure "
                "splits the architecture in two.",
            )


@rule(
    "unreplicated-datastore",
    severity="warning",
    title="A data store runs as a single replica",
    hint="Set replicas >= 2 (a replica set, a standby or a managed multi-AZ store).",
    core=True,
)
def unreplicated_datastore(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a data store with one replica loses availability on every failure and
    maintenance window, and may lose data outright when its disk goes.

    How to fix: run a replica set, a hot standby or a managed multi-zone offering, and record it
    on the board as `replicas` >= 2.

    Example: `{"id": "db", "kind": "sql_db"}` (replicas absent means 1) is flagged;
    `{"id": "db", "kind": "sql_db", "props": {"replicas": 2}}` is not.
    """
    for i in g.of_category("data"):
        if g.replicas(i) < 2:
            yield Finding([g.ids[i]], message=f"Data store {g.describe(i)} has a single replica.")


@rule(
    "client-to-datastore",
    severity="error",
    title="A client talks straight to a data store",
    hint="Put a service or gateway between clients and data: it owns validation and access control.",
    core=True,
)
def client_to_datastore(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a client that reaches a database directly bypasses every business rule,
    needs database credentials on the device, and pins the schema forever.

    How to fix: route the call through a service (or an API gateway with a service behind it)
    that validates input and enforces access rights.

    Example: `browser -> sql_db` is flagged; `browser -> api_gateway -> service -> sql_db` is not.
    """
    cats = g.categories
    for s in g.of_category("client"):
        for k in g.out_edges[s]:
            t = g.dst[k]
            if cats[t] == "data":
                yield Finding(
                    [g.ids[s], g.ids[t]],
                    [g.edge_id(k)],
                    f"Client {g.describe(s)} reaches data store {g.describe(t)} directly.",
                )


@rule(
    "public-entry-without-gateway",
    severity="warning",
    title="A client calls compute directly, with no gateway in front",
    hint="Put an API gateway or load balancer in front: TLS, rate limits and routing live there.",
    core=True,
)
def public_entry_without_gateway(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a service or model endpoint exposed straight to clients has no place for TLS
    termination, rate limiting, authentication or blue/green routing, and every internal address
    becomes public.

    How to fix: add an `api_gateway` or `load_balancer` between the client and the compute or AI
    component.

    Example: `mobile -> service` is flagged; `mobile -> api_gateway -> service` is not.
    """
    cats = g.categories
    for s in g.of_category("client"):
        for k in g.out_edges[s]:
            t = g.dst[k]
            if cats[t] == "compute" or cats[t] == "ai":
                yield Finding(
                    [g.ids[s], g.ids[t]],
                    [g.edge_id(k)],
                    f"Client {g.describe(s)} calls {g.describe(t)} with no gateway or load balancer in between.",
                )


@rule(
    "orphan-component",
    severity="info",
    title="A component has no connections",
    hint="Connect it to what uses it, or remove it from the board.",
    core=True,
)
def orphan_component(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a component with no edge at all is either forgotten (and the picture hides a
    real dependency) or dead weight (and costs money for nothing).

    How to fix: draw the edges that show who calls it and what it calls, or delete it.

    Example: a `secrets` node with no edges is flagged; `service -> secrets` is not.
    """
    out_edges, in_edges = g.out_edges, g.in_edges
    for i in range(len(g)):
        if not out_edges[i] and not in_edges[i]:
            yield Finding([g.ids[i]], message=f"{g.describe(i)} has no connections.")


@rule(
    "queue-without-consumer",
    severity="warning",
    title="Messages go into a queue that nothing reads",
    hint="Draw the consumer (queue -> worker), or remove the queue.",
    core=True,
)
def queue_without_consumer(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a queue, stream or topic with no consumer grows until it hits its retention
    limit and silently drops work, or fills the broker's disk.

    How to fix: add the consumer that processes the messages; edges point the way messages flow,
    so a consumer is an edge out of the queue (`queue -> worker`).

    Example: `service -> queue` alone is flagged; `service -> queue -> worker` is not.
    """
    for i in g.of_category("messaging"):
        if not g.out_edges[i]:
            yield Finding([g.ids[i]], message=f"Nothing consumes from {g.describe(i)}.")


@rule(
    "queue-without-producer",
    severity="warning",
    title="A queue that nothing writes to",
    hint="Draw the producer (service -> queue), or remove the queue.",
    core=True,
)
def queue_without_producer(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: consumers that wait on a queue nobody writes to are either missing their
    producer on the board, or are dead code that still costs capacity.

    How to fix: draw the producer: an edge into the queue (`service -> queue`).

    Example: `queue -> worker` alone is flagged; `service -> queue -> worker` is not.
    """
    for i in g.of_category("messaging"):
        if not g.in_edges[i]:
            yield Finding([g.ids[i]], message=f"Nothing produces to {g.describe(i)}.")


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
    "gateway-without-rate-limit",
    severity="info",
    title="An API gateway without rate limiting",
    hint="Enable rate limiting on the gateway and set rate_limited: true.",
    core=True,
)
def gateway_without_rate_limit(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: the gateway is where abusive or runaway clients are cheapest to stop; without
    a limit, one client can exhaust the services (and the LLM budget) behind it.

    How to fix: configure per-client limits on the gateway and mark it `"rate_limited": true`.

    Example: `{"kind": "api_gateway"}` is flagged; `{"kind": "api_gateway", "props":
    {"rate_limited": true}}` is not.
    """
    for i in g.of_kind("api_gateway"):
        if not g.rate_limited[i]:
            yield Finding([g.ids[i]], message=f"API gateway {g.describe(i)} is not rate limited.")


# ---------------------------------------------------------------------------------------------
# More rules from system-design practice


@rule(
    "write-back-cache-without-durable-store",
    severity="warning",
    title="A write-back cache with no durable store behind it",
    hint="Connect the cache to the database it flushes to, or use write-through.",
)
def write_back_cache_without_durable_store(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a write-back cache acknowledges writes before they are stored anywhere
    durable. With no database behind it, a cache restart loses every acknowledged write.

    How to fix: connect the cache to the durable store it flushes to (`sql_db`, `nosql_db` or
    `object_storage`), or switch its `write_policy` to `write-through`.

    Example: a cache with `"write_policy": "write-back"` and no edge to a database is flagged;
    `cache -> sql_db` is not.
    """
    kinds = g.kinds
    for i in g.of_kind("cache"):
        if g.props[i].get("write_policy") != "write-back":
            continue
        neighbours = [g.dst[k] for k in g.out_edges[i]] + [g.src[k] for k in g.in_edges[i]]
        if not any(kinds[w] in DURABLE_STORES for w in neighbours):
            yield Finding(
                [g.ids[i]],
                message=f"Write-back cache {g.describe(i)} is connected to no durable store.",
            )


_CALLERS = frozenset({"client", "edge", "compute", "ai"})


@rule(
    "deep-sync-chain-to-llm",
    severity="warning",
    title=f"More than {MAX_SYNC_DEPTH} synchronous hops from a client to an LLM",
    hint="Make part of the chain asynchronous (queue + worker) or collapse hops.",
)
def deep_sync_chain_to_llm(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: every synchronous hop adds its latency and its failure rate to the request,
    and an LLM call already takes seconds. Past 4 services and models in a row,
    timeouts stack up and one slow hop fails the whole request.

    How to fix: hand long work to a queue and a worker and answer asynchronously, or merge hops
    that only forward. The depth counts compute and AI components on the shortest synchronous
    path from a client, the LLM included; gateways, load balancers and CDNs do not count, and an
    edge with `"async": true` or protocol `amqp`/`kafka` breaks the chain.

    Example: `browser -> gw -> api -> orchestrator -> agent -> router -> llm` (5 components) is
    flagged; `browser -> gw -> api -> agent -> llm` (3) is not.
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
    # 0-1 breadth-first search: entering a compute or AI component costs 1, anything else 0.
    while queue:
        v = queue.popleft()
        if cats[v] not in _CALLERS:
            continue
        dv = depth[v]
        for k in g.out_edges[v]:
            if is_async[k]:
                continue
            w = g.dst[k]
            cost = 1 if cats[w] == "compute" or cats[w] == "ai" else 0
            if dv + cost < depth[w]:
                depth[w] = dv + cost
                via[w] = k
                if cost:
                    queue.append(w)
                else:
                    queue.appendleft(w)
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
                f"{g.describe(i)} is {depth[i]} synchronous components deep: {chain}.",
            )


# Read-mostly retrieval stores: an agent querying them is ordinary RAG, not a side effect.
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


_OPEN_BY_DESIGN = frozenset({"cdn", "dns", "auth"})


@rule(
    "public-entry-without-auth",
    severity="warning",
    title="A public entry point with no authentication behind it",
    hint="Connect the entry (or something it calls) to an `auth` component.",
)
def public_entry_without_auth(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: anything a client can call is on the internet. If no path from it reaches an
    authentication component, every caller is anonymous and every action is unaudited.

    How to fix: verify identity at the entry: connect the gateway (or the service behind it) to
    an `auth` node. A public entry is a non-client node that a client calls directly, or any node
    marked `"public": true`; CDNs and DNS are exempt (they serve public content by design), and
    so are data stores (rules `client-to-datastore` and `exposed-datastore` cover those).

    Example: `browser -> api_gateway -> service` with no `auth` node is flagged;
    adding `api_gateway -> auth` clears it.
    """
    cats, kinds = g.categories, g.kinds
    entries: dict[int, None] = {}
    for s in g.of_category("client"):
        for t in g.succ[s]:
            if cats[t] != "client":
                entries[t] = None
    for i in compress(range(len(g)), g.public):
        if cats[i] != "client":
            entries[i] = None
    entries = {i: None for i in entries if kinds[i] not in _OPEN_BY_DESIGN and cats[i] != "data"}
    if not entries:
        return
    can_reach_auth = _reach(g.pred, g.of_kind("auth"), len(g))
    for i in sorted(entries):
        if not can_reach_auth[i]:
            yield Finding(
                [g.ids[i]],
                message=f"Public entry {g.describe(i)} reaches no authentication component.",
            )


@rule(
    "queue-without-dead-letter",
    severity="info",
    title="A consumed queue with no dead-letter queue",
    hint="Route failed messages to a dead-letter queue (queue -> dlq) or set props.dead_letter.",
)
def queue_without_dead_letter(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a message that fails every time (a poison message) is retried forever and
    blocks or slows the queue; without a dead-letter queue it is eventually dropped and lost.

    How to fix: configure a dead-letter queue and draw it as an edge from the queue to another
    messaging node, or name it in the queue's `dead_letter` prop. A queue fed only by other
    messaging nodes is taken to be a dead-letter queue itself.

    Example: `service -> queue -> worker` is flagged; adding `queue -> dlq` (a queue) or
    `"props": {"dead_letter": "orders-dlq"}` clears it.
    """
    cats = g.categories
    for i in g.of_kind("queue"):
        consumers = g.succ[i]
        if not consumers or g.props[i].get("dead_letter"):
            continue
        producers = g.pred[i]
        if producers and all(cats[w] == "messaging" for w in producers):
            continue  # fed only by other queues: this is a dead-letter queue itself
        if not any(cats[w] == "messaging" for w in consumers):
            yield Finding([g.ids[i]], message=f"Queue {g.describe(i)} has no dead-letter queue.")


_SHARED_STORES = ("sql_db", "nosql_db")


@rule(
    "shared-database",
    severity="warning",
    title=f"A database shared by {SHARED_DB_CALLERS} or more services",
    hint="Give each service its own schema or store, and share data through APIs or events.",
)
def shared_database(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a database used by many services couples them all: one team's migration or
    slow query breaks the others, and nobody owns the schema.

    How to fix: give each service its own database (or at least its own schema and credentials)
    and share data through an API or an event stream.

    Example: `orders -> db`, `billing -> db`, `shipping -> db` (3 services)
    is flagged; two services are not.
    """
    cats = g.categories
    for i in g.of_kind(*_SHARED_STORES):
        callers = {w for w in g.pred[i] if cats[w] == "compute" or cats[w] == "ai"}
        callers.update(w for w in g.succ[i] if cats[w] == "compute" or cats[w] == "ai")
        if len(callers) >= SHARED_DB_CALLERS:
            yield Finding(
                [g.ids[i], *(g.ids[w] for w in callers)],
                message=f"Database {g.describe(i)} is shared by {len(callers)} services.",
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

    Example: `browser -> gw -> agent -> llm` with `agent` at 1 replica is flagged for `gw` and
    `agent` (if they have 1 replica each); with `replicas: 2` on both it is not.
    """
    llms = g.of_kind("llm")
    if not llms:
        return
    reachable = g.reachable_from_clients
    targets = [i for i in llms if reachable[i]]
    if not targets:
        return
    # Only nodes that lead to a reachable LLM can lie on a path to one: search just those.
    leads_to_llm = _reach(g.pred, targets, len(g))
    idom = immediate_dominators(g.succ, g.pred, g.of_category("client"), leads_to_llm)
    virtual = len(g)
    cats, kinds = g.categories, g.kinds
    flagged: dict[int, int] = {}  # bottleneck -> first llm it gates
    walked = bytearray(len(g))
    for llm in targets:
        v = idom[llm]
        while v != virtual and not walked[v]:
            walked[v] = True
            if cats[v] != "client" and kinds[v] != "llm" and g.replicas(v) < 2:
                flagged[v] = llm
            v = idom[v]
    for v in sorted(flagged):
        yield Finding(
            [g.ids[v]],
            message=f"Every path from the clients to {g.describe(flagged[v])} goes through "
            f"{g.describe(v)}, which has one replica.",
        )


@rule(
    "missing-monitoring",
    severity="info",
    title="No monitoring on the board",
    hint="Add a `monitoring` node and connect the services it watches.",
)
def missing_monitoring(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: without metrics and alerts, outages are reported by users, and capacity
    problems are found after they hurt.

    How to fix: add a `monitoring` component (metrics, alerting) and connect the services and
    models it watches.

    Example: a board with services and no `monitoring` node gets one finding; adding
    `service -> monitoring` clears it.
    """
    if g.of_kind("monitoring"):
        return
    if g.of_category("compute") or g.of_category("ai"):
        yield Finding([], message="The board runs services but has no monitoring component.")


@rule(
    "websocket-without-load-balancer",
    severity="warning",
    title="A WebSocket server with no load balancer in front",
    hint="Put a load balancer (with sticky sessions or a shared channel layer) in front of it.",
)
def websocket_without_load_balancer(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: WebSocket connections are long-lived; without a load balancer, all of them
    land on one host, a deploy drops every connection at once, and it cannot scale out.

    How to fix: put a `load_balancer` (or an `api_gateway` that proxies WebSockets) in front and
    run two or more replicas that share state through a channel layer.

    Example: `browser -> websocket_server` is flagged; `browser -> load_balancer ->
    websocket_server` is not.
    """
    kinds = g.kinds
    for i in g.of_kind("websocket_server"):
        if not any(kinds[w] == "load_balancer" or kinds[w] == "api_gateway" for w in g.pred[i]):
            yield Finding(
                [g.ids[i]],
                message=f"WebSocket server {g.describe(i)} has no load balancer in front of it.",
            )


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


_SYNC_COMPUTE = "compute"


@rule(
    "sync-service-cycle",
    severity="warning",
    title="Services call each other synchronously in a loop",
    hint="Break the loop: make one direction asynchronous (an event) or merge the services.",
)
def sync_service_cycle(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: services that call each other synchronously in a cycle can deadlock under
    load (each waits on the other's thread pool), cannot be deployed independently, and turn
    one slow service into a cascading outage.

    How to fix: make one direction of the loop asynchronous (publish an event, mark the edge
    `"async": true`), or merge services that cannot live apart.

    Example: `orders -> billing -> orders` over https is flagged; with the edge back to `orders`
    going through a queue, it is not.
    """
    members = g.of_category(_SYNC_COMPUTE)
    if len(members) < 2:
        return
    cats, is_async = g.categories, g.is_async
    inside: list[list[int]] = [[]] * len(g)  # only members are read
    for v in members:
        inside[v] = [g.dst[k] for k in g.out_edges[v] if cats[g.dst[k]] == _SYNC_COMPUTE and not is_async[k]]
    for component in strongly_connected_components(members, inside, len(g)):
        if len(component) < 2:
            continue
        nodes = set(component)
        edges = [g.edge_id(k) for v in component for k in g.out_edges[v] if g.dst[k] in nodes and not is_async[k]]
        names = ", ".join(g.describe(v) for v in sorted(component, key=g.ids.__getitem__))
        yield Finding([g.ids[v] for v in component], edges, f"Services {names} call each other in a loop.")


@rule(
    "load-balancer-single-backend",
    severity="info",
    title="A load balancer in front of a single instance",
    hint="Run the backend with replicas >= 2, or drop the load balancer from the picture.",
)
def load_balancer_single_backend(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a load balancer with one single-replica backend balances nothing: it adds a
    hop and gives a false sense of redundancy.

    How to fix: run the backend with `replicas` >= 2, or add more backends.

    Example: `load_balancer -> service` (1 replica) is flagged; with `"replicas": 3` it is not.
    """
    for i in g.of_kind("load_balancer"):
        backends = set(g.succ[i])
        if len(backends) != 1:
            continue
        (t,) = backends
        if g.replicas(t) < 2:
            yield Finding(
                [g.ids[i], g.ids[t]],
                [g.edge_id(k) for k in g.out_edges[i]],
                f"Load balancer {g.describe(i)} balances a single instance of {g.describe(t)}.",
            )


@rule(
    "exposed-datastore",
    severity="error",
    title="A database is exposed to the internet",
    hint="Keep databases on a private network: only services should reach them.",
)
def exposed_datastore(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a database reachable from the internet is found by scanners within hours;
    one weak password or unpatched version leaks everything in it.

    How to fix: remove `"public": true`, and let only services reach the store, not edge
    components (gateways, load balancers, CDNs). Object storage is exempt: serving public
    assets from a bucket behind a CDN is normal.

    Example: a `sql_db` with `"public": true`, or `load_balancer -> sql_db`, is flagged;
    `load_balancer -> service -> sql_db` is not.
    """
    cats = g.categories
    for i in g.of_category("data"):
        if g.kinds[i] == "object_storage":
            continue
        exposed_by = [k for k in g.in_edges[i] if cats[g.src[k]] == "edge"]
        if g.public[i] or exposed_by:
            yield Finding(
                [g.ids[i], *(g.ids[g.src[k]] for k in exposed_by)],
                [g.edge_id(k) for k in exposed_by],
                f"Data store {g.describe(i)} is exposed to the internet.",
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


# ---------------------------------------------------------------------------------------------
# Load rules (SPEC section 8): only when some client sends load (`rps`)

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


# ---------------------------------------------------------------------------------------------
# Running a review


class _CollectorPause:
    """Keeps Python's cyclic garbage collector off while at least one review runs.

    A review creates no reference cycles (refcounting frees all of it), but on a large board it
    allocates enough objects to set off collections, including full ones that scan every object
    in the process: the review's, and every board, page and module held in memory. On a board of
    10,000 nodes that was a third of the time of a review. Concurrent reviews share one pause,
    and the collector's previous state comes back when the last of them ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if not self._active:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._active += 1

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._lock:
            self._active -= 1
            if not self._active and self._was_enabled:
                gc.enable()


_collector_paused = _CollectorPause()


def review_board(doc: dict[str, Any], *, version: int | None = None) -> dict[str, Any]:
    """Run every rule on a validated board and return the findings document (SPEC section 3).

    Findings are ordered by severity, rule id, nodes and edges. A suppression that names an
    unknown rule, or a target that is no node or edge of the board, becomes an entry of a
    top-level `warnings` list (present only when there is something to say). Notes, and the
    annotation arrows to and from them, are not part of the reviewed graph (`without_notes`).
    """
    with _collector_paused:
        return _review(doc, version)


def _review(doc: dict[str, Any], version: int | None) -> dict[str, Any]:
    graph = BoardGraph(without_notes(doc))
    suppressions, warnings = _read_suppressions(doc, graph)
    severities, rule_warnings = _read_rule_settings(doc)
    warnings += rule_warnings
    summary = dict.fromkeys(SEVERITIES, 0)
    findings: list[dict[str, Any]] = []
    for r in sorted(RULES.values(), key=lambda r: (_SEVERITY_RANK.get(severities.get(r.id, r.severity), 3), r.id)):
        severity = severities.get(r.id, r.severity)
        if severity == "off":
            continue
        rows = sorted(((sorted(f.nodes), sorted(f.edges), f) for f in r.check(graph)), key=lambda row: (row[0], row[1]))
        rule_suppressions = suppressions.get(r.id)
        for nodes, edges, f in rows:
            item: dict[str, Any] = {
                "rule": r.id,
                "severity": severity,
                "nodes": nodes,
                "edges": edges,
                "message": f.message,
                "hint": f.hint or r.hint,
                "suppressed": False,
            }
            reason = _suppression_for(rule_suppressions, nodes, edges)
            if reason is None:
                summary[severity] += 1
            else:
                item["suppressed"] = True
                item["reason"] = reason
            findings.append(item)
    result: dict[str, Any] = {
        "board": graph.name,
        "version": version,
        "findings": findings,
        "summary": summary,
    }
    if warnings:
        result["warnings"] = warnings
    return result


def _read_rule_settings(doc: dict[str, Any]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The board's `review.rules` (SPEC 1.1): a severity or "off" per rule id; unknown ids are
    reported as warnings, like suppressions of unknown rules, and have no effect."""
    review = doc.get("review") or {}
    settings = (review.get("rules") or {}) if isinstance(review, dict) else {}
    known: dict[str, str] = {}
    warnings: list[dict[str, str]] = []
    for rule_id, level in settings.items():
        if rule_id in RULES:
            known[rule_id] = level
        else:
            warnings.append(
                {"loc": f"review.rules.{rule_id}", "msg": f"unknown rule {rule_id!r}: this setting has no effect"}
            )
    return known, warnings


@dataclass
class _RuleSuppressions:
    whole: tuple[int, str] | None  # (position in the document, reason)
    targets: dict[str, tuple[int, str]]


def _read_suppressions(
    doc: dict[str, Any], graph: BoardGraph
) -> tuple[dict[str, _RuleSuppressions], list[dict[str, str]]]:
    review = doc.get("review") or {}
    entries = (review.get("suppress") or []) if isinstance(review, dict) else []
    by_rule: dict[str, _RuleSuppressions] = {}
    warnings: list[dict[str, str]] = []
    edge_ids: set[str] | None = None
    for position, entry in enumerate(entries):
        loc = f"review.suppress[{position}]"
        rule_id = entry.get("rule")
        if rule_id not in RULES:
            warnings.append({"loc": f"{loc}.rule", "msg": f"unknown rule {rule_id!r}: this suppression has no effect"})
            continue
        reason = entry.get("reason") or ""
        target = entry.get("target")
        rs = by_rule.setdefault(rule_id, _RuleSuppressions(None, {}))
        if target is None:
            if rs.whole is None:
                rs.whole = (position, reason)
            continue
        if edge_ids is None:
            edge_ids = {edge["id"] for edge in doc["edges"]}
        if target not in graph.index and target not in edge_ids:
            warnings.append(
                {
                    "loc": f"{loc}.target",
                    "msg": f"no node or edge {target!r} on this board: nothing to suppress",
                }
            )
        rs.targets.setdefault(target, (position, reason))
    return by_rule, warnings


def _suppression_for(rs: _RuleSuppressions | None, nodes: list[str], edges: list[str]) -> str | None:
    if rs is None:
        return None
    best = rs.whole
    if rs.targets:
        for element in (*nodes, *edges):
            hit = rs.targets.get(element)
            if hit is not None and (best is None or hit[0] < best[0]):
                best = hit
    return None if best is None else best[1]


def fails(review: dict[str, Any], fail_on: str) -> int:
    """How many unsuppressed findings are at or above severity `fail_on`."""
    threshold = _SEVERITY_RANK[fail_on]
    return sum(count for sev, count in review["summary"].items() if _SEVERITY_RANK[sev] <= threshold)
