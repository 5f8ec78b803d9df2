"""Auto-layout for the canvas: a bare DOT graph shaped like the editor, and positions from
graphviz's `-Tjson` output. Pure: the rendering service runs `dot` under its limits."""

from __future__ import annotations

import json
from typing import Any

from whiteboard.domain.board import without_notes

# Canvas pixels per graphviz point: the editor's node boxes are about 1.3 x 1.1 inches.
LAYOUT_SCALE = 1.5
MAX_CLUSTER_DEPTH = 16


def layout_dot(doc: dict[str, Any]) -> str:
    """Fixed-size nodes and groups as clusters, in the board's direction.

    Ids match `[A-Za-z0-9_.:-]` (the board schema), so they are safe inside DOT quotes; no label
    or other user text goes into this graph. Notes are not laid out: they stay where their
    author put them.
    """
    doc = without_notes(doc)
    children: dict[str | None, list[str]] = {}
    for group in doc["groups"]:
        children.setdefault(group.get("parent"), []).append(group["id"])
    members: dict[str | None, list[str]] = {}
    for node in doc["nodes"]:
        members.setdefault(node.get("group"), []).append(node["id"])
    lines = [
        "digraph G {",
        f"rankdir={doc.get('direction', 'LR')}; nodesep=0.5; ranksep=0.9; compound=true;",
        'node [shape=box, fixedsize=true, width=1.3, height=1.1, label=""];',
    ]

    def emit(group_id: str | None, depth: int) -> None:
        lines.extend(f'"{node_id}";' for node_id in members.get(group_id, []))
        for child in children.get(group_id, []):
            if depth < MAX_CLUSTER_DEPTH:
                lines.append(f'subgraph "cluster_{child}" {{ margin=24;')
                emit(child, depth + 1)
                lines.append("}")

    emit(None, 0)
    lines += [f'"{e["source"]}" -> "{e["target"]}";' for e in doc["edges"]]
    lines.append("}")
    return "\n".join(lines)


def positions_from_json(raw: bytes, node_ids: set[str]) -> dict[str, dict[str, int]]:
    """Canvas positions (y pointing down) of the board's nodes in graphviz's JSON output."""
    layout = json.loads(raw)
    height = float(layout["bb"].split(",")[3])
    positions: dict[str, dict[str, int]] = {}
    for obj in layout.get("objects", []):
        if "pos" in obj and obj.get("name") in node_ids:
            x, y = (float(v) for v in obj["pos"].split(","))
            positions[obj["name"]] = {"x": round(x * LAYOUT_SCALE), "y": round((height - y) * LAYOUT_SCALE)}
    return positions
