"""Operations: rate limits, authentication and monitoring."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import compress

from whiteboard.domain.review.graph import BoardGraph, reach
from whiteboard.domain.review.registry import Finding, rules_of

rule = rules_of("ops")


@rule(
    "gateway-without-rate-limit",
    severity="info",
    title="An API gateway without rate limiting",
    hint="Enable rate limiting on the gateway and set rate_limited: true.",
    core=True,
)
def gateway_without_rate_limit(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: the gateway is where abusive or runaway clients are cheapest to stop; without
    a limit, one client can exhaust the services (and the LLM budget) behind it.

    How to fix: configure per-client limits on the gateway and mark it `"rate_limited": true`.

    Example: `{"kind": "api_gateway"}` is flagged; `{"kind": "api_gateway", "props":
    {"rate_limited": true}}` is not.
    """
    for i in g.of_kind("api_gateway"):
        if not g.rate_limited[i]:
            yield Finding([g.ids[i]], message=f"API gateway {g.describe(i)} is not rate limited.")


_OPEN_BY_DESIGN = frozenset({"cdn", "dns", "auth"})


@rule(
    "public-entry-without-auth",
    severity="warning",
    title="A public entry point with no authentication behind it",
    hint="Connect the entry (or something it calls) to an `auth` component.",
)
def public_entry_without_auth(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: anything a client can call is on the internet. If no path from it reaches an
    authentication component, every caller is anonymous and every action is unaudited.

    How to fix: verify identity at the entry: connect the gateway (or the service behind it) to
    an `auth` node. A public entry is a non-client node that a client calls directly, or any node
    marked `"public": true`; CDNs and DNS are exempt (they serve public content by design), and
    so are data stores (rules `client-to-datastore` and `exposed-datastore` cover those).

    Example: `browser -> api_gateway -> service` with no `auth` node is flagged;
    adding `api_gateway -> auth` clears it.
    """
    cats, kinds = g.categories, g.kinds
    entries: dict[int, None] = {}
    for s in g.of_category("client"):
        for t in g.succ[s]:
            if cats[t] != "client":
                entries[t] = None
    for i in compress(range(len(g)), g.public):
        if cats[i] != "client":
            entries[i] = None
    entries = {i: None for i in entries if kinds[i] not in _OPEN_BY_DESIGN and cats[i] != "data"}
    if not entries:
        return
    can_reach_auth = reach(g.pred, g.of_kind("auth"), len(g))
    for i in sorted(entries):
        if not can_reach_auth[i]:
            yield Finding(
                [g.ids[i]],
                message=f"Public entry {g.describe(i)} reaches no authentication component.",
            )


# A sketch of a few components is not yet a system to operate; past that, monitoring is part of
# the design.
MONITORED_FROM = 6


@rule(
    "missing-monitoring",
    severity="warning",
    title=f"No monitoring on a board of {MONITORED_FROM} or more components",
    hint="Add a `monitoring` node and connect the services it watches.",
)
def missing_monitoring(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: without metrics and alerts, outages are reported by users, and capacity
    problems are found after they hurt. A system of more than a handful of components cannot be
    run without them.

    How to fix: add a `monitoring` component (metrics, alerting) and connect the services and
    models it watches. Boards of fewer than 6 components (sketches) are not checked.

    Example: `browser -> lb -> api -> worker -> queue -> db` with no `monitoring` node gets one
    finding; adding `api -> monitoring` clears it.
    """
    if g.of_kind("monitoring") or len(g) < MONITORED_FROM:
        return
    if g.of_category("compute") or g.of_category("ai"):
        yield Finding([], message=f"The board runs {len(g)} components but has no monitoring component.")
