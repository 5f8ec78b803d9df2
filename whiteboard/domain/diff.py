"""Semantic diff of two board documents (pure: no Django).

`diff_boards(a, b)` says what changed from `a` to `b` in terms a reviewer reads: which nodes,
edges and groups were added or removed, and for the ones on both sides which fields changed,
`props` key by key; which board-level fields changed; and which review findings appeared or
disappeared. Elements are matched by id, so a renamed label is a change of one field, not a
removal and an addition, and the order of the lists does not matter.

A value that is absent on one side (an optional field such as `x` or `group`, or a props key) is
told apart from null by leaving `from` or `to` out of the change entry. So the changes explain
`b` exactly: applying them to `a` gives `b` up to the order of the element lists
(`apply_diff` does this, and the property tests check it).

Shape: `{"board": [change], "nodes"|"edges"|"groups": {"added": [element], "removed": [element],
"changed": [{"id", "label", "fields": [change], "props": [{"key", "from"?, "to"?}]}]},
"findings": {"appeared", "disappeared", "suppressed", "unsuppressed"}, "summary": {"added",
"removed", "changed"}}`, where a change is `{"field", "from"?, "to"?}`.
"""

from __future__ import annotations

import copy
from typing import Any

from whiteboard.domain.review import compare_findings, review_board

Board = dict[str, Any]
SECTIONS = ("nodes", "edges", "groups")
BOARD_FIELDS = ("format", "name", "description", "direction", "review")
_MISSING = object()


def _change(field: str, old: Any, new: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"field": field}
    if old is not _MISSING:
        entry["from"] = old
    if new is not _MISSING:
        entry["to"] = new
    return entry


def _field_changes(old: dict[str, Any], new: dict[str, Any], skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    keys = [k for k in old if k not in skip] + [k for k in new if k not in old and k not in skip]
    pairs = ((k, old.get(k, _MISSING), new.get(k, _MISSING)) for k in keys)
    return [_change(k, before, after) for k, before, after in pairs if before != after]


def _element_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
    fields = _field_changes(old, new, skip=("id", "props"))
    props = [
        {"key": c["field"], **{k: v for k, v in c.items() if k != "field"}}
        for c in _field_changes(old.get("props") or {}, new.get("props") or {})
    ]
    if not fields and not props:
        return None
    return {"id": old["id"], "label": new.get("label", ""), "fields": fields, "props": props}


def _section_diff(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    old_by_id = {e["id"]: e for e in old}
    new_by_id = {e["id"]: e for e in new}
    changed = []
    for element in new:
        before = old_by_id.get(element["id"])
        if before is not None:
            entry = _element_changes(before, element)
            if entry is not None:
                changed.append(entry)
    return {
        "added": [e for e in new if e["id"] not in old_by_id],
        "removed": [e for e in old if e["id"] not in new_by_id],
        "changed": changed,
    }


def findings_diff(a: Board, b: Board) -> dict[str, list[dict[str, Any]]]:
    """Findings that appeared in `b`, disappeared from `a`, or were suppressed or unsuppressed
    (`compare_findings`, by rule and the elements a finding names)."""
    change = compare_findings(review_board(a)["findings"], review_board(b)["findings"])
    return {
        "appeared": change["new"],
        "disappeared": change["fixed"],
        "suppressed": change["suppressed"],
        "unsuppressed": change["unsuppressed"],
    }


def diff_boards(a: Board, b: Board, *, findings: bool = True) -> dict[str, Any]:
    """The semantic diff from board `a` to board `b` (both valid, in normal form)."""
    sections = {name: _section_diff(a.get(name) or [], b.get(name) or []) for name in SECTIONS}
    result: dict[str, Any] = {
        "board": _field_changes({k: a[k] for k in BOARD_FIELDS if k in a}, {k: b[k] for k in BOARD_FIELDS if k in b}),
        **sections,
    }
    if findings:
        result["findings"] = findings_diff(a, b)
    result["summary"] = {
        "added": sum(len(s["added"]) for s in sections.values()),
        "removed": sum(len(s["removed"]) for s in sections.values()),
        "changed": sum(len(s["changed"]) for s in sections.values()) + (1 if result["board"] else 0),
    }
    return result


def is_empty(diff: dict[str, Any]) -> bool:
    """True when the two boards are the same (up to element order)."""
    summary = diff["summary"]
    return not (summary["added"] or summary["removed"] or summary["changed"])


def _apply_changes(target: dict[str, Any], changes: list[dict[str, Any]], name: str = "field") -> None:
    for change in changes:
        if "to" in change:
            target[change[name]] = copy.deepcopy(change["to"])
        else:
            target.pop(change[name], None)


def apply_diff(a: Board, diff: dict[str, Any]) -> Board:
    """Apply a diff's changes to `a`; for `diff_boards(a, b)` the result equals `b` up to list order.

    Added elements go to the end of their lists; the rest keep their order in `a`.
    """
    result = copy.deepcopy(a)
    top = {k: result.pop(k) for k in BOARD_FIELDS if k in result}
    _apply_changes(top, diff["board"])
    for name in SECTIONS:
        section = diff[name]
        removed = {e["id"] for e in section["removed"]}
        changes = {c["id"]: c for c in section["changed"]}
        elements = []
        for element in result.get(name) or []:
            if element["id"] in removed:
                continue
            change = changes.get(element["id"])
            if change is not None:
                _apply_changes(element, change["fields"])
                if change["props"]:
                    props = element.setdefault("props", {})
                    _apply_changes(props, change["props"], "key")
            elements.append(element)
        elements += copy.deepcopy(section["added"])
        result[name] = elements
    result.update(top)
    return result


def changed_ids(diff: dict[str, Any]) -> dict[str, set[str]]:
    """Element ids by status (`added`, `removed`, `changed`) across nodes, edges and groups."""
    return {
        status: {item["id"] for name in SECTIONS for item in diff[name][status]}
        for status in ("added", "removed", "changed")
    }


def union_board(a: Board, b: Board) -> Board:
    """Board `b` plus the elements only `a` has, so one picture can show both removals and the rest.

    A removed element whose id `b` uses for another kind of element is left out (ids are unique
    across a board). Removed nodes keep their group only if that group is still drawn.
    """
    union = copy.deepcopy(b)
    taken = {e["id"] for name in SECTIONS for e in b.get(name) or []}
    for name in ("groups", "nodes", "edges"):
        present = {e["id"] for e in b.get(name) or []}
        extra = [copy.deepcopy(e) for e in a.get(name) or [] if e["id"] not in present and e["id"] not in taken]
        union[name] = (union.get(name) or []) + extra
        taken.update(e["id"] for e in extra)
    group_ids = {g["id"] for g in union["groups"]}
    node_ids = {n["id"] for n in union["nodes"]}
    for group in union["groups"]:
        if group.get("parent") is not None and group["parent"] not in group_ids:
            group["parent"] = None
    for node in union["nodes"]:
        if node.get("group") is not None and node["group"] not in group_ids:
            node["group"] = None
    union["edges"] = [e for e in union["edges"] if e["source"] in node_ids and e["target"] in node_ids]
    return union


DIFF_COLORS = {"added": "#2E7D32", "removed": "#C62828", "changed": "#E08A00"}
_DIFF_FILLS = {"added": "#E8F5E9", "removed": "#FFEBEE", "changed": "#FFF3E0"}


def diff_styles(diff: dict[str, Any]) -> dict[str, dict[str, str]]:
    """DOT attributes per element id that draw a diff: added green, removed red (dashed), changed amber.

    Meant for the picture of `union_board(a, b)`, passed to the renderer as `styles`.
    """
    styles: dict[str, dict[str, str]] = {}
    for status, color in DIFF_COLORS.items():
        dashed = status == "removed"
        for node in diff["nodes"][status]:
            styles[node["id"]] = {
                "shape": "box",
                "style": "rounded,filled,dashed" if dashed else "rounded,filled",
                "fillcolor": _DIFF_FILLS[status],
                "color": color,
                "penwidth": "2.5",
                "fontcolor": color,
            }
        for edge in diff["edges"][status]:
            styles[edge["id"]] = {"color": color, "fontcolor": color, "penwidth": "2.5"}
            if dashed:
                styles[edge["id"]]["style"] = "dashed"
        for group in diff["groups"][status]:
            styles[group["id"]] = {"pencolor": color, "penwidth": "2.5", "fontcolor": color}
            if dashed:
                styles[group["id"]]["style"] = "dashed"
    return styles
