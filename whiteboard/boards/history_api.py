"""The history routes of the REST API: versions, restore, diffs (JSON and pictures) and the
activity feed of a board."""

from __future__ import annotations

from typing import Annotated, Any

from asgiref.sync import sync_to_async
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Status
from pydantic import Field, WithJsonSchema

from whiteboard.boards import history
from whiteboard.boards.access import get_board_for
from whiteboard.boards.api import BINARY, Finding, _download
from whiteboard.boards.history import IMAGE_FORMATS, PAGE_SIZE
from whiteboard.boards.models import Board
from whiteboard.boards.models import Snapshot as SnapshotRow
from whiteboard.boards.services import board_restore
from whiteboard.domain.board import MAX_NAME, BoardError
from whiteboard.domain.diff import diff_boards, diff_styles, union_board
from whiteboard.domain.ops import ACTIONS
from whiteboard.rendering import render_board_async
from whiteboard.rest import AUTH, Answer, BoardDocument, Body, Error, StoredBoard, Time, Username, component, error

router = Router(auth=AUTH, by_alias=True, exclude_unset=True)

VERSION = {"type": "integer", "minimum": 1}
# Whitespace around a name is stripped, and what is left must not be empty.
NOT_BLANK = r"\S"
Page = Annotated[str | None, WithJsonSchema({"type": "integer", "minimum": 1}), Query(None)]
VersionNumber = Annotated[int, WithJsonSchema(VERSION)]


def page_of(request: HttpRequest, items: Any, size: int | None = None) -> Any:
    """The requested page (`?page=N`, clamped to the range) of a queryset or list."""
    return Paginator(items, size or PAGE_SIZE).get_page(request.GET.get("page"))


def page_json(page: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "items": items,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "count": page.paginator.count,
    }


class Paged(Answer):
    """`page_json`: one page of a list, `PAGE_SIZE` items at most."""

    page: int = Field(ge=1)
    pages: int = Field(ge=1)
    count: int = Field(ge=0)


def version_or_404(board: Board, raw: object) -> int:
    try:
        return history.parse_version(raw, board)
    except history.VersionNotFound:
        raise Http404("No such version.")


def document_or_404(board: Board, version: int) -> dict[str, Any]:
    try:
        return history.document_at(board, version)
    except history.VersionNotFound:
        raise Http404("No such version.")


def diff_range(request: HttpRequest, board: Board) -> tuple[int, int]:
    """`?from=A&to=B`: versions of this board (`to` defaults to the current one); 404 for others."""
    if "from" not in request.GET:
        raise BoardError.one("from", "give the version to compare from: ?from=A&to=B")
    start = version_or_404(board, request.GET["from"])
    end = version_or_404(board, request.GET.get("to", board.version))
    return start, end


# `from` is a Python keyword: the span is read by diff_range, published here.
Span = Annotated[str | None, WithJsonSchema(VERSION), Query(None, alias="from")]
SpanEnd = Annotated[str | None, WithJsonSchema(VERSION), Query(None)]


def snapshot_json(snapshot: SnapshotRow) -> dict[str, Any]:
    return {
        "id": snapshot.pk,
        "version": snapshot.version,
        "kind": snapshot.kind,
        "name": snapshot.name,
        "author": snapshot.author.get_username() if snapshot.author else None,
        "created_at": snapshot.created_at.isoformat(),
    }


class Snapshot(Answer):
    id: int
    version: VersionNumber
    kind: Annotated[
        str,
        WithJsonSchema({"enum": list(SnapshotRow.Kind.values), "description": "named, or an automatic checkpoint"}),
    ]
    name: str = Field(json_schema_extra={"maxLength": MAX_NAME}, description="empty for a checkpoint")
    author: Username
    created_at: Time


class Versions(Paged):
    current: int = Field(description="the board's version")
    items: list[Snapshot] = Field(json_schema_extra={"maxItems": PAGE_SIZE})


class NewVersion(Body):
    shape = '{"name": ..., "version": N}'

    name: str = Field(json_schema_extra={"minLength": 1, "maxLength": MAX_NAME, "pattern": NOT_BLANK})
    version: Annotated[
        int | None,
        WithJsonSchema(
            {
                **VERSION,
                "description": "the version to name (a version of this board; 404 else); the current one when left out",
            }
        ),
    ] = None


class RestoredBoard(Answer):
    id: int
    version: int = Field(description="the new version the restore made")
    restored: VersionNumber
    board: BoardDocument


class Change(Answer):
    field: str
    from_: Any = Field(
        default=None, alias="from", description="any JSON value; left out where the field is absent on that side"
    )
    to: Any = Field(default=None, description="any JSON value; left out where the field is absent on that side")


class PropChange(Answer):
    key: str
    from_: Any = Field(
        default=None, alias="from", description="any JSON value; left out where the field is absent on that side"
    )
    to: Any = Field(default=None, description="any JSON value; left out where the field is absent on that side")


class Changed(Answer):
    id: str
    label: str = Field(description="the label in the later version")
    fields: list[Change]
    props: list[PropChange]


def _listed(element: str) -> Any:
    return WithJsonSchema({"type": "array", "items": component(element)})


class NodeChanges(Answer):
    added: Annotated[list[dict[str, Any]], _listed("Node")]
    removed: Annotated[list[dict[str, Any]], _listed("Node")]
    changed: list[Changed]


class EdgeChanges(Answer):
    added: Annotated[list[dict[str, Any]], _listed("Edge")]
    removed: Annotated[list[dict[str, Any]], _listed("Edge")]
    changed: list[Changed]


class GroupChanges(Answer):
    added: Annotated[list[dict[str, Any]], _listed("Group")]
    removed: Annotated[list[dict[str, Any]], _listed("Group")]
    changed: list[Changed]


class FindingChanges(Answer):
    appeared: list[Finding]
    disappeared: list[Finding]
    suppressed: list[Finding]
    unsuppressed: list[Finding]


class DiffSummary(Answer):
    added: int = Field(ge=0)
    removed: int = Field(ge=0)
    changed: int = Field(ge=0)


class Diff(Answer):
    """`history.diff_versions` without the load change: `whiteboard.domain.diff.diff_boards`."""

    board_id: int
    from_: VersionNumber = Field(alias="from")
    to: VersionNumber
    board: list[Change] = Field(description="changes of the board's own fields")
    nodes: NodeChanges
    edges: EdgeChanges
    groups: GroupChanges
    findings: FindingChanges
    summary: DiffSummary


class ActivityItem(Answer):
    version: VersionNumber
    user: str = Field(description="empty once the account is deleted")
    at: Time
    action: Annotated[str, WithJsonSchema({"enum": list(ACTIONS)})]
    text: str
    via: str | None = Field(description="MCP for an op an AI agent applied")


class Activity(Paged):
    items: list[ActivityItem] = Field(json_schema_extra={"maxItems": PAGE_SIZE})


@router.get(
    "/boards/{int:board_id}/versions",
    response={200: Versions, 401: Error, 404: Error},
    url_name="api_board_versions",
    summary="Named versions and checkpoints, newest first (paginated)",
)
def versions(request: HttpRequest, board_id: int, page: Page = None) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="view")
    listed = page_of(request, history.snapshots(board))
    return {"current": board.version, **page_json(listed, [snapshot_json(s) for s in listed])}


@router.post(
    "/boards/{int:board_id}/versions",
    response={201: Snapshot, 401: Error, 403: Error, 404: Error, 422: Error},
    url_name="api_board_versions",
    summary="Name a version, the current one unless given (editors)",
)
def version_create(request: HttpRequest, board_id: int, body: NewVersion) -> Status[dict[str, Any]]:
    board, _ = get_board_for(request.user, board_id, need="edit")
    version = version_or_404(board, body.version) if body.version is not None else None
    snapshot = history.snapshot_create(board=board, name=body.name, user=request.user, version=version)  # type: ignore[arg-type]
    return Status(201, snapshot_json(snapshot))


@router.get(
    "/boards/{int:board_id}/versions/{int:version}",
    response={200: StoredBoard, 401: Error, 404: Error},
    url_name="api_board_version",
    summary="The board document as it was at a version",
)
def version_detail(request: HttpRequest, board_id: int, version: VersionNumber) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="view")
    version = version_or_404(board, version)
    return {"id": board.pk, "version": version, "board": document_or_404(board, version)}


@router.post(
    "/boards/{int:board_id}/versions/{int:version}/restore",
    response={200: RestoredBoard, 401: Error, 403: Error, 404: Error},
    url_name="api_board_version_restore",
    summary="Restore a version with a `replace` op (editors); it can be undone",
)
def version_restore(request: HttpRequest, board_id: int, version: VersionNumber) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="edit")
    version = version_or_404(board, version)
    applied = board_restore(board=board, version=version, user=request.user)  # type: ignore[arg-type]
    return {"id": board.pk, "version": applied.version, "restored": version, "board": applied.document}


@router.get(
    "/boards/{int:board_id}/diff",
    response={200: Diff, 401: Error, 404: Error, 422: Error},
    url_name="api_board_diff",
    summary="Semantic diff between two versions (`to`: the current one unless given), with findings "
    "appeared and disappeared",
)
def diff(request: HttpRequest, board_id: int, start: Span = None, to: SpanEnd = None) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="view")
    first, last = diff_range(request, board)
    return history.diff_versions(board, first, last)


def _diff_picture_input(user: Any, board_id: int, request: HttpRequest) -> tuple[Board, int, int, dict[str, Any], Any]:
    board, _ = get_board_for(user, board_id, need="view")
    start, end = diff_range(request, board)
    a, b = document_or_404(board, start), document_or_404(board, end)
    changes = diff_boards(a, b, findings=False)
    return board, start, end, union_board(a, b), diff_styles(changes)


@router.get(
    "/boards/{int:board_id}/diff.{fmt}",
    response={400: Error, 401: Error, 404: Error, 422: Error, 503: Error},
    url_name="api_board_diff_image",
    summary="The diff drawn: added green, removed red, changed amber",
    openapi_extra={
        "responses": {
            200: {
                "description": "The picture",
                "content": {"image/png": {"schema": BINARY}, "image/svg+xml": {"schema": BINARY}},
            }
        }
    },
)
async def diff_image(
    request: HttpRequest,
    board_id: int,
    fmt: Annotated[str, WithJsonSchema({"enum": list(IMAGE_FORMATS)})],
    start: Span = None,
    to: SpanEnd = None,
) -> HttpResponse:
    """The diagram with both versions' elements: added green, removed red, changed amber."""
    if fmt not in IMAGE_FORMATS:
        return error(404, f"no such export; use diff.{' or diff.'.join(IMAGE_FORMATS)}")
    board, first, last, union, styles = await sync_to_async(_diff_picture_input)(request.user, board_id, request)
    rendered = await render_board_async(union, fmt=fmt, styles=styles, budget=request.user.pk)
    return _download(rendered.content, rendered.media_type, f"board-{board.pk}-diff-v{first}-v{last}.{fmt}")


@router.get(
    "/boards/{int:board_id}/activity",
    response={200: Activity, 401: Error, 404: Error},
    url_name="api_board_activity",
    summary="Who changed what and when, newest first (paginated)",
)
def activity(request: HttpRequest, board_id: int, page: Page = None) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="view")
    listed = page_of(request, history.activity(board))
    return page_json(listed, [a.as_json() for a in history.activity_rows(listed, board)])
