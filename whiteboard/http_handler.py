"""The ASGI handler for plain HTTP: each request makes one trip to a worker thread, not twenty.

Django's stock ASGI handler runs the middleware chain in async mode. Every middleware built on
`MiddlewareMixin` (security, CSP, sessions, common, CSRF, auth, messages, clickjacking) and the
sync-only WhiteNoise then hop to a thread and back for each of their hooks, about twenty hops
per request; and each request gets a brand-new thread (its `ThreadSensitiveContext`), so also a
new database connection, since connections belong to threads. Measured with bench/load.py's mix,
that machinery cost about 3 ms of CPU per request (a health check: 3-7 ms instead of 0.6), as
much as the views themselves.

Here the chain is loaded in sync mode and a request runs start to end, signals included, in one
call on a fixed pool of threads that keep their database connections (`CONN_MAX_AGE`, checked
by `CONN_HEALTH_CHECKS` at each request start). Async views (rendering, layout, which wait on
graphviz) still take Django's async path, so a slow render never holds a pool thread; reading
the body and writing the response stay on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.urls import Resolver404, get_resolver, set_script_prefix

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
R = TypeVar("R")


def _async_route(urlconf: str, path_info: str) -> bool:
    if len(path_info) > 200:  # a short path is a real route; keep odd ones out of the cache
        return _resolves_to_async(urlconf, path_info)
    return _cached_async_route(urlconf, path_info)


def _resolves_to_async(urlconf: str, path_info: str) -> bool:
    try:
        match = get_resolver(urlconf).resolve(path_info)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


_cached_async_route = functools.lru_cache(maxsize=2048)(_resolves_to_async)


async def _replay(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


class PooledASGIHandler(ASGIHandler):
    """Django over ASGI with the middleware chain in sync mode on a fixed pool of threads."""

    def __init__(self, threads: int | None = None) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.async_handler = ASGIHandler()
        self.executor = ThreadPoolExecutor(
            max_workers=threads or settings.ARCHBOARD_HTTP_THREADS, thread_name_prefix="http"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        if self.wants_async(scope):
            await self.async_handler(scope, receive, send)
        else:
            await self.handle(scope, receive, send)

    @staticmethod
    def wants_async(scope: Scope) -> bool:
        """Whether the request goes to an async view, which then runs on the event loop.

        Only a choice of path: Django adapts a view to either mode, so a wrong guess (a
        middleware that changes the URLconf) costs time, never correctness.
        """
        path: str = scope["path"]
        script_name = get_script_prefix(scope)
        return _async_route(settings.ROOT_URLCONF, path.removeprefix(script_name) if script_name else path)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            set_script_prefix(get_script_prefix(scope))
            response, closed = await self.in_pool(self.respond, scope, body_file)
            try:
                await self.send_response(response, send)
            except asyncio.CancelledError:
                pass  # the client went away while we were sending
            finally:
                if not closed:
                    await self.in_pool(response.close)
        finally:
            body_file.close()

    async def in_pool(self, func: Callable[..., R], *args: Any) -> R:
        return await sync_to_async(func, thread_sensitive=False, executor=self.executor)(*args)

    def respond(self, scope: Scope, body_file: Any) -> tuple[HttpResponseBase, bool]:
        """The whole request in one worker thread: signals, middleware, view, closing; returns
        the response and whether it is closed already.

        The response is closed here, before it is sent (the body is in memory by then), so that
        `request_finished` runs in the thread that owns the request's database connection. A
        body from a sync iterator (static files, icons) is read here for the same reason; Django
        would read it through the one shared sync thread that the WebSocket consumers use.
        """
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response = self.get_response(request) if request is not None else error_response
        assert response is not None  # create_request gives a request or an error response
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if isinstance(response, StreamingHttpResponse):
            if response.is_async:
                return response, False
            chunks = list(response.streaming_content)  # type: ignore[arg-type]
            response.close()
            response.streaming_content = _replay(chunks)
        else:
            response.close()
        return response, True
