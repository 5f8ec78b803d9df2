"""Pasted text as new elements of an existing board: one `batch` op the editor sends as it is.

The imported board's ids are renamed where the target board already uses them (ids are unique
across a board's nodes, edges and groups), and its nodes are moved so that their box is centred
where the paste happens.
"""

from __future__ import annotations

from typing import Any

from whiteboard.domain.board import MAX_COORD


def paste_op(board: dict[str, Any], pasted: dict[str, Any], *, at: tuple[float, float] | None = None) -> dict[str, Any]:
    taken = {e["id"] for section in ("nodes", "edges", "groups") for e in board.get(section) or []}
    renamed: dict[str, str] = {}
    for section in ("groups", "nodes", "edges"):
        for element in pasted.get(section) or []:
            new, n = element["id"], 1
            while new in taken:
                n += 1
                new = f"{element['id'][:58]}-{n}"
            taken.add(new)
            renamed[element["id"]] = new
    shift = (0.0, 0.0)
    placed = [n for n in pasted["nodes"] if "x" in n and "y" in n]
    if at is not None and placed:
        xs, ys = [n["x"] for n in placed], [n["y"] for n in placed]
        shift = (at[0] - (min(xs) + max(xs)) / 2, at[1] - (min(ys) + max(ys)) / 2)
    ops: list[dict[str, Any]] = []
    for group in _parents_first(pasted.get("groups") or []):
        parent = group.get("parent")
        ops.append(
            {
                "action": "add_group",
                "group": {**group, "id": renamed[group["id"]], "parent": renamed.get(parent) if parent else None},
            }
        )
    for node in pasted["nodes"]:
        moved = {**node, "id": renamed[node["id"]]}
        if node.get("group"):
            moved["group"] = renamed[node["group"]]
        if "x" in node and "y" in node:
            moved["x"] = _clamp(node["x"] + shift[0])
            moved["y"] = _clamp(node["y"] + shift[1])
        ops.append({"action": "add_node", "node": moved})
    for edge in pasted["edges"]:
        ops.append(
            {
                "action": "add_edge",
                "edge": {
                    **edge,
                    "id": renamed[edge["id"]],
                    "source": renamed[edge["source"]],
                    "target": renamed[edge["target"]],
                },
            }
        )
    return {"action": "batch", "ops": ops}


def _parents_first(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups in an order where each parent is added before its children (a valid board's
    groups have no cycles)."""
    by_id = {g["id"]: g for g in groups}
    ordered: list[dict[str, Any]] = []
    seen: set[str] = set()
    for group in groups:
        chain = []
        current: dict[str, Any] | None = group
        while current is not None and current["id"] not in seen:
            chain.append(current)
            seen.add(current["id"])
            current = by_id.get(current.get("parent") or "")
        ordered.extend(reversed(chain))
    return ordered


def _clamp(value: float) -> float:
    value = max(-MAX_COORD, min(MAX_COORD, value))
    return round(value, 2) if not float(value).is_integer() else int(value)
