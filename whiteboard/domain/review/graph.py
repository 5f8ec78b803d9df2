"""The board as the review engine reads it: `BoardGraph`, and the graph algorithms the rules share.

The graph is built once per review and its derived structures (successors, predecessors,
articulation points, reachability, dominators) are computed on first use and shared by every
rule, so the whole suite stays linear in the size of the board.

No recursion anywhere: boards may be long chains, and Python's stack is not.

On large boards the time goes into memory, not arithmetic: the instruction count of a review
grows exactly with the board, but past a few thousand nodes the graph no longer fits in the
processor's cache, every pointer followed at random costs a cache miss, and every fresh page the
allocator maps costs a page fault. Hence compact structures (tuples for adjacency, bytearrays
for flags), no object per search frame, temporaries dropped as soon as they are used, and the
document read once, field by field, in order.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from typing import Any

from whiteboard.domain.estimate import estimate_board
from whiteboard.domain.palette import KINDS

_CATEGORY = {kind_id: kind.category for kind_id, kind in KINDS.items()}
_EMPTY: dict[str, Any] = {}

# Edge protocols that hand a message over instead of waiting for an answer.
ASYNC_PROTOCOLS = frozenset({"amqp", "kafka"})
# Components that check what passes: a safety filter, or a person approving an action.
GUARD_KINDS = frozenset({"guardrail", "human_approval"})
_GUARD_NAME = re.compile(r"guard|moderat|content[ -]?safety|prompt[ -]?shield", re.IGNORECASE)
# LLMs served behind a cloud provider's API: a remote provider, not a pool of one's own.
HOSTED_LLM_TECHS = frozenset({"bedrock", "azure-openai", "vertex-ai"})
# Serverless functions scale out by themselves: one node is many instances.
SCALES_ITSELF = frozenset({"function"})
# Where observability data goes: nothing a client waits for.
OBSERVERS = frozenset({"monitoring", "logging"})
# Categories whose components call on synchronously while a request waits: a data store or a queue
# answers or takes a message, it does not call the next component for the caller.
CALLER_CATEGORIES = frozenset({"client", "edge", "compute", "ai"})
# "orders-dlq", "Dead-letter topic", "payments_dead_letter": how boards name dead-letter queues.
_DEAD_LETTER_NAME = re.compile(r"(?<![a-z])(dlq|dead[-_ ]?letter)", re.IGNORECASE)


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
        self._nodes = nodes
        self._edges = edges
        self._groups: list[dict[str, Any]] = doc.get("groups") or []
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

    def tech(self, i: int) -> str | None:
        """The node's technology (`props.tech`), if it names one."""
        tech = self.props[i].get("tech")
        return tech if isinstance(tech, str) else None

    def edge_id(self, k: int) -> str:
        edge_id: str = self._edges[k]["id"]
        return edge_id

    def edge_props(self, k: int) -> dict[str, Any]:
        props: dict[str, Any] = self._edges[k].get("props", _EMPTY)
        return props

    @cached_property
    def group_ids(self) -> set[str]:
        return {group["id"] for group in self._groups}

    @cached_property
    def groups_of(self) -> list[frozenset[str]]:
        """Each node's group and the groups that group is nested in (empty for an ungrouped node)."""
        parent = {group["id"]: group.get("parent") for group in self._groups}
        chains: dict[str | None, frozenset[str]] = {None: frozenset()}

        def chain(group: str | None) -> frozenset[str]:
            path: list[str] = []
            while group not in chains:
                assert group is not None  # None is in `chains` from the start
                path.append(group)
                group = parent.get(group)
            found = chains[group]
            for member in reversed(path):
                found = chains[member] = found | {member}
            return found

        return [chain(node.get("group")) for node in self._nodes]

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
    def dead_letter_queues(self) -> bytearray:
        """Per node: is it a messaging node that holds failed messages? One whose id or label says
        so (`orders-dlq`, "Dead-letter topic"), one another messaging node's `dead_letter` prop
        names (by id or label), or one fed only by other messaging nodes."""
        messaging = self.of_category("messaging")
        named = {p.get("dead_letter") for p in map(self.props.__getitem__, messaging)}
        cats = self.categories
        result = bytearray(len(self.ids))
        for i in messaging:
            producers = self.pred[i]
            result[i] = bool(
                _DEAD_LETTER_NAME.search(self.ids[i])
                or _DEAD_LETTER_NAME.search(self.labels[i])
                or self.ids[i] in named
                or (self.labels[i] and self.labels[i] in named)
                or (producers and all(cats[w] == "messaging" for w in producers))
            )
        return result

    @cached_property
    def guards(self) -> list[int]:
        """Guardrails and human approvals; and, drawn as another AI kind (boards from before
        palette 1.1 drew a moderation model as an `llm`), a model named as a guard."""
        kinds, ids, labels = self.kinds, self.ids, self.labels
        return [
            i
            for i in self.of_category("ai")
            if kinds[i] in GUARD_KINDS or _GUARD_NAME.search(ids[i]) or _GUARD_NAME.search(labels[i])
        ]

    @cached_property
    def checked(self) -> bytearray:
        """Per node: is what passes it checked? A guard itself (`guards`), or a component that
        consults one (an edge to it): `service -> guardrail` screens what the service handles,
        whether the guardrail is drawn inline or beside it."""
        guards = self.guards
        result = bytearray(len(self.kinds))
        for g in guards:
            result[g] = True
            for v in self.pred[g]:
                result[v] = True
        return result

    @cached_property
    def request_path(self) -> bytearray:
        """Nodes a client's request reaches while the client waits: the clients, and what they
        reach through synchronous edges, calling on only from clients, edge, compute and AI
        components (a queue or a store ends the synchronous part)."""
        cats, dst, is_async, out_edges = self.categories, self.dst, self.is_async, self.out_edges
        seen = bytearray(len(cats))
        stack = list(self.of_category("client"))
        for s in stack:
            seen[s] = True
        while stack:
            v = stack.pop()
            if cats[v] not in CALLER_CATEGORIES:
                continue
            for k in out_edges[v]:
                w = dst[k]
                if not seen[w] and not is_async[k]:
                    seen[w] = True
                    stack.append(w)
        return seen

    @cached_property
    def dominators(self) -> list[int]:
        """Each node's immediate dominator in the directed flow graph seen from the clients: the
        last component that every path from any client to the node crosses. `len(self)` where
        only the clients' common virtual root does, -1 for nodes that no client reaches."""
        return immediate_dominators(self.succ, self.pred, self.of_category("client"))

    @cached_property
    def is_cut(self) -> bytearray:
        """Per node: is it an articulation point?"""
        flags = bytearray(len(self.ids))
        for v in self.articulation_points:
            flags[v] = True
        return flags

    @cached_property
    def gated(self) -> list[int]:
        """Per node v: a capability (a node clients reach, not monitoring or logging) whose every
        path from the clients crosses v, or -1 if there is none."""
        idom, kinds = self.dominators, self.kinds
        virtual = len(idom)
        first = [-1] * virtual
        # Walk up the dominator tree from each capability; a walk stops at the first node already
        # marked, so each node is marked once.
        for w in range(virtual):
            if idom[w] < 0 or kinds[w] in OBSERVERS:
                continue
            v = idom[w]
            while v != virtual and first[v] < 0:
                first[v] = w
                v = idom[v]
        return first

    @cached_property
    def gates_llm(self) -> list[int]:
        """Per node v: an LLM the clients reach only through v (v itself when it is that LLM),
        or -1. What llm-path-bottleneck reports on."""
        idom = self.dominators
        virtual = len(idom)
        first = [-1] * virtual
        for llm in self.of_kind("llm"):
            v = llm if idom[llm] >= 0 else virtual
            while v != virtual and first[v] < 0:
                first[v] = llm
                v = idom[v]
        return first

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
        return reach(self.succ, self.of_category("client"), len(self.ids))


def reach(adjacency: Sequence[Sequence[int]], sources: Iterable[int], n: int) -> bytearray:
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
    succ: Sequence[Sequence[int]], pred: Sequence[Sequence[int]], roots: Sequence[int]
) -> list[int]:
    """Immediate dominators seen from a virtual root that points to every node of `roots`.

    Returns `idom` with `idom[v]` = v's immediate dominator, `n` (= len(succ)) for the virtual
    root and -1 for nodes not reachable from the roots. Cooper, Harvey and Kennedy's iterative
    algorithm ("A Simple, Fast Dominance Algorithm"): no recursion, near-linear on real graphs.
    """
    n = len(succ)
    virtual = n
    is_root = bytearray(n)
    seen = bytearray(n)
    postorder: list[int] = []
    path: list[int] = []  # the search path and its nodes' unread successors, as in articulation_points
    unread: list[Iterator[int]] = []
    for r in roots:
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
