"""The tools and resources of the MCP server, on the SDK's `MCPServer`.

Each tool does what the matching REST route does, through the same services: `get_board_for`
for access (a board the caller may not see is "no such board", a write a viewer may not make is
refused with the API's 403 text), `board_apply_ops` for every change (one op id per op, so live
editors receive each one as `applied`), the render service with the caller's render budget, and
the same rate limits and error texts. A tool answers a problem as a tool error (`isError`) whose
text names each problem where it is (`ops[0].node.kind: unknown kind 'vectordb'`) and whose
structured content is the API's error shape, never a traceback.

While an agent works on a board its editors see it as present, as "<user> (via MCP)", with the
elements it just changed selected; the activity feed names its ops too (their op ids start with
`mcp-`, whiteboard.domain.activity).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from channels.db import database_sync_to_async
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError, UnexpectedToolError
from mcp.types import (
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    InputRequiredResult,
    ListResourcesResult,
    PaginatedRequestParams,
    Resource,
    TextContent,
    ToolAnnotations,
)
from pydantic import Field, ValidationError, WithJsonSchema

from whiteboard.boards import services
from whiteboard.boards.access import Need, boards_visible_to, get_board_for
from whiteboard.boards.models import Board
from whiteboard.boards.types import AppliedOp, LimitExceeded, OpItem, OpResult
from whiteboard.collab import protocol
from whiteboard.collab.hub import get_hub
from whiteboard.domain import palette
from whiteboard.domain.activity import MCP_OP_PREFIX
from whiteboard.domain.board import BoardError, board_part, dumps_board
from whiteboard.domain.board_schema import board_schema, op_schema
from whiteboard.domain.estimate import MAX_SCALE as MAX_ESTIMATE_SCALE
from whiteboard.domain.estimate import defaults_for
from whiteboard.domain.estimate import estimate_board as run_estimate
from whiteboard.domain.formats import IMPORTS
from whiteboard.domain.formats import import_board as read_file
from whiteboard.domain.jsontext import find_problems
from whiteboard.limits import RateLimited, hit
from whiteboard.rendering import FORMATS, Picture, RenderError, UnknownFormat, picture_from_query, render_board_async
from whiteboard.rendering.service import BACKGROUNDS, LAYOUTS, MAX_SCALE, MAX_WIDTH, MIN_SCALE, MIN_WIDTH
from whiteboard.rest import pydantic_problem
from whiteboard.reviews.running import review_of

# Set by whiteboard.mcp.http on the ASGI scope of each request: the bearer token's user, and the
# problems the screen held back from a tool call's arguments (whiteboard.mcp.screen).
USER_KEY = "archboard.mcp.user"
HELD_KEY = "archboard.mcp.held"
MAX_OPS_PER_CALL = 1_000

INSTRUCTIONS = """\
Archboard stores architecture diagrams ("boards") as JSON documents, format "archboard/1": nodes
(components, each of a palette kind such as api_gateway, service, llm, agent, queue, sql_db),
edges (a request or message flowing from source to target) and groups (boxes around nodes).
People may be editing a board while you work on it: they see each change you make at once,
and see you as present on the board.

Typical work: list_boards (or create_board); get_board to read the current document and
version; apply_ops to change it (add, update and delete nodes, edges and groups); review_board to
find design problems (single points of failure, clients talking straight to databases, agent
cycles, ...); fix them with apply_ops; render_board to look at the result; estimate_board for
capacity, latency and availability once client nodes carry props.rps. get_palette lists every
kind and the technologies (props.tech) each kind may name.

Positions: x and y are the canvas position of a node's centre in pixels; boxes are 60 px wide,
so keep nodes about 180 px apart and the flow in the board's direction (left to right by
default). Props: replicas (1-1000; 2 or more removes a single point of failure), protocol on
edges (http https grpc graphql websocket sse tcp amqp kafka sql other), async (edges),
rate_limited (api gateways), tech (a technology id of the node's kind).
"""

BoardId = Annotated[int, Field(ge=1, description="The board's id, as list_boards or create_board gives it.")]
BoardDocument = Annotated[
    dict[str, Any],
    WithJsonSchema({**board_schema(), "description": 'A whole board document, "format": "archboard/1".'}),
]
Op = Annotated[dict[str, Any], WithJsonSchema(op_schema())]
Layout = Annotated[
    str | None,
    WithJsonSchema(
        {
            "enum": [*LAYOUTS, None],
            "description": "drawn: as the canvas shows it (the default when every node has x and y); "
            "auto: laid out by graphviz",
        }
    ),
]
Background = Annotated[str, WithJsonSchema({"enum": list(BACKGROUNDS), "default": "white"})]
Width = Annotated[
    int | None,
    Field(ge=MIN_WIDTH, le=MAX_WIDTH, description="drawn layout: the picture's width in px (text stays readable)"),
]
Scale = Annotated[float, Field(ge=MIN_SCALE, le=MAX_SCALE, description="PNG: 2 draws at 192 dpi")]
Only = Annotated[
    str | None,
    Field(
        max_length=20_000,
        description="a part of the board: node, group and edge ids separated by commas (a group brings its "
        "members, an edge its ends, with the connections between them and the groups around them)",
    ),
]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)


# --- who is calling -------------------------------------------------------------------------------


class ArchboardMCP(MCPServer):
    """The SDK's server with Archboard's caller, its error answers and per-user resource lists.

    `stdio_user` is the one user a stdio server acts for (`manage.py mcp --user NAME`); over HTTP
    each request acts for its bearer token's user.
    """

    def __init__(self, *, stdio_user: User | None = None) -> None:
        super().__init__("archboard", title="Archboard", instructions=INSTRUCTIONS)
        self.stdio_user = stdio_user
        # Over stdio: the problems the screen held back from a tool call, by JSON-RPC request id.
        self.held: dict[Any, list[dict[str, str]]] = {}
        for tool, hints in TOOLS:
            self.add_tool(tool, annotations=hints)
        self.resource(
            "board://{board_id}",
            name="board",
            title="Board document",
            description="A board's current document (archboard/1 JSON). resources/list names every board you can see.",
            mime_type="application/json",
        )(board_resource)

    async def run_over(self, read_stream: Any, write_stream: Any) -> None:
        """Serve one connection on these message streams: stdio's, whose stdin is screened
        (whiteboard.mcp.stdio). The SDK's `run_stdio_async` reads stdin itself, unscreened."""
        lowlevel = self._lowlevel_server
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())

    def caller(self, request: Any) -> User:
        """The user a request acts for: its bearer token's over HTTP, the stdio user otherwise."""
        if request is not None:
            user: User = request.scope[USER_KEY]
            return user
        if self.stdio_user is None:
            raise RuntimeError("an MCP request with no HTTP request needs the server's stdio user")
        return self.stdio_user

    def _held(self, context: Context[Any, Any]) -> list[dict[str, str]]:
        request = context.request_context.request
        if request is not None:
            held: list[dict[str, str]] = request.scope.get(HELD_KEY, [])
            return held
        return self.held.pop(context.request_context.request_id, [])

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        """Every tool call: bad text refused before any tool sees it, and a tool's failure answered
        as the REST API answers it (whiteboard.rest.error_response), as a tool error."""
        problems = (self._held(context) if context is not None else []) or find_problems(arguments)
        if problems:
            return _refused("invalid input", problems)
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, ValidationError):
                return _refused("invalid input", [pydantic_problem(error) for error in cause.errors()])
            if isinstance(exc, UnexpectedToolError) and cause is not None:
                answer = _answer(cause)
                if answer is not None:
                    return answer
            raise

    # The SDK lists only resources registered in advance; boards are listed per caller. (The SDK
    # is pinned exactly in requirements.txt: this overrides the handler it registers.)
    async def _handle_list_resources(
        self, ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        user = self.caller(ctx.request)
        boards = await database_sync_to_async(boards_visible_to)(user)
        return ListResourcesResult(
            resources=[
                Resource(
                    uri=f"board://{board.pk}",
                    name=board.name or f"Board {board.pk}",
                    description=f"{role} of this board; version {board.version}, "
                    f"{board.node_count} nodes, {board.edge_count} edges",
                    mime_type="application/json",
                )
                for board, role in boards
            ]
        )


def _caller(ctx: Context[Any, Any]) -> User:
    server = ctx.mcp_server
    assert isinstance(server, ArchboardMCP)
    return server.caller(ctx.request_context.request)


# --- errors -----------------------------------------------------------------------------------------


def _refused(detail: str, errors: list[dict[str, str]] | None = None, **extra: Any) -> CallToolResult:
    """A tool error: the problem in words for the agent, the API's error shape for programs."""
    lines = [f"{e['loc']}: {e['msg']}" if e["loc"] else e["msg"] for e in errors or []]
    text = "\n".join([f"{detail}:", *lines]) if lines else detail
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content={"detail": detail, "errors": errors or [], **extra},
        is_error=True,
    )


def _answer(exc: BaseException) -> CallToolResult | None:
    """The answer to a service's refusal, in the REST API's words; None for a fault of ours."""
    if isinstance(exc, BoardError):
        return _refused("invalid input", exc.errors)
    if isinstance(exc, Http404 | Board.DoesNotExist):
        return _refused("no such board")
    if isinstance(exc, PermissionDenied):
        return _refused(str(exc) or "forbidden")
    if isinstance(exc, LimitExceeded):
        return _refused(str(exc))
    if isinstance(exc, RateLimited):
        return _refused(str(exc), retry_after=exc.retry_after)
    if isinstance(exc, RenderError):
        return _refused(exc.message)
    return None


# --- presence -----------------------------------------------------------------------------------


def agent_name(user: User) -> str:
    return f"{user.get_username()} (via MCP)"


def _visit(user: User, board: Board, document: dict[str, Any] | None = None, touched: list[str] | None = None) -> None:
    """Show the agent as present on the board: as its user via MCP, the elements it just changed
    selected and its cursor on the last node it placed (editors see where it is working)."""
    name = agent_name(user)
    message: dict[str, Any] = {
        "type": "presence",
        "user": name,
        "client": f"{MCP_OP_PREFIX}-{user.pk}",
        "color": protocol.colour_for(name),
    }
    if document is not None and touched is not None:
        present = {e["id"]: e for section in ("nodes", "edges", "groups") for e in document[section]}
        message["selection"] = [element_id for element_id in dict.fromkeys(touched) if element_id in present]
        placed = [present[i] for i in message["selection"] if "x" in present[i] and "y" in present[i]]
        if placed:
            message["cursor"] = {"x": placed[-1]["x"], "y": placed[-1]["y"]}
    get_hub().visit(board.pk, message)


def _touched(op: dict[str, Any]) -> Iterator[str]:
    """The ids of the elements an (applied, normal-form) op added or changed."""
    if op["action"] == "batch":
        for inner in op["ops"]:
            yield from _touched(inner)
    for noun in ("node", "edge", "group"):
        if noun in op:
            yield op[noun]["id"]
    if "id" in op:
        yield op["id"]


# --- tools --------------------------------------------------------------------------------------


async def _board_for(user: User, board_id: int, need: Need = "view") -> Board:
    found: tuple[Board, str] = await database_sync_to_async(get_board_for)(user, board_id, need=need)
    return found[0]


async def list_boards(
    ctx: Context,
    name_contains: Annotated[str, Field(max_length=200, description="Only boards whose name contains this.")] = "",
) -> dict[str, Any]:
    """List the boards you can see, most recently changed first: id, name, your role (owner,
    editor or viewer), version, when it last changed, and its node and edge counts."""
    boards = await database_sync_to_async(boards_visible_to)(_caller(ctx), name_contains=name_contains)
    listing = [
        {
            "id": board.pk,
            "name": board.name,
            "role": role,
            "version": board.version,
            "updated": board.updated_at.isoformat(),
            "nodes": board.node_count,
            "edges": board.edge_count,
        }
        for board, role in boards
    ]
    return {"boards": listing}


async def get_board(board_id: BoardId, ctx: Context) -> dict[str, Any]:
    """Read a board: {"id", "version", "board"}, the board being its whole archboard/1 document.
    Read it before changing it: element ids are needed to update, connect or delete them."""
    user = _caller(ctx)
    board = await _board_for(user, board_id)
    _visit(user, board)
    return {"id": board.pk, "version": board.version, "board": board.document}


async def create_board(board: BoardDocument, ctx: Context) -> dict[str, Any]:
    """Store a new board that you own; answers {"id", "version", "board"}.

    The smallest board: {"format": "archboard/1", "name": "Checkout", "nodes": [], "edges": []}.
    Nodes need an id (1-64 of A-Z a-z 0-9 _ . : -) and a kind (get_palette); edges an id, a
    source and a target node id; ids are unique across nodes, edges and groups. Example node:
    {"id": "gw", "kind": "api_gateway", "label": "API Gateway", "x": 200, "y": 100,
    "props": {"replicas": 2, "rate_limited": true}}; edge: {"id": "e1", "source": "web",
    "target": "gw", "props": {"protocol": "https"}}. A document with any problem is refused whole,
    each problem named by its place (nodes[3].kind: unknown kind 'vectordb').
    """
    user = _caller(ctx)
    created = await database_sync_to_async(_create)(user, board)
    return {"id": created.pk, "version": created.version, "board": created.document}


def _create(user: User, document: dict[str, Any]) -> Board:
    hit("board_create", user.pk)
    return services.board_create(owner=user, document=document)


async def apply_ops(
    board_id: BoardId,
    ops: Annotated[list[Op], Field(min_length=1, max_length=MAX_OPS_PER_CALL)],
    ctx: Context,
) -> CallToolResult:
    """Change a board: apply ops in order, each on its own, as a live editor's changes are.

    People editing the board see each applied op at once. Each op is accepted or rejected on its
    own (a rejected op changes nothing; the next one sees the board without it); for all or
    nothing, send one {"action": "batch", "ops": [...]}. results[i] answers ops[i] as the
    WebSocket would: {"type": "applied", "version", "op_id", "user"} or {"type": "rejected",
    "op_id", "error", "errors"}; a rejected op makes the call a tool error naming its problem.

    Ops (ids as in get_board):
      {"action": "add_node", "node": {"id": "cache", "kind": "cache", "label": "Redis", "x": 400, "y": 200,
       "props": {"tech": "redis", "replicas": 2}}}
      {"action": "update_node", "id": "api", "set": {"label": "API", "props": {"replicas": 3}}}
      {"action": "delete_node", "id": "old"}   (its edges go too)
      {"action": "add_edge", "edge": {"id": "e7", "source": "api", "target": "cache", "props": {"protocol": "tcp"}}}
      {"action": "update_edge", "id": "e7", "set": {"label": "reads", "props": {"async": true}}}
      {"action": "delete_edge", "id": "e7"}
      {"action": "add_group", "group": {"id": "data", "label": "Data tier"}}  (nodes join with set.group)
      {"action": "update_group", "id": "data", "set": {"label": "Storage"}}
      {"action": "delete_group", "id": "data"}  (members move to its parent)
      {"action": "set_board", "set": {"name": "...", "description": "...", "direction": "TB"}}
      {"action": "batch", "ops": [...]}   {"action": "replace", "board": {...whole document...}}
    In "set", given fields replace the old ones; null clears x, y, group or parent; in
    set.props a key set to null is removed.
    """
    user = _caller(ctx)
    board, items, results = await database_sync_to_async(_apply)(user, board_id, ops)
    answers: list[dict[str, Any]] = []
    touched: list[str] = []
    version, document = board.version, board.document
    for i, (item, result) in enumerate(zip(items, results, strict=True)):
        if isinstance(result, AppliedOp):
            answers.append({k: v for k, v in result.message().items() if k != "op"})
            touched += _touched(result.op)
            version, document = result.version, result.document
        else:
            errors = result.errors if isinstance(result, BoardError) else [{"loc": "", "msg": str(result)}]
            answers.append(protocol.rejected(item.op_id, _relocated(errors, i)))
    _visit(user, board, document, touched)
    payload = {"board_id": board.pk, "version": version, "results": answers}
    rejected = [a["error"] for a in answers if a["type"] == "rejected"]
    if not rejected:
        return CallToolResult(content=[TextContent(type="text", text=json.dumps(payload))], structured_content=payload)
    applied = len(answers) - len(rejected)
    summary = (
        f"{len(rejected)} of {len(answers)} ops rejected; "
        + (f"the other {applied} applied" if applied else "nothing was applied")
        + f" (board {board.pk} is at version {version}):"
    )
    return CallToolResult(
        content=[TextContent(type="text", text="\n".join([summary, *rejected]))],
        structured_content=payload,
        is_error=True,
    )


def _apply(user: User, board_id: int, ops: list[dict[str, Any]]) -> tuple[Board, list[OpItem], list[OpResult]]:
    """The ops through the one op path, one op id each, so each is stored, versioned and announced
    to the board's live editors like an editor's op."""
    board, _ = get_board_for(user, board_id, need="edit")
    items = [OpItem(op, services.new_op_id(MCP_OP_PREFIX), user) for op in ops]
    try:
        results = services.board_apply_ops(board_id=board.pk, items=items)
    except Board.DoesNotExist:
        raise Http404("No such board.") from None
    return board, items, results


def _relocated(errors: list[dict[str, str]], index: int) -> list[dict[str, str]]:
    """An op's errors (located from `op`) located in the call's arguments: `ops[2].node.kind`."""
    where = f"ops[{index}]"
    return [{**e, "loc": where + e["loc"].removeprefix("op") if e["loc"].startswith("op") else where} for e in errors]


async def review_board(board_id: BoardId, ctx: Context) -> dict[str, Any]:
    """Review a board's design: findings with rule, severity (error, warning, info), the nodes and
    edges concerned, a message and a hint on how to fix it; a summary counts them by severity.
    Findings the board suppresses (review.suppress) are listed with "suppressed": true."""
    user = _caller(ctx)
    board = await _board_for(user, board_id)
    _visit(user, board)
    return await asyncio.to_thread(review_of, board)


async def estimate_board(
    board_id: BoardId,
    ctx: Context,
    scale: Annotated[
        float, Field(ge=0, le=MAX_ESTIMATE_SCALE, description="Multiplies every client's rps (1: as drawn).")
    ] = 1.0,
) -> dict[str, Any]:
    """Estimate a board's capacity, latency and availability under its clients' load: client nodes
    with props.rps send requests that follow the edges (props.fraction out of routers,
    props.calls per request elsewhere; a cache's hit_ratio keeps its hits). Per client: mean and
    p99 time, time to first token, availability; per node: utilisation, wait and mean time; the
    bottleneck; max_scale, the largest scale no node is over capacity at. Nodes take latency_ms,
    concurrency and availability props (get_palette shows each kind's defaults)."""
    user = _caller(ctx)
    board = await _board_for(user, board_id)
    _visit(user, board)
    return await asyncio.to_thread(run_estimate, board.document, scale=scale, version=board.version)


def _picture(layout: str | None, background: str, width: int | None) -> Picture:
    # The REST API's own check of these options, so both answer a bad one in the same words.
    return picture_from_query({"layout": layout or "", "background": background, "width": str(width or "")})


async def render_board(
    board_id: BoardId,
    ctx: Context,
    format: Annotated[str, WithJsonSchema({"enum": ["png", "svg"], "default": "png"})] = "png",
    layout: Layout = None,
    scale: Scale = 1.0,
    width: Width = None,
    background: Background = "white",
    only: Only = None,
) -> CallToolResult:
    """Draw a board (or a part of it, `only`) to look at it: a PNG image, or the SVG text (each
    element of a drawn SVG is a <g data-id="<element id>">). The drawn layout shows it as the
    canvas does."""
    if format not in ("png", "svg"):
        raise UnknownFormat(f"unknown format {format[:20]!r}; use png or svg")
    return await _export(_caller(ctx), board_id, format, scale, _picture(layout, background, width), only)


async def export_board(
    board_id: BoardId,
    ctx: Context,
    format: Annotated[str, WithJsonSchema({"enum": list(FORMATS), "default": "json"})] = "json",
    layout: Layout = None,
    scale: Scale = 1.0,
    width: Width = None,
    background: Background = "white",
    only: Only = None,
) -> CallToolResult:
    """Export a board (or a part of it, `only`) as a file: json (the board document), py (a runnable `diagrams` script),
    dot (graphviz), svg, png, pdf, mmd (Mermaid), drawio, compose.yaml (a runnable Docker Compose
    file) or k8s.yaml (Kubernetes manifests). Text formats come back as text, png as an image,
    pdf as an embedded resource."""
    if format not in FORMATS:
        raise UnknownFormat(f"unknown format {format[:20]!r}; use one of {', '.join(FORMATS)}")
    return await _export(_caller(ctx), board_id, format, scale, _picture(layout, background, width), only)


async def _export(
    user: User, board_id: int, fmt: str, scale: float, picture: Picture, only: str | None
) -> CallToolResult:
    board = await _board_for(user, board_id)
    _visit(user, board)
    doc = board.document if only is None else board_part(board.document, only)
    rendered = await render_board_async(doc, fmt=fmt, scale=scale, picture=picture, budget=user.pk)
    media_type = rendered.media_type.split(";")[0]
    if media_type.startswith("image/png"):
        data = base64.b64encode(rendered.content).decode()
        return CallToolResult(content=[ImageContent(type="image", data=data, mime_type=media_type)])
    if media_type == "application/pdf":
        blob = BlobResourceContents(
            uri=f"board://{board.pk}/export.{fmt}",
            mime_type=media_type,
            blob=base64.b64encode(rendered.content).decode(),
        )
        return CallToolResult(content=[EmbeddedResource(type="resource", resource=blob)])
    return CallToolResult(content=[TextContent(type="text", text=rendered.content.decode())])


async def import_board(
    text: Annotated[str, Field(description="The file's content.")],
    ctx: Context,
    format: Annotated[str, WithJsonSchema({"enum": ["auto", *IMPORTS], "default": "auto"})] = "auto",
    store: Annotated[bool, Field(description="Store it as a new board of yours (else only convert it).")] = True,
) -> dict[str, Any]:
    """Read a board from a file's text: {"board", "warnings"} (what the import guessed or dropped,
    each with its line or element), and with store (the default) also store it as a new board of
    yours: {"id", "version", "board", "warnings"}. Formats (SPEC 9): archboard (the board document
    as JSON), diagrams (a Python `diagrams` script, read, never run), mermaid (flowchart or
    architecture-beta), drawio, compose (a Docker Compose file); auto tells them apart."""
    result = read_file(text, fmt=format)
    document, warnings = result.board, result.warnings
    if not store:
        return {"board": document, "warnings": warnings}
    created = await database_sync_to_async(_create)(_caller(ctx), document)
    return {"id": created.pk, "version": created.version, "board": created.document, "warnings": warnings}


async def get_palette() -> dict[str, Any]:
    """The palette: every category with its kinds (the values of a node's "kind"), each kind's
    technologies (the values its props.tech may take, e.g. cache: redis, memcached) and the
    estimate's defaults for it (latency_ms, concurrency, availability)."""
    return {
        "categories": [
            {
                "id": category,
                "name": palette.CATEGORIES[category],
                "kinds": [
                    {
                        "id": kind.id,
                        "name": kind.name,
                        "techs": [tech.id for tech in palette.techs_of(kind.id)],
                        "defaults": defaults_for(kind.id),
                    }
                    for kind in kinds
                ],
            }
            for category, kinds in palette.kinds_by_category().items()
        ]
    }


async def board_resource(board_id: int, ctx: Context) -> str:
    try:
        board = await _board_for(_caller(ctx), board_id)
    except Http404:
        raise ResourceNotFoundError("no such board") from None
    return dumps_board(board.document)


TOOLS: list[tuple[Callable[..., Any], ToolAnnotations]] = [
    (list_boards, READ_ONLY),
    (get_board, READ_ONLY),
    (create_board, ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)),
    (apply_ops, ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)),
    (review_board, READ_ONLY),
    (estimate_board, READ_ONLY),
    (render_board, READ_ONLY),
    (import_board, ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)),
    (export_board, READ_ONLY),
    (get_palette, READ_ONLY),
]
