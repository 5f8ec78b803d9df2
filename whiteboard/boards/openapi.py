"""The OpenAPI 3.1 description of the REST API (SPEC section 4), served at /api/openapi.json.

Its JSON Schemas of the board document (SPEC 1), a policy and an op (SPEC 5) come from
`whiteboard.domain.board_schema`, which the MCP tools advertise too: every client reads one
description of each, built from the declarations the validator reads.
"""

from __future__ import annotations

from typing import Any

from whiteboard.boards.history import IMAGE_FORMATS, PAGE_SIZE
from whiteboard.boards.models import Snapshot
from whiteboard.domain import board as schema
from whiteboard.domain.board import ID_RE, MAX_NAME
from whiteboard.domain.board_schema import board_schema, policy_schema
from whiteboard.domain.diff import SECTIONS
from whiteboard.domain.estimate import MAX_SCALE
from whiteboard.domain.formats import IMPORTS, MERMAID_SYNTAXES
from whiteboard.domain.ops import ACTIONS
from whiteboard.domain.palette import KINDS
from whiteboard.domain.review import SEVERITIES
from whiteboard.rendering import FORMATS
from whiteboard.reviews.models import ReviewStatus, Thread
from whiteboard.reviews.services import (
    MAX_BODY,
    MAX_COMMENTS,
    MAX_NOTE,
    MAX_REVIEWERS,
    STATUS_HISTORY,
    THREAD_STATUSES,
)


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
        "additionalProperties": False,
        "properties": {
            "rule": {"type": "string", "description": "a rule id, or policy:<id> for a board policy"},
            "severity": {"enum": list(SEVERITIES)},
            "nodes": {"type": "array", "items": {"type": "string"}},
            "edges": {"type": "array", "items": {"type": "string"}},
            "message": {"type": "string"},
            "hint": {"type": "string"},
            "suppressed": {"type": "boolean"},
            "reason": {"type": "string", "description": "why it is suppressed; only on a suppressed finding"},
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
                "StoredBoard": _closed(
                    {"id": {"type": "integer"}, "version": {"type": "integer"}, "board": _ref("Board")}
                ),
                "Estimate": _estimate_schema(),
                "Findings": {
                    "type": "object",
                    "required": ["board", "findings", "summary"],
                    "properties": {
                        "board": {"type": "string"},
                        "version": {"type": ["integer", "null"]},
                        "findings": {"type": "array", "items": _ref("Finding")},
                        "summary": {
                            "type": "object",
                            "properties": {s: {"type": "integer"} for s in SEVERITIES},
                        },
                        "warnings": {"type": "array", "items": _LOCATED},
                    },
                },
                "Policy": policy_schema(),
                "Rules": _rules_schema(),
                **_review_workflow_schemas(),
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


def _nullable(schema_: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema_, {"type": "null"}]}


def _closed(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object with exactly these keys (all required but `optional`): a response the views
    build, so a key added or dropped there is a change the description has to follow."""
    return {
        "type": "object",
        "required": [key for key in properties if key not in optional],
        "additionalProperties": False,
        "properties": properties,
    }


def _page(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """`history_api.page_json`: one page of a list, `PAGE_SIZE` items at most."""
    return _closed(
        {
            **extra,
            "items": {"type": "array", "maxItems": PAGE_SIZE, "items": items},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "count": {"type": "integer", "minimum": 0},
        }
    )


_USERNAME = {"type": ["string", "null"], "description": "a username; null once the account is deleted"}
_TIME = {"type": "string", "format": "date-time"}
_VERSION = {"type": "integer", "minimum": 1}
# Whitespace around a name or a comment is stripped, and what is left must not be empty.
_NOT_BLANK = r"\S"
# parse_target's string form; the object form is {"type", "id"}. A board's target has no id.
_TARGET = rf"^(?:board|(?:node|edge):{ID_RE.pattern})(?![\s\S])"


def _diff_schema() -> dict[str, Any]:
    """`history.diff_versions` without the load change: `whiteboard.domain.diff.diff_boards`."""
    value: dict[str, Any] = {"description": "any JSON value; left out where the field is absent on that side"}
    change = _closed({"field": {"type": "string"}, "from": value, "to": value}, optional=("from", "to"))
    prop = _closed({"key": {"type": "string"}, "from": value, "to": value}, optional=("from", "to"))

    def section(element: str) -> dict[str, Any]:
        changed = _closed(
            {
                "id": {"type": "string"},
                "label": {"type": "string", "description": "the label in the later version"},
                "fields": {"type": "array", "items": change},
                "props": {"type": "array", "items": prop},
            }
        )
        listed = {"type": "array", "items": _ref(element)}
        return _closed({"added": listed, "removed": listed, "changed": {"type": "array", "items": changed}})

    findings = {"type": "array", "items": _ref("Finding")}
    count = {"type": "integer", "minimum": 0}
    return _closed(
        {
            "board_id": {"type": "integer"},
            "from": _VERSION,
            "to": _VERSION,
            "board": {"type": "array", "items": change, "description": "changes of the board's own fields"},
            **{name: section(name[:-1].capitalize()) for name in SECTIONS},
            "findings": _closed(
                {"appeared": findings, "disappeared": findings, "suppressed": findings, "unsuppressed": findings}
            ),
            "summary": _closed({"added": count, "removed": count, "changed": count}),
        }
    )


def _review_workflow_schemas() -> dict[str, Any]:
    """Named components of the history and review routes: the request bodies the views read and
    the objects they answer with, limits taken from the services that check them."""
    elements = board_schema()["properties"]
    thread_target = _closed(
        {
            "type": {"enum": list(Thread.Target.values)},
            "id": {"type": "string", "description": "empty for the board"},
            "label": {"type": "string", "description": "the element's label now, or as it was once it is gone"},
            "exists": {"type": "boolean"},
        }
    )
    comment = _closed(
        {
            "id": {"type": "integer"},
            "author": _USERNAME,
            "text": {"type": "string", "maxLength": MAX_BODY},
            "mentions": {"type": "array", "items": {"type": "string"}, "description": "members named with @"},
            "created_at": _TIME,
        }
    )
    text = {"type": "string", "minLength": 1, "maxLength": MAX_BODY, "pattern": _NOT_BLANK}
    status = {"enum": list(ReviewStatus.values)}
    review = {
        "board": {"type": "integer"},
        "status": status,
        "reviewers": {"type": "array", "items": {"type": "string"}},
        "version": {"type": "integer", "minimum": 0, "description": "the board version the status was set at"},
        "current_version": {"type": "integer"},
        "updated_by": _USERNAME,
        "updated_at": _nullable(_TIME),
    }
    event = _closed(
        {
            "actor": _USERNAME,
            "from": status,
            "to": status,
            "version": {"type": "integer", "minimum": 0},
            "note": {"type": "string", "maxLength": MAX_NOTE},
            "reviewers": {"type": "array", "items": {"type": "string"}},
            "at": _TIME,
        }
    )
    return {
        "Node": elements["nodes"]["items"],
        "Edge": elements["edges"]["items"],
        "Group": elements["groups"]["items"],
        "Finding": _finding_schema(),
        "Snapshot": _closed(
            {
                "id": {"type": "integer"},
                "version": _VERSION,
                "kind": {"enum": list(Snapshot.Kind.values), "description": "named, or an automatic checkpoint"},
                "name": {"type": "string", "maxLength": MAX_NAME, "description": "empty for a checkpoint"},
                "author": _USERNAME,
                "created_at": _TIME,
            }
        ),
        "Versions": _page(_ref("Snapshot"), current={"type": "integer", "description": "the board's version"}),
        "NewVersion": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME, "pattern": _NOT_BLANK},
                "version": {
                    **_VERSION,
                    "description": "the version to name (a version of this board; 404 else); "
                    "the current one when left out",
                },
            },
        },
        "RestoredBoard": _closed(
            {
                "id": {"type": "integer"},
                "version": {"type": "integer", "description": "the new version the restore made"},
                "restored": _VERSION,
                "board": _ref("Board"),
            }
        ),
        "Diff": _diff_schema(),
        "Activity": _page(
            _closed(
                {
                    "version": _VERSION,
                    "user": {"type": "string", "description": "empty once the account is deleted"},
                    "at": _TIME,
                    "action": {"enum": list(ACTIONS)},
                    "text": {"type": "string"},
                    "via": {"type": ["string", "null"], "description": "MCP for an op an AI agent applied"},
                }
            )
        ),
        "Comment": comment,
        "Thread": _closed(
            {
                "id": {"type": "integer"},
                "board": {"type": "integer"},
                "target": thread_target,
                "version": {"type": "integer", "description": "the board version the thread was opened at"},
                "status": {"enum": list(THREAD_STATUSES)},
                "created_by": _USERNAME,
                "created_at": _TIME,
                "resolved_by": _USERNAME,
                "resolved_at": _nullable(_TIME),
                "comments": {"type": "array", "minItems": 1, "maxItems": MAX_COMMENTS, "items": _ref("Comment")},
            }
        ),
        "Threads": _page(_ref("Thread")),
        "NewThread": {
            "type": "object",
            "required": ["text"],
            "properties": {
                "target": {
                    "description": "what the thread is about; the board when left out",
                    "default": "board",
                    "oneOf": [
                        {"type": "string", "pattern": _TARGET},
                        {
                            "type": "object",
                            "required": ["type"],
                            "properties": {"type": {"const": Thread.Target.BOARD.value}, "id": {"type": "string"}},
                        },
                        {
                            "type": "object",
                            "required": ["type", "id"],
                            "properties": {
                                "type": {"enum": [Thread.Target.NODE.value, Thread.Target.EDGE.value]},
                                "id": elements["nodes"]["items"]["properties"]["id"],
                            },
                        },
                    ],
                },
                "text": text,
            },
        },
        "Reply": {"type": "object", "required": ["text"], "properties": {"text": text}},
        "Markers": _closed(
            {
                "version": {"type": "integer"},
                "targets": {
                    "type": "object",
                    "description": "per target: `board`, `node:ID` or `edge:ID`",
                    "propertyNames": {"pattern": _TARGET},
                    "additionalProperties": _closed(
                        {status: {"type": "integer", "minimum": 0} for status in THREAD_STATUSES}
                    ),
                },
            }
        ),
        "ReviewStatus": _closed(review),
        "ReviewStatusWithHistory": _closed(
            {
                **review,
                "history": {
                    "type": "array",
                    "maxItems": STATUS_HISTORY,
                    "items": event,
                    "description": "the latest status changes, newest first",
                },
            }
        ),
        "StatusChange": {
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": status,
                "reviewers": {
                    "type": ["array", "null"],
                    "maxItems": MAX_REVIEWERS,
                    "items": {"type": "string"},
                    "description": "usernames of members with edit rights; left out or null keeps the named ones",
                },
                "note": {"type": ["string", "null"], "maxLength": MAX_NOTE},
            },
        },
    }


def _review_workflow_paths() -> dict[str, Any]:
    """History, diffs, activity, comment threads and review status of a board."""
    page = {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}
    version = {"name": "version", "in": "path", "required": True, "schema": _VERSION}
    thread = {"name": "thread_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    span: list[dict[str, Any]] = [
        {"name": "from", "in": "query", "required": True, "schema": _VERSION},
        {"name": "to", "in": "query", "schema": _VERSION},
    ]
    binary = {"type": "string", "format": "binary"}

    def get(summary: str, answer: str, *params: dict[str, Any], codes: tuple[str, ...] = ()) -> dict[str, Any]:
        return {
            "summary": summary,
            "parameters": list(params),
            "responses": {"200": _json(_ref(answer), "OK"), **_errors("401", "404", *codes)},
        }

    def post(summary: str, answer: str, ok: str = "200", body: str | None = None) -> dict[str, Any]:
        operation: dict[str, Any] = {
            "summary": summary,
            "responses": {ok: _json(_ref(answer), "OK"), **_errors("401", "403", "404")},
        }
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
            operation["responses"].update(_errors("422"))
        return operation

    thread_paths = {
        f"/api/boards/{{board_id}}/comments/{{thread_id}}/{action}": {"parameters": [_BOARD_ID, thread], "post": op}
        for action, op in (
            ("replies", post("Reply to a thread (anyone who can see the board)", "Thread", "201", "Reply")),
            ("resolve", post("Resolve a thread (its author, editors, the owner)", "Thread")),
            ("reopen", post("Reopen a thread (its author, editors, the owner)", "Thread")),
        )
    }
    return {
        "/api/boards/{board_id}/versions": {
            "parameters": [_BOARD_ID],
            "get": get("Named versions and checkpoints, newest first (paginated)", "Versions", page),
            "post": post("Name a version, the current one unless given (editors)", "Snapshot", "201", "NewVersion"),
        },
        "/api/boards/{board_id}/versions/{version}": {
            "parameters": [_BOARD_ID, version],
            "get": get("The board document as it was at a version", "StoredBoard"),
        },
        "/api/boards/{board_id}/versions/{version}/restore": {
            "parameters": [_BOARD_ID, version],
            "post": post("Restore a version with a `replace` op (editors); it can be undone", "RestoredBoard"),
        },
        "/api/boards/{board_id}/diff": {
            "parameters": [_BOARD_ID],
            "get": get(
                "Semantic diff between two versions (`to`: the current one unless given), with findings "
                "appeared and disappeared",
                "Diff",
                *span,
                codes=("422",),
            ),
        },
        "/api/boards/{board_id}/diff.{fmt}": {
            "parameters": [
                _BOARD_ID,
                {"name": "fmt", "in": "path", "required": True, "schema": {"enum": list(IMAGE_FORMATS)}},
            ],
            "get": {
                "summary": "The diff drawn: added green, removed red, changed amber",
                "parameters": span,
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
            "get": get("Who changed what and when, newest first (paginated)", "Activity", page),
        },
        "/api/boards/{board_id}/comments": {
            "parameters": [_BOARD_ID],
            "get": get(
                "Comment threads, newest first (paginated); 422 for a malformed `target`",
                "Threads",
                page,
                {"name": "target", "in": "query", "schema": {"type": "string", "pattern": _TARGET}},
                {"name": "status", "in": "query", "schema": {"enum": list(THREAD_STATUSES)}},
                codes=("422",),
            ),
            "post": post(
                "Open a thread on the board, a node or an edge; 422 for an element not on the board",
                "Thread",
                "201",
                "NewThread",
            ),
        },
        "/api/boards/{board_id}/comments/markers": {
            "parameters": [_BOARD_ID],
            "get": get("Open and resolved thread counts per element, for canvas markers", "Markers"),
        },
        "/api/boards/{board_id}/comments/{thread_id}": {
            "parameters": [_BOARD_ID, thread],
            "get": get("One thread with its comments", "Thread"),
        },
        **thread_paths,
        "/api/boards/{board_id}/review/status": {
            "parameters": [_BOARD_ID],
            "get": get("The review status, reviewers and the latest status changes", "ReviewStatusWithHistory"),
            "post": post(
                "Change the status (editors); only named reviewers approve or request changes, and approval "
                "needs every error finding fixed or suppressed with a reason",
                "ReviewStatus",
                "200",
                "StatusChange",
            ),
        },
    }
