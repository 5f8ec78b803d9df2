"""The op protocol (SPEC section 5): the one module that defines what each op means.

An op is a JSON object `{"action": NAME, ...}`. `validate_op` checks its shape without looking at a
board and returns its normal form (the form that is stored, broadcast and replayed); `apply_op`
applies it to a normal-form board and returns the new normal-form board, or raises `BoardError`
and changes nothing.

Boards are treated as immutable values: `apply_op` never mutates its input, and the result shares
every list and element that the op did not touch, so a small op on a 5,000-node board costs
well under a millisecond instead of a whole-document validation. The result obeys the same rules
as `validate_board` (limits, unique ids, references, group nesting); only the checks an op can
break are run. The 2 MiB size limit is a property of the encoded document and is checked where the
document is encoded for storage.

Semantics fixed here:
- `set` replaces the given fields (last writer wins). `id` cannot be set. A null clears an optional
  field (`x`, `y`, `group`, `parent`, `review`); in `set.props` a null removes that key.
- An op naming a missing (e.g. already deleted) element is rejected; an add whose id is taken by
  any node, edge or group is rejected.
- `delete_node` also deletes the node's edges; `delete_group` moves its nodes and child groups to
  its parent (or to the top level).
- `batch` applies its ops in order, all or nothing; batches do not nest. `replace` validates the
  whole new document.

The editor applies ops too (static/editor/model.js); tests/conformance/ops.json states these
semantics as data, and both implementations are tested against it.
"""

from __future__ import annotations

import operator
from typing import Any

from whiteboard.domain.board import (
    DIRECTIONS,
    EDGE_KEYS,
    GROUP_KEYS,
    MAX_DESCRIPTION,
    MAX_EDGES,
    MAX_GROUP_DEPTH,
    MAX_GROUPS,
    MAX_LABEL,
    MAX_NAME,
    MAX_NODES,
    MAX_PROP_KEY,
    MAX_PROPS,
    NODE_KEYS,
    TOP_KEYS,
    BoardError,
    _check_prop_value,
    _coord,
    _Errors,
    _TooManyErrors,
    _type_name,
    normalise_edge,
    normalise_group,
    normalise_node,
    normalise_review,
    tech_problem,
    validate_board,
    validate_id,
)
from whiteboard.domain.palette import KINDS

Board = dict[str, Any]
Op = dict[str, Any]

ACTIONS = (
    "add_node",
    "update_node",
    "delete_node",
    "add_edge",
    "update_edge",
    "delete_edge",
    "add_group",
    "update_group",
    "delete_group",
    "set_board",
    "batch",
    "replace",
)
# Enough for one batch to build a board up to every limit (5,000 + 20,000 + 500 elements).
MAX_BATCH_OPS = MAX_NODES + MAX_EDGES + MAX_GROUPS

OP_KEYS: dict[str, tuple[str, ...]] = {
    "add_node": ("action", "node"),
    "add_edge": ("action", "edge"),
    "add_group": ("action", "group"),
    "update_node": ("action", "id", "set"),
    "update_edge": ("action", "id", "set"),
    "update_group": ("action", "id", "set"),
    "delete_node": ("action", "id"),
    "delete_edge": ("action", "id"),
    "delete_group": ("action", "id"),
    "set_board": ("action", "set"),
    "batch": ("action", "ops"),
    "replace": ("action", "board"),
}
SET_FIELDS: dict[str, tuple[str, ...]] = {
    "update_node": ("kind", "label", "x", "y", "group", "props"),
    "update_edge": ("source", "target", "label", "props"),
    "update_group": ("label", "parent", "props"),
    "set_board": ("name", "description", "direction", "review"),
}
_SECTION_OF = {"node": "nodes", "edge": "edges", "group": "groups"}
_ID = operator.itemgetter("id")


# --- shape (no board needed) ------------------------------------------------------------------


def validate_op(op: object, loc: str = "op") -> Op:
    """Check an op's shape and return its normal form; raise BoardError naming the place."""
    errors = _Errors()
    try:
        result = _normalise_op(op, loc, errors, nested=False)
    except _TooManyErrors:
        errors.items.append({"loc": "", "msg": "stopped after too many errors"})
        raise BoardError(errors.items) from None
    if errors.items or result is None:
        raise BoardError(errors.items or [{"loc": loc, "msg": "invalid op"}])
    return result


def _normalise_op(op: object, loc: str, errors: _Errors, *, nested: bool) -> Op | None:
    if not isinstance(op, dict):
        errors.add(loc, f"an op must be an object, not {_type_name(op)}")
        return None
    action = op.get("action")
    if not isinstance(action, str) or action not in OP_KEYS:
        if "action" not in op:
            errors.add(f"{loc}.action", "is required")
        else:
            shown = repr(action[:64]) if isinstance(action, str) else _type_name(action)
            errors.add(f"{loc}.action", f"unknown action {shown} (allowed: {', '.join(ACTIONS)})")
        return None
    if action == "batch" and nested:
        errors.add(f"{loc}.action", "a batch cannot contain another batch")
        return None
    allowed = OP_KEYS[action]
    for key in op:
        if key not in allowed:
            errors.add(f"{loc}.{key}", f"unknown key {key!r} for {action} (allowed: {', '.join(allowed)})")
    for key in allowed:
        if key not in op:
            errors.add(f"{loc}.{key}", "is required")
    if any(key not in op for key in allowed):
        return None
    result: Op = {"action": action}
    if action.startswith(("update_", "delete_")):
        result["id"] = validate_id(op["id"], f"{loc}.id", errors)
    if action in SET_FIELDS:
        result["set"] = _normalise_set(action, op["set"], f"{loc}.set", errors)
    elif action == "add_node":
        result["node"] = normalise_node(op["node"], f"{loc}.node", errors)
    elif action == "add_edge":
        result["edge"] = normalise_edge(op["edge"], f"{loc}.edge", errors)
    elif action == "add_group":
        result["group"] = normalise_group(op["group"], f"{loc}.group", errors)
    elif action == "batch":
        result["ops"] = _normalise_batch(op["ops"], f"{loc}.ops", errors)
    elif action == "replace":
        result["board"] = _validate_board_at(op["board"], f"{loc}.board", errors)
    return result


def _normalise_batch(ops: object, loc: str, errors: _Errors) -> list[Op]:
    if not isinstance(ops, list):
        errors.add(loc, f"must be an array of ops, not {_type_name(ops)}")
        return []
    if len(ops) > MAX_BATCH_OPS:
        errors.add(loc, f"has {len(ops)} ops, the limit is {MAX_BATCH_OPS}")
        return []
    result = []
    for i, sub in enumerate(ops):
        normal = _normalise_op(sub, f"{loc}[{i}]", errors, nested=True)
        if normal is not None:
            result.append(normal)
    return result


def _validate_board_at(board: object, loc: str, errors: _Errors) -> Board:
    try:
        return validate_board(board)
    except BoardError as exc:
        for item in exc.errors:
            errors.add(f"{loc}.{item['loc']}" if item["loc"] else loc, item["msg"])
        return {}


def _normalise_set(action: str, changes: object, loc: str, errors: _Errors) -> dict[str, Any]:
    if not isinstance(changes, dict):
        errors.add(loc, f"must be an object of fields to change, not {_type_name(changes)}")
        return {}
    fields = SET_FIELDS[action]
    result: dict[str, Any] = {}
    for key, value in changes.items():
        where = f"{loc}.{key}"
        if key == "id":
            errors.add(where, "an id cannot be changed (delete the element and add a new one)")
        elif key not in fields:
            errors.add(where, f"unknown field {str(key)[:64]!r} for {action} (allowed: {', '.join(fields)})")
        else:
            result[key] = _normalise_field(action, key, value, where, errors)
    return result


def _normalise_field(action: str, key: str, value: object, loc: str, errors: _Errors) -> Any:
    if key == "props":
        return _normalise_props_change(value, loc, action.removeprefix("update_"), errors)
    if key in ("label", "name", "description"):
        limit = {"label": MAX_LABEL, "name": MAX_NAME, "description": MAX_DESCRIPTION}[key]
        if not isinstance(value, str):
            errors.add(loc, f"must be a string, not {_type_name(value)}")
        elif len(value) > limit:
            errors.add(loc, f"is {len(value)} characters long, the limit is {limit}")
        return value
    if key == "kind":
        if not isinstance(value, str):
            errors.add(loc, f"must be a string, not {_type_name(value)}")
        elif value not in KINDS:
            errors.add(loc, f"unknown kind {value[:64]!r}")
        return value
    if key == "direction":
        if value not in DIRECTIONS:
            errors.add(loc, f"must be one of {', '.join(DIRECTIONS)}")
        return value
    if value is None and key in ("x", "y", "group", "parent", "review"):
        return None
    if key in ("x", "y"):
        _coord(value, loc, errors)
        return value
    if key == "review":
        return _normalise_review_at(value, loc, errors)
    # group, parent, source, target: element ids
    validate_id(value, loc, errors)
    return value


def _normalise_review_at(value: object, loc: str, errors: _Errors) -> dict[str, Any]:
    inner = _Errors()
    try:
        review = normalise_review(value, inner)
    finally:
        for item in inner.items:
            errors.add(loc + item["loc"].removeprefix("review"), item["msg"])
    return review


def _normalise_props_change(value: object, loc: str, element: str, errors: _Errors) -> dict[str, Any]:
    if not isinstance(value, dict):
        errors.add(loc, f"must be an object, not {_type_name(value)}")
        return {}
    if len(value) > 2 * MAX_PROPS:
        errors.add(loc, f"changes {len(value)} keys, a board element has at most {MAX_PROPS}")
        return {}
    for key, item in value.items():
        if not key or len(key) > MAX_PROP_KEY:
            errors.add(loc, f"prop names must be 1-{MAX_PROP_KEY} characters")
        elif item is not None:
            _check_prop_value(key, item, f"{loc}.{key}", element, errors)
    return dict(value)


# --- applying ops -----------------------------------------------------------------------------


class _Section:
    """One of a board's element lists, copied (as an id-keyed dict) only once something changes.

    A dict keeps the list order through updates, appends adds at the end and deletes in O(1), so a
    batch of many ops costs one copy of each list it touches.
    """

    __slots__ = ("by_id", "items", "kind", "lookups")

    def __init__(self, kind: str, items: list[dict[str, Any]]) -> None:
        self.kind = kind
        self.items = items
        self.by_id: dict[str, dict[str, Any]] | None = None
        self.lookups = 0

    def __len__(self) -> int:
        return len(self.items) if self.by_id is None else len(self.by_id)

    def get(self, element_id: str) -> dict[str, Any] | None:
        if self.by_id is None:
            self.lookups += 1
            if self.lookups == 1:
                # One lookup in an untouched list: a scan in C beats building the index.
                try:
                    return self.items[operator.indexOf(map(_ID, self.items), element_id)]
                except ValueError:
                    return None
            self._own()
        assert self.by_id is not None
        return self.by_id.get(element_id)

    def values(self) -> Any:
        return self.items if self.by_id is None else self.by_id.values()

    def put(self, element: dict[str, Any]) -> None:
        self._own()
        assert self.by_id is not None
        self.by_id[element["id"]] = element

    def remove(self, element_id: str) -> None:
        self._own()
        assert self.by_id is not None
        del self.by_id[element_id]

    def remove_where(self, keep: Any) -> list[dict[str, Any]]:
        """Drop every element for which keep(element) is false; return the dropped ones."""
        dropped = [e for e in self.values() if not keep(e)]
        if dropped:
            if self.by_id is None:
                self.items = [e for e in self.items if keep(e)]
            else:
                for element in dropped:
                    del self.by_id[element["id"]]
        return dropped

    def result(self) -> list[dict[str, Any]]:
        if self.by_id is None:
            return self.items
        self.items = list(self.by_id.values())
        return self.items

    def _own(self) -> None:
        if self.by_id is None:
            self.by_id = {e["id"]: e for e in self.items}


class _Draft:
    """A board being changed by one op (or one batch)."""

    def __init__(self, board: Board) -> None:
        self.reset(board)

    def reset(self, board: Board) -> None:
        self.top = {k: v for k, v in board.items() if k not in ("nodes", "edges", "groups")}
        self.nodes = _Section("node", board["nodes"])
        self.edges = _Section("edge", board["edges"])
        self.groups = _Section("group", board.get("groups", []))

    def section(self, kind: str) -> _Section:
        return {"node": self.nodes, "edge": self.edges, "group": self.groups}[kind]

    def require(self, kind: str, element_id: str, loc: str) -> dict[str, Any]:
        element = self.section(kind).get(element_id)
        if element is None:
            raise BoardError.one(loc, f"no {kind} with id {element_id!r} (it was deleted or never added)")
        return element

    def require_unused(self, element_id: str, loc: str) -> None:
        for section in (self.nodes, self.groups, self.edges):
            if section.get(element_id) is not None:
                article = "an" if section.kind == "edge" else "a"
                raise BoardError.one(loc, f"id {element_id!r} is already used by {article} {section.kind}")

    def edges_of(self, node_id: str) -> list[dict[str, Any]]:
        return [e for e in self.edges.values() if e["source"] == node_id or e["target"] == node_id]

    def board(self) -> Board:
        lists = {"nodes": self.nodes.result(), "edges": self.edges.result(), "groups": self.groups.result()}
        return {
            key: lists[key] if key in lists else self.top[key] for key in TOP_KEYS if key in lists or key in self.top
        }


def apply_op(board: Board, op: object, *, validated: bool = False) -> Board:
    """Apply one op to a normal-form board and return the new board; the input is not changed.

    Raises BoardError (nothing applied) for a malformed op or one that does not fit the board.
    Pass `validated=True` only for an op that is already the output of `validate_op`.
    """
    normal = op if validated else validate_op(op)
    assert isinstance(normal, dict)
    draft = _Draft(board)
    _apply(draft, normal, "op")
    return draft.board()


def _apply(d: _Draft, op: Op, loc: str) -> None:
    action = op["action"]
    if action == "batch":
        for i, sub in enumerate(op["ops"]):
            _apply(d, sub, f"{loc}.ops[{i}]")
    elif action == "replace":
        d.reset(op["board"])
    elif action == "set_board":
        for key, value in op["set"].items():
            if value is None:
                d.top.pop(key, None)
            else:
                d.top[key] = value
    else:
        verb, kind = action.split("_")
        _APPLY[verb, kind](d, op, loc)


def _merged(old: dict[str, Any], changes: dict[str, Any], keys: tuple[str, ...], loc: str) -> dict[str, Any]:
    merged = dict(old)
    for key, value in changes.items():
        if key == "props":
            props = dict(old.get("props", {}))
            for prop, prop_value in value.items():
                if prop_value is None:
                    props.pop(prop, None)
                else:
                    props[prop] = prop_value
            if len(props) > MAX_PROPS:
                raise BoardError.one(f"{loc}.set.props", f"would have {len(props)} keys, the limit is {MAX_PROPS}")
            merged["props"] = props
        elif value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return {key: merged[key] for key in keys if key in merged}


def _check_limit(section: _Section, limit: int, loc: str) -> None:
    if len(section) >= limit:
        raise BoardError.one(loc, f"the board already has {len(section)} {section.kind}s, the limit is {limit}")


def _add_node(d: _Draft, op: Op, loc: str) -> None:
    node = op["node"]
    d.require_unused(node["id"], f"{loc}.node.id")
    _check_limit(d.nodes, MAX_NODES, loc)
    if node.get("group") is not None:
        d.require("group", node["group"], f"{loc}.node.group")
    d.nodes.put(node)


def _update_node(d: _Draft, op: Op, loc: str) -> None:
    old = d.require("node", op["id"], f"{loc}.id")
    changes = op["set"]
    if changes.get("group") is not None:
        d.require("group", changes["group"], f"{loc}.set.group")
    new = _merged(old, changes, NODE_KEYS, loc)
    # A technology belongs to a kind: changing either must leave a pair that fits.
    tech = new.get("props", {}).get("tech")
    if isinstance(tech, str) and ("kind" in changes or "tech" in changes.get("props", {})):
        problem = tech_problem(new["kind"], tech)
        if problem:
            where = "set.props.tech" if "tech" in changes.get("props", {}) else "set.kind"
            raise BoardError.one(
                f"{loc}.{where}", problem + ("; clear props.tech in the same op" if where == "set.kind" else "")
            )
    d.nodes.put(new)


def _delete_node(d: _Draft, op: Op, loc: str) -> None:
    node_id = op["id"]
    d.require("node", node_id, f"{loc}.id")
    d.nodes.remove(node_id)
    d.edges.remove_where(lambda e: e["source"] != node_id and e["target"] != node_id)


def _check_edge_ends(d: _Draft, edge: dict[str, Any], where: str, ends: Any) -> None:
    for end in ends:
        d.require("node", edge[end], f"{where}.{end}")
    if edge["source"] == edge["target"]:
        raise BoardError.one(where, f"self-loop: source and target are both {edge['source']!r}")


def _add_edge(d: _Draft, op: Op, loc: str) -> None:
    edge = op["edge"]
    d.require_unused(edge["id"], f"{loc}.edge.id")
    _check_limit(d.edges, MAX_EDGES, loc)
    _check_edge_ends(d, edge, f"{loc}.edge", ("source", "target"))
    d.edges.put(edge)


def _update_edge(d: _Draft, op: Op, loc: str) -> None:
    old = d.require("edge", op["id"], f"{loc}.id")
    new = _merged(old, op["set"], EDGE_KEYS, loc)
    _check_edge_ends(d, new, f"{loc}.set", [end for end in ("source", "target") if end in op["set"]])
    d.edges.put(new)


def _delete_edge(d: _Draft, op: Op, loc: str) -> None:
    d.require("edge", op["id"], f"{loc}.id")
    d.edges.remove(op["id"])


def _group_depth(d: _Draft, group_id: str) -> int:
    """How many levels deep a group sits (a top-level group is at depth 1)."""
    depth = 0
    group = d.groups.get(group_id)
    while group is not None:
        depth += 1
        parent = group.get("parent")
        group = None if parent is None else d.groups.get(parent)
    return depth


def _subtree_height(d: _Draft, group_id: str) -> int:
    children: dict[str, list[str]] = {}
    for group in d.groups.values():
        parent = group.get("parent")
        if parent is not None:
            children.setdefault(parent, []).append(group["id"])

    def height(gid: str) -> int:
        return 1 + max((height(child) for child in children.get(gid, ())), default=0)

    return height(group_id)


def _check_parent(d: _Draft, group_id: str, parent: str, where: str, height: int) -> None:
    d.require("group", parent, where)
    chain = [group_id]
    ancestor = d.groups.get(parent)
    while ancestor is not None:
        chain.append(ancestor["id"])
        if ancestor["id"] == group_id:
            raise BoardError.one(where, f"group cycle: {' -> '.join(chain)}")
        ancestor = None if ancestor.get("parent") is None else d.groups.get(ancestor["parent"])
    depth = _group_depth(d, parent) + height
    if depth > MAX_GROUP_DEPTH:
        raise BoardError.one(where, f"groups would nest {depth} deep, the limit is {MAX_GROUP_DEPTH}")


def _add_group(d: _Draft, op: Op, loc: str) -> None:
    group = op["group"]
    d.require_unused(group["id"], f"{loc}.group.id")
    _check_limit(d.groups, MAX_GROUPS, loc)
    if group.get("parent") is not None:
        _check_parent(d, group["id"], group["parent"], f"{loc}.group.parent", 1)
    d.groups.put(group)


def _update_group(d: _Draft, op: Op, loc: str) -> None:
    group_id = op["id"]
    old = d.require("group", group_id, f"{loc}.id")
    parent = op["set"].get("parent")
    if parent is not None and parent != old.get("parent"):
        _check_parent(d, group_id, parent, f"{loc}.set.parent", _subtree_height(d, group_id))
    d.groups.put(_merged(old, op["set"], GROUP_KEYS, loc))


def _delete_group(d: _Draft, op: Op, loc: str) -> None:
    group_id = op["id"]
    parent = d.require("group", group_id, f"{loc}.id").get("parent")
    d.groups.remove(group_id)
    for node in [n for n in d.nodes.values() if n.get("group") == group_id]:
        d.nodes.put(_merged(node, {"group": parent}, NODE_KEYS, loc))
    for child in [g for g in d.groups.values() if g.get("parent") == group_id]:
        d.groups.put(_merged(child, {"parent": parent}, GROUP_KEYS, loc))


_APPLY = {
    ("add", "node"): _add_node,
    ("update", "node"): _update_node,
    ("delete", "node"): _delete_node,
    ("add", "edge"): _add_edge,
    ("update", "edge"): _update_edge,
    ("delete", "edge"): _delete_edge,
    ("add", "group"): _add_group,
    ("update", "group"): _update_group,
    ("delete", "group"): _delete_group,
}


# --- undo -------------------------------------------------------------------------------------


def inverse_op(board_before: Board, op: object) -> Op:
    """The op that undoes `op` on `board_before` (raises BoardError where `apply_op` would).

    Undo restores content, not list position: a deleted element comes back at the end of its
    list. A prop stored with a null value, or a `group`/`parent` stored as an explicit null, comes
    back absent, which means the same.
    """
    normal = validate_op(op)
    draft = _Draft(board_before)
    inverse = _inverse(draft, normal, "op")
    return inverse


def _inverse(d: _Draft, op: Op, loc: str) -> Op:
    action = op["action"]
    if action == "batch":
        # Undo runs backwards; an op whose own undo is a batch is spliced in, as batches do not nest.
        undo: list[list[Op]] = []
        for i, sub in enumerate(op["ops"]):
            inverse = _inverse(d, sub, f"{loc}.ops[{i}]")
            undo.append(inverse["ops"] if inverse["action"] == "batch" else [inverse])
        return {"action": "batch", "ops": [step for steps in reversed(undo) for step in steps]}
    inverse = _inverse_one(d, op, loc)
    _apply(d, op, loc)
    return inverse


def _inverse_one(d: _Draft, op: Op, loc: str) -> Op:
    action = op["action"]
    if action == "replace":
        return {"action": "replace", "board": d.board()}
    if action == "set_board":
        return {"action": "set_board", "set": {key: d.top.get(key) for key in op["set"]}}
    verb, kind = action.split("_")
    if verb == "add":
        return {"action": f"delete_{kind}", "id": op[kind]["id"]}
    old = d.require(kind, op["id"], f"{loc}.id")
    if verb == "update":
        back: dict[str, Any] = {}
        for key, value in op["set"].items():
            if key == "props":
                back["props"] = {prop: old["props"].get(prop) for prop in value}
            else:
                back[key] = old.get(key)
        return {"action": action, "id": op["id"], "set": back}
    if kind == "edge":
        return {"action": "add_edge", "edge": old}
    if kind == "node":
        restore = [{"action": "add_node", "node": old}]
        restore += [{"action": "add_edge", "edge": e} for e in d.edges_of(op["id"])]
        return {"action": "batch", "ops": restore}
    restore = [{"action": "add_group", "group": old}]
    restore += [
        {"action": "update_group", "id": g["id"], "set": {"parent": op["id"]}}
        for g in d.groups.values()
        if g.get("parent") == op["id"]
    ]
    restore += [
        {"action": "update_node", "id": n["id"], "set": {"group": op["id"]}}
        for n in d.nodes.values()
        if n.get("group") == op["id"]
    ]
    return {"action": "batch", "ops": restore}
