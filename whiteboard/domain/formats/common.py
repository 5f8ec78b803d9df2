"""What every importer shares: a draft board built from a foreign file, its warnings and errors.

An importer reads its format into a `Draft`: elements keyed by the names the source gives them,
labels as the source writes them. The draft makes ids valid and unique, clips what is too long,
drops what the board schema cannot hold (self-loops, edges to nothing), saying so in a warning
each time, lays out the nodes the source gave no position, and hands the result to
`validate_board`: an import can only ever produce a valid board, or a located error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from whiteboard.domain.board import (
    FORMAT,
    ID_RE,
    MAX_BYTES,
    MAX_COORD,
    MAX_EDGES,
    MAX_GROUP_DEPTH,
    MAX_GROUPS,
    MAX_LABEL,
    MAX_NAME,
    MAX_NODES,
    validate_board,
)
from whiteboard.domain.errors import BoardError
from whiteboard.domain.formats.placement import place
from whiteboard.domain.jsontext import BAD_TEXT
from whiteboard.domain.palette import KINDS, tech_for

# A file to import is at most as large as a board document may be; a compressed draw.io page
# may unpack to a few times that, no more (a zip bomb stops at the cap).
MAX_INPUT_BYTES = MAX_BYTES
MAX_UNPACKED_BYTES = 4 * MAX_BYTES
MAX_WARNINGS = 200

Warning = dict[str, str]


@dataclass
class ImportResult:
    board: dict[str, Any]
    warnings: list[Warning]
    format: str


def located(loc: str, msg: str) -> BoardError:
    """The error of a file that cannot be read, naming its line or element."""
    return BoardError.one(loc, msg)


def decode_text(raw: bytes | str, what: str) -> str:
    """The text of an uploaded file: UTF-8 (a byte-order mark is dropped), at most the size limit."""
    if isinstance(raw, str):
        text = raw
        size = len(text.encode("utf-8", "surrogatepass"))
    else:
        size = len(raw)
        if size <= MAX_INPUT_BYTES:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise located("body", f"the {what} file is not UTF-8 text (byte {exc.start + 1})") from None
    if size > MAX_INPUT_BYTES:
        raise located("body", f"the file is {size} bytes, the limit is {MAX_INPUT_BYTES}")
    if BAD_TEXT.search(text):
        bad = BAD_TEXT.search(text)
        assert bad is not None
        line = text.count("\n", 0, bad.start()) + 1
        raise located(f"line {line}", "invalid text: a NUL character or a lone surrogate")
    return text.removeprefix("\ufeff")


_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]+")


def _clean(text: str) -> str:
    return BAD_TEXT.sub("", text)


@dataclass
class _Node:
    key: str
    id: str
    kind: str
    label: str
    loc: str
    tech: str | None = None
    group: str | None = None  # a group key
    x: float | None = None
    y: float | None = None
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Edge:
    source: str  # node keys
    target: str
    label: str
    props: dict[str, Any]
    loc: str


@dataclass
class _Group:
    key: str
    id: str
    label: str
    parent: str | None  # a group key
    loc: str


class Draft:
    """A board being read from another format. Keys are the source's own names for elements."""

    def __init__(self, fmt: str) -> None:
        self.format = fmt
        self.name = ""
        self.description = ""
        self.direction = "LR"
        self.warnings: list[Warning] = []
        self._nodes: dict[str, _Node] = {}
        self._edges: list[_Edge] = []
        self._groups: dict[str, _Group] = {}
        self._ids: set[str] = set()

    # -- warnings -------------------------------------------------------------------------------

    def warn(self, loc: str, msg: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append({"loc": loc, "msg": msg})
        elif len(self.warnings) == MAX_WARNINGS:
            self.warnings.append({"loc": "", "msg": f"more warnings left out after {MAX_WARNINGS}"})

    def text(self, value: object, loc: str, limit: int = MAX_LABEL) -> str:
        """A label as the board can hold it: valid Unicode, at most `limit` characters."""
        text = _clean(str(value))
        if len(text) > limit:
            self.warn(loc, f"label cut to {limit} characters (it had {len(text)})")
            text = text[:limit]
        return text

    # -- elements -------------------------------------------------------------------------------

    def new_id(self, wanted: str, prefix: str) -> str:
        """A valid board id, unique among every element, as close to `wanted` as it can be."""
        base = _ID_UNSAFE.sub("-", wanted).strip("-")[:56] or prefix
        candidate, n = base, 1
        while candidate in self._ids or not ID_RE.fullmatch(candidate):
            n += 1
            candidate = f"{base[:56]}-{n}" if ID_RE.fullmatch(f"{base[:56]}-{n}") else f"{prefix}{n}"
        self._ids.add(candidate)
        return candidate

    def has_node(self, key: str) -> bool:
        return key in self._nodes

    def has_group(self, key: str) -> bool:
        return key in self._groups

    def node_kind(self, key: str) -> str:
        return self._nodes[key].kind

    def add_group(self, key: str, label: str, *, parent: str | None = None, loc: str, hint: str | None = None) -> None:
        """A group; `hint` is the id it would like (else its key)."""
        if key in self._groups:
            return
        if len(self._groups) >= MAX_GROUPS:
            raise located(loc, f"more than {MAX_GROUPS} groups")
        self._groups[key] = _Group(key, self.new_id(hint or key, "g"), self.text(label, loc), parent, loc)

    def set_group_parent(self, key: str, parent: str | None) -> None:
        self._groups[key].parent = parent

    def add_node(
        self,
        key: str,
        kind: str,
        label: str,
        *,
        loc: str,
        tech: str | None = None,
        group: str | None = None,
        x: float | None = None,
        y: float | None = None,
        props: dict[str, Any] | None = None,
        hint: str | None = None,
    ) -> None:
        """A node; `hint` is the id it would like (else its key)."""
        if key in self._nodes:
            self.warn(loc, f"{key!r} is defined again; the first definition is kept")
            return
        if len(self._nodes) >= MAX_NODES:
            raise located(loc, f"more than {MAX_NODES} nodes")
        if kind not in KINDS:
            self.warn(loc, f"unknown kind {kind!r}: read as a service")
            kind, tech = "service", None
        if tech is not None and tech_for(kind, tech) is None:
            self.warn(loc, f"{tech!r} is not a technology of {kind!r}: left out")
            tech = None
        node_props = dict(props or {})
        node_props.pop("tech", None)
        if tech:
            node_props["tech"] = tech
        self._nodes[key] = _Node(
            key, self.new_id(hint or key, "n"), kind, self.text(label, loc), loc, tech, group, x, y, node_props
        )

    def set_node_group(self, key: str, group: str | None) -> None:
        self._nodes[key].group = group

    def add_edge(
        self, source: str, target: str, *, loc: str, label: str = "", props: dict[str, Any] | None = None
    ) -> None:
        if len(self._edges) >= MAX_EDGES:
            raise located(loc, f"more than {MAX_EDGES} edges")
        self._edges.append(_Edge(source, target, self.text(label, loc), dict(props or {}), loc))

    # -- the board --------------------------------------------------------------------------------

    def finish(self) -> ImportResult:
        groups = self._group_list()
        nodes: list[dict[str, Any]] = []
        for n in self._nodes.values():
            node: dict[str, Any] = {"id": n.id, "kind": n.kind, "label": n.label}
            if n.x is not None and n.y is not None:
                node["x"], node["y"] = _coord(n.x), _coord(n.y)
            if n.group is not None:
                if n.group in self._groups:
                    node["group"] = self._groups[n.group].id
                else:
                    self.warn(n.loc, f"no group {n.group!r}: the node is left out of any group")
            node["props"] = n.props
            nodes.append(node)
        edges: list[dict[str, Any]] = []
        for e in self._edges:
            missing = [end for end in (e.source, e.target) if end not in self._nodes]
            if missing:
                self.warn(e.loc, f"edge to {missing[0]!r}, which is no node here: left out")
                continue
            if e.source == e.target:
                self.warn(e.loc, f"edge from {e.source!r} to itself: a board has no self-loops, left out")
                continue
            edge = {
                "id": self.new_id(f"e-{self._nodes[e.source].id}-{self._nodes[e.target].id}", "e"),
                "source": self._nodes[e.source].id,
                "target": self._nodes[e.target].id,
                "label": e.label,
                "props": e.props,
            }
            edges.append(edge)
        doc: dict[str, Any] = {
            "format": FORMAT,
            "name": self.text(self.name, "name", MAX_NAME),
            "description": _clean(self.description)[:10_000],
            "direction": self.direction if self.direction in ("TB", "BT", "LR", "RL") else "LR",
            "nodes": nodes,
            "edges": edges,
            "groups": groups,
        }
        place(doc)
        return ImportResult(board=validate_board(doc), warnings=self.warnings, format=self.format)

    def _group_list(self) -> list[dict[str, Any]]:
        """Groups with parents that exist, no cycles and at most the schema's depth."""
        result = []
        for g in self._groups.values():
            parent = g.parent if g.parent in self._groups and g.parent != g.key else None
            if g.parent is not None and parent is None:
                self.warn(g.loc, f"no group {g.parent!r} to nest in: kept at the top")
            chain, current = [g.key], parent
            while current is not None:
                if current in chain or len(chain) >= MAX_GROUP_DEPTH:
                    self.warn(g.loc, "groups nest in a cycle or too deep: this one is kept at the top")
                    parent = None
                    break
                chain.append(current)
                current = self._groups[current].parent if current in self._groups else None
            g.parent = parent
            result.append({"id": g.id, "label": g.label, "parent": self._groups[parent].id if parent else None})
        return result


def _coord(value: float) -> float | int:
    value = max(-MAX_COORD, min(MAX_COORD, float(value)))
    return int(value) if value.is_integer() else round(value, 2)
