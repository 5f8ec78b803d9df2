"""The REST API of SPEC section 4, under /api/. JSON in, JSON out, one error shape.

Authentication is the browser session or `Authorization: Bearer <token>`; a session request
that changes something must carry the CSRF token, a token request need not.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from whiteboard.accounts.services import user_for_authorization
from whiteboard.boards import services
from whiteboard.boards.access import boards_visible_to, get_board_for
from whiteboard.boards.models import Board
from whiteboard.boards.openapi import openapi_document
from whiteboard.boards.types import LimitExceeded, VersionConflict
from whiteboard.domain import palette
from whiteboard.domain.board import MAX_POLICIES, POLICY_PREFIX, RULE_SETTINGS, BoardError, parse_json, validate_board
from whiteboard.domain.board_schema import policy_schema
from whiteboard.domain.estimate import check_scale, defaults_for, estimate_board
from whiteboard.domain.formats import import_board
from whiteboard.domain.formats.paste import paste_op
from whiteboard.domain.ops import validate_op
from whiteboard.domain.review import rule_docs
from whiteboard.limits import RateLimited, hit, too_many
from whiteboard.rendering import (
    FORMATS,
    InvalidOption,
    RenderError,
    UnknownFormat,
    picture_from_query,
    render_board_async,
)
from whiteboard.reviews.running import review_document, review_of

View = Callable[..., Any]
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def error(status: int, detail: str, errors: list[dict[str, str]] | None = None, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": errors or [], **extra}, status=status)


def _authenticate(request: HttpRequest) -> tuple[User | None, str | None]:
    """(user, problem): the bearer token wins over the session when both are present."""
    header = request.headers.get("Authorization")
    if header is not None:
        return user_for_authorization(header)
    if request.user.is_authenticated:
        return request.user, None
    return None, "authentication required: log in or send 'Authorization: Bearer <token>'"


def _csrf_problem(request: HttpRequest) -> str | None:
    rejected = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})  # type: ignore[arg-type]
    return None if rejected is None else "CSRF check failed: send the X-CSRFToken header with session requests"


def _refuse(request: HttpRequest, methods: tuple[str, ...], public: bool) -> HttpResponse | None:
    """The response that refuses this request before the view runs, or None to let it through."""
    if request.method not in methods:
        response = error(405, f"method {request.method} not allowed here; use {', '.join(methods)}")
        response["Allow"] = ", ".join(methods)
        return response
    if public:
        return None
    user, problem = _authenticate(request)
    if user is None:
        response = error(401, problem or "authentication required")
        response["WWW-Authenticate"] = 'Bearer realm="archboard"'
        return response
    if "Authorization" not in request.headers and request.method not in SAFE_METHODS:
        csrf_problem = _csrf_problem(request)
        if csrf_problem:
            return error(403, csrf_problem)
    request.user = user
    try:
        if "Authorization" in request.headers:
            hit("api_token", request.headers["Authorization"])
    except RateLimited as exc:
        return too_many(exc, json_body=True)
    return None


def _error_response(exc: Exception) -> HttpResponse:
    """Map the domain's and services' exceptions to the API's one error shape."""
    if isinstance(exc, BoardError):
        status = 400 if exc.errors and exc.errors[0]["loc"] == "body" else 422
        return error(status, "invalid input" if status == 422 else "malformed request body", exc.errors)
    if isinstance(exc, Http404):
        return error(404, "no such board")
    if isinstance(exc, PermissionDenied):
        return error(403, str(exc) or "forbidden")
    if isinstance(exc, VersionConflict):
        return error(409, f"version conflict: the board is at version {exc.current}", version=exc.current)
    if isinstance(exc, LimitExceeded):
        return error(403, str(exc))
    if isinstance(exc, RateLimited):
        return too_many(exc, json_body=True)
    if isinstance(exc, RequestDataTooBig):
        return error(413, f"request body too large; the limit is {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes")
    if isinstance(exc, RenderError):
        response = error(exc.status, exc.message)
        if exc.status == 503:
            response["Retry-After"] = "5"
        return response
    raise exc


_HANDLED = (
    BoardError,
    Http404,
    PermissionDenied,
    VersionConflict,
    LimitExceeded,
    RenderError,
    RateLimited,
    RequestDataTooBig,
)


def api_view(*methods: str, public: bool = False) -> Callable[[View], View]:
    """Method check, authentication, CSRF for session writes, rate limits and the error shape, for
    sync and async views alike (async views keep slow work such as rendering off the request thread).

    Every token request counts against the token's rate; renders count against the user's render
    budget where they run (whiteboard.rendering)."""

    def decorate(view: View) -> View:
        if asyncio.iscoroutinefunction(view):

            @csrf_exempt
            @wraps(view)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                refused = await sync_to_async(_refuse)(request, methods, public)
                if refused is not None:
                    return refused
                try:
                    response: HttpResponse = await view(request, *args, **kwargs)
                    return response
                except _HANDLED as exc:
                    return _error_response(exc)

            return async_wrapper

        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refused = _refuse(request, methods, public)
            if refused is not None:
                return refused
            try:
                answer: HttpResponse = view(request, *args, **kwargs)
                return answer
            except _HANDLED as exc:
                return _error_response(exc)

        return wrapper

    return decorate


def _json_body(request: HttpRequest) -> Any:
    return parse_json(request.body, limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def _board_payload(board: Board) -> dict[str, Any]:
    return {"id": board.pk, "version": board.version, "board": board.document}


@api_view("GET", public=True)
def openapi(request: HttpRequest) -> HttpResponse:
    return JsonResponse(openapi_document())


@api_view("GET", public=True)
def rules(request: HttpRequest) -> HttpResponse:
    """The review rules (the registry's documentation), the settings `review.rules` takes, and
    the JSON Schema of a board policy, for editors that build settings and policies."""
    listed = [
        {**doc, "url": request.build_absolute_uri(reverse("rule_detail", args=[doc["id"]]))} for doc in rule_docs()
    ]
    policies = {"max": MAX_POLICIES, "prefix": POLICY_PREFIX, "schema": policy_schema()}
    return JsonResponse({"rules": listed, "settings": list(RULE_SETTINGS), "policies": policies})


@api_view("GET", public=True)
def palette_list(request: HttpRequest) -> HttpResponse:
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
    return JsonResponse({"categories": categories})


@api_view("GET", "POST")
def boards(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        hit("board_create", request.user.pk)
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
def board_review(request: HttpRequest, board_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="view")
    return JsonResponse(review_of(board))


@api_view("POST")
def review(request: HttpRequest) -> HttpResponse:
    return JsonResponse(review_document(document=validate_board(_json_body(request))))


def _estimate_scale(request: HttpRequest) -> float:
    """The estimate's `?scale=` (default 1); a bad one is a located 422."""
    raw = request.GET.get("scale", "1")
    try:
        scale = float(raw)
    except ValueError:
        scale = math.nan
    problem = check_scale(scale)
    if problem is not None:
        raise BoardError.one("scale", f"{problem}, not {raw[:20]!r}")
    return scale


@api_view("GET")
def board_estimate(request: HttpRequest, board_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="view")
    return JsonResponse(estimate_board(board.document, scale=_estimate_scale(request), version=board.version))


@api_view("POST")
def estimate(request: HttpRequest) -> HttpResponse:
    scale = _estimate_scale(request)
    return JsonResponse(estimate_board(validate_board(_json_body(request)), scale=scale))


def _scale(request: HttpRequest) -> float:
    raw = request.GET.get("scale", "1")
    try:
        return float(raw)
    except ValueError:
        raise InvalidOption(f"scale must be a number, not {raw[:20]!r}") from None


def _download(content: bytes, media_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=0"
    return response


@api_view("GET")
async def board_export(request: HttpRequest, board_id: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise UnknownFormat(f"unknown format {fmt[:20]!r}; use one of {', '.join(FORMATS)}")
    board, _ = await sync_to_async(get_board_for)(request.user, board_id, need="view")
    page = request.build_absolute_uri(reverse("board_detail", args=[board.pk]))
    picture = picture_from_query(request.GET, link=page)
    rendered = await render_board_async(
        board.document,
        fmt=fmt,
        scale=_scale(request),
        picture=picture,
        budget=request.user.pk,
        syntax=request.GET.get("syntax", "architecture"),
    )
    slug = "".join(c if c.isalnum() else "-" for c in board.name.lower()).strip("-")[:60] or f"board-{board.pk}"
    return _download(rendered.content, rendered.media_type, f"{slug}.{fmt}")


@api_view("POST")
async def render(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "png")
    if fmt not in FORMATS:
        raise UnknownFormat(f"unknown format {fmt[:20]!r}; use one of {', '.join(FORMATS)}")
    picture = picture_from_query(request.GET)
    doc = validate_board(_json_body(request))
    rendered = await render_board_async(
        doc,
        fmt=fmt,
        scale=_scale(request),
        picture=picture,
        budget=request.user.pk,
        syntax=request.GET.get("syntax", "architecture"),
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


def _import(request: HttpRequest) -> Any:
    """The body read as a board in `?format=` (auto-detected by default); counted as a render,
    the work it costs is of that order."""
    hit("render", request.user.pk)
    raw, uploaded_name = _uploaded(request)
    filename = request.GET.get("filename") or uploaded_name
    return import_board(raw, fmt=request.GET.get("format", "auto"), filename=filename)


@api_view("POST")
def import_file(request: HttpRequest) -> HttpResponse:
    """SPEC 9: a file of any importable format -> `{"board", "warnings"}`; nothing is stored."""
    result = _import(request)
    return JsonResponse({"board": result.board, "warnings": result.warnings})


def _coordinate(request: HttpRequest, name: str) -> float | None:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InvalidOption(f"{name} must be a number, not {raw[:20]!r}") from None
    if not abs(value) <= 1e7:
        raise InvalidOption(f"{name} must be between -1e7 and 1e7")
    return value


@api_view("POST")
def board_paste(request: HttpRequest, board_id: int) -> HttpResponse:
    """Pasted text (any importable format) as new elements of this board: `{"op", "warnings"}`,
    a `batch` op with ids that do not clash, centred at `?x=&y=`, for the editor to send.
    Nothing is stored; editors only, as the op they will send."""
    board, _ = get_board_for(request.user, board_id, need="edit")
    x, y = _coordinate(request, "x"), _coordinate(request, "y")
    result = _import(request)
    at = (x, y) if x is not None and y is not None else None
    op = validate_op(paste_op(board.document, result.board, at=at))
    return JsonResponse({"op": op, "warnings": result.warnings})
