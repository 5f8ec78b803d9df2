"""The board document (SPEC 1), a board policy and an op (SPEC 5) as JSON Schema (draft 2020-12):
what the OpenAPI document publishes and the MCP tools advertise.

Built from the declarations the validator reads (`whiteboard.domain.board`'s keys and limits, the
palette's kinds and technologies, the estimate props), so the two cannot drift apart, and held
to the validator by a test that gives both one corpus (tests/test_board_schema_agreement.py):
they agree on every shape rule. What relates two values stays with the validator alone: ids
unique, references to existing elements, no self-loop, group nesting, policy ids unique, a
node's `tech` among its kind's technologies (GET /api/palette lists them; as `if`/`then` per
kind it would stop API fuzzers such as schemathesis from generating boards at all), and the
2 MiB size. JSON Schema also counts 2.0 as an integer where the validator asks for 2.
Bad text (NUL, lone surrogates) and repeated keys are refused by the JSON parser before either.

Patterns end with `(?![\\s\\S])`, not `$`: in Python's `re` (which JSON Schema validators in
Python use) `$` also matches before a final newline, so "users\n" would pass as an id.
"""

from __future__ import annotations

from typing import Any

from whiteboard.domain import board as schema
from whiteboard.domain.estimate import ESTIMATE_PROPS, EstimateProp
from whiteboard.domain.ops import ACTIONS, OP_KEYS, SET_FIELDS
from whiteboard.domain.palette import CATEGORIES, KINDS, TECHS

_END = r"(?![\s\S])"
_ID = {"type": "string", "pattern": f"^{schema.ID_RE.pattern}{_END}"}
# Any other prop (a team's own): a short string, a number of sensible size, a flag or null.
_PROP_VALUE: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "maxLength": schema.MAX_PROP_STRING},
        {"type": "number", "minimum": -schema.MAX_PROP_NUMBER, "maximum": schema.MAX_PROP_NUMBER},
        {"type": "boolean"},
        {"type": "null"},
    ]
}
# The props every element knows (SPEC 1); `tech` and `route` are a node's and an edge's only.
_KNOWN_PROPS: dict[str, Any] = {
    "replicas": {"type": "integer", "minimum": 1, "maximum": 1000},
    "protocol": {"enum": list(schema.PROTOCOLS)},
    "async": {"type": "boolean"},
    "rate_limited": {"type": "boolean"},
    "public": {"type": "boolean"},
    "write_policy": {"enum": list(schema.WRITE_POLICIES)},
    "notes": {"type": "string", "maxLength": schema.MAX_PROP_STRING},
}
_ELEMENT_PROPS: dict[str, dict[str, Any]] = {
    "node": {"tech": {"type": "string", "description": "a technology id of the node's kind (GET /api/palette)"}},
    "edge": {"route": {"enum": list(schema.ROUTES), "description": "how the canvas and the drawn export route it"}},
    "group": {},
}
_COORD = {"type": "number", "minimum": -schema.MAX_COORD, "maximum": schema.MAX_COORD}


def _selector_schema() -> dict[str, Any]:
    def ids(values: Any) -> dict[str, Any]:
        return {"type": "array", "maxItems": schema.MAX_SELECTOR_ITEMS, "items": values}

    return {
        "type": "object",
        "additionalProperties": False,
        "description": "Nodes matching every list given (a group: its nodes and those of groups nested in it); "
        "{} matches every node but notes",
        "properties": {
            "kind": ids({"enum": sorted(KINDS)}),
            "category": ids({"enum": list(CATEGORIES)}),
            "group": ids(_ID),
            "tech": ids({"enum": sorted(TECHS)}),
        },
    }


def policy_schema() -> dict[str, Any]:
    """A board policy (SPEC section 3, `review.policies`), as JSON Schema: what the API describes
    and `GET /api/rules` serves to the editor, from the limits of `whiteboard.domain.board`."""
    selector = _selector_schema()
    shapes = {
        "forbid": {
            "type": "object",
            "required": ["from", "to"],
            "additionalProperties": False,
            "description": "No edge (direct, the default) or no directed path (direct: false) from `from` to `to`",
            "properties": {"from": selector, "to": selector, "direct": {"type": "boolean", "default": True}},
        },
        "require": {
            "type": "object",
            "required": ["from", "to", "through"],
            "additionalProperties": False,
            "description": "Every directed path from `from` to `to` crosses a `through` node",
            "properties": {"from": selector, "to": selector, "through": selector},
        },
        "limit": {
            "type": "object",
            "required": ["select", "min_replicas"],
            "additionalProperties": False,
            "description": "Every selected node has at least `min_replicas` replicas",
            "properties": {"select": selector, "min_replicas": {"type": "integer", "minimum": 1, "maximum": 1000}},
        },
    }
    return {
        "type": "object",
        "required": ["id"],
        "additionalProperties": False,
        "description": "A rule of the board: its findings have the rule id `policy:<id>`",
        "properties": {
            "id": {"type": "string", "pattern": f"^{schema.POLICY_ID_RE.pattern}{_END}"},
            "severity": {"enum": list(schema.POLICY_SEVERITIES), "default": "warning"},
            "message": {"type": "string", "maxLength": schema.MAX_REASON},
            **shapes,
        },
        "oneOf": [{"required": [shape]} for shape in shapes],
    }


def _estimate_prop(prop: EstimateProp) -> dict[str, Any]:
    low = "exclusiveMinimum" if prop.above_low else "minimum"
    kind = "integer" if prop.integer else "number"
    return {"type": kind, low: prop.low, "maximum": prop.high, "description": prop.description}


def _props(element: str) -> dict[str, Any]:
    """The props of a node, an edge or a group: the shared known props, the element's own and its
    estimate props; any other name is the element's own prop (`_PROP_VALUE`)."""
    estimate = {key: _estimate_prop(prop) for key, prop in ESTIMATE_PROPS.items() if prop.element == element}
    return {
        "type": "object",
        "maxProperties": schema.MAX_PROPS,
        "propertyNames": {"minLength": 1, "maxLength": schema.MAX_PROP_KEY},
        "properties": {**_KNOWN_PROPS, **_ELEMENT_PROPS[element], **estimate},
        "additionalProperties": _PROP_VALUE,
    }


def _rule_id() -> dict[str, Any]:
    """A registered rule's id (1-64 characters) or `policy:` and a policy id."""
    short = schema.MAX_RULE_ID - len(schema.POLICY_PREFIX)
    return {
        "type": "string",
        "anyOf": [
            {"minLength": 1, "maxLength": short},
            {"pattern": f"^{schema.POLICY_PREFIX}", "maxLength": schema.MAX_RULE_ID},
        ],
    }


def board_schema() -> dict[str, Any]:
    """A board document (SPEC 1)."""
    return {
        "type": "object",
        "required": ["format", "nodes", "edges"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": schema.FORMAT},
            "name": {"type": "string", "maxLength": schema.MAX_NAME},
            "description": {"type": "string", "maxLength": schema.MAX_DESCRIPTION},
            "direction": {"enum": list(schema.DIRECTIONS)},
            "nodes": {
                "type": "array",
                "maxItems": schema.MAX_NODES,
                "items": {
                    "type": "object",
                    "required": ["id", "kind"],
                    "additionalProperties": False,
                    "properties": {
                        "id": _ID,
                        "kind": {"enum": sorted(KINDS)},
                        "label": {"type": "string", "maxLength": schema.MAX_LABEL},
                        "x": _COORD,
                        "y": _COORD,
                        "group": {"oneOf": [_ID, {"type": "null"}]},
                        "props": _props("node"),
                    },
                },
            },
            "edges": {
                "type": "array",
                "maxItems": schema.MAX_EDGES,
                "items": {
                    "type": "object",
                    "required": ["id", "source", "target"],
                    "additionalProperties": False,
                    "properties": {
                        "id": _ID,
                        "source": _ID,
                        "target": _ID,
                        "label": {"type": "string", "maxLength": schema.MAX_LABEL},
                        "props": _props("edge"),
                    },
                },
            },
            "groups": {
                "type": "array",
                "maxItems": schema.MAX_GROUPS,
                "items": {
                    "type": "object",
                    "required": ["id"],
                    "additionalProperties": False,
                    "properties": {
                        "id": _ID,
                        "label": {"type": "string", "maxLength": schema.MAX_LABEL},
                        "parent": {"oneOf": [_ID, {"type": "null"}]},
                        "props": _props("group"),
                    },
                },
            },
            "review": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "suppress": {
                        "type": "array",
                        "maxItems": schema.MAX_SUPPRESSIONS,
                        "items": {
                            "type": "object",
                            "required": ["rule"],
                            "additionalProperties": False,
                            "properties": {
                                "rule": _rule_id(),
                                "target": {"oneOf": [_ID, {"type": "null"}]},
                                "reason": {"type": "string", "maxLength": schema.MAX_REASON},
                            },
                        },
                    },
                    "rules": {
                        "type": "object",
                        "maxProperties": schema.MAX_RULE_SETTINGS,
                        "description": "A rule id (or policy:<id>) -> off, or the severity it has on this board",
                        "propertyNames": _rule_id(),
                        "additionalProperties": {"enum": list(schema.RULE_SETTINGS)},
                    },
                    # Inline, not a $ref: the board schema is also used on its own (the MCP tools).
                    "policies": {"type": "array", "maxItems": schema.MAX_POLICIES, "items": policy_schema()},
                },
            },
        },
    }


def op_schema() -> dict[str, Any]:
    """One op of SPEC 5: `{"action": NAME, ...}`, one variant per action (a batch holds ops of the
    other actions; a replace holds a whole board document)."""
    board = board_schema()["properties"]
    elements = {name: board[f"{name}s"]["items"] for name in ("node", "edge", "group")}
    fields = {**{f"update_{name}": element["properties"] for name, element in elements.items()}, "set_board": board}

    def settable(schema_: dict[str, Any], field: str) -> dict[str, Any]:
        if field == "props":
            nullable = {key: {"anyOf": [value, {"type": "null"}]} for key, value in schema_["properties"].items()}
            return {
                **schema_,
                "properties": nullable,
                "description": "props to set, as in the element's props; null removes a key",
            }
        if field in ("x", "y", "group", "parent", "review"):
            return {"anyOf": [schema_, {"type": "null"}]}
        return schema_

    def value(action: str, key: str) -> dict[str, Any]:
        if key == "action":
            return {"const": action}
        if key == "id":
            return _ID
        if key in elements:
            element: dict[str, Any] = elements[key]
            return element
        if key == "set":
            allowed = {field: settable(fields[action][field], field) for field in SET_FIELDS[action]}
            return {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": False,
                "properties": allowed,
                "description": "the fields to change; null clears an optional field, and in props removes a key",
            }
        if key == "ops":
            return {
                "type": "array",
                "items": {"type": "object", "required": ["action"]},
                "description": "ops of any other action, applied in order, all or nothing",
            }
        return {"type": "object", "description": "a whole board document (format archboard/1)"}

    variants = [
        {
            "type": "object",
            "required": list(OP_KEYS[action]),
            "additionalProperties": False,
            "properties": {key: value(action, key) for key in OP_KEYS[action]},
        }
        for action in ACTIONS
    ]
    return {"type": "object", "required": ["action"], "oneOf": variants}
