"""Mermaid: import `flowchart`/`graph` and `architecture-beta`; export either.

Export writes `architecture-beta` by default (groups, services with Mermaid's built-in icons,
edges with their labels), or a `flowchart` on request, both accepted by Mermaid's own parser.
Text is written the way Mermaid reads it everywhere: in double quotes, with Mermaid's entity
codes (`#quot;`, `#35;`, `#92;`) for what a quoted string cannot hold and `<br>` for a line
break, so every label survives exactly.

A Mermaid file has no place for a kind, a technology, replicas, a protocol or asynchrony, so the
export adds one comment line before each element that has them
(`%% archboard: node n_db kind=sql_db tech=postgresql replicas=2`,
`%% archboard: edge protocol=https async=1`). Mermaid ignores comments; the import reads them
back, and reads a hand-written file from icons, shapes and words instead (warning on each guess).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from whiteboard.domain.board import PROTOCOLS, ROUTES
from whiteboard.domain.errors import BoardError
from whiteboard.domain.formats.common import Draft, ImportResult, decode_text, located
from whiteboard.domain.formats.vocabulary import guess
from whiteboard.domain.look import PROTOCOL_LABELS
from whiteboard.domain.palette import KINDS, NOTE, category_of

META = "%% archboard:"

# -- text ---------------------------------------------------------------------------------------

_ENTITY = re.compile(r"#(\d{1,7}|[a-zA-Z]{2,10});")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def encode_text(text: str) -> str:
    """Text for inside Mermaid's double quotes: exact once read back, readable when drawn."""
    out: list[str] = []
    last = len(text) - 1
    for i, char in enumerate(text):
        edge = i == 0 or i == last
        # Mermaid trims text and collapses runs of spaces in titles: those spaces go as codes.
        doubled = char == " " and i > 0 and text[i - 1] == " "
        if char == "\n":
            out.append("<br>")
        elif char in '"#%|\\<>`' or not char.isprintable() or (edge and char.isspace()) or doubled:
            out.append(f"#{ord(char)};")
        else:
            out.append(char)
    return "".join(out)


def decode_text_value(text: str) -> str:
    """Mermaid text as shown: `<br>` a line break, `#quot;`/`#35;` entity codes decoded."""

    def entity(found: re.Match[str]) -> str:
        code = found.group(1)
        if code.isdigit():
            value = int(code)
            if 0 < value < 0x110000 and not 0xD800 <= value <= 0xDFFF:
                return chr(value)
            return found.group(0)
        decoded = html.unescape(f"&{code};")
        return decoded if decoded != f"&{code};" else found.group(0)

    return _ENTITY.sub(entity, _BR.sub("\n", text))


def _quoted(text: str) -> str:
    return f'"{encode_text(text)}"'


# -- metadata comments ----------------------------------------------------------------------------

_META_VALUE = re.compile(r"[a-z0-9_-]+")


def _meta_line(what: str, fields: dict[str, object]) -> str:
    parts = [f"{k}={v}" for k, v in fields.items() if v not in (None, "") and _META_VALUE.fullmatch(str(v))]
    return f"{META} {what} " + " ".join(parts)


def _parse_meta(line: str) -> tuple[str, str, dict[str, str]] | None:
    """`%% archboard: node ID k=v ...` -> ("node", ID, {k: v}); edges and the board have no ID."""
    rest = line.strip()[len(META) :].split()
    if not rest:
        return None
    what, args = rest[0], rest[1:]
    subject = ""
    if what == "node" and args and "=" not in args[0]:
        subject, args = args[0], args[1:]
    fields = dict(arg.split("=", 1) for arg in args if "=" in arg)
    return what, subject, fields


def _node_fields(node: dict[str, Any]) -> dict[str, object]:
    props = node.get("props") or {}
    return {"kind": node["kind"], "tech": props.get("tech"), "replicas": props.get("replicas")}


def _edge_fields(edge: dict[str, Any], bare: bool) -> dict[str, object]:
    props = edge.get("props") or {}
    return {
        "protocol": props.get("protocol"),
        "async": 1 if props.get("async") is True else None,
        "route": props.get("route"),
        "bare": 1 if bare else None,
    }


def _apply_meta_node(draft: Draft, fields: dict[str, str], loc: str) -> tuple[str, str | None, dict[str, Any]] | None:
    kind = fields.get("kind")
    if kind not in KINDS:
        return None
    props: dict[str, Any] = {}
    replicas = fields.get("replicas", "")
    if replicas.isdigit() and 1 <= int(replicas) <= 1000:
        props["replicas"] = int(replicas)
    return kind, fields.get("tech"), props


def _edge_props(fields: dict[str, str]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if fields.get("protocol") in PROTOCOLS:
        props["protocol"] = fields["protocol"]
    if fields.get("async") == "1":
        props["async"] = True
    if fields.get("route") in ROUTES:
        props["route"] = fields["route"]
    return props


# -- export -------------------------------------------------------------------------------------


def _mermaid_ids(doc: dict[str, Any]) -> dict[str, str]:
    """A Mermaid id for every node and group: ASCII word characters, prefixed so that none can
    read as a keyword, a port letter or a number."""
    taken: set[str] = set()
    ids: dict[str, str] = {}
    for prefix, elements in (("n", doc["nodes"]), ("g", doc.get("groups") or [])):
        for element in elements:
            base = f"{prefix}_" + re.sub(r"[^A-Za-z0-9_]", "_", element["id"])
            candidate, n = base, 1
            while candidate in taken:
                n += 1
                candidate = f"{base}_{n}"
            taken.add(candidate)
            ids[element["id"]] = candidate
    return ids


ARCH_ICONS = {"data": "database", "client": "internet", "edge": "internet", "messaging": "disk"}


def _arch_icon(kind: str) -> str:
    if kind in ("object_storage",):
        return "disk"
    if kind in ("external_system",):
        return "cloud"
    category = category_of(kind)
    return ARCH_ICONS.get(category, "server")


def _edge_title(edge: dict[str, Any]) -> tuple[str, bool]:
    label = edge.get("label", "")
    if label:
        return label, False
    protocol = (edge.get("props") or {}).get("protocol")
    shown = PROTOCOL_LABELS.get(protocol, "") if isinstance(protocol, str) else ""
    return shown, bool(shown)


def to_mermaid(doc: dict[str, Any], *, syntax: str = "architecture") -> str:
    if syntax == "flowchart":
        return _to_flowchart(doc)
    ids = _mermaid_ids(doc)
    direction = doc.get("direction", "LR")
    lines = ["architecture-beta"]
    if doc.get("name"):
        lines.append(f"    title {encode_text(doc['name'])}")
    lines.append("    " + _meta_line("board", {"direction": direction.lower()}))
    for group in _groups_parents_first(doc):
        parent = f" in {ids[group['parent']]}" if group.get("parent") else ""
        lines.append(f"    group {ids[group['id']]}(cloud)[{_quoted(group.get('label', ''))}]{parent}")
    for node in doc["nodes"]:
        lines.append("    " + _meta_line(f"node {ids[node['id']]}", _node_fields(node)))
        member = f" in {ids[node['group']]}" if node.get("group") else ""
        lines.append(
            f"    service {ids[node['id']]}({_arch_icon(node['kind'])})[{_quoted(node.get('label', ''))}]{member}"
        )
    out_side, in_side = {"LR": ("R", "L"), "RL": ("L", "R"), "TB": ("B", "T"), "BT": ("T", "B")}[direction]
    for edge in doc["edges"]:
        title, bare = _edge_title(edge)
        lines.append("    " + _meta_line("edge", _edge_fields(edge, bare)))
        arrow = f"-[{_quoted(title)}]->" if title else "-->"
        lines.append(f"    {ids[edge['source']]}:{out_side} {arrow} {in_side}:{ids[edge['target']]}")
    return "\n".join(lines) + "\n"


def _groups_parents_first(doc: dict[str, Any]) -> list[dict[str, Any]]:
    groups = {g["id"]: g for g in doc.get("groups") or []}
    done: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(group: dict[str, Any]) -> None:
        if group["id"] in seen:
            return
        seen.add(group["id"])
        if group.get("parent") in groups:
            visit(groups[group["parent"]])
        done.append(group)

    for group in groups.values():
        visit(group)
    return done


FLOW_SHAPES = {
    "data": ("[(", ")]"),
    "client": ("([", "])"),
    "messaging": ("[[", "]]"),
    "ai": ("{{", "}}"),
    "edge": ("[/", "/]"),
}


def _to_flowchart(doc: dict[str, Any]) -> str:
    ids = _mermaid_ids(doc)
    direction = {"TB": "TB", "BT": "BT", "LR": "LR", "RL": "RL"}[doc.get("direction", "LR")]
    lines: list[str] = []
    if doc.get("name"):
        lines += ["---", f"title: {_quoted(doc['name'])}", "---"]
    lines.append(f"flowchart {direction}")
    members: dict[str | None, list[dict[str, Any]]] = {}
    for node in doc["nodes"]:
        members.setdefault(node.get("group"), []).append(node)
    children: dict[str | None, list[dict[str, Any]]] = {}
    for group in doc.get("groups") or []:
        children.setdefault(group.get("parent"), []).append(group)

    def emit(group_id: str | None, indent: str) -> None:
        for node in members.get(group_id, []):
            lines.append(indent + _meta_line(f"node {ids[node['id']]}", _node_fields(node)))
            if node["kind"] == NOTE:
                opening, closing = ">", "]"
            else:
                opening, closing = FLOW_SHAPES.get(category_of(node["kind"]), ("[", "]"))
            lines.append(f"{indent}{ids[node['id']]}{opening}{_quoted(node.get('label', ''))}{closing}")
        for child in children.get(group_id, []):
            lines.append(f"{indent}subgraph {ids[child['id']]} [{_quoted(child.get('label', ''))}]")
            emit(child["id"], indent + "    ")
            lines.append(f"{indent}end")

    emit(None, "    ")
    for edge in doc["edges"]:
        title, bare = _edge_title(edge)
        lines.append("    " + _meta_line("edge", _edge_fields(edge, bare)))
        link = "-.->" if (edge.get("props") or {}).get("async") is True else "-->"
        label = f"|{_quoted(title)}|" if title else ""
        lines.append(f"    {ids[edge['source']]} {link}{label} {ids[edge['target']]}")
    return "\n".join(lines) + "\n"


# -- import: shared -------------------------------------------------------------------------------


@dataclass
class _Element:
    key: str
    label: str
    line: int
    hint: str = ""  # words that suggest a kind: an icon or a shape
    kind: str | None = None  # when the file says it (a metadata comment or a shape that tells)
    tech: str | None = None
    props: dict[str, Any] = field(default_factory=dict)
    group: str | None = None
    labelled: bool = False


def _add_element(draft: Draft, element: _Element, meta: dict[str, dict[str, str]]) -> None:
    loc = f"line {element.line}"
    kind, tech, props = element.kind, element.tech, dict(element.props)
    found = _apply_meta_node(draft, meta.get(element.key, {}), loc)
    if found:
        kind, tech, props = found
    elif kind is None:
        guessed = guess(f"{element.hint} {element.label}") or (guess(element.key) if not element.labelled else None)
        if guessed:
            kind, tech = guessed
            draft.warn(loc, f"{element.key!r} read as {kind}{f' ({tech})' if tech else ''} from its words")
        else:
            kind = "service"
            draft.warn(loc, f"{element.key!r}: nothing says what it is, read as a service")
    # Archboard's own export prefixes node ids with `n_`; the board id comes back without it.
    hint = element.key[2:] if found and element.key.startswith("n_") else element.key
    draft.add_node(element.key, kind, element.label, loc=loc, tech=tech, group=element.group, props=props, hint=hint)


def _lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) without YAML front matter; the front matter's title is returned apart."""
    # Mermaid ends lines at \n only; str.splitlines would also split at U+2028 and the like.
    return [(i + 1, line.removesuffix("\r")) for i, line in enumerate(text.split("\n"))]


def _front_matter(lines: list[tuple[int, str]]) -> tuple[str, list[tuple[int, str]]]:
    if not lines or lines[0][1].strip() != "---":
        return "", lines
    for index in range(1, len(lines)):
        if lines[index][1].strip() == "---":
            title = ""
            for _, line in lines[1:index]:
                key, _, value = line.partition(":")
                if key.strip() == "title":
                    value = value.strip()
                    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                        value = value[1:-1]
                    title = decode_text_value(value)
            return title, lines[index + 1 :]
    raise located("line 1", "front matter opened with --- is never closed")


def detect_mermaid(text: str) -> bool:
    try:
        _, lines = _front_matter(_lines(text))
    except BoardError:
        return False
    for _, line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("%%"):
            continue
        return bool(re.match(r"(flowchart|graph|architecture-beta)\b", stripped))
    return False


def read_mermaid(raw: bytes | str) -> ImportResult:
    text = decode_text(raw, "Mermaid")
    title, lines = _front_matter(_lines(text))
    for number, line in lines:
        stripped = line.strip()
        if not stripped or (stripped.startswith("%%") and not stripped.startswith(META)):
            continue
        if stripped.startswith(META):
            continue
        if stripped.startswith("architecture-beta"):
            return _read_architecture(lines, title)
        if re.match(r"(flowchart|graph)\b", stripped):
            return _read_flowchart(lines, title)
        raise located(
            f"line {number}", "not a Mermaid diagram this import reads: use flowchart, graph or architecture-beta"
        )
    raise located("body", "an empty Mermaid file")


# -- import: architecture-beta -------------------------------------------------------------------

_ARCH_ID = r"[A-Za-z0-9_](?:[-A-Za-z0-9_]*[A-Za-z0-9_])?"
_ARCH_TITLE = r"\[(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\[\]\r\n]*)\]"
_ARCH_GROUP = re.compile(
    rf"group\s+(?P<id>{_ARCH_ID})\s*(?:\((?P<icon>[\w:-]+)\))?\s*(?P<title>{_ARCH_TITLE})?\s*(?:in\s+(?P<parent>{_ARCH_ID}))?\s*$"
)
_ARCH_SERVICE = re.compile(
    rf"service\s+(?P<id>{_ARCH_ID})\s*(?:\((?P<icon>[\w:-]+)\)|\"(?P<text>[^\"]*)\")?\s*(?P<title>{_ARCH_TITLE})?"
    rf"\s*(?:in\s+(?P<parent>{_ARCH_ID}))?\s*$"
)
_ARCH_JUNCTION = re.compile(rf"junction\s+(?P<id>{_ARCH_ID})\s*(?:in\s+(?P<parent>{_ARCH_ID}))?\s*$")
_ARCH_EDGE = re.compile(
    rf"(?P<l>{_ARCH_ID})(?:\{{group\}})?\s*:\s*(?P<ld>[LRTB])\s*(?P<li><)?\s*"
    rf"(?:--|-\s*(?P<title>{_ARCH_TITLE})\s*-)\s*(?P<ri>>)?\s*(?P<rd>[LRTB])\s*:\s*(?P<r>{_ARCH_ID})(?:\{{group\}})?\s*$"
)
ARCH_ICON_KINDS = {"database": "sql_db", "disk": "object_storage", "server": "service"}


def _title(raw: str | None) -> str:
    if not raw:
        return ""
    inner = raw[1:-1].strip()
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "\"'":
        inner = re.sub(r"\\(.)", r"\1", inner[1:-1])
    return decode_text_value(inner)


def _read_architecture(lines: list[tuple[int, str]], title: str) -> ImportResult:
    draft = Draft("mermaid")
    draft.name = title
    meta: dict[str, dict[str, str]] = {}
    services: list[_Element] = []
    junctions: dict[str, str | None] = {}
    edges: list[tuple[str, str, str, dict[str, Any], int, bool]] = []  # src, dst, label, props, line, directed
    pending_edge: dict[str, str] | None = None
    started = False
    for number, line in lines:
        stripped = line.strip()
        loc = f"line {number}"
        if stripped.startswith(META):
            parsed = _parse_meta(stripped)
            if parsed and parsed[0] == "node":
                meta[parsed[1]] = parsed[2]
            elif parsed and parsed[0] == "edge":
                pending_edge = parsed[2]
            elif parsed and parsed[0] == "board" and parsed[2].get("direction", "").upper() in ("TB", "BT", "LR", "RL"):
                draft.direction = parsed[2]["direction"].upper()
            continue
        if not stripped or stripped.startswith("%%"):
            continue
        if not started:
            started = stripped.startswith("architecture-beta")
            continue
        if stripped.startswith(("title ", "accTitle", "accDescr")) or stripped == "title":
            if stripped.startswith("title"):
                draft.name = decode_text_value(stripped[5:].strip())
            continue
        if found := _ARCH_GROUP.match(stripped):
            label = _title(found["title"])
            draft.add_group(found["id"], label, parent=found["parent"], loc=loc, hint=found["id"])
            continue
        if found := _ARCH_SERVICE.match(stripped):
            icon = found["icon"] or ""
            element = _Element(found["id"], _title(found["title"]), number, group=found["parent"])
            element.labelled = bool(found["title"])
            _icon_kind(element, icon)
            services.append(element)
            continue
        if found := _ARCH_JUNCTION.match(stripped):
            junctions[found["id"]] = found["parent"]
            continue
        if found := _ARCH_EDGE.match(stripped):
            fields = pending_edge or {}
            pending_edge = None
            label = _title(found["title"])
            if fields.get("bare") == "1":
                label = ""
            into_left, into_right = bool(found["li"]), bool(found["ri"])
            source, target = found["l"], found["r"]
            if into_left and not into_right:
                source, target = target, source
            elif into_left and into_right:
                draft.warn(loc, "an edge with arrows at both ends: kept pointing as written (left to right)")
            edges.append((source, target, label, _edge_props(fields), number, into_left or into_right))
            continue
        raise located(loc, f"not an architecture-beta statement: {stripped[:80]!r}")
    for element in services:
        _add_element(draft, element, meta)
    _architecture_edges(draft, edges, junctions)
    return draft.finish()


def _icon_kind(element: _Element, icon: str) -> None:
    if icon in ARCH_ICON_KINDS:
        refined = guess(element.label)
        base = ARCH_ICON_KINDS[icon]
        if refined and category_of(refined[0]) == category_of(base):
            element.kind, element.tech = refined
        else:
            element.hint = icon
    elif icon:
        element.hint = icon.split(":", 1)[-1].replace("-", " ")


def _architecture_edges(
    draft: Draft, edges: list[tuple[str, str, str, dict[str, Any], int, bool]], junctions: dict[str, str | None]
) -> None:
    """Edges between services; a junction joins every edge into it to every edge out of it."""
    into: dict[str, list[tuple[str, str, dict[str, Any], int]]] = {}
    out_of: dict[str, list[tuple[str, str, dict[str, Any], int]]] = {}
    joined: dict[str, set[str]] = {j: {j} for j in junctions}
    for source, target, label, props, number, directed in edges:
        loc = f"line {number}"
        if not directed and source not in junctions and target not in junctions:
            draft.warn(loc, "an edge with no arrow: kept pointing as written (left to right)")
        if source in junctions and target in junctions:
            merged = joined[source] | joined[target]
            for j in merged:
                joined[j] = merged
        elif target in junctions:
            into.setdefault(target, []).append((source, label, props, number))
        elif source in junctions:
            out_of.setdefault(source, []).append((target, label, props, number))
        else:
            draft.add_edge(source, target, loc=loc, label=label, props=props)
    done: set[frozenset[str]] = set()
    for members in joined.values():
        key = frozenset(members)
        if key in done:
            continue
        done.add(key)
        sources = [s for j in sorted(members) for s in into.get(j, [])]
        targets = [t for j in sorted(members) for t in out_of.get(j, [])]
        for source, label, props, number in sources:
            for target, label2, props2, _ in targets:
                draft.warn(f"line {number}", "an edge through a junction: joined to the edges out of it")
                draft.add_edge(source, target, loc=f"line {number}", label=label or label2, props=props or props2)


# -- import: flowchart -----------------------------------------------------------------------------

_FLOW_ID = r"[\w\u0080-\uffff]+(?:[.\-](?![\-.=>ox]?[\-.=>])[\w\u0080-\uffff]+)*"
# (opening, closing, hint words for the kind)
_SHAPES = [
    ("(((", ")))", ""),
    ("((", "))", ""),
    ("([", "])", "user"),
    ("[[", "]]", ""),
    ("[(", ")]", "database"),
    ("[/", "/]", ""),
    ("[/", "\\]", ""),
    ("[\\", "\\]", ""),
    ("[\\", "/]", ""),
    ("{{", "}}", ""),
    ("{", "}", ""),
    (">", "]", ""),
    ("(", ")", ""),
    ("[", "]", ""),
]
_NEW_SHAPES = {"cyl": "database", "das": "storage", "lin-cyl": "disk", "h-cyl": "storage", "datastore": "database"}
_LINK = re.compile(
    r"\s*(?:\w+@)?(?P<start>[xo<]?)(?P<line>-{2,}[-xo>]|={2,}[=xo>]|-?\.+-[xo>]?|~{3,})(?:\|(?P<text>[^|]*)\|)?\s*"
)
_TEXT_LINK = re.compile(r"\s*(?:\w+@)?(?P<start>[xo<]?)(?P<open>--|==|-\.)\s+")
_TEXT_CLOSE = {
    "--": re.compile(r"\s*(?P<line>-{2,}[-xo>])(?:\|(?P<text>[^|]*)\|)?\s*"),
    "==": re.compile(r"\s*(?P<line>={2,}[=xo>])\s*"),
    "-.": re.compile(r"\s*(?P<line>\.+-[xo>]?)\s*"),
}
_IGNORED = ("classDef", "class ", "style ", "linkStyle", "click ", "accTitle", "accDescr")


class _Flow:
    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.elements: dict[str, _Element] = {}
        self.subgraphs: list[str] = []
        self.meta: dict[str, dict[str, str]] = {}
        self.pending_edge: dict[str, str] | None = None
        self.edges: list[tuple[str, str, str, dict[str, Any], int]] = []

    def node(self, key: str, label: str | None, hint: str, number: int) -> None:
        element = self.elements.get(key)
        if element is None:
            element = _Element(key, key, number)
            self.elements[key] = element
        # As Mermaid does: a node named inside a subgraph belongs to it, even if it was defined
        # before; the first subgraph that names it keeps it.
        if element.group is None and self.subgraphs:
            element.group = self.subgraphs[-1]
        if label is not None:
            element.label, element.labelled = label, True
        if hint:
            element.hint = hint

    def statement(self, text: str, number: int) -> None:
        pos = 0
        groups: list[list[str]] = []
        links: list[tuple[str, str, str]] = []
        while True:
            names, pos = self._node_group(text, pos, number)
            groups.append(names)
            if pos >= len(text):
                break
            link = self._link(text, pos, number)
            if link is None:
                raise located(f"line {number}", f"cannot read the flowchart at {text[pos : pos + 40]!r}")
            start, line, label, pos = link
            links.append((start, line, label))
        for (start, line, label), left, right in zip(links, groups, groups[1:], strict=False):
            for source in left:
                for target in right:
                    self._edge(source, target, start, line, label, number)

    def _edge(self, source: str, target: str, start: str, line: str, label: str, number: int) -> None:
        loc = f"line {number}"
        fields = self.pending_edge or {}
        self.pending_edge = None
        if line.startswith("~"):
            self.draft.warn(loc, "an invisible link (~~~) is left out")
            return
        props = _edge_props(fields)
        if not fields and "." in line:
            props["async"] = True
        head = line[-1] in ">xo"
        if start == "<" and not head:
            source, target = target, source
        elif start and head:
            self.draft.warn(loc, "a link with arrows at both ends: kept pointing as written (left to right)")
        elif not start and not head:
            self.draft.warn(loc, "a link with no arrow: kept pointing as written (left to right)")
        if fields.get("bare") == "1":
            label = ""
        self.edges.append((source, target, label, props, number))

    def _node_group(self, text: str, pos: int, number: int) -> tuple[list[str], int]:
        names: list[str] = []
        while True:
            pos = _skip(text, pos)
            found = re.compile(_FLOW_ID).match(text, pos)
            if not found:
                raise located(f"line {number}", f"expected a node at {text[pos : pos + 40]!r}")
            key, pos = found.group(0), found.end()
            label, hint, pos = self._shape(text, pos, number)
            if text.startswith(":::", pos):
                klass = re.compile(r":::[\w-]+").match(text, pos)
                pos = klass.end() if klass else pos + 3
            self.node(key, label, hint, number)
            names.append(key)
            after = _skip(text, pos)
            if text.startswith("&", after):
                pos = after + 1
                continue
            return names, after

    def _shape(self, text: str, pos: int, number: int) -> tuple[str | None, str, int]:
        if text.startswith("@{", pos):
            close = text.find("}", pos)
            if close < 0:
                raise located(f"line {number}", "a node's @{ ... } is never closed")
            fields = dict(re.findall(r"(\w+)\s*:\s*(\"[^\"]*\"|[^,}]+)", text[pos + 2 : close]))
            label = fields.get("label")
            shape = (fields.get("shape") or "").strip()
            icon = (fields.get("icon") or "").strip().strip('"')
            hint = _NEW_SHAPES.get(shape, "") + " " + icon.split(":", 1)[-1].replace("-", " ")
            if shape == "text":
                hint = "note"
            return (decode_text_value(label.strip().strip('"')) if label else None), hint.strip(), close + 1
        for opening, closing, hint in _SHAPES:
            if not text.startswith(opening, pos):
                continue
            start = pos + len(opening)
            if text.startswith('"', start):
                end_quote = text.find('"', start + 1)
                if end_quote < 0:
                    raise located(f"line {number}", "a label's quote is never closed")
                if not text.startswith(closing, end_quote + 1):
                    continue
                raw, end = text[start + 1 : end_quote], end_quote + 1 + len(closing)
            else:
                end_text = text.find(closing, start)
                if end_text < 0:
                    continue
                raw, end = text[start:end_text], end_text + len(closing)
            if raw.startswith("`") and raw.endswith("`") and len(raw) >= 2:
                # A Markdown string: its text, without the marks of bold and italics.
                raw = re.sub(r"(\*\*|__|\*|_)(.+?)\1", r"\2", raw[1:-1])
            return decode_text_value(raw.strip() if not raw.startswith(" ") else raw), hint, end
        return None, "", pos

    def _link(self, text: str, pos: int, number: int) -> tuple[str, str, str, int] | None:
        found = _LINK.match(text, pos)
        if found:
            label = found["text"] or ""
            return found["start"], found["line"], _label(label), found.end()
        opened = _TEXT_LINK.match(text, pos)
        if opened:
            closer = _TEXT_CLOSE[opened["open"]]
            index = opened.end()
            while index < len(text):
                end = closer.match(text, index)
                if end and text[index - 1] == " ":
                    return opened["start"], opened["open"] + end["line"], _label(text[opened.end() : index]), end.end()
                index += 1
        return None


def _label(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    return decode_text_value(raw)


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _split_statements(line: str) -> list[str]:
    """A line's statements: split at `;` outside quotes, brackets and pipes."""
    parts: list[str] = []
    current: list[str] = []
    depth, quoted, piped = 0, False, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "|":
            piped = not piped
        elif not quoted and not piped and char in "[({":
            depth += 1
        elif not quoted and not piped and char in "])}":
            depth = max(0, depth - 1)
        elif char == ";" and not quoted and not piped and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _read_flowchart(lines: list[tuple[int, str]], title: str) -> ImportResult:
    draft = Draft("mermaid")
    draft.name = title
    flow = _Flow(draft)
    started = False
    subgraph_count = 0
    for number, line in lines:
        stripped = line.strip()
        loc = f"line {number}"
        if stripped.startswith(META):
            parsed = _parse_meta(stripped)
            if parsed and parsed[0] == "node":
                flow.meta[parsed[1]] = parsed[2]
            elif parsed and parsed[0] == "edge":
                flow.pending_edge = parsed[2]
            continue
        if not stripped or stripped.startswith("%%"):
            continue
        if not started:
            header = re.match(r"(?:flowchart|graph)(?:\s+(TB|TD|BT|LR|RL))?\s*;?\s*(.*)$", stripped)
            if header is None:
                raise located(loc, "expected flowchart or graph")
            started = True
            draft.direction = {"TD": "TB"}.get(header[1] or "TB", header[1] or "TB")
            if not header[2]:
                continue
            stripped = header[2]
        for statement in _split_statements(stripped):
            if statement.startswith(_IGNORED):
                draft.warn(loc, f"{statement.split()[0].rstrip(':')} is styling or interaction: left out")
                continue
            if statement.startswith("direction "):
                continue
            if statement == "end":
                if not flow.subgraphs:
                    raise located(loc, "an `end` with no subgraph open")
                flow.subgraphs.pop()
                continue
            if statement.startswith("subgraph"):
                subgraph_count += 1
                key, label = _subgraph_header(statement[len("subgraph") :].strip(), subgraph_count)
                parent = flow.subgraphs[-1] if flow.subgraphs else None
                draft.add_group(key, label, parent=parent, loc=loc, hint=key)
                flow.subgraphs.append(key)
                continue
            flow.statement(statement, number)
    if flow.subgraphs:
        raise located("body", f"subgraph {flow.subgraphs[-1]!r} is never closed with `end`")
    for element in flow.elements.values():
        if draft.has_group(element.key):
            continue
        if element.hint == "note":
            element.kind = NOTE
        _add_element(draft, element, flow.meta)
    for source, target, label, props, number in flow.edges:
        if draft.has_group(source) or draft.has_group(target):
            draft.warn(f"line {number}", "a link to or from a subgraph: a board links components only, left out")
            continue
        draft.add_edge(source, target, loc=f"line {number}", label=label, props=props)
    return draft.finish()


def _subgraph_header(rest: str, count: int) -> tuple[str, str]:
    """`id [title]`, `id["title"]`, `"title"` or `a title with spaces` -> (key, label)."""
    found = re.match(rf"({_FLOW_ID})\s*\[(.*)\]\s*$", rest)
    if found:
        return found[1], _label(found[2])
    if rest.startswith('"') and rest.endswith('"'):
        return f"subgraph{count}", _label(rest)
    if re.fullmatch(_FLOW_ID, rest):
        return rest, rest
    return rest or f"subgraph{count}", decode_text_value(rest)
