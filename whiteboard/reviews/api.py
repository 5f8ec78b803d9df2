"""The review routes of the REST API: comment threads and the review status of a board (JSON,
under /api/boards/{id}/)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Status
from pydantic import Field, JsonValue, WithJsonSchema

from whiteboard.boards.access import get_board_for
from whiteboard.boards.history_api import NOT_BLANK, Page, Paged, page_json, page_of
from whiteboard.boards.models import Board
from whiteboard.domain.board import ID_RE
from whiteboard.domain.board_schema import board_schema
from whiteboard.rest import AUTH, Answer, Body, Error, Time, Username
from whiteboard.reviews import models, services
from whiteboard.reviews.services import MAX_BODY, MAX_COMMENTS, MAX_NOTE, MAX_REVIEWERS, STATUS_HISTORY, THREAD_STATUSES

router = Router(auth=AUTH, by_alias=True, exclude_unset=True)

# parse_target's string form; the object form is {"type", "id"}. A board's target has no id.
TARGET = rf"^(?:board|(?:node|edge):{ID_RE.pattern})(?![\s\S])"
TEXT: dict[str, JsonValue] = {"minLength": 1, "maxLength": MAX_BODY, "pattern": NOT_BLANK}
StatusName = Annotated[str, WithJsonSchema({"enum": list(models.ReviewStatus.values)})]
ThreadStatus = Annotated[str, WithJsonSchema({"enum": list(THREAD_STATUSES)})]


def thread_or_404(board: Board, thread_id: int) -> models.Thread:
    try:
        return services.thread_get(board, thread_id)
    except models.Thread.DoesNotExist:
        raise Http404("No such thread.")


class Target(Answer):
    type: Annotated[str, WithJsonSchema({"enum": list(models.Thread.Target.values)})]
    id: str = Field(description="empty for the board")
    label: str = Field(description="the element's label now, or as it was once it is gone")
    exists: bool


class Comment(Answer):
    id: int
    author: Username
    text: str = Field(json_schema_extra={"maxLength": MAX_BODY})
    mentions: list[str] = Field(description="members named with @")
    created_at: Time


class Thread(Answer):
    id: int
    board: int
    target: Target
    version: int = Field(description="the board version the thread was opened at")
    status: ThreadStatus
    created_by: Username
    created_at: Time
    resolved_by: Username
    resolved_at: Time | None
    comments: list[Comment] = Field(json_schema_extra={"minItems": 1, "maxItems": MAX_COMMENTS})


class Threads(Paged):
    items: list[Thread]


def _target_schema() -> dict[str, Any]:
    node_id = board_schema()["properties"]["nodes"]["items"]["properties"]["id"]
    return {
        "description": "what the thread is about; the board when left out",
        "default": "board",
        "oneOf": [
            {"type": "string", "pattern": TARGET},
            {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"const": models.Thread.Target.BOARD.value}, "id": {"type": "string"}},
            },
            {
                "type": "object",
                "required": ["type", "id"],
                "properties": {
                    "type": {"enum": [models.Thread.Target.NODE.value, models.Thread.Target.EDGE.value]},
                    "id": node_id,
                },
            },
        ],
    }


class NewThread(Body):
    shape = '{"target": "node:ID", "text": "..."}'

    # Either form is read by services.parse_target, which names what is wrong with it.
    target: Annotated[str | dict[str, Any], WithJsonSchema(_target_schema())] = "board"
    text: str = Field(json_schema_extra=TEXT)


class Reply(Body):
    shape = '{"text": "..."}'

    text: str = Field(json_schema_extra=TEXT)


class Markers(Answer):
    version: int
    targets: Annotated[
        dict[str, dict[str, int]],
        WithJsonSchema(
            {
                "type": "object",
                "description": "per target: `board`, `node:ID` or `edge:ID`",
                "propertyNames": {"pattern": TARGET},
                "additionalProperties": {
                    "type": "object",
                    "required": list(THREAD_STATUSES),
                    "additionalProperties": False,
                    "properties": {status: {"type": "integer", "minimum": 0} for status in THREAD_STATUSES},
                },
            }
        ),
    ]


class ReviewStatus(Answer):
    board: int
    status: StatusName
    reviewers: list[str]
    version: int = Field(ge=0, description="the board version the status was set at")
    current_version: int
    updated_by: Username
    updated_at: Time | None


class StatusEvent(Answer):
    actor: Username
    from_: StatusName = Field(alias="from")
    to: StatusName
    version: int = Field(ge=0)
    note: str = Field(json_schema_extra={"maxLength": MAX_NOTE})
    reviewers: list[str]
    at: Time


class ReviewStatusWithHistory(ReviewStatus):
    history: list[StatusEvent] = Field(
        json_schema_extra={"maxItems": STATUS_HISTORY}, description="the latest status changes, newest first"
    )


class StatusChange(Body):
    shape = '{"status": "in_review", "reviewers": ["name"], "note": "..."}'

    status: StatusName
    reviewers: list[str] | None = Field(
        default=None,
        json_schema_extra={"maxItems": MAX_REVIEWERS},
        description="usernames of members with edit rights; left out or null keeps the named ones",
    )
    note: str | None = Field(default=None, json_schema_extra={"maxLength": MAX_NOTE})


Found = {401: Error, 404: Error}
Changed = {401: Error, 403: Error, 404: Error}


@router.get(
    "/boards/{int:board_id}/comments",
    response={200: Threads, 422: Error, **Found},
    url_name="api_comments",
    summary="Comment threads, newest first (paginated); 422 for a malformed `target`",
)
def threads(
    request: HttpRequest,
    board_id: int,
    page: Page = None,
    target: Annotated[str | None, WithJsonSchema({"type": "string", "pattern": TARGET}), Query(None)] = None,
    status: Annotated[str | None, WithJsonSchema({"enum": list(THREAD_STATUSES)}), Query(None)] = None,
) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="view")
    listed = page_of(request, services.threads_for(board, target=target, status=status))
    return page_json(listed, [services.thread_json(t, board) for t in listed])


@router.post(
    "/boards/{int:board_id}/comments",
    response={201: Thread, 422: Error, **Changed},
    url_name="api_comments",
    summary="Open a thread on the board, a node or an edge; 422 for an element not on the board",
)
def thread_create(request: HttpRequest, board_id: int, body: NewThread) -> Status[dict[str, Any]]:
    board, _ = get_board_for(request.user, board_id, need="view")
    thread = services.thread_create(board=board, user=request.user, target=body.target, body=body.text)  # type: ignore[arg-type]
    return Status(201, services.thread_json(services.thread_get(board, thread.pk), board))


@router.get(
    "/boards/{int:board_id}/comments/markers",
    response={200: Markers, **Found},
    url_name="api_comment_markers",
    summary="Open and resolved thread counts per element, for canvas markers",
)
def markers(request: HttpRequest, board_id: int) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="view")
    return {"version": board.version, "targets": services.markers(board)}


@router.get(
    "/boards/{int:board_id}/comments/{int:thread_id}",
    response={200: Thread, **Found},
    url_name="api_thread",
    summary="One thread with its comments",
)
def thread_detail(request: HttpRequest, board_id: int, thread_id: int) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="view")
    return services.thread_json(thread_or_404(board, thread_id), board)


@router.post(
    "/boards/{int:board_id}/comments/{int:thread_id}/replies",
    response={201: Thread, 422: Error, **Changed},
    url_name="api_thread_action",
    summary="Reply to a thread (anyone who can see the board)",
)
def thread_reply(request: HttpRequest, board_id: int, thread_id: int, body: Reply) -> Status[dict[str, Any]]:
    board, _ = get_board_for(request.user, board_id, need="view")
    thread = thread_or_404(board, thread_id)
    services.thread_reply(board=board, thread=thread, user=request.user, body=body.text)  # type: ignore[arg-type]
    return Status(201, services.thread_json(thread_or_404(board, thread_id), board))


def _set_resolved(request: HttpRequest, board_id: int, thread_id: int, *, resolved: bool) -> dict[str, Any]:
    board, role = get_board_for(request.user, board_id, need="view")
    thread = thread_or_404(board, thread_id)
    user: Any = request.user
    services.thread_set_resolved(board=board, thread=thread, user=user, role=role, resolved=resolved)
    return services.thread_json(thread_or_404(board, thread_id), board)


@router.post(
    "/boards/{int:board_id}/comments/{int:thread_id}/resolve",
    response={200: Thread, **Changed},
    url_name="api_thread_action",
    summary="Resolve a thread (its author, editors, the owner)",
)
def thread_resolve(request: HttpRequest, board_id: int, thread_id: int) -> dict[str, Any]:
    return _set_resolved(request, board_id, thread_id, resolved=True)


@router.post(
    "/boards/{int:board_id}/comments/{int:thread_id}/reopen",
    response={200: Thread, **Changed},
    url_name="api_thread_action",
    summary="Reopen a thread (its author, editors, the owner)",
)
def thread_reopen(request: HttpRequest, board_id: int, thread_id: int) -> dict[str, Any]:
    return _set_resolved(request, board_id, thread_id, resolved=False)


@router.post(
    "/boards/{int:board_id}/comments/{int:thread_id}/{action}",
    url_name="api_thread_action",
    include_in_schema=False,
)
def thread_unknown_action(request: HttpRequest, board_id: int, thread_id: int, action: str) -> None:
    """Any other action on a thread: 404 once the caller is known, as for a missing thread."""
    raise Http404("No such action.")


@router.get(
    "/boards/{int:board_id}/review/status",
    response={200: ReviewStatusWithHistory, **Found},
    url_name="api_review_status",
    summary="The review status, reviewers and the latest status changes",
)
def review_status(request: HttpRequest, board_id: int) -> dict[str, Any]:
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
    return {**services.review_json(state, board), "history": events}


@router.post(
    "/boards/{int:board_id}/review/status",
    response={200: ReviewStatus, 422: Error, **Changed},
    url_name="api_review_status",
    summary="Change the status (editors); only named reviewers approve or request changes, and approval "
    "needs every error finding fixed or suppressed with a reason",
)
def review_status_change(request: HttpRequest, board_id: int, body: StatusChange) -> dict[str, Any]:
    board, _ = get_board_for(request.user, board_id, need="edit")
    state = services.review_set_status(
        board=board,
        user=request.user,  # type: ignore[arg-type]
        status=body.status,
        reviewers=body.reviewers,
        note=body.note or "",
    )
    return services.review_json(state, board)
