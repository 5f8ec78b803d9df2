"""One line of plain text per applied op, for a board's activity feed (pure: no Django).

The op log stores the op and the `op_id` it came with; the services give op ids a prefix that
says where the op came from (`create-`, `rest-`, `restore-v12-`, `mcp-`), so the feed can say
"restored version 12" rather than "replaced the board", and name the ops an AI agent applied for
its user through the MCP server. The prefix lives in the op id, not in the `applied` message, so
the WebSocket protocol (SPEC 5) is unchanged.
"""

from __future__ import annotations

import re
from typing import Any

_RESTORE = re.compile(r"^restore-v(\d+)-")
# The op ids of ops applied through the MCP server start with this and a hyphen (whiteboard.mcp).
MCP_OP_PREFIX = "mcp"
_NOUN = {"node": "node", "edge": "edge", "group": "group"}


def _element_name(element: dict[str, Any]) -> str:
    label = str(element.get("label") or "").strip()
    return f"“{label}”" if label else str(element.get("id", ""))


def via(op_id: str) -> str:
    """The interface an op came through when its user did not make it by hand: "MCP" or ""."""
    return "MCP" if op_id.startswith(f"{MCP_OP_PREFIX}-") else ""


def _named(element_id: object, names: dict[str, str]) -> str:
    label = names.get(str(element_id), "")
    return f"“{label}”" if label else str(element_id)


def labels_of(doc: dict[str, Any]) -> dict[str, str]:
    """Element id -> label, for naming the elements of ops in words."""
    return {e["id"]: e.get("label") or "" for section in ("nodes", "edges", "groups") for e in doc.get(section, [])}


def describe_op(op: dict[str, Any], op_id: str = "", names: dict[str, str] | None = None) -> str:
    """What the op did, in words: "added node “API Gateway”", "changed edge “HTTPS” (label, props)".

    `names` (id -> label, e.g. of the current board) names the elements an op only refers to by id.
    """
    names = names or {}
    action = op.get("action", "")
    if action == "replace":
        restored = _RESTORE.match(op_id)
        if restored:
            return f"restored version {restored.group(1)}"
        if op_id.startswith("create-"):
            return "created the board"
        return "replaced the whole board"
    if action == "batch":
        ops = op.get("ops") or []
        if len(ops) == 1:
            return describe_op(ops[0], names=names)
        return f"made {len(ops)} changes at once"
    if action == "set_board":
        return f"changed the board ({', '.join(sorted(op.get('set') or {}))})"
    verb, _, noun = action.partition("_")
    noun = _NOUN.get(noun, noun)
    if verb == "add":
        return f"added {noun} {_element_name(op.get(noun) or {})}"
    if verb == "update":
        fields = sorted(op.get("set") or {})
        if fields and set(fields) <= {"x", "y"}:
            return f"moved {noun} {_named(op.get('id'), names)}"
        return f"changed {noun} {_named(op.get('id'), names)} ({', '.join(fields)})"
    if verb == "delete":
        return f"deleted {noun} {_named(op.get('id'), names)}"
    return str(action)
