"""A board's own rules (SPEC section 3, 1.1): `review.policies`, declarative, checked on its graph.

A policy is `forbid` (no edge, or no path, from `from` to `to`), `require` (every path from `from`
to `to` crosses `through`) or `limit` (every selected node has `replicas` >= N), over selectors
that match nodes by kind, category, group (a group or any group nested in it) and technology.
Its findings carry the rule id `policy:<id>` and go through the engine like any rule's.

Paths have at least one edge and follow edge direction. Path questions are answered for all
pairs at once: reachability sets as Python integers used as bitsets over the matched targets,
propagated over the strongly connected components in reverse topological order, so a policy
costs one pass over the graph however many nodes its selectors match.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress
from typing import Any

from whiteboard.domain.board import POLICY_PREFIX, SELECTOR_KEYS
from whiteboard.domain.graphs import strongly_connected_components
from whiteboard.domain.review.graph import BoardGraph
from whiteboard.domain.review.registry import Finding

DEFAULT_SEVERITY = "warning"
_NEGATE = bytes.maketrans(b"\x00\x01", b"\x01\x00")


@dataclass(frozen=True)
class Policy:
    id: str
    severity: str
    message: str
    shape: str  # "forbid", "require" or "limit"
    body: dict[str, Any]
    loc: str  # where it is in the document, for warnings

    @property
    def rule_id(self) -> str:
        return POLICY_PREFIX + self.id


def read_policies(review: dict[str, Any]) -> list[Policy]:
    """The policies of a validated board's `review` object, in document order."""
    policies = []
    for i, raw in enumerate(review.get("policies") or []):
        shape = next(key for key in ("forbid", "require", "limit") if key in raw)
        policies.append(
            Policy(
                id=raw["id"],
                severity=raw.get("severity", DEFAULT_SEVERITY),
                message=raw.get("message", ""),
                shape=shape,
                body=raw[shape],
                loc=f"review.policies[{i}]",
            )
        )
    return policies


def selector_warnings(g: BoardGraph, policy: Policy) -> list[dict[str, str]]:
    """What in a policy's selectors can match nothing: an empty list, or a group not on the board."""
    warnings = []
    for key, selector in policy.body.items():
        if not isinstance(selector, dict):
            continue
        loc = f"{policy.loc}.{policy.shape}.{key}"
        for field in SELECTOR_KEYS:
            values = selector.get(field)
            if values == []:
                warnings.append({"loc": f"{loc}.{field}", "msg": "an empty list selects no node"})
            elif field == "group" and values:
                for j, group in enumerate(values):
                    if group not in g.group_ids:
                        warnings.append(
                            {"loc": f"{loc}.group[{j}]", "msg": f"no group {group!r} on this board: it selects no node"}
                        )
    return warnings


def matches(g: BoardGraph, selector: dict[str, Any]) -> bytearray:
    """Per node: does the selector match it? Every list given must match; notes are not in `g`."""
    n = len(g)
    kinds, categories, techs, groups = (selector.get(key) for key in ("kind", "category", "tech", "group"))
    # Start from the nodes of the kinds or categories asked for (the graph indexes both), then
    # keep those that match the other lists.
    if kinds is not None:
        candidates: Iterable[int] = (i for kind in set(kinds) for i in g.by_kind.get(kind, ()))
    elif categories is not None:
        candidates = (i for category in set(categories) for i in g.of_category(category))
    else:
        candidates = range(n)
    wanted_categories = set(categories) if categories is not None else None
    wanted_techs = set(techs) if techs is not None else None
    wanted_groups = set(groups) if groups is not None else None
    groups_of = g.groups_of if wanted_groups is not None else None
    result = bytearray(n)
    for i in candidates:
        if wanted_categories is not None and g.categories[i] not in wanted_categories:
            continue
        if wanted_techs is not None and g.tech(i) not in wanted_techs:
            continue
        if groups_of is not None and wanted_groups is not None and wanted_groups.isdisjoint(groups_of[i]):
            continue
        result[i] = True
    return result


def check_policy(g: BoardGraph, policy: Policy) -> Iterator[Finding]:
    body = policy.body
    if policy.shape == "limit":
        yield from _limit(g, policy, matches(g, body["select"]), body["min_replicas"])
    elif policy.shape == "forbid" and body.get("direct", True):
        yield from _forbid_edges(g, policy, matches(g, body["from"]), matches(g, body["to"]))
    elif policy.shape == "forbid":
        sources, targets = matches(g, body["from"]), matches(g, body["to"])
        for f, t in _paths(g, sources, targets, None):
            yield _finding(g, policy, f, t, "reaches", "through a path")
    else:
        sources, targets = matches(g, body["from"]), matches(g, body["to"])
        through = matches(g, body["through"])
        for f, t in _paths(g, sources, targets, through):
            yield _finding(g, policy, f, t, "reaches", "by a path that crosses none of the required components")


def _text(policy: Policy, specific: str) -> str:
    return f"{policy.message}: {specific}" if policy.message else f"Policy '{policy.id}': {specific}"


def _finding(g: BoardGraph, policy: Policy, f: int, t: int, verb: str, how: str) -> Finding:
    what = f"{g.describe(f)} {verb} itself {how}." if f == t else f"{g.describe(f)} {verb} {g.describe(t)} {how}."
    return Finding([g.ids[f], g.ids[t]] if f != t else [g.ids[f]], (), _text(policy, what), _hint(policy))


def _hint(policy: Policy) -> str:
    return f"Board policy '{policy.id}' ({policy.shape}): change the design, or the policy in review.policies."


def _limit(g: BoardGraph, policy: Policy, selected: bytearray, minimum: int) -> Iterator[Finding]:
    for i in compress(range(len(g)), selected):
        if g.replicas(i) < minimum:
            what = f"{g.describe(i)} runs {g.replicas(i)} replica(s), fewer than {minimum}."
            yield Finding([g.ids[i]], (), _text(policy, what), _hint(policy))


def _forbid_edges(g: BoardGraph, policy: Policy, sources: bytearray, targets: bytearray) -> Iterator[Finding]:
    dst = g.dst
    for s in compress(range(len(g)), sources):
        for k in g.out_edges[s]:
            t = dst[k]
            if targets[t]:
                what = f"{g.describe(s)} calls {g.describe(t)} directly."
                yield Finding([g.ids[s], g.ids[t]], [g.edge_id(k)], _text(policy, what), _hint(policy))


def _paths(
    g: BoardGraph, sources: bytearray, targets: bytearray, blocked: bytearray | None
) -> Iterator[tuple[int, int]]:
    """Every (source, target) pair joined by a path of one or more edges; with `blocked`, a path
    that has no blocked node on it, its two ends included. Pairs in (source, target) order."""
    n = len(g)
    allowed = bytearray(b"\x01") * n if blocked is None else blocked.translate(_NEGATE)
    starts = [i for i in compress(range(n), sources) if allowed[i]]
    if not starts:
        return
    # Only what the sources reach, through allowed nodes, can lie on such a path.
    succ = g.succ
    inside = bytearray(n)
    stack = list(starts)
    for s in starts:
        inside[s] = True
    while stack:
        for w in succ[stack.pop()]:
            if allowed[w] and not inside[w]:
                inside[w] = True
                stack.append(w)
    members = list(compress(range(n), inside))
    goals = [v for v in members if targets[v]]
    if not goals:
        return
    bit = {v: 1 << position for position, v in enumerate(goals)}
    inner: list[Sequence[int]] = [()] * n
    for v in members:
        inner[v] = [w for w in succ[v] if inside[w]]
    component_of = [-1] * n
    closure: list[int] = []  # per component: the goals its members reach, themselves included
    # Tarjan's algorithm completes a component after every component it reaches: in that
    # order each closure is ready when the components that reach it need it.
    for component in strongly_connected_components(members, inner, n):
        number = len(closure)
        reached = 0
        for v in component:
            component_of[v] = number
        for v in component:
            reached |= bit.get(v, 0)
            for w in inner[v]:
                if component_of[w] != number:
                    reached |= closure[component_of[w]]
        closure.append(reached)
    for f in starts:
        # A path of one edge or more: what the successors reach (around a cycle, f itself).
        reached = 0
        for w in inner[f]:
            reached |= closure[component_of[w]]
        position = 0
        while reached:
            if reached & 1:
                yield f, goals[position]
            reached >>= 1
            position += 1
