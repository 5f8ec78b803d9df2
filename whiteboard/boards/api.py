"""The board routes of the REST API (SPEC section 4): the palette, the rules, boards, their review,
estimate, exports and pastes, and the stateless review, estimate, render and import. Mounted at
/api/ by whiteboard.api, which adds authentication and the one error shape."""

from __future__ import annotations

import math
from typing import Annotated, Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.urls import reverse
from ninja import Query, Router, Status
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from whiteboard.boards import services
from whiteboard.boards.access import boards_visible_to, get_board_for
from whiteboard.boards.models import Board
from whiteboard.domain import palette
from whiteboard.domain.board import MAX_POLICIES, POLICY_PREFIX, RULE_SETTINGS, BoardError, board_part, validate_board
from whiteboard.domain.board_schema import policy_schema
from whiteboard.domain.estimate import MAX_SCALE, check_scale, defaults_for, estimate_board
from whiteboard.domain.formats import IMPORTS, MERMAID_SYNTAXES, import_board
from whiteboard.domain.formats.paste import paste_op
from whiteboard.domain.ops import validate_op
from whiteboard.domain.palette import KINDS
from whiteboard.domain.review import SEVERITIES, rule_docs
from whiteboard.limits import hit
from whiteboard.rendering import FORMATS, InvalidOption, UnknownFormat, picture_from_query, render_board_async
from whiteboard.rest import (
    AUTH,
    Answer,
    BoardDocument,
    Body,
    Error,
    Located,
    Number,
    StoredBoard,
    Time,
    component,
    read_json,
    ref,
)
from whiteboard.reviews.running import review_document, review_of

router = Router(auth=AUTH, by_alias=True, exclude_unset=True)

BOARD_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": ref("Board")}}}}
# SPEC 9: what an import reads, as the body of POST /api/import and of a paste.
IMPORT_BODY = {
    "requestBody": {
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
}
BINARY = {"type": "string", "format": "binary"}
EXPORT_TYPES = {
    "image/png": {"schema": BINARY},
    "image/svg+xml": {"schema": {"type": "string"}},
    "application/pdf": {"schema": BINARY},
    "text/vnd.graphviz": {"schema": {"type": "string"}},
    "text/x-python": {"schema": {"type": "string"}},
    "application/json": {"schema": ref("Board")},
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


def rendering(description: str) -> dict[str, Any]:
    """A route whose 200 is a file of the asked-for format, not JSON."""
    return {"responses": {200: {"description": description, "content": EXPORT_TYPES}}}


Severity = Annotated[str, WithJsonSchema({"enum": list(SEVERITIES)})]

# Query parameters are read by the domain functions that check them (with their own texts and
# statuses); their published schemas state what those functions accept.
Scale = Annotated[
    str | None,
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": MAX_SCALE, "default": 1}),
    Query(None, description="Multiplies every client's `rps`"),
]
PictureScale = Annotated[str | None, WithJsonSchema({"type": "number", "minimum": 0.25, "maximum": 4}), Query(None)]
Layout = Annotated[
    str | None,
    WithJsonSchema({"enum": ["drawn", "auto"]}),
    Query(None, description="drawn: as the canvas shows it (default when every node has x and y); auto: graphviz"),
]
Background = Annotated[str | None, WithJsonSchema({"enum": ["white", "transparent"], "default": "white"}), Query(None)]
Width = Annotated[
    str | None,
    WithJsonSchema({"type": "integer", "minimum": 200, "maximum": 4000}),
    Query(None, description="drawn layout: the picture's width in px; text stays at least 11 px"),
]
Links = Annotated[
    str | None,
    WithJsonSchema({"enum": ["0", "1"]}),
    Query(None, description="drawn SVG: 1 links each node to its element on the board page"),
]
Only = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z0-9_.:,-]+$"}),
    Query(
        None,
        description="a part of the board: node, group and edge ids separated by commas; a group brings its "
        "members, an edge its ends, with the connections between them and the groups around them",
    ),
]
Syntax = Annotated[
    str,
    WithJsonSchema({"enum": list(MERMAID_SYNTAXES)}),
    Query("architecture", description="mmd: a Mermaid architecture-beta diagram (default) or a flowchart"),
]
ImportFormat = Annotated[
    str,
    WithJsonSchema({"enum": ["auto", *IMPORTS]}),
    Query("auto", description="the body's format; auto tells it by `filename`'s extension, else by the content"),
]
Filename = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "maxLength": 255}),
    Query(None, description="the file's name, for auto-detection by its extension"),
]
Coordinate = Annotated[str | None, WithJsonSchema({"type": "number", "minimum": -1e7, "maximum": 1e7}), Query(None)]


class Tech(Answer):
    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name: str
    icon: str = Field(json_schema_extra={"format": "uri"})
    diagrams_class: str


class Kind(Answer):
    id: Annotated[str, WithJsonSchema({"enum": sorted(KINDS)})]
    name: str
    category: str
    icon: str | None = Field(description="null for a kind drawn as text (a note)")
    diagrams_class: str | None
    techs: list[Tech]
    defaults: dict[str, Number] = Field(
        description="What the estimate assumes when a node of this kind does not say "
        "(empty for kinds it ignores, such as notes)"
    )


class Category(Answer):
    id: str
    name: str
    kinds: list[Kind]


class Palette(Answer):
    categories: list[Category]


class Rule(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    severity: Severity
    category: str
    title: str
    hint: str
    core: bool
    references: list[str]
    doc: str
    why: str | None = None
    fix: str | None = None
    example: str | None = None
    url: str = Field(json_schema_extra={"format": "uri"})


class Policies(Answer):
    max: int
    prefix: Annotated[str, WithJsonSchema({"const": POLICY_PREFIX})]
    schema_: dict[str, Any] = Field(alias="schema", description="JSON Schema of one policy")


class Rules(Answer):
    rules: list[Rule]
    settings: list[Annotated[str, WithJsonSchema({"enum": list(RULE_SETTINGS)})]]
    policies: Policies


class ListedBoard(Answer):
    id: int
    name: str
    role: Annotated[str, WithJsonSchema({"enum": ["owner", "editor", "viewer"]})]
    version: int
    updated: Time


class BoardList(Answer):
    boards: list[ListedBoard]


def _non_negative_integer(value: Any) -> Any:
    """The version's check, in the words the API has always used for it."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PydanticCustomError("version", "must be a non-negative integer")
    return value


class BoardReplace(Body):
    """`{"version": N, "board": doc}`: replaces the board when N is its current version."""

    model_config = ConfigDict(extra="forbid")
    shape = '{"version": N, "board": {...}}'

    version: Annotated[int, BeforeValidator(_non_negative_integer), WithJsonSchema({"type": "integer", "minimum": 0})]
    # Any JSON here: the board validator checks it, with places inside the board.
    board: Annotated[Any, WithJsonSchema(component("Board"))]


class Finding(Answer):
    rule: str = Field(description="a rule id, or policy:<id> for a board policy")
    severity: Severity
    nodes: list[str]
    edges: list[str]
    message: str
    hint: str
    suppressed: bool
    reason: str | None = Field(default=None, description="why it is suppressed; only on a suppressed finding")


class Findings(BaseModel):
    model_config = ConfigDict(extra="allow")
    board: str
    version: int | None = None
    findings: list[Finding]
    summary: Annotated[
        dict[str, int], WithJsonSchema({"type": "object", "properties": {s: {"type": "integer"} for s in SEVERITIES}})
    ]
    warnings: list[Located] | None = None


def _figure(description: str) -> Any:
    return Field(description=description)


class ClientEstimate(Answer):
    client: str = _figure("The client node's id")
    rps: Number = _figure("Requests per second it sends at this scale")
    mean_ms: Number | None = _figure("Mean time to an answer; null through a synchronous loop or over capacity")
    p99_ms: Number | None = _figure("99th percentile of that time")
    first_token_ms: Number | None = _figure("Mean time to the first streamed LLM token (sse or websocket edges)")
    availability: Number | None = _figure("Chance that everything it calls synchronously is up")
    slo_p99_ms: Number | None = _figure("The client's own p99 target, if it has one")


class NodeEstimate(Answer):
    rate: Number | None = _figure("Requests per second arriving; null where the routing has no answer")
    servers: int = _figure("replicas x concurrency")
    utilisation: Number | None = _figure("rate x latency / servers; 1 or more is over capacity")
    wait_ms: Number | None = _figure("Mean queueing time (Erlang C); null over capacity")
    mean_ms: Number | None = _figure("Mean time at the node: latency plus the wait")
    availability: Number = _figure("1 - (1 - availability) ^ replicas")


class Estimate(Answer):
    """SPEC section 8: an open network of M/M/c queues fed by the clients' `rps`."""

    board: str
    version: int | None
    scale: Number
    entries: list[ClientEstimate] = _figure("One per client node")
    nodes: dict[str, NodeEstimate] = _figure("Per node id (notes left out)")
    bottleneck: str | None = _figure("The node with the highest utilisation")
    max_scale: Number | None = _figure("The largest scale at which no node is over capacity")
    errors: list[Located] = _figure("What the estimate could not work out, and why")


class Imported(Answer):
    board: BoardDocument
    warnings: list[Located] = Field(description="what the import guessed or dropped, each with its line or element")


class Pasted(Answer):
    op: dict[str, Any]
    warnings: list[Located] = Field(description="what the import guessed or dropped, each with its line or element")


def _board_payload(board: Board) -> dict[str, Any]:
    return {"id": board.pk, "version": board.version, "board": board.document}


@router.get(
    "/rules",
    auth=None,
    response=Rules,
    url_name="api_rules",
    summary="The review rules, the board settings they take, and the grammar of board policies",
)
def rules(request: HttpRequest) -> dict[str, Any]:
    """The review rules (the registry's documentation), the settings `review.rules` takes, and
    the JSON Schema of a board policy, for editors that build settings and policies."""
    listed = [
        {**doc, "url": request.build_absolute_uri(reverse("rule_detail", args=[doc["id"]]))} for doc in rule_docs()
    ]
    policies = {"max": MAX_POLICIES, "prefix": POLICY_PREFIX, "schema": policy_schema()}
    return {"rules": listed, "settings": list(RULE_SETTINGS), "policies": policies}


@router.get(
    "/palette",
    auth=None,
    response=Palette,
    url_name="api_palette",
    summary="Categories and kinds with display names, icon URLs and estimate defaults",
)
def palette_list(request: HttpRequest) -> dict[str, Any]:
    """Categories, kinds and each kind's technologies. A kind without a picture (a note) has
    `"icon": null` and `"diagrams_class": null`."""

    def url(name: str, arg: str) -> str:
        return request.build_absolute_uri(reverse(name, args=[arg]))

    categories = [
        {
            "id": category,
            "name": palette.CATEGORIES[category],
            "kinds": [
                {
                    "id": kind.id,
                    "name": kind.name,
                    "category": kind.category,
                    "icon": url("palette_icon", kind.id) if kind.drawn else None,
                    "diagrams_class": kind.diagrams_class,
                    "techs": [
                        {
                            "id": tech.id,
                            "name": tech.name,
                            "icon": url("palette_tech_icon", tech.id),
                            "diagrams_class": tech.diagrams_class,
                        }
                        for tech in palette.techs_of(kind.id)
                    ],
                    "defaults": defaults_for(kind.id),
                }
                for kind in kinds
            ],
        }
        for category, kinds in palette.kinds_by_category().items()
    ]
    return {"categories": categories}


@router.get(
    "/boards", response={200: BoardList, 401: Error}, url_name="api_boards", summary="Boards the caller can see"
)
def board_list(request: HttpRequest) -> dict[str, Any]:
    listing = [
        {"id": b.pk, "name": b.name, "role": role, "version": b.version, "updated": b.updated_at.isoformat()}
        for b, role in boards_visible_to(request.user)  # type: ignore[arg-type]
    ]
    return {"boards": listing}


@router.post(
    "/boards",
    response={201: StoredBoard, 400: Error, 401: Error, 403: Error, 422: Error},
    url_name="api_boards",
    summary="Create a board from a document",
    openapi_extra=BOARD_BODY,
)
def board_create(request: HttpRequest) -> Status[dict[str, Any]]:
    hit("board_create", request.user.pk)
    board = services.board_create(owner=request.user, document=read_json(request))  # type: ignore[arg-type]
    return Status(201, _board_payload(board))


@router.get(
    "/boards/{int:board_id}",
    response={200: StoredBoard, 401: Error, 404: Error},
    url_name="api_board",
    summary="A board and its version",
)
def board_detail(request: HttpRequest, board_id: int) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="view")
    return _board_payload(board)


@router.put(
    "/boards/{int:board_id}",
    response={200: StoredBoard, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
    url_name="api_board",
    summary="Replace the document when `version` is the current one; live editors follow",
)
def board_replace(request: HttpRequest, board_id: int, body: BoardReplace) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="edit")
    document = validate_board(body.board)
    applied = services.board_replace(board=board, version=body.version, document=document, user=request.user)  # type: ignore[arg-type]
    return {"id": board.pk, "version": applied.version, "board": applied.document}


@router.delete(
    "/boards/{int:board_id}",
    response={204: None, 401: Error, 403: Error, 404: Error},
    url_name="api_board",
    summary="Delete the board (owner only)",
)
def board_delete(request: HttpRequest, board_id: int) -> Status[None]:
    board, _ = get_board_for(request.user, board_id, need="own")
    services.board_delete(board=board)
    return Status(204, None)


@router.get(
    "/boards/{int:board_id}/review",
    response={200: Findings, 401: Error, 404: Error},
    url_name="api_board_review",
    summary="Review findings of the stored board",
)
def board_review(request: HttpRequest, board_id: int) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="view")
    return review_of(board)


@router.post(
    "/review",
    response={200: Findings, 400: Error, 401: Error, 422: Error},
    url_name="api_review",
    summary="Review a document; nothing is stored",
    openapi_extra=BOARD_BODY,
)
def review(request: HttpRequest) -> dict[str, Any]:
    return review_document(document=validate_board(read_json(request)))


def _estimate_scale(raw: str | None) -> float:
    """The estimate's `?scale=` (default 1); a bad one is a located 422."""
    raw = "1" if raw is None else raw
    try:
        scale = float(raw)
    except ValueError:
        scale = math.nan
    problem = check_scale(scale)
    if problem is not None:
        raise BoardError.one("scale", f"{problem}, not {raw[:20]!r}")
    return scale


@router.get(
    "/boards/{int:board_id}/estimate",
    response={200: Estimate, 401: Error, 404: Error, 422: Error},
    url_name="api_board_estimate",
    summary="Capacity, latency and availability estimate of the stored board",
)
def board_estimate(request: HttpRequest, board_id: int, scale: Scale = None) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="view")
    return estimate_board(board.document, scale=_estimate_scale(scale), version=board.version)


@router.post(
    "/estimate",
    response={200: Estimate, 400: Error, 401: Error, 422: Error},
    url_name="api_estimate",
    summary="Estimate a document's capacity, latency and availability; nothing is stored",
    openapi_extra=BOARD_BODY,
)
def estimate(request: HttpRequest, scale: Scale = None) -> dict[str, Any]:
    factor = _estimate_scale(scale)
    return estimate_board(validate_board(read_json(request)), scale=factor)


def _scale(raw: str | None) -> float:
    if raw is None:
        return 1.0
    try:
        return float(raw)
    except ValueError:
        raise InvalidOption(f"scale must be a number, not {raw[:20]!r}") from None


def _download(content: bytes, media_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=0"
    return response


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UnknownFormat(f"unknown format {fmt[:20]!r}; use one of {', '.join(FORMATS)}")
    return fmt


@router.get(
    "/boards/{int:board_id}/export.{fmt}",
    response={400: Error, 401: Error, 404: Error, 422: Error, 503: Error},
    url_name="api_board_export",
    summary="The rendering (PNG, SVG, PDF, DOT, diagrams Python script), the document, or the "
    "board as Mermaid, draw.io, Compose or Kubernetes (SPEC 9)",
    openapi_extra=rendering("The export"),
)
async def board_export(
    request: HttpRequest,
    board_id: int,
    fmt: Annotated[str, WithJsonSchema({"enum": list(FORMATS)})],
    scale: PictureScale = None,
    layout: Layout = None,
    background: Background = None,
    width: Width = None,
    links: Links = None,
    syntax: Syntax = "architecture",
    only: Only = None,
) -> HttpResponse:
    _format(fmt)
    board, _ = await sync_to_async(get_board_for)(request.user, board_id, need="view")
    page = request.build_absolute_uri(reverse("board_detail", args=[board.pk]))
    picture = picture_from_query(request.GET, link=page)
    doc = board.document if only is None else board_part(board.document, only)
    rendered = await render_board_async(
        doc, fmt=fmt, scale=_scale(scale), picture=picture, budget=request.user.pk, syntax=syntax
    )
    slug = "".join(c if c.isalnum() else "-" for c in board.name.lower()).strip("-")[:60] or f"board-{board.pk}"
    return _download(rendered.content, rendered.media_type, f"{slug}.{fmt}")


@router.post(
    "/render",
    response={400: Error, 401: Error, 422: Error, 503: Error},
    url_name="api_render",
    summary="Render a document; nothing is stored",
    openapi_extra={**BOARD_BODY, **rendering("The rendering")},
)
async def render(
    request: HttpRequest,
    format: Annotated[str, WithJsonSchema({"enum": list(FORMATS)}), Query("png")] = "png",
    scale: PictureScale = None,
    layout: Layout = None,
    background: Background = None,
    width: Width = None,
    syntax: Syntax = "architecture",
    only: Only = None,
) -> HttpResponse:
    fmt = _format(format)
    picture = picture_from_query(request.GET)
    doc = validate_board(read_json(request))
    if only is not None:
        doc = board_part(doc, only)
    rendered = await render_board_async(
        doc, fmt=fmt, scale=_scale(scale), picture=picture, budget=request.user.pk, syntax=syntax
    )
    return _download(rendered.content, rendered.media_type, f"board.{fmt}")


def _uploaded(request: HttpRequest) -> tuple[bytes, str | None]:
    """The file of an import: the body itself, or the one file of a form upload (`curl -F`)."""
    if request.content_type == "multipart/form-data":
        try:
            fields = list(request.FILES)
            upload = request.FILES.get(fields[0]) if fields else None
        except MultiPartParserError as exc:
            raise BoardError.one("body", f"a malformed form upload: {exc}") from None
        if upload is None:
            raise BoardError.one("body", "a form upload with no file in it")
        return upload.read(), upload.name
    try:
        return request.body, None
    except RawPostDataException:
        raise BoardError.one("body", "the body could not be read as the file") from None


def _import(request: HttpRequest, fmt: str, filename: str | None) -> Any:
    """The body read as a board in `fmt` (auto-detected by default); counted as a render, the
    work it costs is of that order."""
    hit("render", request.user.pk)
    raw, uploaded_name = _uploaded(request)
    return import_board(raw, fmt=fmt, filename=filename or uploaded_name)


@router.post(
    "/import",
    response={200: Imported, 400: Error, 401: Error, 422: Error},
    url_name="api_import",
    summary="Read a file in any importable format (SPEC 9) as a board; nothing is stored",
    openapi_extra=IMPORT_BODY,
)
def import_file(
    request: HttpRequest,
    format: ImportFormat = "auto",
    filename: Filename = None,
) -> dict[str, Any]:
    """SPEC 9: a file of any importable format -> `{"board", "warnings"}`; nothing is stored."""
    result = _import(request, format, filename)
    return {"board": result.board, "warnings": result.warnings}


def _coordinate(name: str, raw: str | None) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InvalidOption(f"{name} must be a number, not {raw[:20]!r}") from None
    if not abs(value) <= 1e7:
        raise InvalidOption(f"{name} must be between -1e7 and 1e7")
    return value


@router.post(
    "/boards/{int:board_id}/paste",
    response={200: Pasted, 400: Error, 401: Error, 403: Error, 404: Error, 422: Error},
    url_name="api_board_paste",
    summary="Pasted text in any importable format as a `batch` op of new elements for this "
    "board (ids that do not clash, centred at x, y); nothing is stored (editors)",
    openapi_extra=IMPORT_BODY,
)
def board_paste(
    request: HttpRequest,
    board_id: int,
    format: ImportFormat = "auto",
    filename: Filename = None,
    x: Coordinate = None,
    y: Coordinate = None,
) -> dict[str, Any]:
    """Pasted text (any importable format) as new elements of this board: `{"op", "warnings"}`,
    a `batch` op with ids that do not clash, centred at `?x=&y=`, for the editor to send.
    Nothing is stored; editors only, as the op they will send."""
    board, _ = get_board_for(request.user, board_id, need="edit")
    at_x, at_y = _coordinate("x", x), _coordinate("y", y)
    result = _import(request, format, filename)
    at = (at_x, at_y) if at_x is not None and at_y is not None else None
    op = validate_op(paste_op(board.document, result.board, at=at))
    return {"op": op, "warnings": result.warnings}
