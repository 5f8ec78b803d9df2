"""Rate-limit specifications ("COUNT/SECONDS"): read by the settings at start and by the limiter.

No Django here, so the settings can check every configured rate when they load: a bad value is
ImproperlyConfigured at start instead of a server error on the first request that meets it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Every scope the limiter counts (whiteboard.limits); the settings give each one a rate.
SCOPES = (
    "login_account",
    "login_ip",
    "signup_ip",
    "api_token",
    "board_create",
    "comment",
    "render",
    "ws_op",
    "ws_presence",
)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(raw: str | None) -> Rate | None:
    """'COUNT/SECONDS' to a Rate; None or '' means no limit; ValueError when malformed."""
    if not raw:
        return None
    count, _, seconds = raw.partition("/")
    try:
        rate = Rate(int(count), int(seconds or "1"))
    except ValueError:
        raise ValueError(f"rate {raw!r} is not COUNT/SECONDS") from None
    if rate.count < 1 or rate.seconds < 1:
        raise ValueError(f"rate {raw!r} must have a positive count and period")
    return rate
