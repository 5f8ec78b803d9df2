"""JSON-RPC messages read strictly before the SDK parses them (SPEC section 11).

The `mcp` SDK parses each message itself with a lenient parser: a repeated key is resolved
last-one-wins, and `"\\ud800"` or `"\\u0000"` become strings that fail later, far from their
source (in the database, in an export). So every message is read first with the project's one
strict parser (whiteboard.domain.jsontext), over HTTP and over stdio alike:

- a clean message goes on unchanged (the common case: one extra strict parse);
- a `tools/call` whose problems are all inside its `arguments` goes on with empty arguments, and
  the problems, located relative to the arguments (`ops[0].node.label: invalid text: ...`), are
  held for the tool, which answers them as a tool error the agent can read and correct: the
  hostile text itself never reaches the SDK or the tool;
- any other message with such problems is refused as an invalid request, naming them.

Text that is not JSON at all (malformed, nested too deeply) goes on unchanged: the SDK answers
it with its own parse error, as it must for the protocol.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from whiteboard.domain.board import BoardError
from whiteboard.domain.jsontext import loads

ARGUMENTS = "params.arguments"


@dataclass(frozen=True)
class Screened:
    """What to do with one message.

    `text` goes to the SDK (None: refuse the message with `refused`); `held` are the problems of
    a tool call's arguments, for the tool to report; `request_id` is the message's JSON-RPC id.
    """

    text: bytes | None
    request_id: Any = None
    held: list[dict[str, str]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)


def screen(raw: bytes, *, limit: int) -> Screened:
    """Read one JSON-RPC message strictly; see the module's docstring for the outcomes."""
    try:
        loads(raw, limit=limit, what="message")
    except BoardError as exc:
        problems = exc.errors
    else:
        return Screened(raw)
    try:
        message = json.loads(raw.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return Screened(raw)  # not JSON: the SDK's parse error says so
    if not isinstance(message, dict):
        return Screened(raw)
    request_id = message.get("id")
    if not isinstance(request_id, str | int) or isinstance(request_id, bool):
        request_id = None
    located = [{**p, "loc": "" if p["loc"] == "body" else p["loc"]} for p in problems]
    params = message.get("params")
    # Problems of the whole message (too large, not UTF-8) are the arguments' too: they go with them.
    elsewhere = [p for p in located if p["loc"] not in ("", ARGUMENTS) and not p["loc"].startswith(f"{ARGUMENTS}.")]
    if message.get("method") == "tools/call" and isinstance(params, dict) and not elsewhere:
        held = [{**p, "loc": p["loc"].removeprefix(ARGUMENTS).removeprefix(".")} for p in located]
        cleared = {**message, "params": {**params, "arguments": {}}}
        text = json.dumps(cleared, ensure_ascii=True).encode()
        return Screened(text, request_id, held=held)
    return Screened(None, request_id, refused=located)


def refusal(screened: Screened) -> dict[str, Any]:
    """The JSON-RPC error for a refused message: Invalid Request, naming each problem."""
    lines = "; ".join(f"{p['loc']}: {p['msg']}" if p["loc"] else p["msg"] for p in screened.refused)
    return {
        "jsonrpc": "2.0",
        "id": screened.request_id,
        "error": {"code": -32600, "message": f"invalid request: {lines}", "data": {"errors": screened.refused}},
    }
