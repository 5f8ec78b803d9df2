"""The WebSocket messages of SPEC section 5: the one module that builds and checks them.

Server messages are encoded once (compact JSON, UTF-8 kept) and the same text frame is written to
every connection. Client messages are checked here and answered with a clear error naming the
place, in the same `{"loc", "msg"}` form as board errors.
"""

from __future__ import annotations

import json
import math
import zlib
from typing import Any

from whiteboard.domain import jsontext
from whiteboard.domain.board import ID_RE, BoardError

MAX_MESSAGE_BYTES = 1024 * 1024
MAX_OP_ID = 64
MAX_SELECTION = 1_000
MAX_COORD = 1e7
CLIENT_TYPES = ("op", "sync", "presence", "ping", "pong")

# Close codes: 4403 = may not see the board (SPEC); 4408 = too slow to keep up, reconnect and sync;
# 4409 = a client that keeps the heartbeat went silent (its network is gone), reconnect and sync.
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_SLOW = 4408
CLOSE_SILENT = 4409

# The heartbeat (both ways, so each side notices a silent network drop): a client sends
# {"type": "ping"} and gets {"type": "pong"}; the server sends {"type": "ping"} when it has sent
# nothing for a while, and a client that knows the heartbeat answers {"type": "pong"}. Clients
# that never send either are not expected to answer (older clients keep working).
PING = {"type": "ping"}
PONG = {"type": "pong"}


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def applied(version: int, op_id: str, user: str, op: dict[str, Any]) -> dict[str, Any]:
    return {"type": "applied", "version": version, "op_id": op_id, "user": user, "op": op}


def rejected(op_id: object, errors: list[dict[str, str]]) -> dict[str, Any]:
    """`error` is one readable line; `errors` lists each problem with its place."""
    text = "; ".join(f"{e['loc']}: {e['msg']}" if e["loc"] else e["msg"] for e in errors)
    return {
        "type": "rejected",
        "op_id": op_id if isinstance(op_id, str) else None,
        "error": text,
        "errors": errors,
    }


class BadMessage(BoardError):
    """A client message refused as a whole. `op_id` is the op it carried when that much could be
    read safely (the op_id itself clean and not repeated), so the sender can tell which op was
    refused instead of waiting for it forever; None otherwise."""

    def __init__(self, errors: list[dict[str, str]], op_id: str | None = None) -> None:
        super().__init__(errors)
        self.op_id = op_id


def _readable_op_id(text: str) -> str | None:
    """The `op_id` of an `op` message whose bad text is elsewhere (a NUL in a label, a repeated
    key inside the op), read leniently; None when the type or the op_id is itself in doubt."""
    top: list[list[tuple[str, Any]]] = []

    def keep(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        top.append(pairs)  # the outermost object is the last one closed
        return dict(pairs)

    try:
        json.loads(text, object_pairs_hook=keep)
    except (ValueError, RecursionError):
        return None
    if not top:
        return None
    pairs = top[-1]
    types = [v for k, v in pairs if k == "type"]
    op_ids = [v for k, v in pairs if k == "op_id"]
    if types != ["op"] or len(op_ids) != 1:
        return None
    op_id = op_ids[0]
    if not isinstance(op_id, str) or not 1 <= len(op_id) <= MAX_OP_ID or "\x00" in op_id:
        return None
    try:
        op_id.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return None
    return op_id


def parse(text: str | None, data: bytes | None) -> dict[str, Any]:
    """A client message as a dict with a known `type`; BadMessage (a BoardError) otherwise."""
    if text is None:
        raise BadMessage.one("", "messages must be JSON text frames, not binary")
    if len(text) > MAX_MESSAGE_BYTES // 4 and len(text.encode()) > MAX_MESSAGE_BYTES:
        raise BadMessage.one("", f"message is over {MAX_MESSAGE_BYTES} bytes (1 MiB); send a large board by PUT")
    try:
        message = jsontext.loads(text, limit=MAX_MESSAGE_BYTES, what="message")
    except BoardError as exc:
        # The text as a whole is the message here: its problems have no place inside it.
        errors = [{**e, "loc": "" if e["loc"] == "body" else e["loc"]} for e in exc.errors]
        located = all(e["loc"] for e in errors)  # bad text or a repeated key inside a readable message
        raise BadMessage(errors, _readable_op_id(text) if located else None) from None
    if not isinstance(message, dict):
        raise BadMessage.one("", "a message must be a JSON object with a 'type'")
    kind = message.get("type")
    if kind not in CLIENT_TYPES:
        shown = repr(kind[:40]) if isinstance(kind, str) else json.dumps(kind)[:40]
        raise BadMessage.one("type", f"unknown message type {shown} (allowed: {', '.join(CLIENT_TYPES)})")
    return message


def check_op_message(message: dict[str, Any], board_id: int) -> tuple[str, Any]:
    """The op_id and the (not yet validated) op of an `op` message."""
    _only(message, ("type", "op_id", "op", "board"))
    op_id = message.get("op_id")
    if not isinstance(op_id, str) or not 1 <= len(op_id) <= MAX_OP_ID:
        raise BoardError.one("op_id", f"is required: a string of 1-{MAX_OP_ID} characters, unique per user")
    if "board" in message and message["board"] != board_id:
        raise BoardError.one("board", f"this socket is for board {board_id}, not {json.dumps(message['board'])[:20]}")
    if "op" not in message:
        raise BoardError.one("op", "is required")
    return op_id, message["op"]


def check_sync(message: dict[str, Any]) -> int:
    _only(message, ("type", "since"))
    since = message.get("since")
    if not isinstance(since, int) or isinstance(since, bool) or since < 0:
        raise BoardError.one("since", "is required: the last version the client has (an integer >= 0)")
    return since


def check_heartbeat(message: dict[str, Any]) -> None:
    _only(message, ("type",))


def check_presence(message: dict[str, Any]) -> dict[str, Any]:
    """The presence fields to pass on: `cursor` {x, y} (or null) and `selection` (element ids)."""
    _only(message, ("type", "cursor", "selection"))
    result: dict[str, Any] = {}
    if "cursor" in message:
        cursor = message["cursor"]
        if cursor is not None:
            if not isinstance(cursor, dict) or set(cursor) != {"x", "y"}:
                raise BoardError.one("cursor", "must be an object {x, y} or null")
            for axis in ("x", "y"):
                value = cursor[axis]
                if (
                    not isinstance(value, (int, float))
                    or isinstance(value, bool)
                    or not math.isfinite(value)
                    or abs(value) > MAX_COORD
                ):
                    raise BoardError.one(f"cursor.{axis}", "must be a finite number between -1e7 and 1e7")
        result["cursor"] = cursor
    if "selection" in message:
        selection = message["selection"]
        if (
            not isinstance(selection, list)
            or len(selection) > MAX_SELECTION
            or not all(isinstance(i, str) and ID_RE.fullmatch(i) for i in selection)
        ):
            raise BoardError.one("selection", f"must be a list of at most {MAX_SELECTION} element ids")
        result["selection"] = selection
    return result


def _only(message: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key in message:
        if key not in allowed:
            names = ", ".join(allowed)
            raise BoardError.one(str(key)[:64], f"unknown key in a {message['type']} message (allowed: {names})")


def colour_for(name: str) -> str:
    """A stable colour per user name, so a collaborator looks the same on every screen."""
    palette = (
        "#e6194b",
        "#3cb44b",
        "#4363d8",
        "#f58231",
        "#911eb4",
        "#42d4f4",
        "#f032e6",
        "#469990",
        "#9a6324",
    )
    return palette[zlib.crc32(name.encode()) % len(palette)]
