"""Positions for imported nodes that came without any: a layered layout, pure and quick.

Graphviz lays boards out in the editor; an import runs without a renderer process, so it places
nodes itself. Layers follow the edges (longest path from the sources, cycles broken where a
depth-first walk meets them), in the board's direction. Across the layers each group gets a band
of its own, as wide as its largest layer, so the canvas's group boxes do not overlap; within a
band, nodes sit in the order of their predecessors (one barycentre sweep).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

LAYER_GAP = 200  # canvas px between layers, along the flow
SLOT_GAP = 130  # between neighbours in a layer
BAND_GAP = 90  # extra room between two groups' bands, for their boxes and titles


def _layers(ids: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    out: dict[str, list[str]] = defaultdict(list)
    for source, target in edges:
        out[source].append(target)
    # Depth-first order to drop the edges that close cycles; iterative, boards can be deep.
    state: dict[str, int] = {}
    forward: list[tuple[str, str]] = []
    for root in ids:
        if root in state:
            continue
        stack = [(root, iter(out[root]))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                continue  # a back edge: it closes a cycle
            else:
                forward.append((node, child))
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(out[child])))
    incoming: dict[str, list[str]] = defaultdict(list)
    for source, target in forward:
        incoming[target].append(source)
    layer: dict[str, int] = {}
    order = _topological(ids, forward)
    for node in order:
        layer[node] = max((layer[p] + 1 for p in incoming[node]), default=0)
    return layer


def _topological(ids: list[str], edges: list[tuple[str, str]]) -> list[str]:
    indegree = dict.fromkeys(ids, 0)
    out: dict[str, list[str]] = defaultdict(list)
    for source, target in edges:
        out[source].append(target)
        indegree[target] += 1
    ready = [n for n in ids if indegree[n] == 0]
    order: list[str] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for target in out[node]:
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return order


def _group_path(node: dict[str, Any], parents: dict[str, str | None]) -> tuple[str, ...]:
    path: list[str] = []
    group = node.get("group")
    while isinstance(group, str) and group not in path and len(path) < 16:
        path.append(group)
        group = parents.get(group)
    return tuple(reversed(path))


def place(doc: dict[str, Any]) -> None:
    """Give every node without a position one, below the nodes that have theirs."""
    todo = [n for n in doc["nodes"] if "x" not in n or "y" not in n]
    if not todo:
        return
    ids = [n["id"] for n in todo]
    wanted = set(ids)
    edges = [(e["source"], e["target"]) for e in doc["edges"] if e["source"] in wanted and e["target"] in wanted]
    layer = _layers(ids, edges)
    parents = {g["id"]: g.get("parent") for g in doc.get("groups") or []}
    band_of = {n["id"]: _group_path(n, parents) for n in todo}
    # Each band is as wide as its fullest layer.
    counts: dict[tuple[str, ...], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for node_id in ids:
        counts[band_of[node_id]][layer[node_id]] += 1
    bands = sorted(counts)
    offset: dict[tuple[str, ...], float] = {}
    across = 0.0
    for band in bands:
        offset[band] = across
        across += max(counts[band].values()) * SLOT_GAP + BAND_GAP
    incoming: dict[str, list[str]] = defaultdict(list)
    for source, target in edges:
        incoming[target].append(source)
    slot: dict[str, float] = {}
    by_layer: dict[int, list[str]] = defaultdict(list)
    for node_id in ids:
        by_layer[layer[node_id]].append(node_id)
    for depth in sorted(by_layer):
        used: dict[tuple[str, ...], int] = defaultdict(int)

        def barycentre(node_id: str) -> float:
            known = [slot[p] for p in incoming[node_id] if p in slot]
            return sum(known) / len(known) if known else 0.0

        for node_id in sorted(by_layer[depth], key=lambda n: (band_of[n], barycentre(n))):
            band = band_of[node_id]
            slot[node_id] = offset[band] + used[band] * SLOT_GAP
            used[band] += 1
    base_across, base_along = _origin(doc, doc["direction"])
    for node in todo:
        along = layer[node["id"]] * LAYER_GAP
        side = slot[node["id"]]
        if doc["direction"] in ("RL", "BT"):
            along = -along
        if doc["direction"] in ("LR", "RL"):
            node["x"], node["y"] = round(base_along + along), round(base_across + side)
        else:
            node["x"], node["y"] = round(base_across + side), round(base_along + along)


def _origin(doc: dict[str, Any], direction: str) -> tuple[float, float]:
    """Where the new nodes start: clear of the positioned ones (below or right of them)."""
    placed = [n for n in doc["nodes"] if "x" in n and "y" in n]
    start = 100.0
    if not placed:
        return start, start
    if direction in ("LR", "RL"):
        return max(n["y"] for n in placed) + 2 * SLOT_GAP, min(n["x"] for n in placed)
    return max(n["x"] for n in placed) + 2 * SLOT_GAP, min(n["y"] for n in placed)
