"""The review API: comment threads and the review status of a board (JSON, under /api/boards/{id}/)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from whiteboard.boards.access import get_board_for
from whiteboard.boards.api import _json_body, api_view
from whiteboard.boards.history_api import page_json, page_of
from whiteboard.boards.models import Board
from whiteboard.domain.board import BoardError
from whiteboard.reviews import services
from whiteboard.reviews.models import Thread


def _object_body(request: HttpRequest, shape: str) -> dict[str, Any]:
    body = _json_body(request)
    if not isinstance(body, dict):
        raise BoardError.one("", f"the body must be an object {shape}")
    return body


def thread_or_404(board: Board, thread_id: int) -> Thread:
    try:
        return services.thread_get(board, thread_id)
    except Thread.DoesNotExist:
        raise Http404("No such thread.")


@api_view("GET", "POST")
def threads(request: HttpRequest, board_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="view")
    if request.method == "POST":
        body = _object_body(request, '{"target": "node:ID", "text": "..."}')
        thread = services.thread_create(
            board=board,
            user=request.user,  # type: ignore[arg-type]
            target=body.get("target", "board"),
            body=body.get("text"),
        )
        return JsonResponse(services.thread_json(services.thread_get(board, thread.pk), board), status=201)
    page = page_of(
        request, services.threads_for(board, target=request.GET.get("target"), status=request.GET.get("status"))
    )
    return JsonResponse(page_json(page, [services.thread_json(t, board) for t in page]))


@api_view("GET")
def markers(request: HttpRequest, board_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="view")
    return JsonResponse({"version": board.version, "targets": services.markers(board)})


@api_view("GET")
def thread_detail(request: HttpRequest, board_id: int, thread_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="view")
    return JsonResponse(services.thread_json(thread_or_404(board, thread_id), board))


@api_view("POST")
def thread_action(request: HttpRequest, board_id: int, thread_id: int, action: str) -> HttpResponse:
    """`replies` (body `{"text"}`: 201), `resolve` or `reopen` a thread."""
    board, role = get_board_for(request.user, board_id, need="view")
    thread = thread_or_404(board, thread_id)
    user: Any = request.user
    if action == "replies":
        body = _object_body(request, '{"text": "..."}')
        services.thread_reply(board=board, thread=thread, user=user, body=body.get("text"))
        return JsonResponse(services.thread_json(thread_or_404(board, thread_id), board), status=201)
    if action not in ("resolve", "reopen"):
        raise Http404("No such action.")
    services.thread_set_resolved(board=board, thread=thread, user=user, role=role, resolved=action == "resolve")
    return JsonResponse(services.thread_json(thread_or_404(board, thread_id), board))


@api_view("GET", "POST")
def review_status(request: HttpRequest, board_id: int) -> HttpResponse:
    """GET the status; POST `{"status", "reviewers"?: [usernames], "note"?}` to change it (editors)."""
    if request.method == "GET":
        board, _ = get_board_for(request.user, board_id, need="view")
        state = services.review_state(board)
        events = [
            {
                "actor": e.actor.get_username() if e.actor else None,
                "from": e.from_status,
                "to": e.to_status,
                "version": e.version,
                "note": e.note,
                "reviewers": e.reviewers,
                "at": e.created_at.isoformat(),
            }
            for e in services.review_history(board)[: services.STATUS_HISTORY]
        ]
        return JsonResponse({**services.review_json(state, board), "history": events})
    board, _ = get_board_for(request.user, board_id, need="edit")
    body = _object_body(request, '{"status": "in_review", "reviewers": ["name"], "note": "..."}')
    reviewers = body.get("reviewers")
    if reviewers is not None and not (isinstance(reviewers, list) and all(isinstance(r, str) for r in reviewers)):
        raise BoardError.one("reviewers", "must be a list of usernames")
    note = body.get("note") or ""
    if not isinstance(note, str):
        raise BoardError.one("note", "must be a string")
    state = services.review_set_status(
        board=board,
        user=request.user,  # type: ignore[arg-type]
        status=str(body.get("status") or ""),
        reviewers=reviewers,
        note=note,
    )
    return JsonResponse(services.review_json(state, board))
