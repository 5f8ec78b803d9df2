"""WebSocket authentication: the session cookie or an `Authorization: Bearer <token>` header.

Channels' `AuthMiddleware` resolves the user once, at the handshake. A socket can live for hours, so
the consumer asks `Credential.still_valid()` again on every op and every few seconds: a log-out,
a revoked token or a deactivated user takes effect on open sockets too.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import WebsocketDenier
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host

from whiteboard.accounts.services import bearer_from_header, resolve_token

TOKEN_SCOPE_KEY = "archboard.token"


@dataclass(frozen=True)
class Credential:
    """How a socket authenticated, kept so it can be checked again later."""

    user_id: int
    token: str | None = None
    session_key: str | None = None

    @classmethod
    def from_scope(cls, scope: dict[str, Any]) -> Credential | None:
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        if scope.get(TOKEN_SCOPE_KEY):
            return cls(user.pk, token=scope[TOKEN_SCOPE_KEY])
        session = scope.get("session")
        return cls(user.pk, session_key=getattr(session, "session_key", None))

    def still_valid(self) -> bool:
        """Synchronous (database): is the same user still logged in by this credential?"""
        user: Any
        if self.token is not None:
            user = resolve_token(self.token)
        elif self.session_key:
            store = import_module(settings.SESSION_ENGINE).SessionStore(self.session_key)
            user = get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]
        else:
            return False
        return bool(user is not None and user.is_authenticated and user.is_active and user.pk == self.user_id)


class BearerTokenMiddleware(BaseMiddleware):  # type: ignore[misc]  # channels ships no type hints
    """Use the bearer token's user when the handshake carries one (else the session's user stays)."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        raw = None
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                raw = bearer_from_header(value.decode("latin-1"))
                break
        if raw is not None:
            user = await database_sync_to_async(resolve_token)(raw)
            scope = {**scope, "user": user or AnonymousUser(), TOKEN_SCOPE_KEY: raw if user else None}
        return await super().__call__(scope, receive, send)


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_tuple(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin such as "https://example.com:8443"; None if malformed."""
    try:
        parsed = urlsplit(url.strip().lower())
        port = parsed.port
    except ValueError:
        return None
    if parsed.scheme not in DEFAULT_PORTS or not parsed.hostname or parsed.path not in ("", "/"):
        return None
    return parsed.scheme, parsed.hostname, port or DEFAULT_PORTS[parsed.scheme]


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def same_origin(origin: str, scope: dict[str, Any]) -> bool:
    """Whether a browser's handshake comes from a page of this site.

    Scheme, host and port must all match: the handshake's own (its Host header, which must be an
    allowed host; https when the socket is wss, as a TLS proxy reports it), or one of
    CSRF_TRUSTED_ORIGINS (`https://*.example.com` matches subdomains, as for Django's CSRF check).
    Comparing the host alone let any other port of the same machine in, and any page served
    there could then open a socket with the visitor's cookie.
    """
    claimed = _origin_tuple(origin)
    if claimed is None:
        return False
    host = _header(scope, b"host")
    if host is not None:
        domain, _ = split_domain_port(host)
        scheme = "https" if scope.get("scheme") == "wss" else "http"
        if domain and validate_host(domain, allowed_hosts()) and _origin_tuple(f"{scheme}://{host}") == claimed:
            return True
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        wildcard = "://*." in trusted
        pattern = _origin_tuple(trusted.replace("://*.", "://", 1))
        if pattern is None or pattern[0] != claimed[0] or pattern[2] != claimed[2]:
            continue
        if claimed[1] == pattern[1] or (wildcard and claimed[1].endswith("." + pattern[1])):
            return True
    return False


def allowed_hosts() -> list[str]:
    """The host names this site answers to, as Django's Host check knows them (with its DEBUG
    default), for the requests that do not pass through Django: WebSockets and MCP."""
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return hosts


class SameOriginValidator:
    """Refuse handshakes from other sites' pages; accept clients that send no Origin at all.

    Cross-site WebSocket hijacking needs a browser, and browsers always send Origin. Scripts and
    the CLI authenticate with a bearer token and usually send none.
    """

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        origin = _header(scope, b"origin")
        if origin is None or same_origin(origin, scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


class ReadOnlySessionMiddleware:
    """The session named by the cookie, in the scope for reading who is logged in; never saved.

    Channels' SessionMiddleware wraps `send` to save a changed session with every outgoing
    message. A board socket never changes its session, yet sends thousands of frames a second
    under load, and that per-frame check cost about a quarter of the time spent sending."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        key = scope["cookies"].get(settings.SESSION_COOKIE_NAME)
        store = import_module(settings.SESSION_ENGINE).SessionStore(key)  # loads lazily, on first read
        return await self.inner({**scope, "session": store}, receive, send)


def websocket_auth_stack(inner: Any) -> Any:
    """Origin check, then session auth, then bearer token auth (which wins when present)."""
    session_auth = CookieMiddleware(ReadOnlySessionMiddleware(AuthMiddleware(BearerTokenMiddleware(inner))))
    return SameOriginValidator(session_auth)
