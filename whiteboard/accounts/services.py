"""API tokens: creation, lookup and revocation. Tokens are stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from whiteboard.accounts.models import ApiToken

TOKEN_PREFIX = "ab_"
MAX_TOKENS_PER_USER = 50


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; return it with the raw secret, which is never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100] or "token", prefix=raw[:10], digest=_digest(raw))
    return token, raw


def token_revoke(*, user: User, token_id: int) -> bool:
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0


def resolve_token(raw: str) -> User | None:
    """The active user a raw token belongs to, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    # get(), not first(): the digest is unique, and first() would compile an ORDER BY.
    try:
        token = ApiToken.objects.select_related("user").get(digest=_digest(raw))
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute, so a busy script does not write on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_for_authorization(header: str) -> tuple[User | None, str | None]:
    """(user, problem) for an `Authorization` header value: the token's user, or why there is none.

    The REST API and the MCP endpoint both answer with these texts, so a script sees one wording."""
    raw = bearer_from_header(header)
    if raw is None:
        return None, "the Authorization header must be 'Bearer <token>'"
    user = resolve_token(raw)
    return (user, None) if user is not None else (None, "invalid or revoked API token")


def bearer_from_header(value: str | None) -> str | None:
    """The token in an `Authorization: Bearer <token>` header value, or None."""
    if not value:
        return None
    scheme, _, raw = value.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    return raw.strip()
