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


def describe_op(op: dict[str, Any], op_id: str = "") -> str:
    """What the op did, in words: "added node “API Gateway”", "changed edge e1 (label, props)"."""
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
            return describe_op(ops[0])
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
            return f"moved {noun} {op.get('id')}"
        return f"changed {noun} {op.get('id')} ({', '.join(fields)})"
    if verb == "delete":
        return f"deleted {noun} {op.get('id')}"
    return action
