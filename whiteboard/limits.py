"""Rate limits and request-size bounds.

Rate limits count hits in fixed windows in Django's cache (Redis when several workers share the
load, so every worker sees the same counters), one counter per scope and key: a log-in name, a
client address, an API token, a user. `ARCHBOARD_RATE_LIMITS` sets "COUNT/SECONDS" per scope;
an empty value switches the scope off. Past the limit the caller gets `RateLimited`, which the
interfaces turn into 429 with `Retry-After`; other keys are not affected.

When the cache itself fails (Redis restarted or unreachable), the limits fail open: the request
is served and a warning is logged (at most every CACHE_WARNING_EVERY seconds). An outage of the
counters must not take the whole app down with it; the limits come back with the cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

from whiteboard.rates import SCOPES, Rate, parse_rate

__all__ = ["SCOPES", "Rate", "RateLimited", "parse_rate"]

log = logging.getLogger(__name__)

CACHE_WARNING_EVERY = 10.0
_last_cache_warning = 0.0


class RateLimited(Exception):
    def __init__(self, scope: str, rate: Rate, retry_after: int) -> None:
        self.scope = scope
        self.rate = rate
        self.retry_after = retry_after
        super().__init__(
            f"too many requests: the limit is {rate.count} per {rate.seconds} s ({scope.replace('_', ' ')}); "
            f"try again in {retry_after} s"
        )


def rate_for(scope: str) -> Rate | None:
    if scope not in SCOPES:
        raise KeyError(f"unknown rate-limit scope {scope!r}")
    return parse_rate(getattr(settings, "ARCHBOARD_RATE_LIMITS", {}).get(scope))


def _window(scope: str, key: object, rate: Rate) -> tuple[str, int]:
    """The cache key of the current window and the seconds until it ends."""
    now = time.time()
    window = int(now // rate.seconds)
    digest = hashlib.sha256(str(key).encode()).hexdigest()[:32]
    retry_after = max(1, math.ceil((window + 1) * rate.seconds - now))
    return f"rl:{scope}:{digest}:{window}", retry_after


def _count(cache_key: str, rate: Rate) -> int:
    """The hits in this window, this one included; 0 when the cache does not answer."""
    try:
        cache.add(cache_key, 0, timeout=rate.seconds + 1)
        try:
            return int(cache.incr(cache_key))
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=rate.seconds + 1)
            return 1
    except Exception as exc:
        _cache_failed(exc)
        return 0


def _cache_failed(exc: Exception) -> None:
    global _last_cache_warning
    now = time.monotonic()
    if now - _last_cache_warning >= CACHE_WARNING_EVERY:
        _last_cache_warning = now
        log.warning(
            "rate limits: the cache failed (%s: %s); requests pass unlimited until it is back", type(exc).__name__, exc
        )


class ConnectionWindow:
    """A fixed-window counter owned by one WebSocket connection.

    The WebSocket limits are per connection, so the count lives with the connection instead of
    in the shared cache: no cache round trip on every op, and it ends with the socket.
    """

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self.rate = rate_for(scope)
        self.window = -1
        self.count = 0

    def hit(self) -> None:
        """Count one message; RateLimited when that goes over the limit of this window."""
        if self.rate is None:
            return
        now = time.time()
        window = int(now // self.rate.seconds)
        if window != self.window:
            self.window, self.count = window, 0
        self.count += 1
        if self.count > self.rate.count:
            retry_after = max(1, math.ceil((window + 1) * self.rate.seconds - now))
            raise RateLimited(self.scope, self.rate, retry_after)


def hit(scope: str, key: object) -> None:
    """Count one request of `key` in `scope`; RateLimited when that goes over the limit."""
    rate = rate_for(scope)
    if rate is None:
        return
    cache_key, retry_after = _window(scope, key, rate)
    if _count(cache_key, rate) > rate.count:
        raise RateLimited(scope, rate, retry_after)


async def ahit(scope: str, key: object) -> None:
    """`hit` for async code (the render service): the cache call runs off the event loop."""
    await sync_to_async(hit, thread_sensitive=False)(scope, key)


def check(scope: str, key: object) -> None:
    """RateLimited if `key` is already at the limit, without counting this request."""
    rate = rate_for(scope)
    if rate is None:
        return
    cache_key, retry_after = _window(scope, key, rate)
    try:
        hits = int(cache.get(cache_key, 0))
    except Exception as exc:
        _cache_failed(exc)
        return
    if hits >= rate.count:
        raise RateLimited(scope, rate, retry_after)


def count(scope: str, key: object) -> None:
    """Count one event (a failed log-in) without refusing it."""
    rate = rate_for(scope)
    if rate is not None:
        _count(_window(scope, key, rate)[0], rate)


def reset(scope: str, key: object) -> None:
    rate = rate_for(scope)
    if rate is not None:
        try:
            cache.delete(_window(scope, key, rate)[0])
        except Exception as exc:
            _cache_failed(exc)


def client_ip(request: HttpRequest) -> str:
    """The client's address: the peer's, or the one the proxy named in FORWARDED_ALLOW_IPS forwarded.

    uvicorn decides which (whiteboard.serve), so a forged X-Forwarded-For counts for nothing here.
    """
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def too_many(exc: RateLimited, *, json_body: bool) -> HttpResponse:
    if json_body:
        response: HttpResponse = JsonResponse(
            {"detail": str(exc), "errors": [], "retry_after": exc.retry_after}, status=429
        )
    else:
        response = HttpResponse(str(exc), status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(exc.retry_after)
    return response


class RequestBodyLimitMiddleware:
    """413 for a request that announces a body larger than ARCHBOARD_MAX_BODY_BYTES.

    Checked on Content-Length before anything reads the body; a body without a length is bounded
    by DATA_UPLOAD_MAX_MEMORY_SIZE when it is read.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        refused = self._refuse(request)
        if self.is_async:
            return self._acall(request, refused)
        return refused or self.get_response(request)

    async def _acall(self, request: HttpRequest, refused: HttpResponse | None) -> HttpResponse:
        return refused or await self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse | None:
        limit = int(getattr(settings, "ARCHBOARD_MAX_BODY_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        return body_too_large(request, length, limit) if length > limit else None


def _too_large(path: str, length: int | None, limit: int) -> tuple[bytes, str]:
    """The 413 answer's body and content type: the API's error shape under /api/, text elsewhere."""
    size = f"{length} bytes" if length is not None else "too large"
    detail = f"request body is {size}; the limit is {limit} bytes"
    if path.startswith("/api/"):
        return json.dumps({"detail": detail, "errors": [{"loc": "body", "msg": detail}]}).encode(), "application/json"
    return detail.encode(), "text/plain; charset=utf-8"


def body_too_large(request: HttpRequest, length: int | None, limit: int) -> HttpResponse:
    content, content_type = _too_large(request.path, length, limit)
    return HttpResponse(content, status=413, content_type=content_type)


class BodyLimit:
    """ASGI: a request body over ARCHBOARD_MAX_BODY_BYTES is refused before it is read.

    Django's ASGI handler reads the whole body (spooling it to disk past a few MiB) before any
    middleware or view runs, so a size check there comes after the cost, and comes after the
    authentication check too. Here a Content-Length over the limit is answered 413 at once, before
    any of it is read; a body without one (chunked) is counted as it streams in and cut at the
    limit: Django is told the client went away, and the 413 goes out in its place.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = int(settings.ARCHBOARD_MAX_BODY_BYTES)
        declared = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
        if declared is not None and declared > limit:
            await self._refuse(send, scope, declared, limit)
            return
        received = 0
        over = False
        started = False

        async def counted_receive() -> Any:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted_receive, watched_send)
        if over and not started:
            await self._refuse(send, scope, None, limit)

    @staticmethod
    async def _refuse(send: Any, scope: dict[str, Any], length: int | None, limit: int) -> None:
        content, content_type = _too_large(scope.get("path", ""), length, limit)
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(content)).encode()),
            # The rest of the body is not read: the connection cannot carry another request.
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": content})
