"""The as-drawn picture (SPEC section 7): the board as the canvas shows it, as one SVG document.

Pure: no Django, no files, no processes. Geometry follows the canvas (Cytoscape.js at 100 %
zoom) with the sizes of `look.LOOK`: node centres at the board's positions, group boxes around
their members and their labels plus the group padding, edges routed as Cytoscape routes them
(`props.route`: straight edges fan out when parallel, curved ones bend, orthogonal ones turn at
right angles half way), ends stopped short of the boxes, an arrowhead at the target. Text widths
come from the DejaVu Sans metrics the canvas falls back to, so wrapping matches the canvas.

The SVG is built as a string. Every user string goes through `_esc` (XML escaping of text and
attribute values, with the characters XML 1.0 cannot carry replaced), ids included, so no label
can add an element, an attribute or a reference. Icons come in through a callback that returns a
`data:` URI, so the document is self-contained. Every board element is one `<g>` with `data-id`,
`data-type` and, for nodes, groups and notes, `data-bbox` in the SVG's own user units.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from whiteboard.domain.look import (
    GROUP_FILLS,
    GROUP_STROKES,
    LOOK,
    PROTOCOL_COLORS,
    PROTOCOL_LABELS,
    edge_color,
    edge_text,
    node_text,
    replica_badge,
)
from whiteboard.domain.palette import NOTE, drawing_class

MARGIN = 24
TITLE_SIZE = 16
LEGEND_SIZE = 11
FONT_FILES = {
    400: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    600: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
}
Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x1, y1, x2, y2


def default_layout(doc: Mapping[str, Any]) -> str:
    """SPEC section 7: `drawn` when every node has a position, else `auto`."""
    nodes = doc.get("nodes") or []
    return "drawn" if all(_number(n.get("x")) and _number(n.get("y")) for n in nodes) else "auto"


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# --- text ---------------------------------------------------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udfff]")


def _esc(text: str) -> str:
    """Text or an attribute value, escaped for XML; characters XML cannot carry become U+FFFD."""
    text = _NOT_XML.sub("\ufffd", text)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )


@cache
def _font(weight: int, size: float) -> Any:
    try:
        from PIL import ImageFont

        return ImageFont.truetype(FONT_FILES[600 if weight >= 600 else 400], size=round(size * 8))
    except (ImportError, OSError):
        return None


# Characters Unicode counts as paragraph separators (bidi class B): the shaper PIL measures with
# (raqm) refuses a "line" holding one, and a label may hold any text. Drawn in a line, they take
# about a space.
_PARAGRAPH_SEPARATORS = str.maketrans(dict.fromkeys("\n\r\x1c\x1d\x1e\x85\u2029", " "))


@cache
def text_width(text: str, size: float, weight: int = 400) -> float:
    """The width of one line in px (DejaVu Sans; an estimate without the font file)."""
    font = _font(weight, size)
    if font is None:
        return len(text) * size * 0.6
    # Measured at 8x the size and scaled back: whole-pixel rounding would add up on long lines.
    return float(font.getlength(text.translate(_PARAGRAPH_SEPARATORS))) / 8


def wrap(text: str, width: float, size: float, weight: int = 400) -> list[str]:
    """Lines as the canvas wraps them: at spaces, a longer word left on its own line."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and text_width(candidate, size, weight) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def _lines_box(lines: list[str], size: float, weight: int) -> tuple[float, float]:
    width = max((text_width(line, size, weight) for line in lines), default=0.0)
    return width, len(lines) * size * 1.2


def _text(x: float, top: float, lines: list[str], size: float, attrs: str, badge: str = "") -> str:
    """Centred lines from `top`, 1.2 em apart, in one text element (librsvg lays out each text
    element on its own, and that is most of its time); `badge` ends the last line in a tspan."""
    out = []
    for i, line in enumerate(lines):
        y = top + size * (1.2 * i + 0.95)
        body = _esc(line)
        if badge and i == len(lines) - 1 and line.endswith(badge):
            body = f'{_esc(line[: -len(badge)])}<tspan class="replicas">{_esc(badge)}</tspan>'
        out.append(f'<tspan x="{x:.1f}" y="{y:.1f}">{body}</tspan>')
    return f"<text {attrs}>{''.join(out)}</text>"


# --- the plan -----------------------------------------------------------------------------------


@dataclass
class PlacedNode:
    """A node or note where the canvas draws it: `box` is its frame, `bbox` adds its label and
    its replica stack."""

    id: str
    kind: str
    x: float
    y: float
    w: float
    h: float
    index: int
    text: list[str]
    badge: str
    icon_class: str | None
    label_box: Box | None
    group: str | None

    @property
    def box(self) -> Box:
        return (self.x - self.w / 2, self.y - self.h / 2, self.x + self.w / 2, self.y + self.h / 2)

    @property
    def body(self) -> Box:
        """The frame and, behind a replicated component, the ghost of its stack."""
        if not self.badge:
            return self.box
        g = LOOK["node"]["ghost"]
        x1, y1, x2, y2 = self.box
        return _union([self.box, (x1 + g["dx"], y1 + g["dy"], x2 + g["dx"], y2 + g["dy"])])

    @property
    def bbox(self) -> Box:
        return _union([self.body, self.label_box]) if self.label_box else self.body

    @property
    def parts(self) -> list[Box]:
        """The frame (with its replica stack) and, below it, the label: two boxes, since their
        union would claim the empty corners beside the frame, where edge labels may sit."""
        if self.kind == NOTE or self.label_box is None:
            return [self.box]
        return [self.body, self.label_box]

    def moved(self, dx: float, dy: float) -> PlacedNode:
        label = self.label_box
        return replace(
            self,
            x=self.x + dx,
            y=self.y + dy,
            label_box=(label[0] + dx, label[1] + dy, label[2] + dx, label[3] + dy) if label else None,
        )


@dataclass
class PlacedGroup:
    """A group's frame (`box`, its members plus the padding) and its title inside the top."""

    id: str
    label: str
    parent: str | None
    depth: int
    box: Box = (0.0, 0.0, 0.0, 0.0)
    label_lines: list[str] = field(default_factory=list)
    label_box: Box | None = None


def _union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def place_node(node: Mapping[str, Any], index: int = 0, text_scale: float = 1.0) -> PlacedNode:
    """A node (with `x` and `y`) as the canvas draws it."""
    look = LOOK["node"]
    x, y = float(node["x"]), float(node["y"])
    if node["kind"] == NOTE:
        note = LOOK["note"]
        text = node_text(node)
        estimate = sum(max(1, math.ceil(len(line) * note["char"] / note["width"])) for line in text.split("\n"))
        h = max(note["min_height"], estimate * note["line"] + note["pad"])
        size = note["size"] * text_scale
        lines = wrap(text, note["width"] * text_scale, size, note["weight"])
        return PlacedNode(
            str(node["id"]), NOTE, x, y, note["width"], h, index, lines, "", None, None, node.get("group")
        )
    label = look["label"]
    size = label["size"] * text_scale
    badge = replica_badge(node.get("props") or {})
    display = node_text(node) + (LOOK["replicas"]["separator"] + badge if badge else "")
    lines = wrap(display, label["wrap"] * text_scale, size, label["weight"])
    width, height = _lines_box(lines, size, label["weight"])
    top = y + look["size"] / 2 + look["label"]["gap"]
    pad = label["padding"]
    label_box = (x - width / 2 - pad, top - pad, x + width / 2 + pad, top + height + pad)
    outer = look["size"] + look["stroke_width"]
    icon = drawing_class(node["kind"], (node.get("props") or {}).get("tech"))
    return PlacedNode(
        str(node["id"]), node["kind"], x, y, outer, outer, index, lines, badge, icon, label_box, node.get("group")
    )


def _plan_groups(doc: Mapping[str, Any], nodes: list[PlacedNode], text_scale: float) -> list[PlacedGroup]:
    """Group boxes bottom-up, as Cytoscape sizes compound nodes: members' boxes and labels plus
    padding; an empty group stands in a column right of everything, as the canvas places it."""
    raw = {g["id"]: g for g in doc.get("groups") or []}
    groups: dict[str, PlacedGroup] = {}
    for gid, g in raw.items():
        depth, parent, seen = 0, g.get("parent"), {gid}
        while parent in raw and parent not in seen:
            seen.add(parent)
            depth += 1
            parent = raw[parent].get("parent")
        own = g.get("parent")
        groups[gid] = PlacedGroup(gid, str(g.get("label") or ""), own if own in raw else None, depth)
    members: dict[str, list[Box]] = {gid: [] for gid in groups}
    for node in nodes:
        if node.group in members:
            members[node.group].append(node.bbox)
    look = LOOK["group"]
    size = look["label"]["size"] * text_scale
    empty: list[PlacedGroup] = []
    for group in sorted(groups.values(), key=lambda g: -g.depth):
        group.label_lines = _title_lines(group.label, text_scale)
        if not members[group.id]:
            empty.append(group)
            continue
        fit_group(group, members[group.id], text_scale)
        if group.parent in members:
            members[group.parent].append(_union([group.box, group.label_box or group.box]))
    if empty:
        spec = look["empty"]
        placed = [n.bbox for n in nodes] + [g.box for g in groups.values() if g not in empty]
        x = (max(b[2] for b in placed) + spec["gap"]) if placed else 0.0
        y = (min(b[1] for b in placed) + 50) if placed else 0.0
        for group in sorted(empty, key=lambda g: g.depth):
            group.box = (x - spec["width"] / 2, y - spec["height"] / 2, x + spec["width"] / 2, y + spec["height"] / 2)
            width, height = _lines_box(group.label_lines, size, look["label"]["weight"])
            cx = x
            group.label_box = (cx - width / 2, y - height / 2, cx + width / 2, y + height / 2)
            y += spec["step"]
    return sorted(groups.values(), key=lambda g: g.depth)


def fit_group(group: PlacedGroup, members: list[Box], text_scale: float = 1.0) -> None:
    """Frame the group around its members' boxes (nodes with their labels, subgroups with
    their titles), as Cytoscape sizes a compound node, its title inside the top."""
    x1, y1, x2, y2 = _union(members)
    pad = LOOK["group"]["padding"]
    group.box = (x1 - pad, y1 - pad, x2 + pad, y2 + pad)
    group.label_box = _title_box(group.box, group.label_lines, text_scale)


def _title_lines(label: str, text_scale: float) -> list[str]:
    spec = LOOK["group"]["label"]
    return wrap((label or spec["fallback"]).upper(), float("inf"), spec["size"] * text_scale, spec["weight"])


def _title_box(box: Box, lines: list[str], text_scale: float) -> Box:
    """A group's title: centred at the top of its box, inside the padding."""
    spec = LOOK["group"]["label"]
    width, height = _lines_box(lines, spec["size"] * text_scale, spec["weight"])
    x1, y1, x2, _ = box
    cx = (x1 + x2) / 2
    bottom = y1 + spec["gap"]
    return (cx - width / 2, bottom - height, cx + width / 2, bottom)


def group_frame(box: Box, label: str, text_scale: float = 1.0) -> Box:
    """What a group drawn with this box covers: the box and its title (a long title is wider)."""
    return _union([box, _title_box(box, _title_lines(label, text_scale), text_scale)])


# --- edge geometry (Cytoscape's) ------------------------------------------------------------------


def _intersect(node: PlacedNode, toward: Point) -> Point:
    """Where the line from the node's centre to `toward` leaves its rounded box."""
    cx, cy = node.x, node.y
    dx, dy = toward[0] - cx, toward[1] - cy
    # Points closer than this are one: the square of a distance of 1e-300 px is 0 in floats.
    if math.hypot(dx, dy) < 1e-9:
        return cx, cy
    hw, hh = node.w / 2, node.h / 2
    t = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    px, py = cx + dx * t, cy + dy * t
    r = min(LOOK["node"]["corner"], hw, hh)
    ox, oy = abs(px - cx) - (hw - r), abs(py - cy) - (hh - r)
    if ox > 1e-9 and oy > 1e-9:
        # In a corner: the ray meets the corner's arc.
        ccx, ccy = cx + math.copysign(hw - r, dx), cy + math.copysign(hh - r, dy)
        fx, fy = cx - ccx, cy - ccy
        a = dx * dx + dy * dy
        b = 2 * (fx * dx + fy * dy)
        c = fx * fx + fy * fy - r * r
        disc = max(b * b - 4 * a * c, 0.0)
        t = (-b + math.sqrt(disc)) / (2 * a)
        px, py = cx + dx * t, cy + dy * t
    return px, py


def _toward(point: Point, target: Point, distance: float) -> Point:
    dx, dy = target[0] - point[0], target[1] - point[1]
    length = math.hypot(dx, dy)
    if length == 0:
        return point
    return point[0] + dx / length * distance, point[1] + dy / length * distance


def _normal(a: Point, b: Point) -> Point:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    return -dy / length, dx / length


@dataclass
class _EdgeShape:
    path: str
    arrow: str
    label_at: Point
    points: list[Point]  # the path's corners; of a bent edge: start, control point, end
    bent: bool = False  # a quadratic curve (a curved or fanned-out edge)

    def line(self, steps: int = 8) -> list[Point]:
        """The path as a polyline, a bend sampled at `steps` segments."""
        if not self.bent:
            return list(self.points)
        (x0, y0), (x1, y1), (x2, y2) = self.points
        out = []
        for i in range(steps + 1):
            t = i / steps
            a, b, c = (1 - t) ** 2, 2 * t * (1 - t), t * t
            out.append((a * x0 + b * x1 + c * x2, a * y0 + b * y1 + c * y2))
        return out


def _taxi(src: PlacedNode, dst: PlacedNode) -> list[Point]:
    """Cytoscape's `taxi` route (direction auto, turn at 50 %, 10 px minimum)."""
    pdx, pdy = dst.x - src.x, dst.y - src.y
    dw, dh = (src.w + dst.w) / 2, (src.h + dst.h) / 2

    def sub(d: float, size: float) -> float:
        return max(d - size, 0.0) if d > 0 else min(d + size, 0.0)

    dx, dy = sub(pdx, dw), sub(pdy, dh)
    vertical = abs(dy) >= abs(dx)
    length, primary = (dy, pdy) if vertical else (dx, pdx)
    sign = math.copysign(1.0, primary) if primary else 0.0
    d = 0.5 * length
    too_close = abs(d) < 10 or abs(d) >= abs(length) or abs(abs(length) - abs(d)) < 10
    if too_close:
        if vertical:
            if abs(primary) <= src.h / 2:
                mx = (src.x + dst.x) / 2
                return [(mx, src.y), (mx, dst.y)]
            if abs(pdx) <= dst.w / 2:
                my = (src.y + dst.y) / 2
                return [(src.x, my), (dst.x, my)]
            return [(src.x, dst.y)]
        if abs(primary) <= src.w / 2:
            my = (src.y + dst.y) / 2
            return [(src.x, my), (dst.x, my)]
        if abs(pdy) <= dst.h / 2:
            mx = (src.x + dst.x) / 2
            return [(mx, src.y), (mx, dst.y)]
        return [(dst.x, src.y)]
    if vertical:
        turn = src.y + d + src.h / 2 * sign
        return [(src.x, turn), (dst.x, turn)]
    turn = src.x + d + src.w / 2 * sign
    return [(turn, src.y), (turn, dst.y)]


def _edge_shape(src: PlacedNode, dst: PlacedNode, route: str, offset: float) -> _EdgeShape:
    """`route` is "line" (straight or fanned by `offset`), "curve" (bent by `offset`) or "taxi"."""
    look = LOOK["edge"]
    arrow_size = max(math.pow(look["width"] * 13.37, 0.9), 29) * look["arrow_scale"]
    gap = look["width"] * look["arrow_scale"] * 2
    dist = look["distance"]
    s_pos, t_pos = (src.x, src.y), (dst.x, dst.y)
    if route == "taxi":
        bends = _taxi(src, dst)
        first, last = bends[0], bends[-1]
        s_hit, t_hit = _intersect(src, first), _intersect(dst, last)
        start = _toward(s_hit, first, dist)
        tip = _toward(t_hit, last, dist)
        end = _toward(t_hit, last, gap + dist)
        points = [start, *bends, end]
        path = "M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in points)
        label = ((bends[0][0] + bends[1][0]) / 2, (bends[0][1] + bends[1][1]) / 2) if len(bends) == 2 else bends[0]
        return _EdgeShape(path, _arrow(tip, last, arrow_size), label, points)
    s_hit0, t_hit0 = _intersect(src, t_pos), _intersect(dst, s_pos)
    if offset == 0:
        start = _toward(s_hit0, t_pos, dist)
        tip = _toward(t_hit0, s_pos, dist)
        end = _toward(t_hit0, s_pos, gap + dist)
        label = ((2 * start[0] + end[0] + tip[0]) / 4, (2 * start[1] + end[1] + tip[1]) / 4)
        return _EdgeShape(
            f"M{start[0]:.1f} {start[1]:.1f} L{end[0]:.1f} {end[1]:.1f}",
            _arrow(tip, s_pos, arrow_size),
            label,
            [start, end],
        )
    nx, ny = _normal(s_hit0, t_hit0)
    mid = ((s_hit0[0] + t_hit0[0]) / 2, (s_hit0[1] + t_hit0[1]) / 2)
    ctrl = (mid[0] + nx * offset, mid[1] + ny * offset)
    start = _toward(_intersect(src, ctrl), ctrl, dist)
    t_hit = _intersect(dst, ctrl)
    tip = _toward(t_hit, ctrl, dist)
    end = _toward(t_hit, ctrl, gap + dist)
    label = (
        0.25 * start[0] + 0.5 * ctrl[0] + 0.25 * end[0],
        0.25 * start[1] + 0.5 * ctrl[1] + 0.25 * end[1],
    )
    path = f"M{start[0]:.1f} {start[1]:.1f} Q{ctrl[0]:.1f} {ctrl[1]:.1f} {end[0]:.1f} {end[1]:.1f}"
    return _EdgeShape(path, _arrow(tip, ctrl, arrow_size), label, [start, ctrl, end], bent=True)


def _arrow(tip: Point, back_toward: Point, size: float) -> str:
    """Cytoscape's triangle: 0.3 of `size` long, 0.3 wide, its tip at `tip`."""
    dx, dy = back_toward[0] - tip[0], back_toward[1] - tip[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    bx, by = tip[0] + ux * 0.3 * size, tip[1] + uy * 0.3 * size
    px, py = -uy * 0.15 * size, ux * 0.15 * size
    return f"{tip[0]:.1f},{tip[1]:.1f} {bx + px:.1f},{by + py:.1f} {bx - px:.1f},{by - py:.1f}"


def edge_routes(edges: list[Mapping[str, Any]], index: Mapping[str, int]) -> list[tuple[str, float]]:
    """Each edge's route kind and offset, as the canvas computes them.

    Straight edges between the same two nodes form a bundle that fans out about the middle, on
    the side given by the pair's node order (Cytoscape's); curved edges bend to the right of their
    own direction, each further one between the same nodes more; orthogonal edges take no offset.
    """
    look = LOOK["edge"]
    bundles: dict[tuple[str, str], list[int]] = {}
    curves: dict[tuple[str, str], int] = {}
    out: list[tuple[str, float]] = []
    for k, e in enumerate(edges):
        route = (e.get("props") or {}).get("route")
        ends = (str(e["source"]), str(e["target"]))
        pair = ends if index[ends[0]] <= index[ends[1]] else (ends[1], ends[0])
        if route == "orthogonal":
            out.append(("taxi", 0.0))
        elif route == "curved":
            seen = curves.get(pair, 0)
            curves[pair] = seen + 1
            out.append(("curve", look["curve"] + seen * look["curve_step"]))
        else:
            bundles.setdefault(pair, []).append(k)
            out.append(("line", 0.0))
    for pair, members in bundles.items():
        n = len(members)
        for i, k in enumerate(members):
            if n % 2 == 1 and i == n // 2:
                continue
            # The offset is along the normal of the pair's own order: flip it for an edge drawn
            # the other way, whose normal points the other way.
            swapped = str(edges[k]["source"]) != pair[0]
            out[k] = ("line", (0.5 - n / 2 + i) * look["bundle_step"] * (-1 if swapped else 1))
    return out


@dataclass
class PlacedEdge:
    """An edge as the canvas routes it, with its label's lines and box (None without a label);
    an annotation is an arrow to or from a note (no label)."""

    edge: Mapping[str, Any]
    route: tuple[str, float]  # "line", "curve" or "taxi", and the fan-out or bend (`edge_routes`)
    shape: _EdgeShape
    annotation: bool
    label_lines: list[str]
    label_box: Box | None

    @property
    def source(self) -> str:
        return str(self.edge["source"])

    @property
    def target(self) -> str:
        return str(self.edge["target"])

    def line(self) -> list[Point]:
        return self.shape.line()


@dataclass
class Plan:
    """Where the canvas puts everything of a board, in its pixels at 100 % zoom."""

    nodes: list[PlacedNode]
    groups: list[PlacedGroup]  # parents before their children
    edges: list[PlacedEdge]


def plan_board(doc: Mapping[str, Any], text_scale: float = 1.0, *, clear_labels: bool = True) -> Plan:
    """The canvas geometry of a board whose nodes all have positions: what the drawn export
    draws and what the layout measures judge (`layout_measures`). `clear_labels=False` leaves
    every edge label at the middle of its line (`clear_edge_labels`)."""
    nodes = [place_node(n, i, text_scale) for i, n in enumerate(doc.get("nodes") or [])]
    by_id = {n.id: n for n in nodes}
    groups = _plan_groups(doc, nodes, text_scale)
    edges = [e for e in doc.get("edges") or [] if str(e.get("source")) in by_id and str(e.get("target")) in by_id]
    routes = edge_routes(edges, {n.id: n.index for n in nodes})
    placed = [
        place_edge(edge, by_id[str(edge["source"])], by_id[str(edge["target"])], route, text_scale)
        for edge, route in zip(edges, routes, strict=True)
    ]
    return Plan(nodes, groups, clear_edge_labels(placed, nodes) if clear_labels else placed)


class _BoxIndex:
    """Boxes filed by the grid cells they touch, to ask which lie under another box."""

    CELL = 200.0

    def __init__(self, boxes: list[Box]) -> None:
        self._cells: dict[tuple[int, int], list[Box]] = {}
        for box in boxes:
            for cell in self._cells_of(box):
                self._cells.setdefault(cell, []).append(box)

    def _cells_of(self, box: Box) -> list[tuple[int, int]]:
        x1, y1, x2, y2 = (math.floor(v / self.CELL) for v in box)
        return [(cx, cy) for cx in range(x1, x2 + 1) for cy in range(y1, y2 + 1)]

    def covers(self, box: Box) -> bool:
        x1, y1, x2, y2 = box
        return any(
            x1 < b[2] and b[0] < x2 and y1 < b[3] and b[1] < y2
            for cell in self._cells_of(box)
            for b in self._cells.get(cell, ())
        )


def clear_edge_labels(edges: list[PlacedEdge], nodes: list[PlacedNode]) -> list[PlacedEdge]:
    """Each edge label that would lie over a component (its frame or its label) moved off its
    line, as the canvas moves it (`placeEdgeLabels` in static/editor/canvas.js, with the same
    steps from the look): across the line from the source's centre to the target's, one
    `clear_step` to one side, then the other, then two steps... up to `clear_tries` each way; the
    first clear place wins, and a label with none stays in the middle."""
    spec = LOOK["edge"]["label"]
    step, tries = spec["clear_step"], spec["clear_tries"]
    index = _BoxIndex([part for node in nodes for part in node.parts])
    by_id = {node.id: node for node in nodes}
    out: list[PlacedEdge] = []
    for placed in edges:
        box = placed.label_box
        src, dst = by_id[placed.source], by_id[placed.target]
        length = math.hypot(dst.x - src.x, dst.y - src.y)
        if box is None or not length or not index.covers(box):
            out.append(placed)
            continue
        nx, ny = -(dst.y - src.y) / length, (dst.x - src.x) / length
        for k in (k * side for k in range(1, tries + 1) for side in (1, -1)):
            dx, dy = round(nx * k * step), round(ny * k * step)
            moved = (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)
            if not index.covers(moved):
                placed = replace(placed, label_box=moved)
                break
        out.append(placed)
    return out


def place_edge(
    edge: Mapping[str, Any], src: PlacedNode, dst: PlacedNode, route: tuple[str, float], text_scale: float = 1.0
) -> PlacedEdge:
    """An edge between two placed nodes, routed and labelled as the canvas does."""
    annotation = NOTE in (src.kind, dst.kind)
    shape = _edge_shape(src, dst, *route)
    text = "" if annotation else edge_text(edge)
    lines, box = edge_label(text, shape.label_at, text_scale) if text.strip() else ([], None)
    return PlacedEdge(edge, route, shape, annotation, lines, box)


def edge_label(text: str, at: Point, scale: float = 1.0) -> tuple[list[str], Box]:
    """An edge label's lines and its box (with the background's padding), centred on `at`."""
    spec = LOOK["edge"]["label"]
    size = spec["size"] * scale
    lines = wrap(text, spec["wrap"] * scale, size)
    w, h = _lines_box(lines, size, 400)
    pad = spec["padding"]
    return lines, (at[0] - w / 2 - pad, at[1] - h / 2 - pad, at[0] + w / 2 + pad, at[1] + h / 2 + pad)


# --- the document -------------------------------------------------------------------------------


MIN_TEXT_PX = 11  # the smallest text of a picture shrunk to a width
SMALLEST_FONT = 10.5  # of the look's texts (edge labels)
# Text grows at most this much for a page width: beyond it a picture is its labels, not the board.
MAX_TEXT_SCALE = 4.0


@dataclass(frozen=True)
class DrawOptions:
    background: str = "white"  # or "transparent"
    link: str | None = None  # the board page's URL: each node links to `{link}#node-{id}`
    width: int | None = None  # the picture's width in px (height follows); None = natural size


@dataclass
class Drawing:
    svg: str
    width: float  # the picture's size in user units (before any `DrawOptions.width`)
    height: float
    px: Point  # its width and height in px as the SVG states them (after `DrawOptions.width`)


def picture_px(size: Point, options: DrawOptions) -> Point:
    """A picture of `size` user units drawn with `options`: its width and height in px."""
    width, height = size
    out_w = float(options.width) if options.width else width
    return out_w, (height * out_w / width if width else height)


def draw_board(
    doc: Mapping[str, Any],
    *,
    icon: Callable[[str], str],
    options: DrawOptions = DrawOptions(),
    clean_text_scale: Callable[[float], float] | None = None,
) -> Drawing:
    """The drawn SVG of a valid board whose nodes all have positions (`default_layout`).

    `icon(diagrams_class)` returns the `data:` URI of a node class's icon. With `options.width`
    the picture is scaled to that width; where that would take text below MIN_TEXT_PX, the text
    is drawn larger (and wrapped at wider lines) so it still reads at that size, as far as
    `clean_text_scale(wanted)` allows: it answers how much larger the text may grow before it
    runs into its neighbours (`layout_measures.clean_text_scale`).
    """
    drawing = _draw(doc, icon, options, 1.0)
    if options.width is None:
        return drawing
    width = options.width

    def text_px(scale: float, drawn: Drawing) -> float:
        return SMALLEST_FONT * scale * width / drawn.width

    # Larger text widens the picture a little, so the scale that reads is a fixed point: the
    # first step assumes the width stays, later ones a secant through the last two drawings
    # (text px against text scale is smooth and rising). Without that, three plain steps stop
    # a little short (10.9 px), and the width the picture names as readable would not be.
    previous: tuple[float, float] | None = None
    text_scale = 1.0
    for _ in range(5):
        px = text_px(text_scale, drawing)
        if px >= MIN_TEXT_PX - 0.01:
            break
        plain = text_scale * MIN_TEXT_PX / px
        wanted = plain
        if previous is not None and px > previous[1]:
            slope = (px - previous[1]) / (text_scale - previous[0])
            # Where the text itself sets the width (a long title over a small board), px hardly
            # rises with the scale and a secant would leap: no more than twice the plain step.
            wanted = min(text_scale + (MIN_TEXT_PX - px) / slope, text_scale + 2 * (plain - text_scale))
        wanted = min(wanted, MAX_TEXT_SCALE)
        if clean_text_scale is not None:
            wanted = clean_text_scale(wanted)
        if wanted - text_scale < 0.002:  # as large as the board allows
            break
        previous = (text_scale, px)
        text_scale = wanted
        drawing = _draw(doc, icon, options, text_scale)
    return drawing


def _draw(doc: Mapping[str, Any], icon: Callable[[str], str], options: DrawOptions, scale: float) -> Drawing:
    plan = plan_board(doc, scale)
    nodes, groups = plan.nodes, plan.groups
    boxes: dict[str, Box] = {}
    symbols: dict[str, str] = {}

    for group in groups:
        boxes[group.id] = _union([group.box] + ([group.label_box] if group.label_box else []))
    for node in nodes:
        boxes[node.id] = node.box if node.kind == NOTE else node.bbox
    # Edges first, with their labels: their extent, with the elements', sets the picture's.
    edge_parts: list[str] = []
    edge_boxes: list[Box] = []
    legend: dict[str, str] = {}
    for placed in plan.edges:
        svg, box = _edge_svg(placed, scale=scale)
        edge_parts.append(svg)
        edge_boxes.append(box)
        _add_to_legend(placed.edge, legend, annotation=placed.annotation)

    content = list(boxes.values()) + edge_boxes
    x1, y1, x2, y2 = _union(content) if content else (0.0, 0.0, 0.0, 0.0)
    title = str(doc.get("name") or "").replace("\r", " ").replace("\n", " ").strip()
    head = TITLE_SIZE * 1.2 * scale + 12 if title else 0.0
    legend_svg, legend_w, legend_h = _legend_svg(legend, scale)
    width = max(x2 - x1, text_width(title, TITLE_SIZE * scale, 600) if title else 0.0, legend_w) + 2 * MARGIN
    height = (y2 - y1) + head + (legend_h + 16 if legend_h else 0.0) + 2 * MARGIN
    shift = (MARGIN - x1, MARGIN + head - y1)
    parts = [_group_svg(group, shift, scale) for group in groups] + edge_parts
    for node in nodes:
        if node.kind == NOTE:
            parts.append(_note_svg(node, shift, scale))
        else:
            assert node.icon_class is not None
            symbol = symbols.setdefault(node.icon_class, f"i{len(symbols)}")
            parts.append(_node_svg(node, symbol, shift, scale, options.link))
    svg = _document(
        body="".join(parts),
        shift=shift,
        size=(width, height),
        title=title,
        legend=legend_svg,
        legend_at=(MARGIN, MARGIN + head + (y2 - y1) + 16),
        symbols={cls: (sid, icon(cls)) for cls, sid in symbols.items()},
        options=options,
        text_scale=scale,
    )
    return Drawing(svg, width, height, picture_px((width, height), options))


def _moved(box: Box, shift: Point) -> Box:
    return box[0] + shift[0], box[1] + shift[1], box[2] + shift[0], box[3] + shift[1]


def _bbox_attr(box: Box, shift: Point) -> str:
    """The box in the SVG's user units (the board is drawn translated by `shift`)."""
    x1, y1, x2, y2 = _moved(box, shift)
    return f'data-bbox="{x1:.1f} {y1:.1f} {x2 - x1:.1f} {y2 - y1:.1f}"'


def _group_svg(group: PlacedGroup, shift: Point, scale: float) -> str:
    look = LOOK["group"]
    x1, y1, x2, y2 = group.box
    label = look["label"]
    fill = GROUP_FILLS[group.depth % len(GROUP_FILLS)]
    stroke = GROUP_STROKES[group.depth % len(GROUP_STROKES)]
    assert group.label_box is not None
    lx1, ly1, lx2, _ = group.label_box
    size = label["size"] * scale
    text = _text(
        (lx1 + lx2) / 2,
        ly1,
        group.label_lines,
        size,
        f'text-anchor="middle" font-size="{size:.1f}" font-weight="{label["weight"]}" fill="{label["color"]}"',
    )
    box = _union([group.box, group.label_box])
    return (
        f'<g data-id="{_esc(group.id)}" data-type="group" {_bbox_attr(box, shift)}>'
        f'<rect x="{x1:.1f}" y="{y1:.1f}" width="{x2 - x1:.1f}" height="{y2 - y1:.1f}" rx="{look["corner"]}" '
        f'fill="{fill}" fill-opacity="{look["opacity"]}" stroke="{stroke}" stroke-width="{look["stroke_width"]}" '
        f'stroke-dasharray="{" ".join(map(str, look["dash"]))}"/>{text}</g>'
    )


def _node_svg(node: PlacedNode, symbol: str, shift: Point, scale: float, link: str | None) -> str:
    look = LOOK["node"]
    label = look["label"]
    x1, y1, _, _ = node.box
    body = (
        f'<rect x="{x1:.1f}" y="{y1:.1f}" width="{node.w:.1f}" height="{node.h:.1f}" rx="{look["corner"]}" '
        f'fill="{look["fill"]}" stroke="{look["stroke"]}" stroke-width="{look["stroke_width"]}"/>'
    )
    ghost = ""
    if node.badge:
        g = look["ghost"]
        ghost = (
            f'<rect class="ghost" x="{x1 + g["dx"]:.1f}" y="{y1 + g["dy"]:.1f}" width="{node.w:.1f}" '
            f'height="{node.h:.1f}" rx="{look["corner"]}" fill="{look["fill"]}" stroke="{look["stroke"]}" '
            f'stroke-width="{look["stroke_width"]}" opacity="{g["opacity"]}"/>'
        )
    side = look["size"] * look["icon"]
    icon = (
        f'<use href="#{symbol}" xlink:href="#{symbol}" x="{node.x - side / 2:.1f}" y="{node.y - side / 2:.1f}" '
        f'width="{side:.1f}" height="{side:.1f}"/>'
    )
    text = ""
    if node.label_box and any(line.strip() for line in node.text):
        lx1, ly1, lx2, ly2 = node.label_box
        pad = label["padding"]
        size = label["size"] * scale
        text = (
            f'<rect class="label-bg" x="{lx1:.1f}" y="{ly1:.1f}" width="{lx2 - lx1:.1f}" '
            f'height="{ly2 - ly1:.1f}" rx="3" '
            f'fill="{label["background"]}" fill-opacity="{label["background_opacity"]}"/>'
            + _text(
                node.x,
                ly1 + pad,
                node.text,
                size,
                f'text-anchor="middle" font-size="{size:.1f}" font-weight="{label["weight"]}" fill="{label["color"]}"',
                node.badge,
            )
        )
    bbox = _bbox_attr(node.bbox, shift)
    head = f'<g data-id="{_esc(node.id)}" data-type="node" data-kind="{_esc(node.kind)}" {bbox}>'
    group = f"{head}{ghost}{body}{icon}{text}</g>"
    if link is None:
        return group
    href = _esc(f"{link}#node-{node.id}")
    return f'<a href="{href}" xlink:href="{href}">{group}</a>'


def _note_svg(node: PlacedNode, shift: Point, scale: float) -> str:
    note = LOOK["note"]
    size = note["size"] * scale
    _, height = _lines_box(node.text, size, note["weight"])
    top = node.y - height / 2
    text = _text(
        node.x,
        top,
        node.text,
        size,
        f'text-anchor="middle" font-size="{size:.1f}" font-weight="{note["weight"]}" fill="{note["color"]}"',
    )
    return f'<g data-id="{_esc(node.id)}" data-type="note" {_bbox_attr(node.box, shift)}>{text}</g>'


def _edge_svg(placed: PlacedEdge, *, scale: float) -> tuple[str, Box]:
    look = LOOK["edge"]
    edge, shape, annotation = placed.edge, placed.shape, placed.annotation
    props = edge.get("props") or {}
    if annotation:
        spec = LOOK["annotation"]
        color, width, dash = spec["color"], spec["width"], spec["dash"]
    else:
        color, width = edge_color(edge), look["width"]
        dash = look["async_dash"] if props.get("async") is True else None
    dash_attr = f' stroke-dasharray="{" ".join(map(str, dash))}"' if dash else ""
    parts = [
        f'<path d="{shape.path}" fill="none" stroke="{color}" stroke-width="{width}"{dash_attr}/>',
        f'<polygon points="{shape.arrow}" fill="{color}"/>',
    ]
    xs = [p[0] for p in shape.points]
    ys = [p[1] for p in shape.points]
    box: Box = (min(xs), min(ys), max(xs), max(ys))
    if placed.label_box is not None:
        spec = look["label"]
        size = spec["size"] * scale
        lines, lbox = placed.label_lines, placed.label_box
        _, h = _lines_box(lines, size, 400)
        # The box's centre: the middle of the line, or where the label moved to clear a component.
        cx, cy = (lbox[0] + lbox[2]) / 2, (lbox[1] + lbox[3]) / 2
        parts.append(
            f'<g class="label"><rect x="{lbox[0]:.1f}" y="{lbox[1]:.1f}" width="{lbox[2] - lbox[0]:.1f}" '
            f'height="{lbox[3] - lbox[1]:.1f}" rx="3" fill="{spec["background"]}" '
            f'fill-opacity="{spec["background_opacity"]}"/>'
            + _text(cx, cy - h / 2, lines, size, f'text-anchor="middle" font-size="{size:.1f}" fill="{spec["color"]}"')
            + "</g>"
        )
        box = _union([box, lbox])
    protocol = props.get("protocol")
    extra = f' data-protocol="{_esc(protocol)}"' if isinstance(protocol, str) and protocol in PROTOCOL_COLORS else ""
    return f'<g data-id="{_esc(str(edge["id"]))}" data-type="edge"{extra}>{"".join(parts)}</g>', box


def _add_to_legend(edge: Mapping[str, Any], legend: dict[str, str], *, annotation: bool) -> None:
    """Note the edge's protocol and line style in the legend (keyed as `_legend_svg` orders them)."""
    props = edge.get("props") or {}
    if annotation:
        legend.setdefault("annotation", "annotation")
        return
    protocol = props.get("protocol")
    key = protocol if isinstance(protocol, str) and protocol in PROTOCOL_COLORS else ""
    legend.setdefault(f"p:{key}", PROTOCOL_LABELS.get(key) or ("other" if key == "other" else "no protocol"))
    if props.get("async") is True:
        legend.setdefault("async", "asynchronous")


def _legend_svg(legend: dict[str, str], scale: float) -> tuple[str, float, float]:
    """One row per entry: a line in the edge's colour and style, and what it means."""
    if not legend:
        return "", 0.0, 0.0
    size = LEGEND_SIZE * scale
    order = [f"p:{p}" for p in PROTOCOL_COLORS] + ["p:", "async", "annotation"]
    rows = []
    y = 0.0
    width = 0.0
    row = size * 1.6
    for key in order:
        if key not in legend:
            continue
        if key == "annotation":
            spec = LOOK["annotation"]
            dash = " ".join(map(str, spec["dash"]))
            stroke = f'stroke="{spec["color"]}" stroke-width="{spec["width"]}" stroke-dasharray="{dash}"'
        elif key == "async":
            dash = " ".join(map(str, LOOK["edge"]["async_dash"]))
            stroke = (
                f'stroke="{LOOK["edge"]["color"]}" stroke-width="{LOOK["edge"]["width"]}" stroke-dasharray="{dash}"'
            )
        else:
            color = PROTOCOL_COLORS.get(key[2:], LOOK["edge"]["color"])
            stroke = f'stroke="{color}" stroke-width="{LOOK["edge"]["width"]}"'
        label = legend[key]
        rows.append(
            f'<g class="legend-entry" data-legend="{_esc(key)}">'
            f'<line x1="0" y1="{y + row / 2:.1f}" x2="28" y2="{y + row / 2:.1f}" {stroke}/>'
            f'<text x="36" y="{y + row / 2 + size * 0.35:.1f}" font-size="{size:.1f}" fill="#475467">'
            f"{_esc(label)}</text></g>"
        )
        width = max(width, 36 + text_width(label, size))
        y += row
    return "".join(rows), width, y


def _document(
    *,
    body: str,
    shift: Point,
    size: Point,
    title: str,
    legend: str,
    legend_at: Point,
    symbols: Mapping[str, tuple[str, str]],
    options: DrawOptions,
    text_scale: float,
) -> str:
    width, height = size
    out_w, out_h = picture_px(size, options)
    # How large the look's smallest text comes out, in px of the picture: what a document at
    # this width shows, so the editor can warn before a picture of unreadable text is pasted.
    text_px = SMALLEST_FONT * text_scale * (out_w / width if width else 1.0)
    # And the narrowest width at which it still reads (MIN_TEXT_PX): what to ask for instead.
    # `draw_board` grows the text as far as it stays clear, so this picture's text scale is the
    # largest the board allows; at that width its search finds the scale (this one or less) whose
    # smallest text is MIN_TEXT_PX.
    readable_w = math.ceil(width * MIN_TEXT_PX / (SMALLEST_FONT * text_scale) - 0.05) if width else 0
    defs = "".join(
        f'<symbol id="{sid}" viewBox="0 0 1 1" preserveAspectRatio="xMidYMid meet">'
        f'<image width="1" height="1" href="{_esc(uri)}" xlink:href="{_esc(uri)}"/></symbol>'
        for sid, uri in symbols.values()
    )
    background = (
        ""
        if options.background == "transparent"
        else f'<rect width="100%" height="100%" fill="{_esc(options.background)}"/>'
    )
    heading = (
        f'<text class="title" x="{MARGIN}" y="{MARGIN + TITLE_SIZE * text_scale:.1f}" '
        f'font-size="{TITLE_SIZE * text_scale:.1f}" font-weight="600" fill="#1D2430">{_esc(title)}</text>'
        if title
        else ""
    )
    font = _esc(LOOK["font"])
    legend_g = (
        f'<g class="legend" transform="translate({legend_at[0]:.1f} {legend_at[1]:.1f})">{legend}</g>' if legend else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" '
        f'width="{out_w:.0f}" height="{out_h:.0f}" viewBox="0 0 {width:.1f} {height:.1f}" '
        f'font-family="{font}" data-layout="drawn" data-smallest-text-px="{text_px:.1f}" '
        f'data-readable-width="{readable_w}">\n'
        f"<defs>{defs}</defs>\n{background}{heading}"
        f'<g class="board" transform="translate({shift[0]:.1f} {shift[1]:.1f})">{body}</g>'
        f"{legend_g}\n</svg>\n"
    )
