"""The REST API of SPEC section 4 at /api/: django-ninja with the routers of the boards, their
history and their reviews, one error shape for every refusal, the OpenAPI document it generates
(at /api/openapi.json, with the board's schemas from whiteboard.domain.board_schema merged in)
and a page that reads it (/api/docs, served from our own static files).

Authentication is the browser session or `Authorization: Bearer <token>`; a session request
that changes something must carry the CSRF token, a token request need not.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from ninja import NinjaAPI
from ninja.errors import ValidationError, ValidationErrorContext
from ninja.operation import PathView
from ninja.router import BoundRouter

from whiteboard.boards import api as boards_api
from whiteboard.boards import history_api
from whiteboard.boards.openapi import complete
from whiteboard.domain.board import BoardError
from whiteboard.rest import (
    COMPONENT_MARK,
    HANDLED,
    StrictJsonParser,
    board_error,
    error_response,
    located_errors,
    method_not_allowed,
)
from whiteboard.reviews import api as reviews_api


class _PathView(PathView):
    """One URL's operations; a method none of them takes is a 405 in the API's error shape,
    with the methods it does take in `Allow`."""

    def _allowed(self) -> list[str]:
        return [method for operation in self.operations for method in operation.methods]

    def _sync_view(self, request: HttpRequest, *a: Any, **kw: Any) -> HttpResponseBase:
        if self._find_operation(request) is None:
            return method_not_allowed(request, self._allowed())
        return super()._sync_view(request, *a, **kw)

    async def _async_view(self, request: HttpRequest, *a: Any, **kw: Any) -> HttpResponseBase:
        if self._find_operation(request) is None:
            return method_not_allowed(request, self._allowed())
        return await super()._async_view(request, *a, **kw)


def _get_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The document and its page answer GET, like every read of the API."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET":
            return method_not_allowed(request, ["GET"])
        return view(request, *args, **kwargs)

    return wrapper


class ArchboardAPI(NinjaAPI):
    def _get_bound_routers(self) -> list[BoundRouter]:
        bound: list[BoundRouter] = super()._get_bound_routers()
        for router in bound:
            for path_view in router.path_operations.values():
                path_view.__class__ = _PathView
        return bound

    def get_content_type(self) -> str:
        return "application/json"

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        return ValidationError(located_errors(error_contexts))

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        generated = dict(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))
        return complete(generated, mark=COMPONENT_MARK)


api = ArchboardAPI(
    title="Archboard API",
    version="1",
    description="Architecture boards: create, read, replace, review and render them. "
    "Authenticate with the browser session or `Authorization: Bearer <token>`.",
    urls_namespace="api",
    parser=StrictJsonParser(),
    docs_decorator=_get_only,
)


def _invalid(request: HttpRequest, exc: ValidationError | type[ValidationError]) -> HttpResponse:
    assert isinstance(exc, ValidationError)
    return board_error(BoardError(exc.errors))


for handled in HANDLED:
    api.add_exception_handler(handled, error_response)
api.add_exception_handler(ValidationError, _invalid)

api.add_router("", boards_api.router)
api.add_router("", history_api.router)
api.add_router("", reviews_api.router)


def openapi_document() -> dict[str, Any]:
    """The served description of the API, for tools and tests that read it without a request."""
    document: dict[str, Any] = api.get_openapi_schema()
    return document
