"""The board document (SPEC section 1): its one schema, validation and normal form.

`validate_board` checks a whole document and returns it in normal form: defaults written out
(`name`, `description`, `label` as "", `direction` "LR", `groups` [], `props` {}), optional fields
(`x`, `y`, `group`, `parent`, `review`) kept exactly as given, key order fixed. Validating a
normal-form document returns an equal document, so import and export round-trip exactly.

Every problem is reported with the place it was found (`nodes[3].kind`), and nothing is partly
accepted: a document is valid as a whole or rejected as a whole.
"""

from __future__ import annotations

import functools
import json
import math
import re
from typing import Any, TypeGuard

from whiteboard.domain.errors import BoardError
from whiteboard.domain.estimate import check_estimate_prop
from whiteboard.domain.jsontext import child_loc, loads, shown_key, text_problem
from whiteboard.domain.palette import CATEGORIES, KINDS, NOTE, TECHS

__all__ = ["BoardError", "parse_board_json", "parse_json", "validate_board"]

FORMAT = "archboard/1"
DIRECTIONS = ("TB", "BT", "LR", "RL")
PROTOCOLS = ("http", "https", "grpc", "graphql", "websocket", "sse", "tcp", "amqp", "kafka", "sql", "other")
WRITE_POLICIES = ("write-through", "write-around", "write-back")
ROUTES = ("straight", "curved", "orthogonal")

MAX_NODES = 5_000
MAX_EDGES = 20_000
MAX_GROUPS = 500
MAX_BYTES = 2 * 1024 * 1024
MAX_LABEL = 200
MAX_NAME = 200
MAX_DESCRIPTION = 10_000
MAX_PROPS = 32
MAX_PROP_KEY = 64
MAX_PROP_STRING = 2_000
MAX_GROUP_DEPTH = 8
MAX_COORD = 1e7
MAX_PROP_NUMBER = 1e15
MAX_SUPPRESSIONS = 1_000
MAX_REASON = 2_000
# 1.1: the board's own rule settings and policies (SPEC section 3).
MAX_POLICIES = 50
MAX_RULE_SETTINGS = 200
MAX_SELECTOR_ITEMS = 100
POLICY_PREFIX = "policy:"
# A finding's rule id: a registered rule's id, or "policy:" and a policy id of 1-64 characters.
MAX_RULE_ID = len(POLICY_PREFIX) + 64
RULE_SETTINGS = ("off", "info", "warning", "error")
POLICY_SEVERITIES = ("error", "warning", "info")
POLICY_ID_RE = re.compile(r"[a-z0-9-]{1,64}")
MAX_ERRORS = 50

ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

TOP_KEYS = ("format", "name", "description", "direction", "nodes", "edges", "groups", "review")
NODE_KEYS = ("id", "kind", "label", "x", "y", "group", "props")
EDGE_KEYS = ("id", "source", "target", "label", "props")
GROUP_KEYS = ("id", "label", "parent", "props")
REVIEW_KEYS = ("suppress", "rules", "policies")
SUPPRESSION_KEYS = ("rule", "target", "reason")
POLICY_KEYS = ("id", "severity", "message", "forbid", "require", "limit")
# What each kind of policy holds; the selectors are the `SELECTOR_KEYS` objects among them.
POLICY_SHAPES: dict[str, tuple[str, ...]] = {
    "forbid": ("from", "to", "direct"),
    "require": ("from", "to", "through"),
    "limit": ("select", "min_replicas"),
}
SELECTOR_KEYS = ("kind", "category", "group", "tech")


class _TooManyErrors(Exception):
    pass


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, loc: str, msg: str) -> None:
        self.items.append({"loc": loc, "msg": msg})
        if len(self.items) >= MAX_ERRORS:
            raise _TooManyErrors


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _check_keys(obj: dict[str, Any], allowed: tuple[str, ...], loc: str, errors: _Errors) -> None:
    for key in obj:
        if key not in allowed:
            errors.add(child_loc(loc, key), f"unknown key {shown_key(key)!r} (allowed: {', '.join(allowed)})")


def _text(obj: dict[str, Any], key: str, loc: str, limit: int, errors: _Errors) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str):
        errors.add(loc, f"must be a string, not {_type_name(value)}")
        return ""
    if len(value) > limit:
        errors.add(loc, f"is {len(value)} characters long, the limit is {limit}")
    else:
        problem = text_problem(value)
        if problem:
            errors.add(loc, problem)
    return value


def validate_id(value: object, loc: str, errors: _Errors) -> str | None:
    if not isinstance(value, str):
        errors.add(loc, f"must be a string id, not {_type_name(value)}")
        return None
    if not ID_RE.fullmatch(value):
        errors.add(loc, f"invalid id {value[:80]!r}: use 1-64 characters of A-Z a-z 0-9 _ . : -")
        return None
    return value


def _check_prop_value(key: str, value: object, loc: str, element: str, errors: _Errors) -> None:
    estimate_problem = check_estimate_prop(key, value, element)
    if estimate_problem is not None:
        errors.add(loc, estimate_problem)
        return
    if key == "replicas":
        if not (isinstance(value, int) and not isinstance(value, bool)) or not 1 <= value <= 1000:
            errors.add(loc, f"replicas must be an integer from 1 to 1000, not {json.dumps(value)[:40]}")
        return
    if key in ("async", "rate_limited", "public"):
        if not isinstance(value, bool):
            errors.add(loc, f"{key} must be true or false, not {_type_name(value)}")
        return
    if key == "protocol":
        if value not in PROTOCOLS:
            errors.add(loc, f"unknown protocol {json.dumps(value)[:40]} (allowed: {' '.join(PROTOCOLS)})")
        return
    if key == "write_policy":
        if value not in WRITE_POLICIES:
            errors.add(loc, f"unknown write_policy {json.dumps(value)[:40]} (allowed: {' '.join(WRITE_POLICIES)})")
        return
    if key == "notes" and not isinstance(value, str):
        errors.add(loc, f"notes must be a string, not {_type_name(value)}")
        return
    # 1.1: a node's technology (which ones a kind has is checked with the kind, `tech_problem`)
    # and how the canvas and the drawn export route an edge.
    if key == "tech" and element == "node":
        if not isinstance(value, str):
            errors.add(loc, f"tech must be a technology id, not {_type_name(value)}")
        return
    if key == "route" and element == "edge":
        if value not in ROUTES:
            errors.add(loc, f"unknown route {json.dumps(value)[:40]} (allowed: {' '.join(ROUTES)})")
        return
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        if len(value) > MAX_PROP_STRING:
            errors.add(loc, f"is {len(value)} characters long, the limit is {MAX_PROP_STRING}")
        elif problem := text_problem(value):
            errors.add(loc, problem)
        return
    if _is_number(value):
        if not math.isfinite(value) or abs(value) > MAX_PROP_NUMBER:
            errors.add(loc, "must be a finite number of at most 1e15 in size")
        return
    errors.add(loc, f"values must be a string, number, boolean or null, not {_type_name(value)}")


def tech_problem(kind: str, tech: str) -> str | None:
    """Why `tech` cannot be the technology of a node of `kind` (a known kind), or None if it can."""
    allowed = KINDS[kind].techs
    if tech in allowed:
        return None
    return f"unknown tech {tech[:64]!r} for kind {kind!r} (allowed: {', '.join(allowed) or 'none'})"


def validate_props(value: object, loc: str, element: str, errors: _Errors) -> dict[str, Any]:
    """Check a props object; `element` is "node", "edge" or "group"."""
    if not isinstance(value, dict):
        errors.add(loc, f"must be an object, not {_type_name(value)}")
        return {}
    if len(value) > MAX_PROPS:
        errors.add(loc, f"has {len(value)} keys, the limit is {MAX_PROPS}")
        return {}
    for key, item in value.items():
        if len(key) > MAX_PROP_KEY or not key:
            errors.add(f"{loc}", f"prop names must be 1-{MAX_PROP_KEY} characters")
            continue
        if problem := text_problem(key):
            errors.add(f"{loc}", f"a prop name has {problem}")
            continue
        _check_prop_value(key, item, f"{loc}.{key}", element, errors)
    return dict(value)


def _coord(value: object, loc: str, errors: _Errors) -> None:
    if not _is_number(value):
        errors.add(loc, f"must be a number, not {_type_name(value)}")
    elif not math.isfinite(value) or abs(value) > MAX_COORD:
        errors.add(loc, "must be a finite number between -1e7 and 1e7")


def normalise_node(raw: object, loc: str, errors: _Errors) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        errors.add(loc, f"must be an object, not {_type_name(raw)}")
        return None
    _check_keys(raw, NODE_KEYS, loc, errors)
    if "id" not in raw:
        errors.add(f"{loc}.id", "is required")
    if "kind" not in raw:
        errors.add(f"{loc}.kind", "is required")
    node_id = validate_id(raw.get("id"), f"{loc}.id", errors) if "id" in raw else None
    kind = raw.get("kind")
    if "kind" in raw:
        if not isinstance(kind, str):
            errors.add(f"{loc}.kind", f"must be a string, not {_type_name(kind)}")
        elif kind not in KINDS:
            errors.add(f"{loc}.kind", f"unknown kind {kind[:64]!r}")
    node: dict[str, Any] = {
        "id": node_id,
        "kind": kind,
        "label": _text(raw, "label", f"{loc}.label", MAX_LABEL, errors),
    }
    for axis in ("x", "y"):
        if axis in raw:
            _coord(raw[axis], f"{loc}.{axis}", errors)
            node[axis] = raw[axis]
    if "group" in raw:
        group = raw["group"]
        if group is not None:
            validate_id(group, f"{loc}.group", errors)
        node["group"] = group
    node["props"] = props = validate_props(raw.get("props", {}), f"{loc}.props", "node", errors)
    tech = props.get("tech")
    if isinstance(kind, str) and kind in KINDS and isinstance(tech, str):
        problem = tech_problem(kind, tech)
        if problem:
            errors.add(f"{loc}.props.tech", problem)
    return node


def normalise_edge(raw: object, loc: str, errors: _Errors) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        errors.add(loc, f"must be an object, not {_type_name(raw)}")
        return None
    _check_keys(raw, EDGE_KEYS, loc, errors)
    for key in ("id", "source", "target"):
        if key not in raw:
            errors.add(f"{loc}.{key}", "is required")
    edge: dict[str, Any] = {
        "id": validate_id(raw.get("id"), f"{loc}.id", errors) if "id" in raw else None,
        "source": validate_id(raw.get("source"), f"{loc}.source", errors) if "source" in raw else None,
        "target": validate_id(raw.get("target"), f"{loc}.target", errors) if "target" in raw else None,
        "label": _text(raw, "label", f"{loc}.label", MAX_LABEL, errors),
        "props": validate_props(raw.get("props", {}), f"{loc}.props", "edge", errors),
    }
    if edge["source"] is not None and edge["source"] == edge["target"]:
        errors.add(loc, f"self-loop: source and target are both {edge['source']!r}")
    return edge


def normalise_group(raw: object, loc: str, errors: _Errors) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        errors.add(loc, f"must be an object, not {_type_name(raw)}")
        return None
    _check_keys(raw, GROUP_KEYS, loc, errors)
    if "id" not in raw:
        errors.add(f"{loc}.id", "is required")
    group: dict[str, Any] = {
        "id": validate_id(raw.get("id"), f"{loc}.id", errors) if "id" in raw else None,
        "label": _text(raw, "label", f"{loc}.label", MAX_LABEL, errors),
    }
    if "parent" in raw:
        if raw["parent"] is not None:
            validate_id(raw["parent"], f"{loc}.parent", errors)
        group["parent"] = raw["parent"]
    group["props"] = validate_props(raw.get("props", {}), f"{loc}.props", "group", errors)
    return group


def normalise_review(raw: object, errors: _Errors) -> dict[str, Any]:
    """Check the `review` object; its entries are kept exactly as given.

    Rule ids are checked for shape only: which rules exist is the review engine's business, and a
    setting or suppression for an unknown rule is a warning of the review, not an error here.
    """
    if not isinstance(raw, dict):
        errors.add("review", f"must be an object, not {_type_name(raw)}")
        return {}
    _check_keys(raw, REVIEW_KEYS, "review", errors)
    review: dict[str, Any] = {}
    if "suppress" in raw:
        _check_suppressions(raw["suppress"], errors)
        review["suppress"] = raw["suppress"]
    if "rules" in raw:
        _check_rule_settings(raw["rules"], errors)
        review["rules"] = raw["rules"]
    if "policies" in raw:
        _check_policies(raw["policies"], errors)
        review["policies"] = raw["policies"]
    return review


def _rule_id_problem(value: object) -> str | None:
    """Why `value` cannot be a rule id, or None: a registered rule's id has 1-64 characters, a
    policy's is "policy:" and a policy id of 1-64."""
    if not isinstance(value, str):
        return "must be a rule id: 1-64 characters, or policy: and a policy id"
    limit = MAX_RULE_ID if value.startswith(POLICY_PREFIX) else MAX_RULE_ID - len(POLICY_PREFIX)
    if not value or len(value) > limit:
        return "must be a rule id: 1-64 characters, or policy: and a policy id"
    return text_problem(value)


def _bounded_list(value: object, loc: str, limit: int, errors: _Errors, what: str = "an array") -> list[Any] | None:
    """`value` when it is a list of at most `limit` entries; None, with the error, otherwise."""
    if not isinstance(value, list):
        errors.add(loc, f"must be {what}, not {_type_name(value)}")
        return None
    if len(value) > limit:
        errors.add(loc, f"has {len(value)} entries, the limit is {limit}")
        return None
    return value


def _check_suppressions(items: object, errors: _Errors) -> None:
    items = _bounded_list(items, "review.suppress", MAX_SUPPRESSIONS, errors)
    if items is None:
        return
    for i, item in enumerate(items):
        loc = f"review.suppress[{i}]"
        if not isinstance(item, dict):
            errors.add(loc, f"must be an object, not {_type_name(item)}")
            continue
        _check_keys(item, SUPPRESSION_KEYS, loc, errors)
        problem = _rule_id_problem(item.get("rule"))
        if problem:
            errors.add(f"{loc}.rule", problem if "rule" in item else "is required: the id of the rule to suppress")
        if "target" in item and item["target"] is not None:
            validate_id(item["target"], f"{loc}.target", errors)
        if "reason" in item:
            _text(item, "reason", f"{loc}.reason", MAX_REASON, errors)


def _check_rule_settings(settings: object, errors: _Errors) -> None:
    """`{"<rule id>": "off" | "info" | "warning" | "error"}`."""
    if not isinstance(settings, dict):
        errors.add("review.rules", f"must be an object of rule ids, not {_type_name(settings)}")
        return
    if len(settings) > MAX_RULE_SETTINGS:
        errors.add("review.rules", f"has {len(settings)} entries, the limit is {MAX_RULE_SETTINGS}")
        return
    for rule_id, setting in settings.items():
        loc = child_loc("review.rules", rule_id)
        problem = _rule_id_problem(rule_id)
        if problem:
            # Placed on the object: a key that is no rule id cannot name a place of its own.
            errors.add("review.rules", f"{child_loc('', rule_id)!r}: {problem}")
        elif setting not in RULE_SETTINGS:
            errors.add(loc, f"must be one of {', '.join(RULE_SETTINGS)}, not {json.dumps(setting)[:40]}")


def _check_policies(policies: object, errors: _Errors) -> None:
    policies = _bounded_list(policies, "review.policies", MAX_POLICIES, errors)
    if policies is None:
        return
    seen: dict[str, str] = {}
    for i, policy in enumerate(policies):
        loc = f"review.policies[{i}]"
        if not isinstance(policy, dict):
            errors.add(loc, f"must be an object, not {_type_name(policy)}")
            continue
        _check_keys(policy, POLICY_KEYS, loc, errors)
        policy_id = policy.get("id")
        if "id" not in policy:
            errors.add(f"{loc}.id", "is required: 1-64 characters of a-z 0-9 -")
        elif not isinstance(policy_id, str) or not POLICY_ID_RE.fullmatch(policy_id):
            errors.add(f"{loc}.id", f"must be 1-64 characters of a-z 0-9 -, not {json.dumps(policy_id)[:80]}")
        elif policy_id in seen:
            errors.add(f"{loc}.id", f"duplicate policy id {policy_id!r} (already used by {seen[policy_id]})")
        else:
            seen[policy_id] = loc
        if "severity" in policy and policy["severity"] not in POLICY_SEVERITIES:
            shown = json.dumps(policy["severity"])[:40]
            errors.add(f"{loc}.severity", f"must be one of {', '.join(POLICY_SEVERITIES)}, not {shown}")
        if "message" in policy:
            _text(policy, "message", f"{loc}.message", MAX_REASON, errors)
        given = [key for key in POLICY_SHAPES if key in policy]
        if len(given) != 1:
            errors.add(loc, f"needs exactly one of {', '.join(POLICY_SHAPES)} (has {len(given) or 'none'})")
        for key in given:
            _check_policy_body(key, policy[key], f"{loc}.{key}", errors)


def _check_policy_body(shape: str, body: object, loc: str, errors: _Errors) -> None:
    if not isinstance(body, dict):
        errors.add(loc, f"must be an object, not {_type_name(body)}")
        return
    _check_keys(body, POLICY_SHAPES[shape], loc, errors)
    for key in POLICY_SHAPES[shape]:
        if key == "direct":
            if key in body and not isinstance(body[key], bool):
                errors.add(f"{loc}.direct", f"must be true or false, not {_type_name(body[key])}")
        elif key == "min_replicas":
            value = body.get(key)
            if key not in body:
                errors.add(f"{loc}.min_replicas", "is required: an integer from 1 to 1000")
            elif not (isinstance(value, int) and not isinstance(value, bool)) or not 1 <= value <= 1000:
                errors.add(f"{loc}.min_replicas", f"must be an integer from 1 to 1000, not {json.dumps(value)[:40]}")
        elif key not in body:
            errors.add(f"{loc}.{key}", "is required: a selector ({} matches every node)")
        else:
            _check_selector(body[key], f"{loc}.{key}", errors)


def _check_selector(selector: object, loc: str, errors: _Errors) -> None:
    """`{"kind": [...], "category": [...], "group": [...], "tech": [...]}`, every list optional."""
    if not isinstance(selector, dict):
        errors.add(loc, f"must be a selector object, not {_type_name(selector)}")
        return
    _check_keys(selector, SELECTOR_KEYS, loc, errors)
    known: dict[str, Any] = {"kind": KINDS, "category": CATEGORIES, "tech": TECHS}
    for key in SELECTOR_KEYS:
        if key not in selector:
            continue
        values = _bounded_list(selector[key], f"{loc}.{key}", MAX_SELECTOR_ITEMS, errors, f"an array of {key} ids")
        if values is None:
            continue
        for j, value in enumerate(values):
            item_loc = f"{loc}.{key}[{j}]"
            if key == "group":
                validate_id(value, item_loc, errors)
            elif not isinstance(value, str):
                errors.add(item_loc, f"must be a {key} id, not {_type_name(value)}")
            elif value not in known[key]:
                errors.add(item_loc, f"unknown {key} {shown_key(value)[:64]!r}")


def _check_references(doc: dict[str, Any], errors: _Errors) -> None:
    seen: dict[str, str] = {}
    for section in ("nodes", "edges", "groups"):
        for i, element in enumerate(doc[section]):
            element_id = element["id"]
            if element_id is None:
                continue
            loc = f"{section}[{i}].id"
            if element_id in seen:
                errors.add(loc, f"duplicate id {element_id!r} (already used by {seen[element_id]})")
            else:
                seen[element_id] = f"{section}[{i}]"
    node_ids = {n["id"] for n in doc["nodes"]}
    groups = {g["id"]: g for g in doc["groups"] if g["id"] is not None}
    for i, node in enumerate(doc["nodes"]):
        group = node.get("group")
        if isinstance(group, str) and group not in groups:
            errors.add(f"nodes[{i}].group", f"no group with id {group!r}")
    for i, edge in enumerate(doc["edges"]):
        for end in ("source", "target"):
            ref = edge[end]
            if ref is not None and ref not in node_ids:
                errors.add(f"edges[{i}].{end}", f"dangling edge: no node with id {ref!r}")
    for i, group in enumerate(doc["groups"]):
        parent = group.get("parent")
        if isinstance(parent, str) and parent not in groups:
            errors.add(f"groups[{i}].parent", f"no group with id {parent!r}")
    _check_group_nesting(doc["groups"], groups, errors)


def _check_group_nesting(group_list: list[dict[str, Any]], groups: dict[str, dict[str, Any]], errors: _Errors) -> None:
    depth: dict[str, int] = {}
    for i, group in enumerate(group_list):
        chain: list[str] = []
        current: str | None = group["id"]
        while isinstance(current, str) and current in groups and current not in depth:
            if current in chain:
                cycle = " -> ".join([*chain[chain.index(current) :], current])
                errors.add(f"groups[{i}].parent", f"group cycle: {cycle}")
                for member in chain:
                    depth[member] = MAX_GROUP_DEPTH
                break
            chain.append(current)
            current = groups[current].get("parent")
        else:
            base = depth.get(current, 0) if isinstance(current, str) else 0
            for offset, member in enumerate(reversed(chain), start=1):
                depth[member] = base + offset
            if chain and depth[chain[0]] > MAX_GROUP_DEPTH:
                errors.add(
                    f"groups[{i}].parent",
                    f"groups nest {depth[chain[0]]} deep, the limit is {MAX_GROUP_DEPTH}",
                )


def _element_list(data: dict[str, Any], key: str, limit: int, errors: _Errors, required: bool) -> list[Any]:
    if key not in data:
        if required:
            errors.add(key, "is required")
        return []
    return _bounded_list(data[key], key, limit, errors) or []


def validate_board(data: object) -> dict[str, Any]:
    """Validate a whole document and return its normal form; raise BoardError otherwise."""
    errors = _Errors()
    try:
        doc = _validate(data, errors)
    except _TooManyErrors:
        errors.items.append({"loc": "", "msg": f"stopped after {MAX_ERRORS} errors"})
        raise BoardError(errors.items) from None
    if errors.items:
        raise BoardError(errors.items)
    return doc


def _validate(data: object, errors: _Errors) -> dict[str, Any]:
    if not isinstance(data, dict):
        errors.add("", f"a board document must be a JSON object, not {_type_name(data)}")
        return {}
    _check_keys(data, TOP_KEYS, "", errors)
    if "format" not in data:
        errors.add("format", f"is required and must be {FORMAT!r}")
    elif data["format"] != FORMAT:
        errors.add("format", f"unsupported format {json.dumps(data['format'])[:60]}: expected {FORMAT!r}")
    direction = data.get("direction", "LR")
    if direction not in DIRECTIONS:
        errors.add("direction", f"must be one of {', '.join(DIRECTIONS)}, not {json.dumps(direction)[:40]}")
    doc: dict[str, Any] = {
        "format": FORMAT,
        "name": _text(data, "name", "name", MAX_NAME, errors),
        "description": _text(data, "description", "description", MAX_DESCRIPTION, errors),
        "direction": direction,
    }
    raw_nodes = _element_list(data, "nodes", MAX_NODES, errors, required=True)
    raw_edges = _element_list(data, "edges", MAX_EDGES, errors, required=True)
    raw_groups = _element_list(data, "groups", MAX_GROUPS, errors, required=False)
    nodes = [normalise_node(n, f"nodes[{i}]", errors) for i, n in enumerate(raw_nodes)]
    edges = [normalise_edge(e, f"edges[{i}]", errors) for i, e in enumerate(raw_edges)]
    groups = [normalise_group(g, f"groups[{i}]", errors) for i, g in enumerate(raw_groups)]
    doc["nodes"] = [n for n in nodes if n is not None]
    doc["edges"] = [e for e in edges if e is not None]
    doc["groups"] = [g for g in groups if g is not None]
    if "review" in data:
        doc["review"] = normalise_review(data["review"], errors)
    if not errors.items:
        _check_references(doc, errors)
    return doc


def parse_json(raw: bytes | str, *, limit: int = MAX_BYTES) -> Any:
    """Parse JSON text with the size limit, strictly (whiteboard.domain.jsontext); BoardError
    (loc "body" for malformed text) on any problem."""
    return loads(raw, limit=limit)


def parse_board_json(raw: bytes | str) -> dict[str, Any]:
    """Parse and validate a board document given as JSON text."""
    return validate_board(parse_json(raw))


def dumps_board(doc: dict[str, Any], *, indent: int | None = 2) -> str:
    """The document as JSON text (UTF-8 characters kept as they are)."""
    return json.dumps(doc, ensure_ascii=False, indent=indent)


def _ordered(element: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: element[key] for key in keys if key in element}


@functools.lru_cache(maxsize=4096)
def _in_order(present: tuple[str, ...], keys: tuple[str, ...]) -> bool:
    return present == tuple(key for key in keys if key in present)


def _element_in_order(element: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    # Elements nearly always come back in order: testing that takes half the time of a new dict.
    return element if _in_order(tuple(element), keys) else _ordered(element, keys)


def in_key_order(doc: dict[str, Any]) -> dict[str, Any]:
    """A valid document with its keys back in the schema's order.

    PostgreSQL's jsonb stores objects with their keys sorted; the document read back is equal,
    and this puts it back in the order export writes, so exported files diff cleanly. The result
    is a new document, but nodes, edges and groups already in order are the given ones.
    """
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return doc
    ordered = _ordered(doc, TOP_KEYS)
    for section, keys in (("nodes", NODE_KEYS), ("edges", EDGE_KEYS), ("groups", GROUP_KEYS)):
        if isinstance(ordered.get(section), list):
            ordered[section] = [_element_in_order(e, keys) if isinstance(e, dict) else e for e in ordered[section]]
    return ordered


def without_notes(doc: dict[str, Any]) -> dict[str, Any]:
    """The part of a valid board that models the system: no notes, no edges to or from them.

    Notes annotate a board: the review, the estimate and the `diagrams` layout read this part
    only. An edge to or from a note is an annotation arrow (it points the note at something),
    not a call, so it goes with the note. A board without notes is returned as it is.
    """
    notes = {n["id"] for n in doc["nodes"] if n["kind"] == NOTE}
    if not notes:
        return doc
    return {
        **doc,
        "nodes": [n for n in doc["nodes"] if n["id"] not in notes],
        "edges": [e for e in doc["edges"] if e["source"] not in notes and e["target"] not in notes],
    }


def board_part(doc: dict[str, Any], only: str) -> dict[str, Any]:
    """The part of a valid board that `only` names (element ids separated by commas, which no id
    holds), as a board of its own: what an export of a selection draws (a subsystem that reads
    at a page's width where the whole board cannot).

    A named node is kept; a named group brings everything inside it, its subgroups' members
    too; a named edge brings its two ends. With the kept nodes come the edges between them and
    the groups around them, so the part is drawn in its boxes, where it stands on the board. The
    board's direction, review settings and policies stay, and its name, followed by the group's
    when one group is the whole part. BoardError names an id that is not on the board (at `loc`
    "only").
    """
    ids = [part.strip() for part in only.split(",") if part.strip()]
    if not ids:
        raise BoardError.one("only", "name at least one element of the board, ids separated by commas")
    nodes = {n["id"]: n for n in doc["nodes"]}
    edges = {e["id"]: e for e in doc["edges"]}
    groups = {g["id"]: g for g in doc.get("groups") or []}
    children: dict[str, list[str]] = {}
    for g in groups.values():
        if g.get("parent") is not None:
            children.setdefault(g["parent"], []).append(g["id"])
    named_groups: set[str] = set()
    kept: set[str] = set()
    for element in ids:
        if element in nodes:
            kept.add(element)
        elif element in edges:
            kept.update((edges[element]["source"], edges[element]["target"]))
        elif element in groups:
            stack = [element]
            while stack:  # nesting is acyclic (validated), so this ends
                gid = stack.pop()
                named_groups.add(gid)
                stack += children.get(gid, [])
        else:
            raise BoardError.one("only", f"no element {element[:64]!r} on this board")
    kept.update(nid for nid, n in nodes.items() if n.get("group") in named_groups)
    # Every group around what is kept, up to the top, so no kept group names a missing parent.
    around = set(named_groups)
    for gid in [nodes[nid].get("group") for nid in kept] + [groups[g].get("parent") for g in named_groups]:
        while gid is not None and gid not in around:
            around.add(gid)
            gid = groups[gid].get("parent")
    name = doc.get("name") or ""
    if len(set(ids)) == 1 and ids[0] in groups:
        # One group exported alone is titled by it too: "Multi-agent squad · Agent squad".
        title = groups[ids[0]].get("label") or ids[0]
        name = f"{name} · {title}"[:MAX_NAME] if name else title
    return {
        **doc,
        "name": name,
        "nodes": [n for n in doc["nodes"] if n["id"] in kept],
        "edges": [e for e in doc["edges"] if e["source"] in kept and e["target"] in kept],
        "groups": [g for g in doc.get("groups") or [] if g["id"] in around],
    }


def empty_board(name: str = "") -> dict[str, Any]:
    return validate_board({"format": FORMAT, "name": name, "nodes": [], "edges": []})
