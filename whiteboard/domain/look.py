"""The look of a board: the one definition of colours, line styles, sizes, badges and label rules.

The canvas (served as JSON in the editor's config), the drawn export (`drawn.py`) and the auto
export through graphviz (`diagram.py`) all read this table, so a protocol's colour, the dashes of
an asynchronous edge or the `×N` of a replicated component cannot differ between them. Sizes are
the canvas's pixels at 100 % zoom.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from whiteboard.domain.board import PROTOCOLS
from whiteboard.domain.palette import KINDS, NOTE

DEFAULT_EDGE_COLOR = "#8A94A6"

# Protocol -> edge colour. Async edges are dashed, so colour and style say different things.
PROTOCOL_COLORS: dict[str, str] = {
    "http": "#5D6D7E",
    "https": "#2874A6",
    "grpc": "#7D3C98",
    "graphql": "#C2185B",
    "websocket": "#138D75",
    "sse": "#229954",
    "tcp": "#34495E",
    "amqp": "#CA6F1E",
    "kafka": "#9A7D0A",
    "sql": "#B03A2E",
    "other": DEFAULT_EDGE_COLOR,
}
# What an edge without a label of its own shows: its protocol, in capitals ("other" says nothing).
PROTOCOL_LABELS: dict[str, str] = {p: "" if p == "other" else p.upper() for p in PROTOCOLS}

# Light fills and borders of groups by nesting depth.
GROUP_FILLS = ("#EEF6FC", "#F0F7EC", "#F3F0FA", "#FDF8E8")
GROUP_STROKES = ("#9CC3E0", "#A9CF98", "#BCAEE0", "#E2C77A")

LOOK: dict[str, Any] = {
    "font": '"Inter", "DejaVu Sans", system-ui, sans-serif',
    "node": {
        "size": 60,
        "corner": 12,
        "fill": "#FFFFFF",
        "stroke": "#D5DAE1",
        "stroke_width": 1,
        "icon": 0.68,  # of the box, centred
        "label": {
            "size": 12,
            "weight": 500,
            "color": "#1D2430",
            "gap": 7,  # between the box and the first line
            "wrap": 130,
            "background": "#FFFFFF",
            "background_opacity": 0.85,
            "padding": 2,
        },
        # A replicated component is drawn as a small stack: a ghost of its box behind it.
        "ghost": {"dx": 5, "dy": -5, "opacity": 0.45},
    },
    "replicas": {"min": 2, "badge": "×{n}", "separator": "  "},
    "note": {
        "width": 180,
        "size": 13,
        "weight": 400,
        "color": "#344054",
        # The box a note takes: its text's lines, estimated at `char` px a character.
        "char": 7,
        "line": 18,
        "pad": 12,
        "min_height": 36,
    },
    "group": {
        "fills": list(GROUP_FILLS),
        "strokes": list(GROUP_STROKES),
        "opacity": 0.85,
        "padding": 28,
        "corner": 14,
        "stroke_width": 1.5,
        "dash": [4, 2],
        "empty": {"width": 160, "height": 100, "fill": "#F8FAFC", "gap": 140, "step": 140},
        "label": {"size": 12, "weight": 600, "color": "#344054", "gap": 24, "uppercase": True, "fallback": "Group"},
    },
    "edge": {
        "width": 1.8,
        "color": DEFAULT_EDGE_COLOR,
        "arrow_scale": 1.05,
        "distance": 2,  # between an end and the node's box
        "async_dash": [7, 5],
        # Parallel straight edges fan out by `bundle_step`; a curved edge bends by `curve`, and
        # each further curved edge between the same two nodes by `curve_step` more.
        "bundle_step": 36,
        "curve": 40,
        "curve_step": 36,
        "label": {
            "size": 10.5,
            "color": "#475467",
            "background": "#F8F9FB",
            "background_opacity": 0.95,
            "padding": 2,
            "wrap": 120,
            # A label that would cover a component moves off the line, `clear_step` px at a
            # time, to one side and then the other (`clear_tries` each way), until it is clear.
            "clear_step": 18,
            "clear_tries": 4,
        },
    },
    # An edge to or from a note is an annotation arrow, not a call.
    "annotation": {"color": "#98A2B3", "width": 1.2, "dash": [2, 4]},
    "protocols": {p: {"color": PROTOCOL_COLORS[p], "label": PROTOCOL_LABELS[p]} for p in PROTOCOLS},
    "routes": ["straight", "curved", "orthogonal"],
}


def _replicas(props: Mapping[str, Any]) -> int:
    value = props.get("replicas", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def replica_badge(props: Mapping[str, Any]) -> str:
    """The `×N` of a replicated component, or "" for a single instance."""
    n = _replicas(props)
    return LOOK["replicas"]["badge"].format(n=n) if n >= LOOK["replicas"]["min"] else ""


def node_text(node: Mapping[str, Any]) -> str:
    """What a component's label shows: its label, else its kind's name (a note: its text)."""
    label = str(node.get("label") or "")
    if node.get("kind") == NOTE or label.strip():
        return label
    kind = KINDS.get(str(node.get("kind")))
    return kind.name if kind else str(node.get("kind"))


def edge_text(edge: Mapping[str, Any]) -> str:
    """What an edge's label shows: its label, else its protocol."""
    label = str(edge.get("label") or "")
    if label.strip():
        return label
    protocol = (edge.get("props") or {}).get("protocol")
    return PROTOCOL_LABELS.get(protocol, "") if isinstance(protocol, str) else ""


def edge_color(edge: Mapping[str, Any]) -> str:
    protocol = (edge.get("props") or {}).get("protocol")
    return PROTOCOL_COLORS.get(protocol, DEFAULT_EDGE_COLOR) if isinstance(protocol, str) else DEFAULT_EDGE_COLOR
