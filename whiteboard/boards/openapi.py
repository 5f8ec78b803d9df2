"""The OpenAPI 3.1 description of the REST API (SPEC section 4), served at /api/openapi.json.

Its JSON Schemas of the board document (SPEC 1), a policy and an op (SPEC 5) come from
`whiteboard.domain.board_schema`, which the MCP tools advertise too: every client reads one
description of each, built from the declarations the validator reads.
"""

from __future__ import annotations

from typing import Any

from whiteboard.domain import board as schema
from whiteboard.domain.board_schema import board_schema, policy_schema
from whiteboard.domain.estimate import MAX_SCALE
from whiteboard.domain.formats import IMPORTS, MERMAID_SYNTAXES
from whiteboard.domain.palette import KINDS
from whiteboard.domain.review import SEVERITIES
from whiteboard.rendering import FORMATS


def _palette_schema() -> dict[str, Any]:
    url = {"type": "string", "format": "uri"}
    tech = {
        "type": "object",
        "required": ["id", "name", "icon", "diagrams_class"],
        "properties": {
            "id": {"type": "string", "pattern": r"^[a-z0-9]+(?:-[a-z0-9]+)*$"},
            "name": {"type": "string"},
            "icon": url,
            "diagrams_class": {"type": "string"},
        },
    }
    kind = {
        "type": "object",
        "required": ["id", "name", "category", "icon", "diagrams_class", "techs", "defaults"],
        "properties": {
            "id": {"enum": sorted(KINDS)},
            "name": {"type": "string"},
            "category": {"type": "string"},
            "icon": {"oneOf": [url, {"type": "null"}], "description": "null for a kind drawn as text (a note)"},
            "diagrams_class": {"type": ["string", "null"]},
            "techs": {"type": "array", "items": tech},
            "defaults": {
                "type": "object",
                "description": "What the estimate assumes when a node of this kind does not say "
                "(empty for kinds it ignores, such as notes)",
                "additionalProperties": {"type": "number"},
            },
        },
    }
    category = {
        "type": "object",
        "required": ["id", "name", "kinds"],
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "kinds": {"type": "array", "items": kind}},
    }
    return {
        "type": "object",
        "required": ["categories"],
        "properties": {"categories": {"type": "array", "items": category}},
    }


_LOCATED = {
    "type": "object",
    "required": ["loc", "msg"],
    "properties": {"loc": {"type": "string"}, "msg": {"type": "string"}},
}


def _finding_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["rule", "severity", "nodes", "edges", "message", "hint", "suppressed"],
        "properties": {
            "rule": {"type": "string", "description": "a rule id, or policy:<id> for a board policy"},
            "severity": {"enum": list(SEVERITIES)},
            "nodes": {"type": "array", "items": {"type": "string"}},
            "edges": {"type": "array", "items": {"type": "string"}},
            "message": {"type": "string"},
            "hint": {"type": "string"},
            "suppressed": {"type": "boolean"},
            "reason": {"type": "string"},
        },
    }


def _rules_schema() -> dict[str, Any]:
    rule = {
        "type": "object",
        "required": ["id", "severity", "category", "title", "hint", "core", "references", "doc", "url"],
        "properties": {
            "id": {"type": "string"},
            "severity": {"enum": list(SEVERITIES)},
            "category": {"type": "string"},
            "title": {"type": "string"},
            "hint": {"type": "string"},
            "core": {"type": "boolean"},
            "references": {"type": "array", "items": {"type": "string"}},
            "doc": {"type": "string"},
            "why": {"type": "string"},
            "fix": {"type": "string"},
            "example": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
        },
    }
    return {
        "type": "object",
        "required": ["rules", "settings", "policies"],
        "properties": {
            "rules": {"type": "array", "items": rule},
            "settings": {"type": "array", "items": {"enum": list(schema.RULE_SETTINGS)}},
            "policies": {
                "type": "object",
                "required": ["max", "prefix", "schema"],
                "properties": {
                    "max": {"type": "integer"},
                    "prefix": {"const": schema.POLICY_PREFIX},
                    "schema": {"type": "object", "description": "JSON Schema of one policy"},
                },
            },
        },
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema_: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema_}}}


_ERRORS = {
    "400": _json(_ref("Error"), "Malformed request body"),
    "401": _json(_ref("Error"), "No or bad credentials"),
    "403": _json(_ref("Error"), "The caller's role does not allow this"),
    "404": _json(_ref("Error"), "No such board, or not visible to the caller"),
    "422": _json(_ref("Error"), "The document or request is invalid; `errors` names each place"),
}
# SPEC section 7: how a PNG, SVG or PDF is drawn.
_PICTURE_PARAMS = [
    {
        "name": "layout",
        "in": "query",
        "description": "drawn: as the canvas shows it (default when every node has x and y); auto: graphviz",
        "schema": {"enum": ["drawn", "auto"]},
    },
    {"name": "background", "in": "query", "schema": {"enum": ["white", "transparent"], "default": "white"}},
    {
        "name": "width",
        "in": "query",
        "description": "drawn layout: the picture's width in px; text stays at least 11 px",
        "schema": {"type": "integer", "minimum": 200, "maximum": 4000},
    },
]
_LINKS_PARAM = {
    "name": "links",
    "in": "query",
    "description": "drawn SVG: 1 links each node to its element on the board page",
    "schema": {"enum": ["0", "1"]},
}
_BOARD_ID = {"name": "board_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_SYNTAX_PARAM = {
    "name": "syntax",
    "in": "query",
    "description": "mmd: a Mermaid architecture-beta diagram (default) or a flowchart",
    "schema": {"enum": list(MERMAID_SYNTAXES), "default": "architecture"},
}
# SPEC 9: what an import reads, as the body of POST /api/import and of a paste.
_IMPORT_PARAMS = [
    {
        "name": "format",
        "in": "query",
        "description": "the body's format; auto tells it by `filename`'s extension, else by the content",
        "schema": {"enum": ["auto", *IMPORTS], "default": "auto"},
    },
    {
        "name": "filename",
        "in": "query",
        "description": "the file's name, for auto-detection by its extension",
        "schema": {"type": "string", "maxLength": 255},
    },
]
_IMPORT_BODY = {
    "required": True,
    "description": "the file itself, or a form upload with the file in one field",
    "content": {
        "text/plain": {"schema": {"type": "string"}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {
            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
    },
}
_WARNINGS = {
    "type": "array",
    "description": "what the import guessed or dropped, each with its line or element",
    "items": {
        "type": "object",
        "required": ["loc", "msg"],
        "properties": {"loc": {"type": "string"}, "msg": {"type": "string"}},
    },
}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: _ERRORS[code] for code in codes}


_METHODS = ("get", "put", "post", "delete", "patch")


def openapi_document() -> dict[str, Any]:
    """The description, with the answers every route may give added to each operation: 429 from
    the rate limits (whiteboard.limits), 400 for a NUL or a lone surrogate in the path or the query
    string (whiteboard.inputs screens every request), and 400 and 413 for a malformed or oversized body."""
    document = _document()
    for item in document["paths"].values():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation["responses"]
            if operation.get("security") != []:
                responses.setdefault("429", _TOO_MANY)
            if "requestBody" in operation:
                responses.setdefault("400", _ERRORS["400"])
                responses.setdefault("413", _json(_ref("Error"), "The request body is over the size limit"))
            else:
                responses.setdefault("400", _BAD_TEXT)
    return document


_BAD_TEXT = _json(_ref("Error"), "A NUL character or a lone surrogate in the path or the query string")
_TOO_MANY = {
    **_json(_ref("Error"), "Over a rate limit; try again after `Retry-After` seconds"),
    "headers": {"Retry-After": {"required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}},
}


def _document() -> dict[str, Any]:
    binary = {"type": "string", "format": "binary"}
    export_types = {
        "image/png": {"schema": binary},
        "image/svg+xml": {"schema": {"type": "string"}},
        "application/pdf": {"schema": binary},
        "text/vnd.graphviz": {"schema": {"type": "string"}},
        "text/x-python": {"schema": {"type": "string"}},
        "application/json": {"schema": _ref("Board")},
        "text/vnd.mermaid": {"schema": {"type": "string"}},
        "application/vnd.jgraph.mxfile": {"schema": {"type": "string"}},
        "application/yaml": {
            "schema": {
                "type": "array",
                "description": "the YAML stream's documents: one Compose file, or one Kubernetes manifest each",
                "items": {"type": "object"},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Archboard API",
            "version": "1",
            "description": "Architecture boards: create, read, replace, review and render them. "
            "Authenticate with the browser session or `Authorization: Bearer <token>`.",
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
            },
            "schemas": {
                "Board": board_schema(),
                "Error": {
                    "type": "object",
                    "required": ["detail", "errors"],
                    "properties": {
                        "detail": {"type": "string"},
                        "errors": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["loc", "msg"],
                                "properties": {"loc": {"type": "string"}, "msg": {"type": "string"}},
                            },
                        },
                        "version": {"type": "integer"},
                    },
                },
                "StoredBoard": {
                    "type": "object",
                    "required": ["id", "version", "board"],
                    "properties": {"id": {"type": "integer"}, "version": {"type": "integer"}, "board": _ref("Board")},
                },
                "Estimate": _estimate_schema(),
                "Findings": {
                    "type": "object",
                    "required": ["board", "findings", "summary"],
                    "properties": {
                        "board": {"type": "string"},
                        "version": {"type": ["integer", "null"]},
                        "findings": {"type": "array", "items": _finding_schema()},
                        "summary": {
                            "type": "object",
                            "properties": {s: {"type": "integer"} for s in SEVERITIES},
                        },
                        "warnings": {"type": "array", "items": _LOCATED},
                    },
                },
                "Policy": policy_schema(),
                "Rules": _rules_schema(),
            },
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/api/palette": {
                "get": {
                    "summary": "Categories and kinds with display names, icon URLs and estimate defaults",
                    "security": [],
                    "responses": {"200": _json(_palette_schema(), "The palette")},
                }
            },
            "/api/rules": {
                "get": {
                    "summary": "The review rules, the board settings they take, and the grammar of board policies",
                    "security": [],
                    "responses": {"200": _json(_ref("Rules"), "The rules and the policy grammar")},
                }
            },
            "/api/boards": {
                "get": {
                    "summary": "Boards the caller can see",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "boards": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "name", "role", "version", "updated"],
                                            "properties": {
                                                "id": {"type": "integer"},
                                                "name": {"type": "string"},
                                                "role": {"enum": ["owner", "editor", "viewer"]},
                                                "version": {"type": "integer"},
                                                "updated": {"type": "string", "format": "date-time"},
                                            },
                                        },
                                    }
                                },
                            },
                            "The caller's boards",
                        ),
                        **_errors("401"),
                    },
                },
                "post": {
                    "summary": "Create a board from a document",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Board")}}},
                    "responses": {
                        "201": _json(_ref("StoredBoard"), "Created"),
                        **_errors("400", "401", "403", "422"),
                    },
                },
            },
            "/api/boards/{board_id}": {
                "parameters": [_BOARD_ID],
                "get": {
                    "summary": "A board and its version",
                    "responses": {"200": _json(_ref("StoredBoard"), "The board"), **_errors("401", "404")},
                },
                "put": {
                    "summary": "Replace the document when `version` is the current one; live editors follow",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["version", "board"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "version": {"type": "integer", "minimum": 0},
                                        "board": _ref("Board"),
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(_ref("StoredBoard"), "Replaced"),
                        "409": _json(_ref("Error"), "Stale version; `version` is the current one"),
                        **_errors("400", "401", "403", "404", "422"),
                    },
                },
                "delete": {
                    "summary": "Delete the board (owner only)",
                    "responses": {"204": {"description": "Deleted"}, **_errors("401", "403", "404")},
                },
            },
            "/api/boards/{board_id}/review": {
                "parameters": [_BOARD_ID],
                "get": {
                    "summary": "Review findings of the stored board",
                    "responses": {"200": _json(_ref("Findings"), "Findings"), **_errors("401", "404")},
                },
            },
            "/api/boards/{board_id}/export.{fmt}": {
                "parameters": [
                    _BOARD_ID,
                    {
                        "name": "fmt",
                        "in": "path",
                        "required": True,
                        "schema": {"enum": list(FORMATS)},
                    },
                    {"name": "scale", "in": "query", "schema": {"type": "number", "minimum": 0.25, "maximum": 4}},
                    *_PICTURE_PARAMS,
                    _LINKS_PARAM,
                    _SYNTAX_PARAM,
                ],
                "get": {
                    "summary": "The rendering (PNG, SVG, PDF, DOT, diagrams Python script), the document, or the "
                    "board as Mermaid, draw.io, Compose or Kubernetes (SPEC 9)",
                    "responses": {
                        "200": {"description": "The export", "content": export_types},
                        "503": _json(_ref("Error"), "The renderer is busy or the board is too complex"),
                        **_errors("400", "401", "404"),
                    },
                },
            },
            "/api/boards/{board_id}/paste": {
                "parameters": [_BOARD_ID],
                "post": {
                    "summary": "Pasted text in any importable format as a `batch` op of new elements for this "
                    "board (ids that do not clash, centred at x, y); nothing is stored (editors)",
                    "parameters": [
                        *_IMPORT_PARAMS,
                        {"name": "x", "in": "query", "schema": {"type": "number", "minimum": -1e7, "maximum": 1e7}},
                        {"name": "y", "in": "query", "schema": {"type": "number", "minimum": -1e7, "maximum": 1e7}},
                    ],
                    "requestBody": _IMPORT_BODY,
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["op", "warnings"],
                                "properties": {"op": {"type": "object"}, "warnings": _WARNINGS},
                            },
                            "The op to send, and the import's warnings",
                        ),
                        **_errors("400", "401", "403", "404", "422"),
                    },
                },
            },
            "/api/boards/{board_id}/estimate": {
                "parameters": [_BOARD_ID, _SCALE],
                "get": {
                    "summary": "Capacity, latency and availability estimate of the stored board",
                    "responses": {"200": _json(_ref("Estimate"), "The estimate"), **_errors("401", "404", "422")},
                },
            },
            **_review_workflow_paths(),
            "/api/review": {
                "post": {
                    "summary": "Review a document; nothing is stored",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Board")}}},
                    "responses": {"200": _json(_ref("Findings"), "Findings"), **_errors("400", "401", "422")},
                }
            },
            "/api/import": {
                "post": {
                    "summary": "Read a file in any importable format (SPEC 9) as a board; nothing is stored",
                    "parameters": _IMPORT_PARAMS,
                    "requestBody": _IMPORT_BODY,
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["board", "warnings"],
                                "properties": {"board": _ref("Board"), "warnings": _WARNINGS},
                            },
                            "The board, and what the import guessed or dropped",
                        ),
                        **_errors("400", "401", "422"),
                    },
                }
            },
            "/api/estimate": {
                "post": {
                    "summary": "Estimate a document's capacity, latency and availability; nothing is stored",
                    "parameters": [_SCALE],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Board")}}},
                    "responses": {"200": _json(_ref("Estimate"), "The estimate"), **_errors("400", "401", "422")},
                }
            },
            "/api/render": {
                "post": {
                    "summary": "Render a document; nothing is stored",
                    "parameters": [
                        {
                            "name": "format",
                            "in": "query",
                            "schema": {"enum": list(FORMATS), "default": "png"},
                        },
                        {"name": "scale", "in": "query", "schema": {"type": "number", "minimum": 0.25, "maximum": 4}},
                        *_PICTURE_PARAMS,
                        _SYNTAX_PARAM,
                    ],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Board")}}},
                    "responses": {
                        "200": {"description": "The rendering", "content": export_types},
                        "503": _json(_ref("Error"), "The renderer is busy or the board is too complex"),
                        **_errors("400", "401", "422"),
                    },
                }
            },
        },
    }


_SCALE = {
    "name": "scale",
    "in": "query",
    "description": "Multiplies every client's `rps`",
    "schema": {"type": "number", "minimum": 0, "maximum": MAX_SCALE, "default": 1},
}


def _estimate_schema() -> dict[str, Any]:
    number = {"type": ["number", "null"]}

    def figure(description: str) -> dict[str, Any]:
        return {**number, "description": description}

    entry = {
        "type": "object",
        "required": ["client", "rps", "mean_ms", "p99_ms", "first_token_ms", "availability", "slo_p99_ms"],
        "additionalProperties": False,
        "properties": {
            "client": {"type": "string", "description": "The client node's id"},
            "rps": {"type": "number", "description": "Requests per second it sends at this scale"},
            "mean_ms": figure("Mean time to an answer; null through a synchronous loop or over capacity"),
            "p99_ms": figure("99th percentile of that time"),
            "first_token_ms": figure("Mean time to the first streamed LLM token (sse or websocket edges)"),
            "availability": figure("Chance that everything it calls synchronously is up"),
            "slo_p99_ms": figure("The client's own p99 target, if it has one"),
        },
    }
    node = {
        "type": "object",
        "required": ["rate", "servers", "utilisation", "wait_ms", "mean_ms", "availability"],
        "additionalProperties": False,
        "properties": {
            "rate": figure("Requests per second arriving; null where the routing has no answer"),
            "servers": {"type": "integer", "description": "replicas x concurrency"},
            "utilisation": figure("rate x latency / servers; 1 or more is over capacity"),
            "wait_ms": figure("Mean queueing time (Erlang C); null over capacity"),
            "mean_ms": figure("Mean time at the node: latency plus the wait"),
            "availability": {"type": "number", "description": "1 - (1 - availability) ^ replicas"},
        },
    }
    return {
        "type": "object",
        "description": "SPEC section 8: an open network of M/M/c queues fed by the clients' `rps`.",
        "required": ["board", "version", "scale", "entries", "nodes", "bottleneck", "max_scale", "errors"],
        "additionalProperties": False,
        "properties": {
            "board": {"type": "string"},
            "version": {"type": ["integer", "null"]},
            "scale": {"type": "number"},
            "entries": {"type": "array", "items": entry, "description": "One per client node"},
            "nodes": {"type": "object", "additionalProperties": node, "description": "Per node id (notes left out)"},
            "bottleneck": {"type": ["string", "null"], "description": "The node with the highest utilisation"},
            "max_scale": figure("The largest scale at which no node is over capacity"),
            "errors": {
                "type": "array",
                "description": "What the estimate could not work out, and why",
                "items": {
                    "type": "object",
                    "required": ["loc", "msg"],
                    "properties": {"loc": {"type": "string"}, "msg": {"type": "string"}},
                },
            },
        },
    }


def _review_workflow_paths() -> dict[str, Any]:
    """History, diffs, activity, comment threads and review status of a board."""
    obj = {"type": "object"}
    page = {"page": {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}}
    version = {"name": "version", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    thread = {"name": "thread_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    span: list[dict[str, Any]] = [
        {"name": "from", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}},
        {"name": "to", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    ]
    text_body = {"required": True, "content": {"application/json": {"schema": obj}}}
    binary = {"type": "string", "format": "binary"}

    def get(summary: str, *params: dict[str, Any]) -> dict[str, Any]:
        return {
            "summary": summary,
            "parameters": list(params),
            "responses": {"200": _json(obj, "OK"), **_errors("400", "401", "404", "422")},
        }

    def post(summary: str, ok: str = "200", body: bool = True, *codes: str) -> dict[str, Any]:
        operation = {"summary": summary, "responses": {ok: _json(obj, "OK"), **_errors("401", "403", "404", *codes)}}
        if body:
            operation["requestBody"] = text_body
        return operation

    return {
        "/api/boards/{board_id}/versions": {
            "parameters": [_BOARD_ID],
            "get": get("Named versions and checkpoints, newest first (paginated)", page["page"]),
            "post": post('Name a version: `{"name", "version"?}` (editors)', "201", True, "422"),
        },
        "/api/boards/{board_id}/versions/{version}": {
            "parameters": [_BOARD_ID, version],
            "get": get("The board document as it was at a version"),
        },
        "/api/boards/{board_id}/versions/{version}/restore": {
            "parameters": [_BOARD_ID, version],
            "post": post("Restore a version with a `replace` op (editors); it can be undone", "200", False),
        },
        "/api/boards/{board_id}/diff": {
            "parameters": [_BOARD_ID],
            "get": get("Semantic diff between two versions, with findings appeared and disappeared", *span),
        },
        "/api/boards/{board_id}/diff.{fmt}": {
            "parameters": [
                _BOARD_ID,
                {"name": "fmt", "in": "path", "required": True, "schema": {"enum": ["png", "svg"]}},
            ],
            "get": {
                **get("The diff drawn: added green, removed red, changed amber", *span),
                "responses": {
                    "200": {
                        "description": "The picture",
                        "content": {"image/png": {"schema": binary}, "image/svg+xml": {"schema": binary}},
                    },
                    "503": _json(_ref("Error"), "The renderer is busy or the board is too complex"),
                    **_errors("400", "401", "404", "422"),
                },
            },
        },
        "/api/boards/{board_id}/activity": {
            "parameters": [_BOARD_ID],
            "get": get("Who changed what and when, newest first (paginated)", page["page"]),
        },
        "/api/boards/{board_id}/comments": {
            "parameters": [_BOARD_ID],
            "get": get(
                "Comment threads (paginated); `target` like `node:ID`, `edge:ID` or `board`; `status` open/resolved",
                page["page"],
                {"name": "target", "in": "query", "schema": {"type": "string"}},
                {"name": "status", "in": "query", "schema": {"enum": ["open", "resolved"]}},
            ),
            "post": post(
                'Open a thread: `{"target": "node:ID", "text"}`; 422 for a missing element', "201", True, "422"
            ),
        },
        "/api/boards/{board_id}/comments/markers": {
            "parameters": [_BOARD_ID],
            "get": get("Open and resolved thread counts per element, for canvas markers"),
        },
        "/api/boards/{board_id}/comments/{thread_id}": {
            "parameters": [_BOARD_ID, thread],
            "get": get("One thread with its comments"),
        },
        "/api/boards/{board_id}/comments/{thread_id}/{action}": {
            "parameters": [
                _BOARD_ID,
                thread,
                {
                    "name": "action",
                    "in": "path",
                    "required": True,
                    "schema": {"enum": ["replies", "resolve", "reopen"]},
                },
            ],
            "post": post('Reply (`{"text"}`, 201), resolve or reopen a thread', "200", False, "422"),
        },
        "/api/boards/{board_id}/review/status": {
            "parameters": [_BOARD_ID],
            "get": get("The review status, reviewers and the record of status changes"),
            "post": post(
                'Change the status: `{"status", "reviewers"?, "note"?}` (editors; named reviewers decide)',
                "200",
                True,
                "422",
            ),
        },
    }
