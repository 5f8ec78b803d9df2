"""What the OpenAPI document that django-ninja generates for /api/ (whiteboard.api) cannot say by
itself: the JSON Schemas of the board document (SPEC 1), a policy and its elements, which come
from `whiteboard.domain.board_schema` (built from the declarations the validator reads, and
advertised by the MCP tools too), and the answers every route may give outside its view.
"""

from __future__ import annotations

from typing import Any

from whiteboard.domain.board_schema import board_schema, policy_schema

_METHODS = ("get", "put", "post", "delete", "patch")


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


_MALFORMED = _error("Malformed request body")
_TOO_LARGE = _error("The request body is over the size limit")
_BAD_TEXT = _error("A NUL character or a lone surrogate in the path or the query string")
_TOO_MANY = {
    **_error("Over a rate limit; try again after `Retry-After` seconds"),
    "headers": {"Retry-After": {"required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}},
}
_CHALLENGE = {"WWW-Authenticate": {"required": True, "schema": {"type": "string", "pattern": "^Bearer "}}}
_RETRY = {"Retry-After": {"required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}}


def board_components() -> dict[str, Any]:
    """The board document and its parts as named components, for routes that take or give boards."""
    board = board_schema()
    elements = board["properties"]
    return {
        "Board": board,
        "Policy": policy_schema(),
        "Node": elements["nodes"]["items"],
        "Edge": elements["edges"]["items"],
        "Group": elements["groups"]["items"],
    }


def _link(node: Any, mark: str) -> Any:
    """Each `{mark: name}` in the schemas replaced by a `$ref` to that component."""
    if isinstance(node, dict):
        if mark in node:
            # The title pydantic gives the field would only repeat the component's name.
            kept = {key: _link(value, mark) for key, value in node.items() if key not in (mark, "title")}
            return {"$ref": f"#/components/schemas/{node[mark]}", **kept}
        return {key: _link(value, mark) for key, value in node.items()}
    if isinstance(node, list):
        return [_link(item, mark) for item in node]
    return node


def complete(document: dict[str, Any], *, mark: str) -> dict[str, Any]:
    """The generated document with the board's components, and with the answers every route may
    give added to each operation: 429 from the rate limits (whiteboard.limits), 400 for a NUL or a
    lone surrogate in the path or the query string (whiteboard.inputs screens every request), and
    400 and 413 for a malformed or oversized body. Fields that hold one of those components carry
    `mark` where the `$ref` goes. A 401 names the scheme in `WWW-Authenticate`
    and a 503 of the renderer says when to come back in `Retry-After`."""
    document = _link(document, mark)
    document["components"]["schemas"].update(board_components())
    for item in document["paths"].values():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = {str(status): answer for status, answer in operation["responses"].items()}
            operation["responses"] = responses
            if operation.get("security"):
                responses.setdefault("429", _TOO_MANY)
            if "requestBody" in operation:
                responses.setdefault("400", _MALFORMED)
                responses.setdefault("413", _TOO_LARGE)
            else:
                responses.setdefault("400", _BAD_TEXT)
            if "401" in responses:
                responses["401"] = {**responses["401"], "headers": _CHALLENGE}
            if "503" in responses:
                responses["503"] = {**responses["503"], "headers": _RETRY}
    return document
