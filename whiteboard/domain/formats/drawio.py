"""draw.io (diagrams.net): import plain or compressed `.drawio` files, export editable ones.

The XML is parsed with defusedxml with every DTD refused (so no entity of any kind, internal or
external), after the size check; a compressed page (base64 of raw deflate of URL-encoded XML, as
draw.io saves by default) is unpacked with a cap on its unpacked size, so a zip bomb stops there.

Import: vertices become nodes, containers (`container=1`, swimlanes, groups, AWS group shapes or
any vertex with vertices inside) become groups, edges keep their labels, and positions are kept
(draw.io's geometry is relative to the parent container; the board's `x`, `y` are absolute node
centres). A node's kind comes from Archboard's own attributes when the file has them, else from
its shape (`mxgraph.aws4.*`, `mxgraph.kubernetes.*`, cylinders, actors, clouds, image names) or
its words, else it is a service; every guess is a warning.

Export: one page, uncompressed so it diffs well, that opens and edits in draw.io: groups as
containers around their members, nodes at their canvas positions in draw.io's own shapes where a
good match exists (AWS resource icons, Kubernetes icons, cylinders for databases, an actor for a
user), labels as plain text, edges with their labels, colours and dashes. Each cell is an
`<object>` whose attributes (`kind`, `tech`, `replicas`, `protocol`, `async`, ...) are draw.io's
"Edit Data" properties: they survive editing and make the import exact.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import quoteattr

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from whiteboard.domain.board import MAX_EDGES, MAX_GROUPS, MAX_NODES, PROTOCOLS, ROUTES
from whiteboard.domain.formats.common import MAX_UNPACKED_BYTES, Draft, ImportResult, decode_text, located
from whiteboard.domain.formats.placement import place
from whiteboard.domain.formats.vocabulary import guess, protocol_from_label
from whiteboard.domain.look import LOOK, PROTOCOL_COLORS
from whiteboard.domain.palette import KINDS, NOTE, category_of

NODE = LOOK["node"]["size"]
PADDING = LOOK["group"]["padding"]
TITLE = LOOK["group"]["label"]["gap"]
NOTE_WIDTH = LOOK["note"]["width"]
MAX_CELLS = MAX_NODES + MAX_EDGES + MAX_GROUPS + 1_000

# -- export ---------------------------------------------------------------------------------------

# draw.io's own AWS resource icons for technologies that are AWS services.
AWS_ICONS = {
    "aws-lambda": "lambda",
    "aws-ec2": "ec2",
    "s3": "s3",
    "rds": "rds",
    "aurora": "aurora",
    "dynamodb": "dynamodb",
    "elasticache-redis": "elasticache",
    "elasticache-memcached": "elasticache",
    "sqs": "sqs",
    "sns": "sns",
    "eventbridge": "eventbridge",
    "aws-api-gateway": "api_gateway",
    "cloudfront": "cloudfront",
    "route53": "route_53",
    "aws-alb": "elastic_load_balancing",
    "aws-nlb": "elastic_load_balancing",
    "cognito": "cognito",
    "cloudwatch": "cloudwatch",
    "kinesis": "kinesis_data_streams",
    "msk": "managed_streaming_for_kafka",
    "step-functions": "step_functions",
    "sagemaker": "sagemaker",
    "bedrock": "bedrock",
    "secrets-manager": "secrets_manager",
    "aws-waf": "waf",
    "aws-fargate": "fargate",
    "aws-ecs": "ecs",
}
K8S_ICONS = {
    "kubernetes": "deploy",
    "kubernetes-job": "job",
    "kubernetes-cronjob": "cronjob",
    "kubernetes-secret": "secret",
}
CATEGORY_FILLS = {
    "client": "#F2F4F7",
    "edge": "#E8F1FB",
    "compute": "#EAF6EC",
    "ai": "#F3EEFB",
    "data": "#FFF4E5",
    "messaging": "#FDEFEF",
    "ops": "#EEF2F6",
}
LABEL_BELOW = "verticalLabelPosition=bottom;verticalAlign=top;align=center;html=0;whiteSpace=wrap;"


def _paint(fill: str) -> str:
    return f"fillColor={fill};strokeColor=#667085;"


def _node_style(kind: str, tech: str | None) -> str:
    if kind == NOTE:
        return "text;html=0;whiteSpace=wrap;align=left;verticalAlign=top;spacing=4;"
    if tech in AWS_ICONS:
        return (
            f"{LABEL_BELOW}outlineConnect=0;aspect=fixed;strokeColor=#ffffff;fillColor=#ED7100;"
            f"shape=mxgraph.aws4.resourceIcon;resIcon=mxgraph.aws4.{AWS_ICONS[tech]};"
        )
    if tech in K8S_ICONS:
        return f"{LABEL_BELOW}aspect=fixed;shape=mxgraph.kubernetes.icon;prIcon={K8S_ICONS[tech]};fillColor=#326CE5;"
    category = category_of(kind)
    fill = CATEGORY_FILLS.get(category, "#FFFFFF")
    if kind == "user":
        return f"{LABEL_BELOW}shape=umlActor;fillColor={fill};strokeColor=#667085;"
    if kind == "external_system":
        return f"{LABEL_BELOW}ellipse;shape=cloud;fillColor={fill};strokeColor=#667085;"
    if category == "data":
        return f"{LABEL_BELOW}shape=cylinder3;boundedLbl=1;backgroundOutline=1;size=10;{_paint(fill)}"
    if category == "ai":
        return (
            f"{LABEL_BELOW}shape=hexagon;perimeter=hexagonPerimeter2;fixedSize=1;fillColor={fill};strokeColor=#667085;"
        )
    return f"{LABEL_BELOW}rounded=1;arcSize=20;fillColor={fill};strokeColor=#667085;"


def _group_style(depth: int) -> str:
    fills, strokes = LOOK["group"]["fills"], LOOK["group"]["strokes"]
    return (
        "swimlane;startSize=24;container=1;collapsible=0;rounded=1;dashed=1;html=0;whiteSpace=wrap;"
        f"fillColor={fills[depth % len(fills)]};swimlaneFillColor={fills[depth % len(fills)]};"
        f"strokeColor={strokes[depth % len(strokes)]};fontStyle=1;"
    )


def _edge_style(edge: dict[str, Any]) -> str:
    props = edge.get("props") or {}
    style = "endArrow=block;endFill=1;html=0;rounded=0;"
    protocol = props.get("protocol")
    if isinstance(protocol, str) and protocol in PROTOCOL_COLORS:
        style += f"strokeColor={PROTOCOL_COLORS[protocol]};"
    if props.get("async") is True:
        style += "dashed=1;"
    if props.get("route") == "curved":
        style += "curved=1;"
    elif props.get("route") == "orthogonal":
        style += "edgeStyle=orthogonalEdgeStyle;"
    return style


@dataclass
class _Box:
    x: float
    y: float
    w: float
    h: float


def _note_size(label: str) -> tuple[float, float]:
    note = LOOK["note"]
    lines = sum(max(1, -(-len(line) * note["char"] // (NOTE_WIDTH - 2 * note["pad"]))) for line in label.split("\n"))
    return NOTE_WIDTH, max(note["min_height"], lines * note["line"] + 2 * note["pad"])


def _boxes(doc: dict[str, Any]) -> tuple[dict[str, _Box], dict[str, _Box]]:
    """Absolute boxes of nodes (centred on their positions) and groups (around their members)."""
    nodes: dict[str, _Box] = {}
    for node in doc["nodes"]:
        w, h = _note_size(node.get("label", "")) if node["kind"] == NOTE else (NODE, NODE)
        nodes[node["id"]] = _Box(node["x"] - w / 2, node["y"] - h / 2, w, h)
    groups_by_id = {g["id"]: g for g in doc.get("groups") or []}
    children: dict[str, list[str]] = {}
    for group in groups_by_id.values():
        if group.get("parent"):
            children.setdefault(group["parent"], []).append(group["id"])
    members: dict[str, list[str]] = {}
    for node in doc["nodes"]:
        if node.get("group"):
            members.setdefault(node["group"], []).append(node["id"])
    boxes: dict[str, _Box] = {}
    empty_x = max((b.x + b.w for b in nodes.values()), default=0.0) + 80

    def box_of(group_id: str) -> _Box:
        if group_id in boxes:
            return boxes[group_id]
        inner = [nodes[n] for n in members.get(group_id, [])] + [box_of(c) for c in children.get(group_id, [])]
        if inner:
            left = min(b.x for b in inner) - PADDING
            top = min(b.y for b in inner) - PADDING - TITLE
            right = max(b.x + b.w for b in inner) + PADDING
            bottom = max(b.y + b.h for b in inner) + PADDING
            boxes[group_id] = _Box(left, top, right - left, bottom - top)
        else:
            nonlocal empty_x
            empty = LOOK["group"]["empty"]
            boxes[group_id] = _Box(empty_x, 0, empty["width"], empty["height"])
            empty_x += empty["width"] + 40
        return boxes[group_id]

    for group_id in groups_by_id:
        box_of(group_id)
    return nodes, boxes


# Characters XML 1.0 cannot hold at all, not even as a character reference.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _attrs(**values: object) -> str:
    return "".join(
        f" {key}={quoteattr(_NOT_XML.sub(chr(0xFFFD), str(value)))}"
        for key, value in values.items()
        if value is not None
    )


def _label_attrs(label: str) -> dict[str, str | None]:
    """The label, and its exact text (JSON, ASCII) when it has characters XML cannot hold: the
    drawn label shows U+FFFD for those, the import takes the exact one while the label is unedited."""
    return {"label": label, "exact_label": json.dumps(label) if _NOT_XML.search(label) else None}


def _num(value: float) -> str:
    return f"{round(value, 2):g}"


def to_drawio(doc: dict[str, Any]) -> str:
    doc = json.loads(json.dumps(doc))  # placed on a copy: the caller's board keeps its positions
    place(doc)
    node_boxes, group_boxes = _boxes(doc)
    groups = {g["id"]: g for g in doc.get("groups") or []}

    def depth(group_id: str) -> int:
        seen, current, n = set(), groups[group_id].get("parent"), 0
        while current in groups and current not in seen:
            seen.add(current)
            current, n = groups[current].get("parent"), n + 1
        return n

    def origin(group_id: str | None) -> tuple[float, float]:
        if group_id is None or group_id not in group_boxes:
            return 0.0, 0.0
        return group_boxes[group_id].x, group_boxes[group_id].y

    def parent_cell(group_id: str | None) -> str:
        return f"g-{group_id}" if group_id else "1"

    def geometry(box: _Box, parent: str | None) -> str:
        ox, oy = origin(parent)
        return (
            f'<mxGeometry x="{_num(box.x - ox)}" y="{_num(box.y - oy)}" '
            f'width="{_num(box.w)}" height="{_num(box.h)}" as="geometry"/>'
        )

    cells = ['<mxCell id="0"/>', '<mxCell id="1" parent="0"/>']
    ordered = sorted(groups.values(), key=lambda g: depth(g["id"]))
    for group in ordered:
        parent = group.get("parent")
        group_attrs = _attrs(id=f"g-{group['id']}", **_label_attrs(group.get("label", "")), archboard="group")
        cells.append(
            f"<object{group_attrs}>"
            f'<mxCell style="{_group_style(depth(group["id"]))}" vertex="1" parent="{parent_cell(parent)}">'
            f"{geometry(group_boxes[group['id']], parent)}</mxCell></object>"
        )
    for node in doc["nodes"]:
        props = node.get("props") or {}
        tech = props.get("tech")
        rest = {k: v for k, v in props.items() if k not in ("tech", "replicas")}
        attrs = _attrs(
            id=f"n-{node['id']}",
            **_label_attrs(node.get("label", "")),
            kind=node["kind"],
            tech=tech,
            replicas=props.get("replicas"),
            props=json.dumps(rest, ensure_ascii=False) if rest else None,
        )
        cells.append(
            f'<object{attrs}><mxCell style="{_node_style(node["kind"], tech)}" vertex="1" '
            f'parent="{parent_cell(node.get("group"))}">{geometry(node_boxes[node["id"]], node.get("group"))}'
            "</mxCell></object>"
        )
    for edge in doc["edges"]:
        props = edge.get("props") or {}
        attrs = _attrs(
            id=f"e-{edge['id']}",
            **_label_attrs(edge.get("label", "")),
            protocol=props.get("protocol"),
            **{"async": "1" if props.get("async") is True else None},
            route=props.get("route"),
            archboard="edge",
        )
        cells.append(
            f'<object{attrs}><mxCell style="{_edge_style(edge)}" edge="1" parent="1" '
            f'source="n-{edge["source"]}" target="n-{edge["target"]}">'
            '<mxGeometry relative="1" as="geometry"/></mxCell></object>'
        )
    name = doc.get("name") or "Page-1"
    body = "\n        ".join(cells)
    return (
        '<mxfile host="Archboard" type="device">\n'
        f"  <diagram{_attrs(id='archboard', name=name)}>\n"
        '    <mxGraphModel grid="1" gridSize="10" guides="1" connect="1" arrows="1" page="0"'
        f"{_attrs(direction=doc['direction'])}>\n"
        f"      <root>\n        {body}\n      </root>\n"
        "    </mxGraphModel>\n  </diagram>\n</mxfile>\n"
    )


# -- import ---------------------------------------------------------------------------------------


def _parse_xml(text: str, where: str) -> Element:
    try:
        root: Element = SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        return root
    except DefusedXmlException as exc:
        raise located(
            where, f"refused: the XML has a DTD, entity or external reference ({type(exc).__name__})"
        ) from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise located(
            f"{where} line {line}" if where != "body" else f"line {line}", f"not well-formed XML (column {column})"
        ) from None


def _unpack(packed: str, page: str) -> str:
    """A compressed page: base64, then raw deflate, then URL encoding; capped when unpacked."""
    try:
        data = base64.b64decode(packed.strip(), validate=False)
    except (binascii.Error, ValueError):
        raise located(page, "a compressed page that is not base64") from None
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        unpacked = inflater.decompress(data, MAX_UNPACKED_BYTES + 1)
    except zlib.error:
        raise located(page, "a compressed page that does not inflate") from None
    if len(unpacked) > MAX_UNPACKED_BYTES or inflater.unconsumed_tail:
        raise located(page, f"a compressed page that unpacks to more than {MAX_UNPACKED_BYTES} bytes")
    try:
        return unquote(unpacked.decode("utf-8"), errors="strict")
    except UnicodeDecodeError:
        raise located(page, "a compressed page whose content is not UTF-8") from None


def _model(root: Element, draft: Draft) -> tuple[Element, str]:
    """The first page's mxGraphModel, and that page's name."""
    if root.tag == "mxGraphModel":
        return root, ""
    if root.tag != "mxfile":
        raise located("body", f"not a draw.io file: the root element is <{root.tag[:40]}>, not <mxfile>")
    pages = root.findall("diagram")
    if not pages:
        raise located("body", "a draw.io file with no page (<diagram>)")
    for index, extra in enumerate(pages[1:], start=2):
        draft.warn(f"diagram[{index}]", f"page {extra.get('name', index)!r} left out: a board is one page")
    page = pages[0]
    model = page.find("mxGraphModel")
    if model is None:
        text = (page.text or "").strip()
        if not text:
            raise located("diagram[1]", "an empty page")
        model = _parse_xml(_unpack(text, "diagram[1]"), "diagram[1]")
        if model.tag != "mxGraphModel":
            raise located("diagram[1]", f"a page holding <{model.tag[:40]}>, not <mxGraphModel>")
    return model, page.get("name", "")


def parse_style(style: str) -> dict[str, str]:
    """`rounded=1;text;shape=cylinder3` -> {"rounded": "1", "text": "", "shape": "cylinder3"}."""
    parsed: dict[str, str] = {}
    for part in style.split(";"):
        key, sep, value = part.partition("=")
        if key.strip():
            parsed[key.strip()] = value.strip() if sep else ""
    return parsed


_TAG = re.compile(r"<[^>]{0,2000}>")
_BREAK = re.compile(r"<br\s*/?>|</div>|</p>|</li>", re.IGNORECASE)


def _plain(value: str, style: dict[str, str]) -> str:
    """A cell's label as text: HTML labels (`html=1`) lose their markup, keep their line breaks."""
    if style.get("html") != "1":
        return value
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", value))).strip()


@dataclass
class _Cell:
    id: str
    element: Element
    attrs: dict[str, str]  # of the <object> wrapper, or of the mxCell
    style: dict[str, str]
    parent: str
    vertex: bool
    edge: bool
    source: str
    target: str
    geometry: tuple[float, float, float, float] | None
    children: list[str] = field(default_factory=list)

    @property
    def loc(self) -> str:
        return f"cell {self.id!r}"

    @property
    def label(self) -> str:
        raw = self.attrs.get("label", self.attrs.get("value", ""))
        exact = self.attrs.get("exact_label")
        if exact:
            try:
                text = json.loads(exact)
            except ValueError:
                text = None
            if isinstance(text, str) and _NOT_XML.sub(chr(0xFFFD), text) == raw:
                return text
        return _plain(raw, self.style)


def _number(text: str | None) -> float:
    try:
        value = float(text) if text else 0.0
    except ValueError:
        return 0.0
    return value if abs(value) < 1e7 else 0.0


def _cells(model: Element) -> dict[str, _Cell]:
    root = model.find("root")
    if root is None:
        raise located("mxGraphModel", "no <root> in the page")
    cells: dict[str, _Cell] = {}
    for index, item in enumerate(root):
        if index >= MAX_CELLS:
            raise located("mxGraphModel", f"more than {MAX_CELLS} cells")
        if item.tag == "mxCell":
            cell, attrs = item, dict(item.attrib)
        elif item.tag in ("object", "UserObject"):
            inner = item.find("mxCell")
            if inner is None:
                continue
            cell, attrs = inner, dict(item.attrib)
        else:
            continue
        cell_id = attrs.get("id") or cell.get("id") or f"cell{index}"
        geometry = cell.find("mxGeometry")
        box = None
        if geometry is not None and geometry.get("relative") != "1":
            box = tuple(_number(geometry.get(k)) for k in ("x", "y", "width", "height"))
        cells[cell_id] = _Cell(
            id=cell_id,
            element=item,
            attrs=attrs,
            style=parse_style(cell.get("style", "")),
            parent=cell.get("parent", ""),
            vertex=cell.get("vertex") == "1",
            edge=cell.get("edge") == "1",
            source=cell.get("source", ""),
            target=cell.get("target", ""),
            geometry=box,  # type: ignore[arg-type]
        )
    for member in cells.values():
        if member.parent in cells:
            cells[member.parent].children.append(member.id)
    return cells


GROUP_SHAPES = ("mxgraph.aws4.group", "mxgraph.aws4.groupcenter", "swimlane")


def _is_group(cell: _Cell, cells: dict[str, _Cell]) -> bool:
    if "kind" in cell.attrs:
        return False
    if cell.attrs.get("archboard") == "group" or cell.style.get("container") == "1":
        return True
    if "swimlane" in cell.style or "group" in cell.style or cell.style.get("shape") in GROUP_SHAPES:
        return True
    return any(cells[c].vertex for c in cell.children)


def _shape_words(style: dict[str, str]) -> str:
    parts = []
    for key in ("shape", "resIcon", "prIcon", "grIcon", "image"):
        value = style.get(key, "")
        if key == "image":
            value = value.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        parts.append(re.sub(r"^mxgraph\.|aws4|gcp2|azure|kubernetes|resourceIcon|icon", " ", value))
    return " ".join(parts).replace(".", " ").replace("_", " ")


SHAPE_KINDS = {
    "umlActor": "user",
    "actor": "user",
    "cloud": "external_system",
    "cylinder": "sql_db",
    "cylinder2": "sql_db",
    "cylinder3": "sql_db",
    "datastore": "sql_db",
    "note": NOTE,
}


def _kind_of(cell: _Cell, draft: Draft) -> tuple[str, str | None, dict[str, Any]]:
    attrs, style = cell.attrs, cell.style
    if attrs.get("kind") in KINDS:
        props: dict[str, Any] = {}
        if attrs.get("props"):
            try:
                loaded = json.loads(attrs["props"])
            except ValueError:
                loaded = None
            if isinstance(loaded, dict):
                props.update(loaded)
            else:
                draft.warn(cell.loc, "its props attribute is not a JSON object: left out")
        replicas = attrs.get("replicas", "")
        if replicas.isdigit() and 1 <= int(replicas) <= 1000:
            props["replicas"] = int(replicas)
        return attrs["kind"], attrs.get("tech") or None, props
    if "text" in style and not style.get("shape"):
        return NOTE, None, {}
    shape = style.get("shape", "")
    first = next(iter(style), "")
    label = cell.label
    by_shape = SHAPE_KINDS.get(shape) or SHAPE_KINDS.get(first)
    guessed = guess(f"{_shape_words(style)} {label}")
    if by_shape and by_shape != NOTE:
        if guessed and category_of(guessed[0]) == category_of(by_shape):
            return guessed[0], guessed[1], {}
        draft.warn(cell.loc, f"read as {by_shape} from its shape {shape or first!r}")
        return by_shape, None, {}
    if by_shape == NOTE:
        return NOTE, None, {}
    if guessed:
        draft.warn(cell.loc, f"read as {guessed[0]}{f' ({guessed[1]})' if guessed[1] else ''} from its shape and words")
        return guessed[0], guessed[1], {}
    draft.warn(cell.loc, "nothing says what it is: read as a service")
    return "service", None, {}


def _edge_props(cell: _Cell, label: str, draft: Draft) -> tuple[str, dict[str, Any]]:
    attrs, style = cell.attrs, cell.style
    props: dict[str, Any] = {}
    if attrs.get("archboard") == "edge":
        if attrs.get("protocol") in PROTOCOLS:
            props["protocol"] = attrs["protocol"]
        if attrs.get("async") == "1":
            props["async"] = True
        if attrs.get("route") in ROUTES:
            props["route"] = attrs["route"]
        return label, props
    if style.get("dashed") == "1":
        props["async"] = True
    color = style.get("strokeColor", "").lower()
    by_color = {c.lower(): p for p, c in PROTOCOL_COLORS.items() if p != "other"}
    if color in by_color:
        props["protocol"] = by_color[color]
    elif protocol := protocol_from_label(label):
        props["protocol"] = protocol
        draft.warn(cell.loc, f"protocol {protocol} read from the label {label!r}")
    if style.get("curved") == "1":
        props["route"] = "curved"
    elif "orthogonal" in style.get("edgeStyle", "").lower():
        props["route"] = "orthogonal"
    return label, props


def detect_drawio(text: str) -> bool:
    head = text.lstrip()[:2000]
    return "<mxfile" in head or "<mxGraphModel" in head


def read_drawio(raw: bytes | str) -> ImportResult:
    text = decode_text(raw, "draw.io")
    draft = Draft("drawio")
    root = _parse_xml(text, "body")
    model, page_name = _model(root, draft)
    draft.name = page_name if page_name != "Page-1" else ""
    if model.get("direction") in ("TB", "BT", "LR", "RL"):
        draft.direction = model.get("direction", "LR")
    cells = _cells(model)
    groups = {c.id for c in cells.values() if c.vertex and _is_group(c, cells)}
    origin: dict[str, tuple[float, float]] = {}

    def absolute(cell_id: str) -> tuple[float, float]:
        """The top-left corner of a vertex on the page: draw.io nests geometry in containers."""
        if cell_id in origin:
            return origin[cell_id]
        chain: list[str] = []
        current = cell_id
        while current in cells and cells[current].vertex and current not in chain and len(chain) < 64:
            chain.append(current)
            current = cells[current].parent
        x = y = 0.0
        for member in reversed(chain):
            box = cells[member].geometry
            if box:
                x, y = x + box[0], y + box[1]
            origin[member] = (x, y)
        return origin.get(cell_id, (0.0, 0.0))

    for cell_id in groups:
        cell = cells[cell_id]
        parent = cell.parent if cell.parent in groups else None
        hint = cell_id.removeprefix("g-") if cell.attrs.get("archboard") == "group" else cell_id
        draft.add_group(cell_id, cell.label, parent=parent, loc=cell.loc, hint=hint)
    edge_labels: dict[str, list[str]] = {}
    for cell in cells.values():
        if cell.vertex and cell.parent in cells and cells[cell.parent].edge:
            edge_labels.setdefault(cell.parent, []).append(cell.label)
            continue
        if not cell.vertex or cell.id in groups:
            continue
        kind, tech, props = _kind_of(cell, draft)
        x, y = absolute(cell.id)
        w, h = (cell.geometry[2], cell.geometry[3]) if cell.geometry else (0.0, 0.0)
        group = cell.parent if cell.parent in groups else None
        hint = cell.id.removeprefix("n-") if "kind" in cell.attrs else (cell.label or cell.id)
        draft.add_node(
            cell.id,
            kind,
            cell.label,
            loc=cell.loc,
            tech=tech,
            group=group,
            x=x + w / 2,
            y=y + h / 2,
            props=props,
            hint=hint,
        )
    for cell in cells.values():
        if not cell.edge:
            continue
        if not cell.source or not cell.target:
            draft.warn(cell.loc, "an edge not attached at both ends: left out")
            continue
        if cell.source in groups or cell.target in groups:
            draft.warn(cell.loc, "an edge to or from a container: a board links components only, left out")
            continue
        label = (
            "\n".join([cell.label, *edge_labels.get(cell.id, [])]).strip("\n")
            if edge_labels.get(cell.id)
            else cell.label
        )
        label, props = _edge_props(cell, label, draft)
        source, target = cell.source, cell.target
        start = cell.style.get("startArrow", "none")
        end = cell.style.get("endArrow", "classic")
        if end == "none" and start != "none":
            source, target = target, source
        elif end == "none" and start == "none":
            draft.warn(cell.loc, "an edge with no arrow: kept pointing from its source to its target")
        elif end != "none" and start != "none":
            draft.warn(cell.loc, "an edge with arrows at both ends: kept pointing from its source to its target")
        draft.add_edge(source, target, loc=cell.loc, label=label, props=props)
    return draft.finish()
