"""Board document -> `diagrams` diagram -> DOT source (pure: no Django, no files, no `dot`).

The board is first turned into a neutral plan (`plan_board`): which palette class each node uses,
the text of every label, the cluster tree and the edge styles. `build_dot` replays the plan
through the `diagrams` library and hands back the DOT source; `pyexport` writes the same plan out
as a runnable script, so the picture and the script cannot drift apart.

Every user string reaches graphviz only through `dot_text`: backslashes doubled, `&` turned into
an entity and the string marked "not HTML", so a label is drawn as its literal text and can never
add nodes, attributes, links or image references. Internal node ids (`n0`, `n1`, ...) replace the
board's ids, whose `:` would otherwise read as a DOT port.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import diagrams

from whiteboard.domain.board import without_notes
from whiteboard.domain.look import (
    DEFAULT_EDGE_COLOR,
    GROUP_FILLS,
    LOOK,
    PROTOCOL_COLORS,
    edge_text,
    node_text,
    replica_badge,
)
from whiteboard.domain.palette import class_by_path, drawing_class

FONT = "DejaVu Sans"
LINE_WIDTH = 20  # characters per label line; the node box is fixed width
TEXT_COLOR = "#2D3436"

# Graph, node and edge defaults: diagrams' look with a leaner page (small pad, spline edges so
# edge labels get their own place; orthogonal edges cannot carry labels and are slower).
GRAPH_ATTR: dict[str, str] = {
    "pad": "0.25",
    "splines": "spline",
    "nodesep": "0.4",
    "ranksep": "0.6",
    "fontname": FONT,
    "fontsize": "18",
    "fontcolor": TEXT_COLOR,
    "labelloc": "t",
    "labeljust": "l",
    "compound": "true",
    "newrank": "true",
    "bgcolor": "white",
}
NODE_ATTR: dict[str, str] = {
    "fontname": FONT,
    "fontsize": "12",
    "fontcolor": TEXT_COLOR,
    # Wide enough for a label line; the icon keeps its own (pre-scaled) size at the top.
    "fixedsize": "true",
    "width": "1.5",
    "height": "1.2",
    "imagescale": "false",
    "imagepos": "tc",
    "labelloc": "b",
}
# For exports drawn elsewhere with diagrams' full-size icons (the .py script, the DOT file): the
# box is as wide as the icon so graphviz scales the icon to it; the label overflows the box sideways.
PORTABLE_NODE_ATTR: dict[str, str] = {**NODE_ATTR, "width": "0.9", "imagescale": "true"}
EDGE_ATTR: dict[str, str] = {
    "fontname": FONT,
    "fontsize": "10",
    "fontcolor": "#4D5656",
    "color": DEFAULT_EDGE_COLOR,
    "penwidth": "1.2",
    "arrowsize": "0.7",
}
CLUSTER_ATTR: dict[str, str] = {
    "fontname": FONT,
    "fontsize": "13",
    "fontcolor": TEXT_COLOR,
    "pencolor": "#AEB6BF",
    "margin": "14",
}
ICON_INCHES = 0.9  # drawn icon size; the node box is this wide and the label sits below it
LINE_HEIGHT = 0.19  # inches per label line at fontsize 12


@dataclass(frozen=True)
class PlanNode:
    var: str  # internal DOT id, also the variable name in the .py export
    board_id: str
    kind: str
    diagrams_class: str  # the kind's class, or its technology's (`props.tech`)
    text: str  # the literal label text, lines joined by "\n"
    attrs: dict[str, str]


@dataclass(frozen=True)
class PlanEdge:
    source: str  # PlanNode.var
    target: str
    text: str
    attrs: dict[str, str]
    board_id: str = ""


@dataclass
class PlanCluster:
    group_id: str
    text: str
    depth: int
    nodes: list[PlanNode] = field(default_factory=list)
    children: list[PlanCluster] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    title: str
    direction: str
    graph_attr: dict[str, str]
    nodes: list[PlanNode]  # top-level nodes (not in any group)
    clusters: list[PlanCluster]
    edges: list[PlanEdge]
    node_count: int


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str) -> str:
    """User text as it will be drawn: tabs and control characters become spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub(" ", text)


def wrap_label(text: str, width: int = LINE_WIDTH) -> list[str]:
    """Split a label into lines that fit a node: at spaces when possible, else hard."""
    lines: list[str] = []
    for paragraph in clean_text(text).split("\n"):
        words = paragraph.split(" ")
        line = ""
        for word in words:
            while len(word) > width:
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:width])
                word = word[width:]
            if not line:
                line = word
            elif len(line) + 1 + len(word) <= width:
                line = f"{line} {word}"
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def dot_text(text: str) -> str:
    """Make literal text safe for any DOT label: no escapes, no entities, no HTML-like label."""
    from graphviz import escape

    escaped: str = escape(text.replace("&", "&amp;"))
    return escaped


# Labels follow the look's rules (`look.py`), as on the canvas: a component's label or its kind's
# name with the `×N` of its replicas, an edge's label or its protocol.


def _node_text(node: Mapping[str, Any]) -> str:
    badge = replica_badge(node.get("props") or {})
    text = node_text(node) + (LOOK["replicas"]["separator"] + badge if badge else "")
    return "\n".join(wrap_label(text))


def _edge_text(edge: Mapping[str, Any]) -> str:
    text = edge_text(edge)
    return "\n".join(wrap_label(text, width=30)) if text.strip() else ""


def _edge_attrs(edge: Mapping[str, Any]) -> dict[str, str]:
    props = edge.get("props") or {}
    attrs: dict[str, str] = {}
    protocol = props.get("protocol")
    if isinstance(protocol, str) and protocol in PROTOCOL_COLORS:
        attrs["color"] = PROTOCOL_COLORS[protocol]
    if props.get("async") is True:
        attrs["style"] = "dashed"
    return attrs


def plan_board(doc: Mapping[str, Any]) -> Plan:
    """Lay out what will be drawn; the document is expected to be valid (`validate_board`).

    Notes are left out, with the annotation arrows to and from them: graphviz would lay them out
    as components, and a note has no place in the graph (the drawn export shows them as text).
    """
    doc = without_notes(dict(doc))
    groups = {g["id"]: g for g in doc.get("groups") or []}
    clusters: dict[str, PlanCluster] = {}

    def depth_of(gid: str) -> int:
        depth, seen = 0, {gid}
        parent = groups[gid].get("parent")
        while parent in groups and parent not in seen:
            seen.add(parent)
            depth += 1
            parent = groups[parent].get("parent")
        return depth

    for gid, group in groups.items():
        clusters[gid] = PlanCluster(
            group_id=gid, text="\n".join(wrap_label(str(group.get("label") or ""), 40)), depth=depth_of(gid)
        )
    top_clusters: list[PlanCluster] = []
    for gid, group in groups.items():
        parent = group.get("parent")
        if parent in clusters and parent != gid:
            clusters[parent].children.append(clusters[gid])
        else:
            top_clusters.append(clusters[gid])

    top_nodes: list[PlanNode] = []
    var_of: dict[str, str] = {}
    for index, node in enumerate(doc.get("nodes") or []):
        text = _node_text(node)
        lines = text.count("\n") + 1
        plan_node = PlanNode(
            var=f"n{index}",
            board_id=str(node["id"]),
            kind=node["kind"],
            diagrams_class=drawing_class(node["kind"], (node.get("props") or {}).get("tech")),
            text=text,
            attrs={"height": f"{ICON_INCHES + 0.08 + LINE_HEIGHT * lines:.2f}"},
        )
        var_of[plan_node.board_id] = plan_node.var
        group = node.get("group")
        if group in clusters:
            clusters[group].nodes.append(plan_node)
        else:
            top_nodes.append(plan_node)

    edges = [
        PlanEdge(
            source=var_of[str(e["source"])],
            target=var_of[str(e["target"])],
            text=_edge_text(e),
            attrs=_edge_attrs(e),
            board_id=str(e["id"]),
        )
        for e in doc.get("edges") or []
        if str(e.get("source")) in var_of and str(e.get("target")) in var_of
    ]
    title = clean_text(str(doc.get("name") or "")).replace("\n", " ")
    direction = str(doc.get("direction") or "LR")
    if direction not in ("TB", "BT", "LR", "RL"):
        direction = "LR"
    graph_attr = dict(GRAPH_ATTR)
    if direction in ("TB", "BT"):
        graph_attr["nodesep"], graph_attr["ranksep"] = "0.6", "0.5"
    return Plan(
        title=title,
        direction=direction,
        graph_attr=graph_attr,
        nodes=top_nodes,
        clusters=top_clusters,
        edges=edges,
        node_count=len(var_of),
    )


# Light fills by nesting depth, as the canvas draws groups.
CLUSTER_FILLS = GROUP_FILLS


def cluster_attrs(cluster: PlanCluster) -> dict[str, str]:
    return {**CLUSTER_ATTR, "bgcolor": CLUSTER_FILLS[cluster.depth % len(CLUSTER_FILLS)], **cluster.attrs}


def style_plan(plan: Plan, styles: Mapping[str, Mapping[str, str]]) -> None:
    """Lay per-element DOT attributes, keyed by board id, over the plan's own (e.g. a diff's colours)."""

    def walk(clusters: list[PlanCluster]) -> None:
        for cluster in clusters:
            cluster.attrs.update(styles.get(cluster.group_id, {}))
            for node in cluster.nodes:
                node.attrs.update(styles.get(node.board_id, {}))
            walk(cluster.children)

    for node in plan.nodes:
        node.attrs.update(styles.get(node.board_id, {}))
    walk(plan.clusters)
    for edge in plan.edges:
        edge.attrs.update(styles.get(edge.board_id, {}))


def build_dot(
    doc: Mapping[str, Any],
    *,
    icon: Callable[[str], str] | None = None,
    graph_attr: Mapping[str, str] | None = None,
    styles: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """The DOT source of the board, built with `diagrams` but never written or rendered by it.

    `icon(diagrams_class)` gives the image file for each node class (the service passes
    pre-scaled copies); by default the `diagrams` package's own icons, named relative to its `resources` folder, so the
    exported DOT holds no server path. `graph_attr` adds output options such as `dpi`; `styles`
    adds DOT attributes per element, keyed by board id (`style_plan`).
    """
    plan = plan_board(doc)
    if graph_attr:
        plan.graph_attr.update(graph_attr)
    if styles:
        style_plan(plan, styles)
    # diagrams keeps "the current diagram/cluster" in context variables; a fresh context per build
    # keeps concurrent builds (threads or tasks) and any caller's own diagram apart.
    node_attr = NODE_ATTR if icon else PORTABLE_NODE_ATTR
    return contextvars.Context().run(_build_in_context, plan, icon or _relative_icon, node_attr)


def _relative_icon(diagrams_class: str) -> str:
    cls = class_by_path(diagrams_class)
    return f"{cls._icon_dir.removeprefix('resources/')}/{cls._icon}"


class _Edge(diagrams.Edge):  # type: ignore[misc]  # diagrams ships no type hints
    # diagrams sets a font on every edge; the graph-wide edge defaults already do.
    _default_edge_attrs: dict[str, str] = {}


def _build_in_context(plan: Plan, icon: Callable[[str], str], node_attr: Mapping[str, str]) -> str:
    graph_attr = dict(plan.graph_attr)
    graph_attr["label"] = dot_text(plan.title)
    diagram = diagrams.Diagram(
        name="",
        filename="board",
        direction=plan.direction,
        outformat="png",
        show=False,
        graph_attr=graph_attr,
        node_attr=dict(node_attr),
        edge_attr=EDGE_ATTR,
    )
    # Diagram.__exit__ would render and delete files in the working directory: set the context by
    # hand instead of using `with`.
    diagrams.setdiagram(diagram)
    built: dict[str, Any] = {}

    def add_node(node: PlanNode) -> None:
        cls = class_by_path(node.diagrams_class)
        built[node.var] = cls(dot_text(node.text), nodeid=node.var, image=icon(node.diagrams_class), **node.attrs)

    def add_cluster(cluster: PlanCluster) -> None:
        attrs = cluster_attrs(cluster)
        attrs["label"] = dot_text(cluster.text)
        # The group id names the subgraph (unique, validated charset); the label is only drawn.
        with diagrams.Cluster(cluster.group_id, graph_attr=attrs):
            for node in cluster.nodes:
                add_node(node)
            for child in cluster.children:
                add_cluster(child)

    for node in plan.nodes:
        add_node(node)
    for cluster in plan.clusters:
        add_cluster(cluster)
    for edge in plan.edges:
        attrs = dict(edge.attrs)
        if edge.text:
            attrs["label"] = dot_text(edge.text)
        built[edge.source].connect(built[edge.target], _Edge(forward=True, **attrs))
    return str(diagram.dot.source)
