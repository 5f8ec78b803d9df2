"""The REST API of SPEC section 4, under /api/. JSON in, JSON out, one error shape.

Authentication is the browser session or `Authorization: Bearer <token>`; a session request
that changes something must carry the CSRF token, a token request need not.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from whiteboard.accounts.services import bearer_from_header, resolve_token
from whiteboard.boards import services
from whiteboard.boards.access import boards_visible_to, get_board_for
from whiteboard.boards.models import Board
from whiteboard.boards.openapi import openapi_document
from whiteboard.domain import palette
from whiteboard.domain.board import BoardError, dumps_board, parse_json, validate_board

View = Callable[..., HttpResponse]
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def error(status: int, detail: str, errors: list[dict[str, str]] | None = None, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": errors or [], **extra}, status=status)


def _authenticate(request: HttpRequest) -> tuple[User | None, str | None]:
    """(user, problem): the bearer token wins over the session when both are present."""
    header = request.headers.get("Authorization")
    if header is not None:
        raw = bearer_from_header(header)
        if raw is None:
            return None, "the Authorization header must be 'Bearer <token>'"
        user = resolve_token(raw)
        return (user, None) if user is not None else (None, "invalid or revoked API token")
    if request.user.is_authenticated:
        return request.user, None  # type: ignore[return-value]
    return None, "authentication required: log in or send 'Authorization: Bearer <token>'"


def _csrf_problem(request: HttpRequest) -> str | None:
    rejected = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})  # type: ignore[arg-type]
    return None if rejected is None else "CSRF check failed: send the X-CSRFToken header with session requests"


def api_view(*methods: str, public: bool = False) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = error(405, f"method {request.method} not allowed here; use {', '.join(methods)}")
                response["Allow"] = ", ".join(methods)
                return response
            if not public:
                user, problem = _authenticate(request)
                if user is None:
                    response = error(401, problem or "authentication required")
                    response["WWW-Authenticate"] = 'Bearer realm="archboard"'
                    return response
                if "Authorization" not in request.headers and request.method not in SAFE_METHODS:
                    csrf_problem = _csrf_problem(request)
                    if csrf_problem:
                        return error(403, csrf_problem)
                request.user = user  # type: ignore[assignment]
            try:
                return view(request, *args, **kwargs)
            except BoardError as exc:
                status = 400 if exc.errors and exc.errors[0]["loc"] == "body" else 422
                return error(status, "invalid input" if status == 422 else "malformed request body", exc.errors)
            except Http404:
                return error(404, "no such board")
            except PermissionDenied as exc:
                return error(403, str(exc) or "forbidden")
            except services.VersionConflict as exc:
                return error(409, f"version conflict: the board is at version {exc.current}", version=exc.current)
            except services.LimitExceeded as exc:
                return error(403, str(exc))

        return wrapper

    return decorate


def _json_body(request: HttpRequest) -> Any:
    return parse_json(request.body, limit=3 * 1024 * 1024)


def _board_payload(board: Board) -> dict[str, Any]:
    return {"id": board.pk, "version": board.version, "board": board.document}


@api_view("GET", public=True)
def openapi(request: HttpRequest) -> HttpResponse:
    return JsonResponse(openapi_document())


@api_view("GET", public=True)
def palette_list(request: HttpRequest) -> HttpResponse:
    grouped = palette.kinds_by_category()
    categories = [
        {
            "id": category,
            "name": palette.CATEGORIES[category],
            "kinds": [
                {
                    "id": kind.id,
                    "name": kind.name,
                    "category": kind.category,
                    "icon": request.build_absolute_uri(reverse("palette_icon", args=[kind.id])),
                    "diagrams_class": kind.diagrams_class,
                }
                for kind in kinds
            ],
        }
        for category, kinds in grouped.items()
    ]
    return JsonResponse({"categories": categories})


@api_view("GET", "POST")
def boards(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        board = services.board_create(owner=request.user, document=_json_body(request))  # type: ignore[arg-type]
        return JsonResponse(_board_payload(board), status=201)
    listing = [
        {"id": b.pk, "name": b.name, "role": role, "version": b.version, "updated": b.updated_at.isoformat()}
        for b, role in boards_visible_to(request.user)  # type: ignore[arg-type]
    ]
    return JsonResponse({"boards": listing})


@api_view("GET", "PUT", "DELETE")
def board_detail(request: HttpRequest, board_id: int) -> HttpResponse:
    if request.method == "GET":
        board, _ = get_board_for(request.user, board_id, need="view")
        return JsonResponse(_board_payload(board))
    if request.method == "DELETE":
        board, _ = get_board_for(request.user, board_id, need="own")
        services.board_delete(board=board)
        return HttpResponse(status=204)
    board, _ = get_board_for(request.user, board_id, need="edit")
    body = _json_body(request)
    if not isinstance(body, dict):
        raise BoardError.one("", 'the body must be an object {"version": N, "board": {...}}')
    problems = [{"loc": key, "msg": "is required"} for key in ("version", "board") if key not in body]
    problems += [{"loc": key, "msg": f"unknown key {key!r}"} for key in body if key not in ("version", "board")]
    version = body.get("version")
    if "version" in body and (not isinstance(version, int) or isinstance(version, bool) or version < 0):
        problems.append({"loc": "version", "msg": "must be a non-negative integer"})
    if problems:
        raise BoardError(problems)
    document = validate_board(body["board"])
    applied = services.board_replace(board=board, version=version, document=document, user=request.user)  # type: ignore[arg-type]
    return JsonResponse({"id": board.pk, "version": applied.version, "board": applied.document})


@api_view("GET")
def board_export_json(request: HttpRequest, board_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="view")
    response = HttpResponse(dumps_board(board.document) + "\n", content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="board-{board.pk}.json"'
    return response
