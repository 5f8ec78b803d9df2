"""The history API: versions, restore, diffs (JSON and pictures) and the activity feed of a board."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from whiteboard.boards import history
from whiteboard.boards.access import get_board_for
from whiteboard.boards.api import _download, _json_body, api_view, error
from whiteboard.boards.history import IMAGE_FORMATS, PAGE_SIZE
from whiteboard.boards.models import Board, Snapshot
from whiteboard.boards.services import board_restore
from whiteboard.domain.board import BoardError
from whiteboard.domain.diff import diff_boards, diff_styles, union_board
from whiteboard.rendering import render_board_async


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


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "id": snapshot.pk,
        "version": snapshot.version,
        "kind": snapshot.kind,
        "name": snapshot.name,
        "author": snapshot.author.get_username() if snapshot.author else None,
        "created_at": snapshot.created_at.isoformat(),
    }


@api_view("GET", "POST")
def versions(request: HttpRequest, board_id: int) -> HttpResponse:
    if request.method == "POST":
        board, _ = get_board_for(request.user, board_id, need="edit")
        body = _json_body(request)
        if not isinstance(body, dict):
            raise BoardError.one("", 'the body must be an object {"name": ..., "version": N}')
        version = version_or_404(board, body["version"]) if "version" in body else None
        name = str(body.get("name") or "")
        snapshot = history.snapshot_create(board=board, name=name, user=request.user, version=version)  # type: ignore[arg-type]
        return JsonResponse(snapshot_json(snapshot), status=201)
    board, _ = get_board_for(request.user, board_id, need="view")
    page = page_of(request, history.snapshots(board))
    return JsonResponse({"current": board.version, **page_json(page, [snapshot_json(s) for s in page])})


@api_view("GET")
def version_detail(request: HttpRequest, board_id: int, version: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="view")
    version = version_or_404(board, version)
    return JsonResponse({"id": board.pk, "version": version, "board": document_or_404(board, version)})


@api_view("POST")
def version_restore(request: HttpRequest, board_id: int, version: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="edit")
    version = version_or_404(board, version)
    applied = board_restore(board=board, version=version, user=request.user)  # type: ignore[arg-type]
    return JsonResponse({"id": board.pk, "version": applied.version, "restored": version, "board": applied.document})


@api_view("GET")
def diff(request: HttpRequest, board_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="view")
    start, end = diff_range(request, board)
    return JsonResponse(history.diff_versions(board, start, end))


def _diff_picture_input(user: Any, board_id: int, request: HttpRequest) -> tuple[Board, int, int, dict[str, Any], Any]:
    board, _ = get_board_for(user, board_id, need="view")
    start, end = diff_range(request, board)
    a, b = document_or_404(board, start), document_or_404(board, end)
    changes = diff_boards(a, b, findings=False)
    return board, start, end, union_board(a, b), diff_styles(changes)


@api_view("GET")
async def diff_image(request: HttpRequest, board_id: int, fmt: str) -> HttpResponse:
    """The diagram with both versions' elements: added green, removed red, changed amber."""
    if fmt not in IMAGE_FORMATS:
        return error(404, f"no such export; use diff.{' or diff.'.join(IMAGE_FORMATS)}")
    board, start, end, union, styles = await sync_to_async(_diff_picture_input)(request.user, board_id, request)
    rendered = await render_board_async(union, fmt=fmt, styles=styles, budget=request.user.pk)
    return _download(rendered.content, rendered.media_type, f"board-{board.pk}-diff-v{start}-v{end}.{fmt}")


@api_view("GET")
def activity(request: HttpRequest, board_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="view")
    page = page_of(request, history.activity(board))
    return JsonResponse(page_json(page, [a.as_json() for a in history.activity_rows(page, board)]))
