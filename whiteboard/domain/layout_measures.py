"""How readable a board's picture is: overlaps, label collisions, crossings and its shape.

Measured on the canvas geometry itself (`drawn.plan_board`: node frames with their labels
below, group frames around their members, edges routed and labelled as the canvas and the
drawn export draw them), so a board that measures clean here looks clean in the editor and in
the export. Pure: the layout, its tests, `manage.py relayout` and `bench/layout.py` read these.

The rules are pairs: two nodes that overlap, two groups (neither inside the other) that overlap,
a node over a group it is not in, an edge label over another label, a node or a group title,
two edges that cross, an edge over a node that is not one of its ends, an edge over a group
that holds neither end. `Scene` holds them once: `measures()` counts every pair (candidates from
a sweep over the elements' extents, so a large board is measured in about linear time), and
`tally(ids)` counts again only the pairs a move of some nodes can change, which is what makes
the layout's tidying pass affordable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from whiteboard.domain.drawn import Box, PlacedGroup, Point, fit_group, place_edge, plan_board

# Boxes that merely touch, or overlap by less than this (canvas px), do not collide: positions
# are whole pixels and text extents are estimates.
TOLERANCE = 0.5

PAIRS = (
    "node_overlaps",  # pairs of nodes whose frames or labels overlap
    "group_overlaps",  # pairs of groups, neither inside the other, whose frames overlap
    "strays",  # (node, group): the node lies over a group it does not belong to
    "label_collisions",  # an edge label over another edge label, a node or its label, or a group title
    "crossings",  # pairs of edges that cross (edges with a common end never count)
    "edges_over_nodes",  # (edge, node): the edge passes over a node or label not at its ends
    "edges_across_groups",  # (edge, group): the edge passes over a group holding neither end
)


@dataclass(frozen=True)
class Measures:
    node_overlaps: int
    group_overlaps: int
    strays: int
    label_collisions: int
    crossings: int
    edges_over_nodes: int
    edges_across_groups: int
    width: float  # of everything drawn (frames, labels, edges), in canvas px
    height: float

    @property
    def aspect(self) -> float:
        """Width over height: 1.6 is a 16:10 page."""
        return self.width / self.height if self.height else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "aspect": round(self.aspect, 3)}


def measure(doc: Mapping[str, Any]) -> Measures:
    """The measures of a valid board whose nodes all have positions."""
    return Scene(doc).measures()


# Collisions that larger text can make: what a picture shrunk to a page width must not gain.
_CROWDING = ("node_overlaps", "group_overlaps", "strays", "label_collisions")
# Above this many nodes the search below costs more than a picture is worth waiting for.
MAX_SEARCHED_NODES = 200
_SEARCH_STEPS = 6


def _crowding(doc: Mapping[str, Any], text_scale: float) -> tuple[int, ...]:
    found = Scene(doc, text_scale).measures()
    return tuple(getattr(found, name) for name in _CROWDING)


def clean_text_scale(doc: Mapping[str, Any], wanted: float) -> float:
    """The largest text scale up to `wanted` at which the board's picture has no more overlaps
    and label collisions than at its own size (`drawn.draw_board` asks, when a picture shrunk to
    a page width wants larger text to stay readable). The positions are the board's: text that
    grows while the nodes stay put runs into its neighbours, and a picture of labels over labels
    reads worse than one of smaller text."""
    if wanted <= 1.0:
        return wanted
    if len(doc.get("nodes") or []) > MAX_SEARCHED_NODES:
        return 1.0
    baseline = _crowding(doc, 1.0)

    def clean(scale: float) -> bool:
        return all(now <= then for now, then in zip(_crowding(doc, scale), baseline, strict=True))

    if clean(wanted):
        return wanted
    low, high = 1.0, wanted
    for _ in range(_SEARCH_STEPS):
        middle = (low + high) / 2
        if clean(middle):
            low = middle
        else:
            high = middle
    return low


Element = tuple[str, Any]  # ("n", node id), ("e", edge index) or ("g", group id)


class Scene:
    """A board's canvas geometry, in which nodes can be moved and the pairs counted again."""

    def __init__(self, doc: Mapping[str, Any], text_scale: float = 1.0, *, clear_labels: bool = True) -> None:
        # A move re-places only the edges at the moved nodes, so a scene that is moved in (the
        # layout's) keeps every label in the middle of its line: whether a label must step aside
        # for a component depends on components far from the move.
        plan = plan_board(doc, text_scale, clear_labels=clear_labels)
        self.movable = not clear_labels
        self.nodes = {n.id: n for n in plan.nodes}
        self.groups = {g.id: g for g in plan.groups}
        self.edges = list(plan.edges)
        self._ancestors = _ancestors(self.groups)
        self.inside = {
            n.id: self._ancestors.get(n.group, set()) | ({n.group} if n.group in self.groups else set())
            for n in plan.nodes
        }
        self._members: dict[str, list[str]] = {gid: [] for gid in self.groups}
        self._everyone: dict[str, set[str]] = {gid: set() for gid in self.groups}
        for n in plan.nodes:
            if n.group in self._members:
                self._members[n.group].append(n.id)
            for gid in self.inside[n.id]:
                self._everyone[gid].add(n.id)
        self._children: dict[str, list[str]] = {gid: [] for gid in self.groups}
        for g in plan.groups:
            if g.parent in self._children:
                self._children[g.parent].append(g.id)
        self._at: dict[str, list[int]] = {nid: [] for nid in self.nodes}
        self._ends: list[tuple[str, str]] = []
        for k, e in enumerate(self.edges):
            self._ends.append((e.source, e.target))
            self._at[e.source].append(k)
            self._at[e.target].append(k)
        self._parts = {nid: n.parts for nid, n in self.nodes.items()}
        self._frames = {gid: _frame(g) for gid, g in self.groups.items()}
        self._lines = [e.line() for e in self.edges]
        self._bounds = [_bounds(line) for line in self._lines]
        elements: list[Element] = [("n", nid) for nid in self.nodes]
        elements += [("e", k) for k in range(len(self.edges))] + [("g", gid) for gid in self.groups]
        self._extent = {el: self._measure_extent(el) for el in elements}

    # --- reading ------------------------------------------------------------------------------

    def position(self, nid: str) -> Point:
        node = self.nodes[nid]
        return node.x, node.y

    def outline(self, key: str) -> Box:
        """A group's frame (title included), or a node's box with its label, by id."""
        return self._frames[key] if key in self._frames else self._extent[("n", key)]

    def extent(self) -> Box:
        """Everything drawn: nodes with their labels, group frames, edges and their labels."""
        return _union(list(self._extent.values()))

    def measures(self) -> Measures:
        found: dict[str, set[frozenset[str]]] = {name: set() for name in PAIRS}
        elements = list(self._extent)
        for i, j in _pairs([self._extent[el] for el in elements]):
            self._pair(elements[i], elements[j], found)
        x1, y1, x2, y2 = self.extent() if elements else (0.0, 0.0, 0.0, 0.0)
        counts = {name: len(pairs) for name, pairs in found.items()}
        return Measures(**counts, width=round(x2 - x1, 1), height=round(y2 - y1, 1))

    def colliding_labels(self) -> list[int]:
        """The edges whose label lies over another label, a node or a group title."""
        labelled: list[Element] = [("e", k) for k, e in enumerate(self.edges) if e.label_box is not None]
        found = self._count(labelled, set(), only="label_collisions")
        return sorted({int(key[1:]) for pair in found["label_collisions"] for key in pair if key[0] == "e"})

    def tally(self, ids: Sequence[str]) -> dict[str, int]:
        """Per measure, the pairs that a move of the nodes `ids` can change: those with one of
        the nodes, an edge at one of them or a group around them. Two things that move rigidly
        together (two of the nodes, or a node and a group all of whose members move) keep their
        relation and are left out, so the difference of the tallies before and after a move is
        its effect on the whole board's measures."""
        moved = set(ids)
        around = sorted({gid for nid in moved for gid in self.inside[nid]})
        touched = sorted({k for nid in moved for k in self._at[nid]})
        rigid: set[Element] = {("n", nid) for nid in moved}
        rigid |= {("e", k) for k in touched if set(self._ends[k]) <= moved}
        rigid |= {("g", gid) for gid in around if self._everyone[gid] <= moved}
        changed: list[Element] = [("n", nid) for nid in sorted(moved)]
        changed += [("e", k) for k in touched] + [("g", gid) for gid in around]
        return {name: len(pairs) for name, pairs in self._count(changed, rigid).items()}

    # --- moving -------------------------------------------------------------------------------

    def move(self, ids: Sequence[str], dx: float, dy: float) -> Callable[[], None]:
        """Moves these nodes (their edges and the groups around them follow) and returns what
        puts everything back."""
        if not self.movable:
            raise ValueError("a scene with labels stepped aside cannot be moved in (clear_labels=False)")
        touched = sorted({k for nid in ids for k in self._at[nid]})
        around = {gid for nid in ids for gid in self.inside[nid]}
        changed: list[Element] = [("n", nid) for nid in ids] + [("e", k) for k in touched]
        changed += [("g", gid) for gid in around]
        saved_nodes = {nid: (self.nodes[nid], self._parts[nid]) for nid in ids}
        saved_edges = {k: (self.edges[k], self._lines[k], self._bounds[k]) for k in touched}
        saved_groups = {gid: (self.groups[gid].box, self.groups[gid].label_box, self._frames[gid]) for gid in around}
        saved_extents = {el: self._extent[el] for el in changed}

        def undo() -> None:
            for nid, (node, parts) in saved_nodes.items():
                self.nodes[nid], self._parts[nid] = node, parts
            for k, (edge, line, bounds) in saved_edges.items():
                self.edges[k], self._lines[k], self._bounds[k] = edge, line, bounds
            for gid, (box, label_box, frame) in saved_groups.items():
                self.groups[gid].box, self.groups[gid].label_box, self._frames[gid] = box, label_box, frame
            self._extent.update(saved_extents)

        for nid in ids:
            self.nodes[nid] = self.nodes[nid].moved(dx, dy)
            self._parts[nid] = self.nodes[nid].parts
        for k in touched:
            e = self.edges[k]
            self.edges[k] = place_edge(e.edge, self.nodes[e.source], self.nodes[e.target], e.route)
            self._lines[k] = self.edges[k].line()
            self._bounds[k] = _bounds(self._lines[k])
        # Deepest first: a group's frame takes in its subgroups' frames.
        for gid in sorted(around, key=lambda g: -len(self._ancestors[g])):
            boxes = [self.nodes[m].bbox for m in self._members[gid]]
            boxes += [self._frames[c] for c in self._children[gid] if self._everyone[c]]
            fit_group(self.groups[gid], boxes)
            self._frames[gid] = _frame(self.groups[gid])
        for el in changed:
            self._extent[el] = self._measure_extent(el)
        return undo

    # --- the rules ----------------------------------------------------------------------------

    def _measure_extent(self, element: Element) -> Box:
        kind, key = element
        if kind == "n":
            return _union(self._parts[key])
        if kind == "g":
            return self._frames[key]
        label = self.edges[key].label_box
        return _union([self._bounds[key], label]) if label else self._bounds[key]

    def _count(
        self, changed: list[Element], rigid: set[Element], only: str | None = None
    ) -> dict[str, set[frozenset[str]]]:
        """The pairs, per measure, of a changed element with any other (two rigid ones
        excepted), among the elements near the changed ones."""
        found: dict[str, set[frozenset[str]]] = {name: set() for name in PAIRS}
        if not changed:
            return found  # nothing to pair: a board whose edges carry no label, say
        boxes = [self._extent[el] for el in changed]
        region = _union(boxes)
        near = [(el, box) for el, box in self._extent.items() if _overlap(region, box)]
        loose = [(el, box) for el, box in near if el not in rigid]
        for a, a_box in zip(changed, boxes, strict=True):
            for b, b_box in loose if a in rigid else near:
                if a != b and _overlap(a_box, b_box):
                    self._pair(a, b, found, only)
        return found

    def _pair(self, a: Element, b: Element, found: dict[str, set[frozenset[str]]], only: str | None = None) -> None:
        """Notes the measures that the pair of elements (with overlapping extents) counts in."""
        if a[0] > b[0]:
            a, b = b, a
        key = frozenset((f"{a[0]}{a[1]}", f"{b[0]}{b[1]}"))

        def note(name: str) -> None:
            if only is None or only == name:
                found[name].add(key)

        kinds = a[0] + b[0]
        if kinds == "nn":
            if _any_overlap(self._parts[a[1]], self._parts[b[1]]):
                note("node_overlaps")
        elif kinds == "gg":
            if a[1] not in self._ancestors[b[1]] and b[1] not in self._ancestors[a[1]]:
                note("group_overlaps")
        elif kinds == "gn":
            if a[1] not in self.inside[b[1]] and _any_overlap(self._parts[b[1]], [self._frames[a[1]]]):
                note("strays")
        elif kinds == "ee":
            e, f = self.edges[a[1]], self.edges[b[1]]
            if e.label_box and f.label_box and _overlap(e.label_box, f.label_box):
                note("label_collisions")
            if (
                not set(self._ends[a[1]]) & set(self._ends[b[1]])
                and _overlap(self._bounds[a[1]], self._bounds[b[1]])
                and _polylines_cross(self._lines[a[1]], self._lines[b[1]])
            ):
                note("crossings")
        elif kinds == "en":
            label, parts = self.edges[a[1]].label_box, self._parts[b[1]]
            if label and _any_overlap([label], parts):
                note("label_collisions")
            line, bounds = self._lines[a[1]], self._bounds[a[1]]
            if b[1] not in self._ends[a[1]] and any(
                _overlap(bounds, part) and _polyline_hits_box(line, part) for part in parts
            ):
                note("edges_over_nodes")
        elif kinds == "eg":
            label, title, frame = self.edges[a[1]].label_box, self.groups[b[1]].label_box, self._frames[b[1]]
            if label and title and _overlap(label, title):
                note("label_collisions")
            if (
                not any(b[1] in self.inside[end] for end in self._ends[a[1]])
                and _overlap(self._bounds[a[1]], frame)
                and _polyline_hits_box(self._lines[a[1]], frame)
            ):
                note("edges_across_groups")


def _frame(group: PlacedGroup) -> Box:
    """A group's box with its title (a wide title overhangs the box)."""
    return _union([group.box, group.label_box]) if group.label_box else group.box


def _ancestors(groups: Mapping[str, PlacedGroup]) -> dict[str | None, set[str]]:
    out: dict[str | None, set[str]] = {}
    for gid, group in groups.items():
        seen: set[str] = set()
        parent = group.parent
        while parent is not None and parent in groups and parent not in seen:
            seen.add(parent)
            parent = groups[parent].parent
        out[gid] = seen
    return out


# --- geometry -----------------------------------------------------------------------------------


def _union(boxes: Sequence[Box]) -> Box:
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


def _bounds(points: Sequence[Point]) -> Box:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] - TOLERANCE and b[0] < a[2] - TOLERANCE and a[1] < b[3] - TOLERANCE and b[1] < a[3] - TOLERANCE


def _any_overlap(first: Sequence[Box], second: Sequence[Box]) -> bool:
    return any(_overlap(a, b) for a in first for b in second)


def _pairs(boxes: Sequence[Box]) -> Iterator[tuple[int, int]]:
    """Index pairs of overlapping boxes, by a sweep over x."""
    order = sorted(range(len(boxes)), key=lambda k: boxes[k][0])
    active: list[int] = []
    for k in order:
        left = boxes[k][0]
        active = [a for a in active if boxes[a][2] - TOLERANCE > left]
        for a in active:
            if _overlap(boxes[a], boxes[k]):
                yield a, k
        active.append(k)


def _orient(a: Point, b: Point, c: Point) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _segments_cross(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    """A proper crossing: each segment's ends lie strictly on both sides of the other."""
    d1, d2 = _orient(q1, q2, p1), _orient(q1, q2, p2)
    d3, d4 = _orient(p1, p2, q1), _orient(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def _polylines_cross(a: Sequence[Point], b: Sequence[Point]) -> bool:
    return any(_segments_cross(a[i], a[i + 1], b[j], b[j + 1]) for i in range(len(a) - 1) for j in range(len(b) - 1))


def _segment_hits_box(p: Point, q: Point, box: Box) -> bool:
    """Whether the segment passes through the box's inside (Liang-Barsky clipping)."""
    x1, y1, x2, y2 = box[0] + TOLERANCE, box[1] + TOLERANCE, box[2] - TOLERANCE, box[3] - TOLERANCE
    if x1 >= x2 or y1 >= y2:
        return False
    dx, dy = q[0] - p[0], q[1] - p[1]
    t0, t1 = 0.0, 1.0
    # Inside is where step * t <= room holds for each side.
    for step, room in ((-dx, p[0] - x1), (dx, x2 - p[0]), (-dy, p[1] - y1), (dy, y2 - p[1])):
        if step == 0:
            if room < 0:
                return False
            continue
        t = room / step
        if step < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def _polyline_hits_box(line: Sequence[Point], box: Box) -> bool:
    return any(_segment_hits_box(line[i], line[i + 1], box) for i in range(len(line) - 1))
