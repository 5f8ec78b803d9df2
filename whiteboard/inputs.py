"""Text that arrives outside JSON bodies: the path, the query string and HTML form fields.

JSON bodies are checked where they are parsed (whiteboard.domain.jsontext); this middleware holds
everything else to the same rule (SPEC section 11), once, before any view or form sees it: a
NUL character or a lone surrogate is refused with 400 naming the field. Django decodes percent
escapes with replacement characters, so in practice this is `%00`, which PostgreSQL cannot
store or even compare, and which no person types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError

from whiteboard.domain.jsontext import child_loc, text_problem

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _fields(prefix: str, data: QueryDict) -> Iterator[tuple[str, str]]:
    for key, values in data.lists():
        yield child_loc(prefix, key), key
        for value in values:
            if isinstance(value, str):
                yield child_loc(prefix, key), value


def input_problems(request: HttpRequest) -> list[dict[str, str]]:
    """Every bad text of the request outside its JSON body, located (`query.q`, `form.name`)."""
    texts: list[tuple[str, str]] = [("path", request.path)]
    texts += _fields("query", request.GET)
    if request.method == "POST" and request.content_type in FORM_TYPES:
        try:
            form = request.POST
        except MultiPartParserError as exc:
            # Unreadable as a form: said here, in the shape of its path (JSON under /api/),
            # rather than as Django's bare 400 page.
            return [{"loc": "form", "msg": f"a malformed form upload: {exc}"}]
        texts += _fields("form", form)
    problems = []
    for loc, text in texts:
        problem = text_problem(text)
        if problem:
            problems.append({"loc": loc, "msg": problem})
    return problems


def refusal(request: HttpRequest, problems: list[dict[str, str]]) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "invalid input", "errors": problems}, status=400)
    lines = "\n".join(f"{p['loc']}: {p['msg']}" for p in problems)
    return HttpResponse(f"Bad request:\n{lines}\n", status=400, content_type="text/plain; charset=utf-8")


class TextInputMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        problems = input_problems(request)
        if self.is_async:
            return self._acall(request, problems)
        return refusal(request, problems) if problems else self.get_response(request)

    async def _acall(self, request: HttpRequest, problems: list[dict[str, str]]) -> HttpResponse:
        return refusal(request, problems) if problems else await self.get_response(request)
