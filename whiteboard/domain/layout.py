"""Auto-layout: canvas positions for every node of a board, its groups kept together and apart.

Pure Python: no Django, no processes. The canvas draws an edge as a straight line (or a fanned
or bent curve) between node centres with its label at the middle, a node's label below its
box, and a group as its members' bounds plus padding with its title inside the top. Graphviz
and ELK lay boxes out and then route their own edges around them; here the edges are not ours
to route, so the arrangement itself has to keep the middles of edges clear. Measured on the
demo boards (README, "Auto-layout"), that is why this is a layered layout of our own:

1. **Nested blocks.** Each group is laid out on its own (its nodes and subgroups are the
   items), then stands as one block, of exactly the size the canvas draws around it, among
   its parent's items. Groups cannot overlap, and every member stays inside its group.
2. **Layers along the board's direction.** In each container the items are layered by the
   edges between them (cycles broken by a depth-first search in document order, then the
   longest path from the sources), ordered to reduce crossings (barycentre sweeps) and placed
   across so that linked nodes line up (least squares, each layer keeping its order and
   gaps). An edge that skips layers keeps a lane open through the layers between. A node that
   only answers one other node (a gateway's auth service, a service's database) sits beside
   it instead of taking a layer of its own; items with no links at all form a grid.
3. **Room for every label.** Two layers stand far enough apart that the label at the middle of
   each edge between them clears both end nodes, their labels included.
4. **A page, not a strip.** A container's layers may wrap into runs stacked across (each still
   in the board's direction). Greedily, one group, or the board and one group, at a time: the
   wrap that makes the whole fit the smallest 16:10 page, a wrap that cuts many links costing
   more and a picture wider than the editor shows legibly (SCREEN_WIDTH) costing much more.
   The board itself wraps only when it is a strip (WRAP_RATIO).
5. **Tidying** (boards of up to TIDY_NODES nodes). On the canvas geometry itself
   (`layout_measures.Scene`), top-level blocks slide into the room the layers leave, then nodes
   and groups move a few grid steps at a time to clear edge labels that still lie over
   something, each move kept only when it lowers a weighted sum of the measures.

Positions land on the editor's 20 px grid: each level snaps its items' origins, so a group's
nodes keep their relative places exactly, and the gaps keep room for the rounding. Everything
is deterministic: the same board gives the same positions.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from whiteboard.domain.drawn import Box, edge_label, group_frame, place_node
from whiteboard.domain.layout_measures import Scene
from whiteboard.domain.look import LOOK, edge_text
from whiteboard.domain.palette import NOTE

GRID = 20  # the editor's snapping grid
PADDING = LOOK["group"]["padding"]
ITEM_GAP = 40.0  # across a layer, between two items' boxes (labels included)
LAYER_GAP = 60.0  # along the direction, between the boxes of two layers
LABEL_CLEAR = 10.0  # between an edge label and the nodes at either end
LANE = 20.0  # across a layer, the room kept for an edge passing through it
ASPECT = 1.6  # the page: width / height
# The editor's fit-to-screen zoom in a 1024 x 768 window (a 584 px wide canvas) keeps labels
# legible up to about this width; beyond it, each px of width costs WIDE px of page.
SCREEN_WIDTH = 1700.0
WIDE = 8.0
SCREEN_NODES = 80  # boards up to this size are meant to fit that screen
SWEEPS = 8  # ordering sweeps per container
ROUNDS = 12  # placement rounds per container
LARGE = 500  # items (lanes included) from which a container gets fewer sweeps and rounds
LARGE_SWEEPS, LARGE_ROUNDS = 2, 4
MAX_LANES = 2  # lanes a container may add, per item (a long edge beyond that keeps no lane)
CENTRING = 0.3  # how strongly an item holds its place against the pull of its links
MAX_RUNS = 3  # runs a container's layers may wrap into
MAX_WRAPS = 6  # wraps the page search makes, one at a time
WRAP_RATIO = 2.0  # the board wraps only when this many times longer along its flow than across
SEARCH_NODES = 300  # larger boards are not searched for wraps (each try lays out the board)
CUT_COST = 50.0  # px of page worth one link cut by a wrap (n links in one container: n * n)
TIDY_NODES = 80  # boards up to this size are tidied
# Moves the tidying pass may try: a try costs about as much as the board has nodes, so the
# budget shrinks with the board and its time stays bounded.
TIDY_WORK = 17_500

Link = tuple[str, str, str, str, tuple[float, float]]  # items, end nodes, label size


@dataclass
class _Item:
    """A box to place: a node, a laid-out group, or a lane of an edge skipping a layer.

    Everything is in canvas px from the item's top-left corner; `origin` is the point of the
    item that must land on the grid (a node's centre, a group's own coordinate origin).
    """

    key: str
    w: float
    h: float
    origin: tuple[float, float]
    centres: dict[str, tuple[float, float]] = field(default_factory=dict)  # node id -> icon centre
    parts: dict[str, list[Box]] = field(default_factory=dict)  # node id -> its frame and its label
    lane: bool = False
    # The square of the links that wrapping sends back from the end of a run to the start of
    # the next, summed over this container and those inside it.
    cut: int = 0


@dataclass
class _Link:
    source: int  # item indices in the container
    target: int
    source_node: str | None  # the end nodes inside those items (None at a lane)
    target_node: str | None
    label: tuple[float, float]  # the label's width and height ((0, 0) without one)


@dataclass(frozen=True)
class _Axes:
    """The board's direction: edges flow along axis `main` (0 = x, 1 = y) towards larger
    coordinates when `sign` is 1."""

    main: int
    sign: int

    @property
    def cross(self) -> int:
        return 1 - self.main

    def size(self, item: _Item, axis: int) -> float:
        return item.w if axis == 0 else item.h


AXES = {"LR": _Axes(0, 1), "RL": _Axes(0, -1), "TB": _Axes(1, 1), "BT": _Axes(1, -1)}


def layout_board(doc: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Canvas positions (icon centres on the 20 px grid) for every node of a valid board."""
    if not doc.get("nodes"):
        return {}
    board = _Board(doc)
    positions = board.arrange()
    if len(doc["nodes"]) <= TIDY_NODES:
        positions = _tidy(doc, positions, board)
    return {nid: {"x": x, "y": y} for nid, (x, y) in positions.items()}


class _Board:
    """A board as nested containers (the board, its groups) of items linked by its edges."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.axes = AXES.get(str(doc.get("direction") or "LR"), AXES["LR"])
        nodes = list(doc["nodes"])
        self.groups = {str(g["id"]): g for g in doc.get("groups") or []}
        self.paths = {str(n["id"]): _path(n.get("group"), self.groups) for n in nodes}
        populated = {g for path in self.paths.values() for g in path}
        self.children: dict[str | None, list[str]] = {}
        for gid, g in self.groups.items():
            if gid in populated:
                self.children.setdefault(g.get("parent") if g.get("parent") in self.groups else None, []).append(gid)
        self.members: dict[str | None, list[str]] = {}
        for n in nodes:
            self.members.setdefault(n.get("group") if n.get("group") in self.groups else None, []).append(str(n["id"]))
        self.node_items = {str(n["id"]): _node_item(n) for n in nodes}
        kinds = {str(n["id"]): n.get("kind") for n in nodes}
        # Each edge is arranged by the innermost container holding both ends, between the two
        # items of that container that hold them.
        self.links: dict[str | None, list[Link]] = {}
        for e in doc.get("edges") or []:
            s, t = str(e["source"]), str(e["target"])
            if s not in self.paths or t not in self.paths or s == t:
                continue
            ps, pt = self.paths[s], self.paths[t]
            depth = 0
            while depth < min(len(ps), len(pt)) and ps[depth] == pt[depth]:
                depth += 1
            owner = ps[depth - 1] if depth else None
            keys = (ps[depth] if depth < len(ps) else s, pt[depth] if depth < len(pt) else t)
            text = "" if NOTE in (kinds[s], kinds[t]) else edge_text(e)
            self.links.setdefault(owner, []).append((keys[0], keys[1], s, t, _label_size(text)))
        self.shapes: dict[str | None, float] = {None: ASPECT}
        self._share(None)
        self._memo: dict[tuple[str | None, tuple[int, ...]], _Item] = {}

    def keys(self, gid: str | None) -> list[str]:
        """A container's items: its nodes, then its subgroups."""
        return self.members.get(gid, []) + self.children.get(gid, [])

    def containers(self, gid: str | None = None) -> list[str | None]:
        """This container and every one inside it."""
        return [gid] + [g for child in self.children.get(gid, []) for g in self.containers(child)]

    def _share(self, gid: str | None) -> None:
        """The proportions each group should have for the whole to make a page: a group shares
        the length along the direction with the other layers of its container, and the breadth
        with the other items of its layer."""
        keys = self.keys(gid)
        index = {key: k for k, key in enumerate(keys)}
        pairs = [(index[a], index[b]) for a, b, *_ in self.links.get(gid, [])]
        layer = _layer(len(keys), pairs) if pairs else [0] * len(keys)
        layers = max(layer) - min(layer) + 1
        for key, k in zip(keys, layer, strict=True):
            if key in self.groups:
                fraction = layer.count(k) / layers if pairs else 1.0
                self.shapes[key] = self.shapes[gid] * (fraction if self.axes.main == 0 else 1 / fraction)
                self._share(key)

    def build(self, gid: str | None, runs: Mapping[str | None, int]) -> _Item:
        """The container laid out as one item, each container wrapped into its `runs`."""
        key = (gid, tuple(runs.get(g, 1) for g in self.containers(gid)))
        if key not in self._memo:
            items = [self.node_items[nid] for nid in self.members.get(gid, [])]
            items += [self.build(child, runs) for child in self.children.get(gid, [])]
            placed, cut = _arrange(
                items, self.links.get(gid, []), self.axes, runs=runs.get(gid, 1), shape=self.shapes[gid]
            )
            block = _block(gid, items, placed, self.groups)
            block.cut = cut * cut + sum(it.cut for it in items)
            self._memo[key] = block
        return self._memo[key]

    def arrange(self) -> dict[str, tuple[int, int]]:
        """Wrap, one container at a time, where that makes the whole fit the smallest 16:10
        page (a link cut by a wrap runs back across a whole run, so it costs page: several in
        one container, a tangle across the wrap, much more than one)."""
        runs: dict[str | None, int] = {}
        root = self.build(None, runs)
        # A board of a screenful of nodes should fit the editor's screen; wrapping it together
        # with a group is a step that only such a board needs.
        screen = len(self.paths) <= SCREEN_NODES
        score = _page(root, screen=screen)
        for _ in range(MAX_WRAPS if len(self.paths) <= SEARCH_NODES else 0):
            tries = []
            wrappable = [gid for gid in self.containers() if self._wrappable(gid, runs)]
            # One container more wrapped, or the board and one group together (wrapping the
            # board pays off only once its widest group is narrower, and the other way round).
            steps: list[tuple[str | None, ...]] = [(gid,) for gid in wrappable]
            if screen and None in wrappable:
                steps += [(None, gid) for gid in wrappable if gid is not None]
            for step in steps:
                trial = {**runs, **{gid: runs.get(gid, 1) + 1 for gid in step}}
                item = self.build(None, trial)
                tries.append((_page(item, screen=screen), trial, item))
            best = min(tries, key=lambda t: t[0], default=None)
            if best is None or best[0] > score * 0.97:
                break
            score, runs, root = best
        return {nid: (round(x), round(y)) for nid, (x, y) in root.centres.items()}

    def _wrappable(self, gid: str | None, runs: Mapping[str | None, int]) -> bool:
        """Whether a container may wrap into one more run: a group may, the board only when
        it is a strip (WRAP_RATIO times longer along its flow than across)."""
        if runs.get(gid, 1) >= MAX_RUNS:
            return False
        block = self.build(gid, runs)
        along, across = (block.w, block.h) if self.axes.main == 0 else (block.h, block.w)
        return gid is not None or along > WRAP_RATIO * across


def _page(item: _Item, *, screen: bool) -> float:
    """What the wrap search minimises: the page (`_page_size`) and what the wraps cost."""
    return _page_size(item.w, item.h, screen=screen) + CUT_COST * item.cut


def _page_size(width: float, height: float, *, screen: bool) -> float:
    """The height of the smallest 16:10 page a picture of this size fits on, plus, for a board
    meant to fit a screen, what it is wider than the editor shows legibly."""
    return max(width / ASPECT, height) + (WIDE * max(0.0, width - SCREEN_WIDTH) if screen else 0.0)


def _path(gid: str | None, groups: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The groups from the top level down to `gid`."""
    path: list[str] = []
    while gid is not None and gid in groups and gid not in path:
        path.append(gid)
        gid = groups[gid].get("parent")
    return path[::-1]


def _label_size(text: str) -> tuple[float, float]:
    if not text.strip():
        return 0.0, 0.0
    _, (x1, y1, x2, y2) = edge_label(text, (0.0, 0.0))
    return x2 - x1, y2 - y1


def _node_item(node: Mapping[str, Any]) -> _Item:
    placed = place_node({**node, "x": 0.0, "y": 0.0})
    note = node.get("kind") == NOTE
    x1, y1, x2, y2 = placed.box if note else placed.bbox
    parts = [placed.box] if note or placed.label_box is None else [placed.body, placed.label_box]
    nid = str(node["id"])
    return _Item(
        key=nid,
        w=x2 - x1,
        h=y2 - y1,
        origin=(-x1, -y1),
        centres={nid: (-x1, -y1)},
        parts={nid: [(a - x1, b - y1, c - x1, d - y1) for a, b, c, d in parts]},
    )


def _block(
    gid: str | None, items: Sequence[_Item], placed: Sequence[tuple[float, float]], groups: Mapping[str, Any]
) -> _Item:
    """Items at their places (top-left corners) as one item: a group's frame around them, or
    the whole board (whose node centres stay in the board's own coordinates)."""
    x1 = min(x for x, _ in placed)
    y1 = min(y for _, y in placed)
    x2 = max(x + it.w for it, (x, _) in zip(items, placed, strict=True))
    y2 = max(y + it.h for it, (_, y) in zip(items, placed, strict=True))
    if gid is not None:
        box = (x1 - PADDING, y1 - PADDING, x2 + PADDING, y2 + PADDING)
        x1, y1, x2, y2 = group_frame(box, str(groups[gid].get("label") or ""))
    shift = (0.0, 0.0) if gid is None else (-x1, -y1)
    centres: dict[str, tuple[float, float]] = {}
    parts: dict[str, list[Box]] = {}
    for it, (x, y) in zip(items, placed, strict=True):
        dx, dy = x + shift[0], y + shift[1]
        for nid, (cx, cy) in it.centres.items():
            centres[nid] = (cx + dx, cy + dy)
        for nid, boxes in it.parts.items():
            parts[nid] = [(a + dx, b + dy, c + dx, d + dy) for a, b, c, d in boxes]
    return _Item(gid or "", x2 - x1, y2 - y1, (-x1, -y1), centres, parts)


# --- one container ------------------------------------------------------------------------------


def _arrange(
    items: list[_Item], raw_links: Sequence[Link], axes: _Axes, *, runs: int, shape: float
) -> tuple[list[tuple[float, float]], int]:
    """Top-left corners for the items of one container (in its own coordinates, origins on the
    grid), its layers wrapped into `runs` (items with no links at all: a grid of about the
    proportions `shape`), and the number of links the wrapping cuts."""
    index = {it.key: k for k, it in enumerate(items)}
    links = [_Link(index[a], index[b], s, t, label) for a, b, s, t, label in raw_links]
    satellites = _satellites([len(it.centres) == 1 and it.key in it.centres for it in items], links)
    layered = [v for v in range(len(items)) if v not in satellites]
    position = {v: k for k, v in enumerate(layered)}
    pairs = [
        (position[ln.source], position[ln.target]) for ln in links if ln.source in position and ln.target in position
    ]
    layer = [0] * len(items)
    for v, k in zip(layered, _layer(len(layered), pairs) if links else _grid(items, axes, shape), strict=True):
        layer[v] = k
    for v, (parent, _) in satellites.items():
        layer[v] = layer[parent]
    items, links, layer = _with_lanes(items, links, layer)
    rows = _order(items, links, layer, axes, satellites)
    level = {v: k for k, row in enumerate(rows) for v in row}
    gaps = _gaps(items, links, rows, axes)
    cross = _place_across(items, links, rows, gaps, axes)
    main = _place_along(items, links, level, rows, cross, axes)
    cut = 0
    if runs > 1:
        main, cross, cut = _wrap(items, links, level, rows, main, cross, axes, runs)
    out: list[tuple[float, float]] = []
    for k, it in enumerate(items):
        if it.lane:
            continue
        # `main` and `cross` are the item's centre; its origin goes on the grid.
        centre = [0.0, 0.0]
        centre[axes.main], centre[axes.cross] = main[k], cross[k]
        x = _snap(centre[0] - it.w / 2 + it.origin[0]) - it.origin[0]
        y = _snap(centre[1] - it.h / 2 + it.origin[1]) - it.origin[1]
        out.append((x, y))
    return out, cut


def _snap(value: float) -> float:
    return float(round(value / GRID) * GRID)


def _grid(items: list[_Item], axes: _Axes, shape: float) -> list[int]:
    """Layers for items with no links between them: a grid in document order, with as many
    layers as bring it closest to the proportions `shape` (width / height); forty unlinked
    services make a block, not a column."""
    count = len(items)
    along = sum(axes.size(it, axes.main) for it in items) / count + LAYER_GAP
    across = sum(axes.size(it, axes.cross) for it in items) / count + ITEM_GAP

    def misfit(layers: int) -> float:
        size = (layers * along, math.ceil(count / layers) * across)
        width, height = size if axes.main == 0 else size[::-1]
        return abs(math.log(width / height / shape))

    per_layer = math.ceil(count / min(range(1, count + 1), key=misfit))
    return [k // per_layer for k in range(count)]


def _satellites(nodes: Sequence[bool], links: Sequence[_Link]) -> dict[int, tuple[int, int]]:
    """Items that only answer one other item sit beside it in its layer rather than in a layer
    of their own: satellite -> (its parent, +1 after it or -1 before it across the layer).

    Both are nodes (between two groups side by side a link would cross their other members), a
    parent keeps at most one satellite on each side (a second would hide behind the first) and
    has a link into it, so the flow still starts upstream of both."""
    count = len(nodes)
    into: list[set[int]] = [set() for _ in range(count)]
    out_of: list[set[int]] = [set() for _ in range(count)]
    for ln in links:
        into[ln.target].add(ln.source)
        out_of[ln.source].add(ln.target)
    found: dict[int, tuple[int, int]] = {}
    taken: dict[int, int] = {}
    for v in range(count):
        if len(into[v]) != 1 or out_of[v] or not nodes[v]:
            continue
        (parent,) = into[v]
        if nodes[parent] and into[parent] and taken.get(parent, 0) < 2:
            taken[parent] = taken.get(parent, 0) + 1
            found[v] = (parent, 1 if taken[parent] == 1 else -1)
    return found


def _layer(count: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """Layers by the longest path from the sources, after reversing the edges that close a
    cycle (found by a depth-first search in document order); a source sits just before its
    first successor, and an item with no edge joins the thinnest layer."""
    succ: list[list[int]] = [[] for _ in range(count)]
    for s, t in edges:
        if s != t:
            succ[s].append(t)
    state = [0] * count  # 0 unseen, 1 on the stack, 2 done
    dag: list[set[int]] = [set() for _ in range(count)]
    for start in range(count):
        if state[start]:
            continue
        stack = [(start, 0)]
        state[start] = 1
        while stack:
            v, i = stack[-1]
            if i == len(succ[v]):
                state[v] = 2
                stack.pop()
                continue
            stack[-1] = (v, i + 1)
            w = succ[v][i]
            if state[w] == 1:
                dag[w].add(v)  # closes a cycle: reversed
                continue
            dag[v].add(w)
            if state[w] == 0:
                state[w] = 1
                stack.append((w, 0))
    pred: list[set[int]] = [set() for _ in range(count)]
    for v in range(count):
        for w in dag[v]:
            pred[w].add(v)
    order = _topological(count, dag, pred)
    layer = [0] * count
    for v in order:
        layer[v] = max((layer[u] + 1 for u in pred[v]), default=0)
    for v in reversed(order):
        if not pred[v] and dag[v]:
            layer[v] = min(layer[w] for w in dag[v]) - 1
    lonely = [v for v in range(count) if not pred[v] and not dag[v]]
    if lonely and len(lonely) < count:
        sizes: dict[int, int] = {}
        for v in range(count):
            if v not in lonely:
                sizes[layer[v]] = sizes.get(layer[v], 0) + 1
        for v in lonely:
            thinnest = min(sorted(sizes), key=lambda k: sizes[k])
            layer[v] = thinnest
            sizes[thinnest] += 1
    return layer


def _topological(count: int, succ: Sequence[set[int]], pred: Sequence[set[int]]) -> list[int]:
    waiting = [len(pred[v]) for v in range(count)]
    ready = [v for v in range(count) if not waiting[v]]
    out: list[int] = []
    while ready:
        v = ready.pop(0)
        out.append(v)
        for w in sorted(succ[v]):
            waiting[w] -= 1
            if not waiting[w]:
                ready.append(w)
    return out


def _with_lanes(items: list[_Item], links: list[_Link], layer: list[int]) -> tuple[list[_Item], list[_Link], list[int]]:
    """Links that skip layers become chains through lane items, one in each layer passed (as
    long as the lanes stay within MAX_LANES per item)."""
    lanes = sum(max(abs(layer[ln.source] - layer[ln.target]) - 1, 0) for ln in links)
    if lanes > MAX_LANES * len(items):
        return items, links, layer
    items, layer = list(items), list(layer)
    out: list[_Link] = []
    for ln in links:
        a, b = (ln.source, ln.target) if layer[ln.source] <= layer[ln.target] else (ln.target, ln.source)
        if layer[b] - layer[a] <= 1:
            out.append(ln)
            continue
        end_a = ln.source_node if a == ln.source else ln.target_node
        end_b = ln.target_node if b == ln.target else ln.source_node
        previous, previous_node = a, end_a
        for step in range(layer[a] + 1, layer[b]):
            items.append(_Item(f"lane:{len(items)}", LANE, LANE, (LANE / 2, LANE / 2), lane=True))
            layer.append(step)
            out.append(_Link(previous, len(items) - 1, previous_node, None, (0.0, 0.0)))
            previous, previous_node = len(items) - 1, None
        out.append(_Link(previous, b, None, end_b, (0.0, 0.0)))
    return items, out, layer


def _port(item: _Item, node: str | None, axes: _Axes, axis: int) -> float:
    """Where a link meets the item along `axis`, from the item's centre."""
    if node is None or node not in item.centres:
        return 0.0
    return item.centres[node][axis] - axes.size(item, axis) / 2


def _neighbours(items: list[_Item], links: list[_Link], axes: _Axes) -> list[list[tuple[int, float]]]:
    """For each item, (other item, offset) pairs: the item lines its link up with the other's
    when its centre is at the other's centre plus the offset, across."""
    out: list[list[tuple[int, float]]] = [[] for _ in items]
    for ln in links:
        s_port = _port(items[ln.source], ln.source_node, axes, axes.cross)
        t_port = _port(items[ln.target], ln.target_node, axes, axes.cross)
        out[ln.source].append((ln.target, t_port - s_port))
        out[ln.target].append((ln.source, s_port - t_port))
    return out


def _stack(items: list[_Item], row: list[int], gaps: Sequence[float], axes: _Axes, at: dict[int, float]) -> None:
    """Items of one layer side by side across, in order, `gaps[i]` after the i-th, centred on 0."""
    sizes = [axes.size(items[v], axes.cross) for v in row]
    pos = -(sum(sizes) + sum(gaps[: len(row) - 1])) / 2
    for i, (v, size) in enumerate(zip(row, sizes, strict=True)):
        at[v] = pos + size / 2
        pos += size + (gaps[i] if i < len(gaps) else 0.0)


def _order(
    items: list[_Item], links: list[_Link], layer: list[int], axes: _Axes, satellites: Mapping[int, tuple[int, int]]
) -> list[list[int]]:
    """The layers (lowest first), each in crossing-reducing order (barycentre sweeps, the best
    order seen kept), each satellite next to its parent."""
    first = min(layer)
    rows: list[list[int]] = [[] for _ in range(max(layer) - first + 1)]
    for v, k in enumerate(layer):
        if v not in satellites:
            rows[k - first].append(v)
    rows = [row for row in rows if row]
    level = {v: k for k, row in enumerate(rows) for v in row}
    near = _neighbours(items, links, axes)
    at: dict[int, float] = {}
    spacing = [ITEM_GAP] * len(items)
    for row in rows:
        _stack(items, row, spacing, axes, at)
    best = [list(r) for r in rows]
    best_cost = _crossings(rows, links, level)
    for sweep in range(SWEEPS if len(items) <= LARGE else LARGE_SWEEPS):
        downwards = sweep % 2 == 0
        for k in range(1, len(rows)) if downwards else range(len(rows) - 2, -1, -1):
            side = k - 1 if downwards else k + 1
            wanted = {}
            for v in rows[k]:
                pulls = [at[u] + off for u, off in near[v] if level.get(u) == side]
                wanted[v] = sum(pulls) / len(pulls) if pulls else at[v]
            rows[k].sort(key=lambda v: (wanted[v], at[v]))
            _stack(items, rows[k], spacing, axes, at)
        cost = _crossings(rows, links, level)
        if cost < best_cost:
            best, best_cost = [list(r) for r in rows], cost
    beside: dict[int, list[int]] = {}
    for v, (parent, side) in satellites.items():
        beside.setdefault(parent, [parent])
        beside[parent].insert(len(beside[parent]) if side > 0 else 0, v)
    return [[w for v in row for w in beside.get(v, [v])] for row in best]


def _crossings(rows: list[list[int]], links: list[_Link], level: Mapping[int, int]) -> int:
    """Pairs of links between two neighbouring layers that cross (by the items' order)."""
    rank = {v: i for row in rows for i, v in enumerate(row)}
    between: dict[int, list[tuple[int, int]]] = {}
    for ln in links:
        if ln.source not in level or ln.target not in level:
            continue
        a, b = sorted((ln.source, ln.target), key=lambda v: level[v])
        if level[b] - level[a] == 1:
            between.setdefault(level[a], []).append((rank[a], rank[b]))
    total = 0
    for pairs in between.values():
        # The crossings are the inversions of the far ends' ranks, counted with a Fenwick tree.
        pairs.sort()
        size = max(b for _, b in pairs) + 2
        tree = [0] * (size + 1)
        for seen, (_, b) in enumerate(pairs):
            i, below = b + 1, 0
            while i > 0:
                below += tree[i]
                i -= i & -i
            total += seen - below
            i = b + 1
            while i <= size:
                tree[i] += 1
                i += i & -i
    return total


def _gaps(items: list[_Item], links: list[_Link], rows: list[list[int]], axes: _Axes) -> list[list[float]]:
    """The gap after each item of each layer: ITEM_GAP, or between two linked items (a parent
    and its satellite) room for the label at the middle of their link to clear both."""
    label: dict[frozenset[int], float] = {}
    for ln in links:
        pair = frozenset((ln.source, ln.target))
        label[pair] = max(label.get(pair, 0.0), ln.label[1] if axes.main == 0 else ln.label[0])
    out = []
    for row in rows:
        gaps = []
        for a, b in itertools.pairwise(row):
            gap = ITEM_GAP
            if frozenset((a, b)) in label:
                reach_a = _reach(items[a], 1, axes.cross)
                reach_b = _reach(items[b], -1, axes.cross)
                need = 2 * (max(reach_a, reach_b) + LABEL_CLEAR + label[frozenset((a, b))] / 2)
                gap = max(gap, need - reach_a - reach_b + GRID)
            gaps.append(gap)
        out.append(gaps)
    return out


def _reach(item: _Item, towards: int, axis: int) -> float:
    """How far a single node's box (label included) reaches from its centre towards `towards`
    (+1 or -1) along `axis`."""
    ((node, centre),) = item.centres.items()
    box = _union(item.parts[node])
    return box[axis + 2] - centre[axis] if towards > 0 else centre[axis] - box[axis]


def _union(boxes: Sequence[Box]) -> Box:
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


def _place_across(
    items: list[_Item], links: list[_Link], rows: list[list[int]], gaps: list[list[float]], axes: _Axes
) -> list[float]:
    """Centres across the layers: each item pulled to line its links up with the items it is
    linked to (a little held where it is, so the whole stays compact), each layer keeping its
    order and gaps (a least-squares fit per layer)."""
    near = _neighbours(items, links, axes)
    at: dict[int, float] = {}
    for row, row_gaps in zip(rows, gaps, strict=True):
        _stack(items, row, row_gaps, axes, at)
    for sweep in range(ROUNDS if len(items) <= LARGE else LARGE_ROUNDS):
        for k in range(len(rows)) if sweep % 2 == 0 else range(len(rows) - 1, -1, -1):
            wanted = []
            for v in rows[k]:
                pulls = [at[u] + off for u, off in near[v]]
                wanted.append((sum(pulls) + CENTRING * at[v]) / (len(pulls) + CENTRING) if pulls else at[v])
            sizes = [axes.size(items[v], axes.cross) for v in rows[k]]
            for v, p in zip(rows[k], _fit_in_order(wanted, sizes, gaps[k]), strict=True):
                at[v] = p
    return [at.get(v, 0.0) for v in range(len(items))]


def _fit_in_order(wanted: list[float], sizes: list[float], gaps: Sequence[float]) -> list[float]:
    """Positions as close as possible (least squares) to `wanted`, in order, each centre at
    least half of both sizes plus the gap from the next: pool-adjacent-violators on positions
    less their least offsets."""
    offsets = [0.0]
    for a, b, gap in zip(sizes, sizes[1:], gaps, strict=False):
        offsets.append(offsets[-1] + (a + b) / 2 + gap)
    pools: list[tuple[float, int]] = []  # (mean, count)
    for w, o in zip(wanted, offsets, strict=True):
        pools.append((w - o, 1))
        while len(pools) > 1 and pools[-2][0] > pools[-1][0]:
            m2, c2 = pools.pop()
            m1, c1 = pools.pop()
            pools.append(((m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2))
    means = [mean for mean, count in pools for _ in range(count)]
    return [q + o for q, o in zip(means, offsets, strict=True)]


def _place_along(
    items: list[_Item],
    links: list[_Link],
    level: Mapping[int, int],
    rows: list[list[int]],
    cross: list[float],
    axes: _Axes,
) -> list[float]:
    """Centres along the direction, layer by layer: far enough apart for the items and for the
    label at the middle of every link between two neighbouring layers to clear both ends."""
    thick = [max(axes.size(items[v], axes.main) for v in row) for row in rows]
    centre = [0.0] * len(rows)
    for k in range(1, len(rows)):
        need = (thick[k - 1] + thick[k]) / 2 + LAYER_GAP
        for ln in links:
            if not ln.label[0] or {level[ln.source], level[ln.target]} != {k - 1, k}:
                continue
            a, b = (ln.source, ln.target) if level[ln.source] == k - 1 else (ln.target, ln.source)
            node_a = ln.source_node if a == ln.source else ln.target_node
            node_b = ln.target_node if b == ln.target else ln.source_node
            if node_a is None or node_b is None:
                continue
            room = _label_room((items[a], node_a, cross[a]), (items[b], node_b, cross[b]), ln.label, axes)
            pa, pb = _port(items[a], node_a, axes, axes.main), _port(items[b], node_b, axes, axes.main)
            need = max(need, room + axes.sign * (pa - pb))
        # A grid step more than needed: snapping moves each item by up to half a step.
        centre[k] = centre[k - 1] + math.ceil(need / GRID) * GRID + GRID
    return [axes.sign * centre[level[v]] for v in range(len(items))]


def _label_room(
    first: tuple[_Item, str, float], second: tuple[_Item, str, float], label: tuple[float, float], axes: _Axes
) -> float:
    """The least distance along the direction between the centres of two linked nodes (the
    first upstream) for the label at the middle of their link to clear both nodes' frames and
    labels. Each end is (item, node, the item's centre across); a part of a node that the label
    passes beside, across, needs no room along."""
    along = label[0] if axes.main == 0 else label[1]
    across = label[1] if axes.main == 0 else label[0]
    ends = [(item, node, centre + _port(item, node, axes, axes.cross)) for item, node, centre in (first, second)]
    middle = (ends[0][2] + ends[1][2]) / 2
    need = 0.0
    for (item, node, at), towards in zip(ends, (axes.sign, -axes.sign), strict=True):
        centre = item.centres[node]
        for part in item.parts[node]:
            lo = part[axes.cross] - centre[axes.cross] + at
            hi = part[axes.cross + 2] - centre[axes.cross] + at
            if middle - across / 2 - LABEL_CLEAR >= hi or middle + across / 2 + LABEL_CLEAR <= lo:
                continue
            reach = part[axes.main + 2] - centre[axes.main] if towards > 0 else centre[axes.main] - part[axes.main]
            need = max(need, 2 * (reach + LABEL_CLEAR + along / 2))
    return need


def _wrap(
    items: list[_Item],
    links: list[_Link],
    level: Mapping[int, int],
    rows: list[list[int]],
    main: list[float],
    cross: list[float],
    axes: _Axes,
    runs: int,
) -> tuple[list[float], list[float], int]:
    """The layers cut into `runs` consecutive runs stacked across (a long chain wraps like
    text), cut where the fewest links cross, then where the longest run is shortest; and the
    number of links the cuts cross."""
    spans = []
    for row in rows:
        # Lanes take no room of their own: they only keep a passage open between items.
        solid = [v for v in row if not items[v].lane] or row
        spans.append(
            (
                min(main[v] - axes.size(items[v], axes.main) / 2 for v in solid),
                max(main[v] + axes.size(items[v], axes.main) / 2 for v in solid),
                min(cross[v] - axes.size(items[v], axes.cross) / 2 for v in solid),
                max(cross[v] + axes.size(items[v], axes.cross) / 2 for v in solid),
            )
        )
    crossing = [0] * len(rows)  # links between layer k - 1 and layer k
    for ln in links:
        a, b = sorted((level[ln.source], level[ln.target]))
        if b == a + 1:
            crossing[b] += 1
    best: tuple[int, float, tuple[int, ...]] | None = None
    for inner in itertools.combinations(range(1, len(rows)), runs - 1):
        cuts = (0, *inner, len(rows))
        longest = max(abs(spans[stop - 1][1] - spans[start][0]) for start, stop in itertools.pairwise(cuts))
        candidate = (sum(crossing[k] for k in inner), longest, cuts)
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    if best is None:
        return main, cross, 0
    new_main, new_cross = list(main), list(cross)
    offset = 0.0
    end: float | None = None  # where the previous run ends along the flow
    for start, stop in itertools.pairwise(best[2]):
        run = range(start, stop)
        lo, hi = min(spans[k][0] for k in run), max(spans[k][1] for k in run)
        c_lo, c_hi = min(spans[k][2] for k in run), max(spans[k][3] for k in run)
        # A run starts where the flow starts (the left for LR, the right for RL), or ends where
        # the previous run ends when that brings the links between them closer: a short last
        # run then sits under the end of the chain, not back at its start.
        shifts = [-lo if axes.sign > 0 else -hi]
        if end is not None:
            shifts.append(end - hi if axes.sign > 0 else end - lo)
        ends = [sorted((ln.source, ln.target), key=lambda v: level[v]) for ln in links]
        between = [(a, b) for a, b in ends if level[a] == start - 1 and level[b] == start]
        reach = {shift: sum(abs(new_main[a] - main[b] - shift) for a, b in between) for shift in shifts}
        shift = min(shifts, key=lambda s: reach[s])
        for k in run:
            for v in rows[k]:
                new_main[v] = main[v] + shift
                new_cross[v] = cross[v] + offset - c_lo
        offset += c_hi - c_lo + LAYER_GAP + GRID
        end = (hi if axes.sign > 0 else lo) + shift
    return new_main, new_cross, best[0]


# --- tidying up ---------------------------------------------------------------------------------

# What tidying trades: an overlap is never worth it, a label collision is worth a lot, a line
# over a node less, a crossing, a line across a group or an edge against the direction a
# little, and length (of the page and of the edges, per px) least.
WEIGHTS = {
    "node_overlaps": 1000.0,
    "group_overlaps": 1000.0,
    "strays": 1000.0,
    "label_collisions": 100.0,
    "edges_over_nodes": 10.0,
    "crossings": 3.0,
    "edges_across_groups": 3.0,
}
BACKWARDS = 3.0
PAGE = 0.1
LENGTH = 0.01
SLIDES = (-8, -4, -2, -1, 1, 2, 4, 8)  # grid steps a block slides, along either axis
NUDGES_ALONG = (-2, -1, 1, 2)  # grid steps a node or group moves to clear a label
NUDGES_ACROSS = (-4, -3, -2, -1, 1, 2, 3, 4)
COMPACT_ROUNDS = 4
BLOCK_GAP = 20.0  # the least room between two top-level blocks the tidying pass leaves
CLEAR_ROUNDS = 6


def _tidy(
    doc: Mapping[str, Any], positions: Mapping[str, tuple[int, int]], board: _Board
) -> dict[str, tuple[int, int]]:
    """Top-level blocks slide into the room the layers leave, then nodes and groups move to
    clear the labels the arrangement left over something (it keeps each label clear of its
    own edge's ends, not of everything else)."""
    nodes = [{**n, "x": positions[str(n["id"])][0], "y": positions[str(n["id"])][1]} for n in doc["nodes"]]
    everyone: dict[str, list[str]] = {}
    for nid, path in board.paths.items():
        for g in path:
            everyone.setdefault(g, []).append(nid)
    tops = {g: everyone[g] for g in board.children.get(None, [])}
    tops.update({nid: [nid] for nid in board.members.get(None, [])})
    tidy = _Tidy(Scene({**doc, "nodes": nodes}, clear_labels=False), board.axes, tops)
    blocks = list(tops.values())
    slides = [(d * GRID, 0) for d in SLIDES] + [(0, d * GRID) for d in SLIDES]
    for _ in range(COMPACT_ROUNDS):
        if not any([tidy.best_move([block], slides) for block in blocks]):
            break
    nudges = [(d * GRID, 0) for d in NUDGES_ALONG] + [(0, d * GRID) for d in NUDGES_ACROSS]
    if board.axes.main == 1:
        nudges = [(dy, dx) for dx, dy in nudges]
    for _ in range(CLEAR_ROUNDS):
        moved = False
        for k in tidy.scene.colliding_labels():
            edge = tidy.scene.edges[k]
            # An end node first; its groups, innermost first, only if no end node could move.
            tiers = [[[edge.source], [edge.target]]]
            for end in (edge.source, edge.target):
                tiers += [[everyone[g]] for g in board.paths[end][::-1]]
            for movers in tiers:
                if tidy.best_move(movers, nudges):
                    moved = True
                    break
        if not moved:
            break
    return {nid: (round(n.x), round(n.y)) for nid, n in tidy.scene.nodes.items()}


class _Tidy:
    """Moves on a scene, each kept only if it lowers the cost, within a budget of tries."""

    def __init__(self, scene: Scene, axes: _Axes, tops: Mapping[str, list[str]]) -> None:
        self.scene = scene
        self.axes = axes
        self.tries = 0
        self.budget = TIDY_WORK // max(len(scene.nodes), 1)
        # The board's top-level blocks (a group's nodes, or a loose node) by their nodes.
        self.tops = {frozenset(ids): key for key, ids in tops.items()}

    def _crowded(self, mover: list[str]) -> bool:
        """Whether a top-level block stands closer than BLOCK_GAP to another: the measures
        allow frames that touch, the eye does not."""
        key = self.tops.get(frozenset(mover))
        if key is None:
            return False
        x1, y1, x2, y2 = self.scene.outline(key)
        for other in self.tops.values():
            if other == key:
                continue
            a1, b1, a2, b2 = self.scene.outline(other)
            if x1 < a2 + BLOCK_GAP and a1 < x2 + BLOCK_GAP and y1 < b2 + BLOCK_GAP and b1 < y2 + BLOCK_GAP:
                return True
        return False

    def best_move(self, movers: Sequence[list[str]], steps: Sequence[tuple[int, int]]) -> bool:
        """Makes the move (one of `movers` by one of `steps`) that lowers the cost most, if any."""
        best: tuple[float, list[str], int, int] | None = None
        for mover in movers:
            for dx, dy in steps:
                if self.tries >= self.budget:
                    break
                self.tries += 1
                before = self._cost(mover)
                undo = self.scene.move(mover, dx, dy)
                change = math.inf if self._crowded(mover) else self._cost(mover) - before
                undo()
                if change < -1e-9 and (best is None or change < best[0]):
                    best = (change, mover, dx, dy)
        if best is None:
            return False
        self.scene.move(best[1], best[2], best[3])
        return True

    def _cost(self, mover: list[str]) -> float:
        """The cost of what moving `mover` can change."""
        scene, axes = self.scene, self.axes
        moved = set(mover)
        backwards = 0
        length = 0.0
        for e in scene.edges:
            if e.source in moved or e.target in moved:
                s, t = scene.position(e.source), scene.position(e.target)
                backwards += axes.sign * (t[axes.main] - s[axes.main]) < 0
                length += math.hypot(t[0] - s[0], t[1] - s[1])
        x1, y1, x2, y2 = scene.extent()
        counts = scene.tally(mover)
        return (
            sum(WEIGHTS[name] * count for name, count in counts.items())
            + BACKWARDS * backwards
            + LENGTH * length
            + PAGE * _page_size(x2 - x1, y2 - y1, screen=True)
        )
