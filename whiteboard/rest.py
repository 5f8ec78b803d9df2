"""The shared pieces of the REST API (SPEC section 4) that the routers under /api/ use: the one
error shape, authentication (bearer token or session, CSRF for session writes only), the strict
JSON parser and the schema building blocks. The API itself is assembled in whiteboard.api.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.middleware.csrf import CsrfViewMiddleware
from ninja.errors import AuthenticationError, HttpError, ValidationErrorContext
from ninja.parser import Parser
from ninja.security.base import AuthBase
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from whiteboard.accounts.services import user_for_authorization
from whiteboard.boards.types import LimitExceeded, VersionConflict
from whiteboard.domain.board import BoardError, parse_json
from whiteboard.limits import RateLimited, hit, too_many
from whiteboard.rendering import RenderError

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
COMPONENT_MARK = "x-archboard-component"
AUTH_REQUIRED = "authentication required: log in or send 'Authorization: Bearer <token>'"
CSRF_FAILED = "CSRF check failed: send the X-CSRFToken header with session requests"


def error(status: int, detail: str, errors: list[dict[str, str]] | None = None, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": errors or [], **extra}, status=status)


def method_not_allowed(request: HttpRequest, methods: list[str]) -> HttpResponse:
    response = error(405, f"method {request.method} not allowed here; use {', '.join(methods)}")
    response["Allow"] = ", ".join(methods)
    return response


class Unauthenticated(Exception):
    """No caller: a bad or revoked token, or neither a token nor a session."""

    def __init__(self, problem: str = AUTH_REQUIRED) -> None:
        super().__init__(problem)
        self.problem = problem


class CsrfRejected(Exception):
    pass


class BearerToken(AuthBase):
    """`Authorization: Bearer <token>`. Present, it wins over the session: a bad token is a 401
    even for a logged-in browser. Every token request counts against the token's rate."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> User | None:
        header = request.headers.get("Authorization")
        if header is None:
            return None
        user, problem = user_for_authorization(header)
        if user is None:
            raise Unauthenticated(problem or AUTH_REQUIRED)
        hit("api_token", header)
        request.user = user
        return user


class SessionCookie(AuthBase):
    """The browser's session; a request that changes something must carry the CSRF token.
    Checked after the log-in, so a caller with no session hears 401, not a CSRF complaint."""

    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> User | None:
        if "Authorization" in request.headers or not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS:
            checker = CsrfViewMiddleware(lambda r: HttpResponse())
            if checker.process_view(request, None, (), {}) is not None:  # type: ignore[arg-type]
                raise CsrfRejected(CSRF_FAILED)
        return request.user


AUTH = [BearerToken(), SessionCookie()]


class StrictJsonParser(Parser):
    """JSON bodies through the domain's parser: the size limit, no repeated keys, no NUL or lone
    surrogate, each problem located (whiteboard.domain.jsontext)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return read_json(request)


def read_json(request: HttpRequest) -> Any:
    return parse_json(request.body, limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def board_error(exc: BoardError) -> HttpResponse:
    status = 400 if exc.errors and exc.errors[0]["loc"] == "body" else 422
    return error(status, "invalid input" if status == 422 else "malformed request body", exc.errors)


def error_response(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    """The domain's, the services' and the framework's exceptions in the API's one error shape."""
    if isinstance(exc, HttpError) and isinstance(exc.__cause__, BoardError):
        # ninja wraps what the body parser raises; the parser's located errors are the answer.
        return board_error(exc.__cause__)
    if isinstance(exc, BoardError):
        return board_error(exc)
    if isinstance(exc, Unauthenticated | AuthenticationError):
        response = error(401, exc.problem if isinstance(exc, Unauthenticated) else AUTH_REQUIRED)
        response["WWW-Authenticate"] = 'Bearer realm="archboard"'
        return response
    if isinstance(exc, CsrfRejected):
        return error(403, CSRF_FAILED)
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
    if isinstance(exc, RawPostDataException):
        # A form-encoded body, read as a form before the route could read it as JSON.
        return board_error(BoardError.one("body", "the body must be JSON, not a form"))
    if isinstance(exc, RequestDataTooBig):
        return error(413, f"request body too large; the limit is {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes")
    if isinstance(exc, RenderError):
        response = error(exc.status, exc.message)
        if exc.status == 503:
            response["Retry-After"] = "5"
        return response
    if isinstance(exc, HttpError):
        return error(exc.status_code, str(exc))
    raise exc


HANDLED: tuple[type[Exception], ...] = (
    BoardError,
    Unauthenticated,
    CsrfRejected,
    Http404,
    PermissionDenied,
    VersionConflict,
    LimitExceeded,
    RateLimited,
    RequestDataTooBig,
    RawPostDataException,
    RenderError,
    HttpError,
)


def _loc(source: str, parts: tuple[Any, ...]) -> str:
    """A located name as the domain writes it (`nodes[0].label`); query and path parameters keep
    their source (`query.scale`) as whiteboard.inputs names them."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    if source in ("query", "path", "header", "cookie"):
        return f"{source}.{text}" if text else source
    return text


def pydantic_problem(error: Mapping[str, Any], parts: Sequence[Any] | None = None, source: str = "") -> dict[str, str]:
    """One pydantic error as the SPEC's located problem (`{"loc": "ops[0].kind", "msg": ...}`), in
    the words the API and the MCP server both answer with. `parts`: the place, if not the error's."""
    loc = _loc(source, tuple(error["loc"] if parts is None else parts))
    if error["type"] == "missing":
        return {"loc": loc, "msg": "is required"}
    if error["type"] == "extra_forbidden":
        return {"loc": loc, "msg": f"unknown key {error['loc'][-1]!r}"}
    return {"loc": loc, "msg": str(error["msg"]).removeprefix("Value error, ")}


def located_errors(contexts: list[ValidationErrorContext[Any]]) -> list[dict[str, str]]:
    """pydantic's errors as the SPEC's `{"loc", "msg"}`. A body's own name is left out of its
    places: a body is one document, so `text`, not `body.payload.text`."""
    errors = []
    for context in contexts:
        model = context.model
        source = model.__ninja_param_source__
        single = getattr(model, "__read_from_single_attr__", None)
        for problem in context.pydantic_validation_error.errors(include_url=False):
            parts = tuple(model.__ninja_flatten_map_reverse__.get(problem["loc"], problem["loc"]))
            if source == "body" and single and parts[:1] == (single,):
                if parts == (single,) and problem["type"] == "missing":
                    errors += _empty_body()
                    continue
                parts = parts[1:]
            errors.append(pydantic_problem(dict(problem), parts, source))
    return errors


def _empty_body() -> list[dict[str, str]]:
    """No body at all is a malformed one, in the parser's words."""
    try:
        parse_json(b"")
    except BoardError as exc:
        return exc.errors
    return [{"loc": "body", "msg": "the body is empty"}]


class Body(BaseModel):
    """A JSON request body: its keys typed, anything but an object refused with the shape it needs.

    Types only: the services that take the values check their lengths and meanings, with the
    texts they give everywhere (pages, API, MCP); the published schema states those limits."""

    model_config = ConfigDict(strict=True)
    shape: ClassVar[str] = "{...}"

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise PydanticCustomError("not_an_object", "the body must be an object {shape}", {"shape": cls.shape})
        return data


class Answer(BaseModel):
    """A response body with exactly these keys: a key a view adds or drops fails the response
    check (and the tests that read the published schema) instead of slipping through."""

    model_config = ConfigDict(extra="forbid")


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def component(name: str) -> dict[str, Any]:
    """A field's schema that is one of the components merged in by whiteboard.boards.openapi
    (the board and its parts), which turns this mark into a `$ref`: pydantic refuses a `$ref`
    to a schema it did not generate itself."""
    return {COMPONENT_MARK: name}


# A board document is checked by whiteboard.domain.board.validate_board and published with the
# schema built from that validator's declarations (whiteboard.domain.board_schema), never a copy.
BoardDocument = Annotated[dict[str, Any], WithJsonSchema(component("Board"))]
Number = Annotated[float | int, WithJsonSchema({"type": "number"})]
Time = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Username = Annotated[
    str | None,
    WithJsonSchema({"type": ["string", "null"], "description": "a username; null once the account is deleted"}),
]


class Located(Answer):
    loc: str
    msg: str


class Error(BaseModel):
    detail: str
    errors: list[Located]
    version: int | None = Field(default=None, description="the current version, on a 409")


class StoredBoard(Answer):
    id: int
    version: int
    board: BoardDocument
