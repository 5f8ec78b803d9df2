"""The MCP endpoint at `/mcp`: streamable HTTP, authenticated by `Authorization: Bearer <token>`.

In front of the SDK's transport, in this order: the method (POST only), the Host header against
ALLOWED_HOSTS (the rest of the site gets that check from Django), the bearer token (the REST
API's tokens and its texts; a missing or bad token is answered 401 before any MCP message is
read), the token's rate limit (the API's `api_token` scope: an MCP request counts as an API
call), and the strict screen of the message (whiteboard.mcp.screen). The request body is bounded before all of this
by the ASGI door (whiteboard.limits.BodyLimit).

**Stateless, JSON responses.** Every request is served on its own: no `Mcp-Session-Id`, nothing
kept in a worker's memory between requests, one JSON body per answer. Behind nginx with two
workers, a session held in one worker's memory would answer "Session not found" whenever the
balancer sent the next request to the other one; the tools never call back into the client (no
sampling, elicitation or progress streams), so a stateless server loses nothing. Clients of the
2026-07-28 protocol are sessionless anyway; `stateless_http` makes older clients (the
`initialize` handshake) sessionless too.

The SDK's session manager must run in the event loop that serves the requests; there is one per
loop (a worker has one; tests have one each), started by the first request, as the collaboration
hub is (`whiteboard.collab.hub.get_hub`).
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings

from whiteboard.accounts.services import user_for_authorization
from whiteboard.collab.auth import allowed_hosts
from whiteboard.limits import RateLimited, ahit
from whiteboard.mcp.screen import refusal, screen
from whiteboard.mcp.server import HELD_KEY, USER_KEY, ArchboardMCP

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PATH = "/mcp"
MISSING_TOKEN = (
    "authentication required: send 'Authorization: Bearer <token>' "
    "(create a token on the API tokens page or with `manage.py create_token`)"
)


class McpEndpoint:
    """The ASGI app for `/mcp`."""

    def __init__(self) -> None:
        self._managers: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[asyncio.Future[StreamableHTTPSessionManager], asyncio.Task[None]]
        ] = weakref.WeakKeyDictionary()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            # A stateless server has nothing to send on a standalone stream (GET) and no session to
            # end (DELETE): the protocol's answer to both is 405. A GET given to the SDK would hold
            # an event stream open that nothing ever writes to.
            detail = f"method {scope['method']} not allowed here; use POST"
            await _answer(send, 405, {"detail": detail, "errors": []}, [(b"allow", b"POST")])
            return
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers", [])}
        domain, _ = split_domain_port(headers.get("host", ""))
        if not domain or not validate_host(domain, allowed_hosts()):
            await _answer(send, 400, {"detail": "the Host header names no host this server serves", "errors": []})
            return
        header = headers.get("authorization")
        if header is None:
            user, problem = None, MISSING_TOKEN
        else:
            user, problem = await database_sync_to_async(user_for_authorization)(header)
        if user is None:
            challenge = [(b"www-authenticate", b'Bearer realm="archboard"')]
            await _answer(send, 401, {"detail": problem, "errors": []}, challenge)
            return
        try:
            await ahit("api_token", header)
        except RateLimited as exc:
            answer = {"detail": str(exc), "errors": [], "retry_after": exc.retry_after}
            await _answer(send, 429, answer, [(b"retry-after", str(exc.retry_after).encode())])
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client went away
        screened = screen(body, limit=settings.ARCHBOARD_MAX_BODY_BYTES)
        if screened.text is None:
            await _answer(send, 400, refusal(screened))
            return
        manager = await self._manager()
        scope = {**scope, USER_KEY: user, HELD_KEY: screened.held}
        await manager.handle_request(scope, _replay(screened.text, receive), send)

    async def _manager(self) -> StreamableHTTPSessionManager:
        loop = asyncio.get_running_loop()
        running = self._managers.get(loop)
        if running is None:
            started: asyncio.Future[StreamableHTTPSessionManager] = loop.create_future()
            running = self._managers[loop] = (started, loop.create_task(_run_manager(started)))
        return await asyncio.shield(running[0])


async def _run_manager(started: asyncio.Future[StreamableHTTPSessionManager]) -> None:
    """Run one server's session manager for as long as the event loop runs."""
    try:
        server = ArchboardMCP()
        server.streamable_http_app(
            streamable_http_path=PATH,
            json_response=True,
            stateless_http=True,
            max_request_body_size=settings.ARCHBOARD_MAX_BODY_BYTES,
            # The Host is checked above against ALLOWED_HOSTS, as Django checks it for the whole
            # site; the SDK's own check knows only localhost and would refuse the deployed host name.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = server.session_manager
        async with manager.run():
            started.set_result(manager)
            await asyncio.Event().wait()
    except Exception as exc:
        if not started.done():
            started.set_exception(exc)  # every request then fails with it, none waits forever
        raise


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body again for the SDK, then whatever the connection says next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _answer(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    content = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


endpoint = McpEndpoint()
