"""Data: stores, their replication and exposure, and the caches in front of them."""

from __future__ import annotations

from collections.abc import Iterator

from whiteboard.domain.review.graph import BoardGraph
from whiteboard.domain.review.registry import Finding, rules_of

rule = rules_of("data")

DURABLE_STORES = frozenset({"sql_db", "nosql_db", "object_storage"})
SHARED_DB_CALLERS = 3


@rule(
    "unreplicated-datastore",
    severity="warning",
    title="A data store runs as a single replica",
    hint="Set replicas >= 2 (a replica set, a standby or a managed multi-AZ store).",
    core=True,
)
def unreplicated_datastore(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a data store with one replica loses availability on every failure and
    maintenance window, and may lose data outright when its disk goes.

    How to fix: run a replica set, a hot standby or a managed multi-zone offering, and record it
    on the board as `replicas` >= 2.

    Example: `{"id": "db", "kind": "sql_db"}` (replicas absent means 1) is flagged;
    `{"id": "db", "kind": "sql_db", "props": {"replicas": 2}}` is not.
    """
    for i in g.of_category("data"):
        if g.replicas(i) < 2:
            yield Finding([g.ids[i]], message=f"Data store {g.describe(i)} has a single replica.")


@rule(
    "client-to-datastore",
    severity="error",
    title="A client talks straight to a data store",
    hint="Put a service or gateway between clients and data: it owns validation and access control.",
    core=True,
)
def client_to_datastore(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a client that reaches a database directly bypasses every business rule,
    needs database credentials on the device, and pins the schema forever.

    How to fix: route the call through a service (or an API gateway with a service behind it)
    that validates input and enforces access rights.

    Example: `browser -> sql_db` is flagged; `browser -> api_gateway -> service -> sql_db` is not.
    """
    cats = g.categories
    for s in g.of_category("client"):
        for k in g.out_edges[s]:
            t = g.dst[k]
            if cats[t] == "data":
                yield Finding(
                    [g.ids[s], g.ids[t]],
                    [g.edge_id(k)],
                    f"Client {g.describe(s)} reaches data store {g.describe(t)} directly.",
                )


@rule(
    "write-back-cache-without-durable-store",
    severity="warning",
    title="A write-back cache with no durable store behind it",
    hint="Connect the cache to the database it flushes to, or use write-through.",
)
def write_back_cache_without_durable_store(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a write-back cache acknowledges writes before they are stored anywhere
    durable. With no database behind it, a cache restart loses every acknowledged write.

    How to fix: connect the cache to the durable store it flushes to (`sql_db`, `nosql_db` or
    `object_storage`), or switch its `write_policy` to `write-through`.

    Example: a cache with `"write_policy": "write-back"` and no edge to a database is flagged;
    `cache -> sql_db` is not.
    """
    kinds = g.kinds
    for i in g.of_kind("cache"):
        if g.props[i].get("write_policy") != "write-back":
            continue
        neighbours = [g.dst[k] for k in g.out_edges[i]] + [g.src[k] for k in g.in_edges[i]]
        if not any(kinds[w] in DURABLE_STORES for w in neighbours):
            yield Finding(
                [g.ids[i]],
                message=f"Write-back cache {g.describe(i)} is connected to no durable store.",
            )


@rule(
    "exposed-datastore",
    severity="error",
    title="A database is exposed to the internet",
    hint="Keep databases on a private network: only services should reach them.",
)
def exposed_datastore(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a database reachable from the internet is found by scanners within hours;
    one weak password or unpatched version leaks everything in it.

    How to fix: remove `"public": true`, and let only services reach the store, not edge
    components (gateways, load balancers, CDNs). Object storage is exempt: serving public
    assets from a bucket behind a CDN is normal.

    Example: a `sql_db` with `"public": true`, or `load_balancer -> sql_db`, is flagged;
    `load_balancer -> service -> sql_db` is not.
    """
    cats = g.categories
    for i in g.of_category("data"):
        if g.kinds[i] == "object_storage":
            continue
        exposed_by = [k for k in g.in_edges[i] if cats[g.src[k]] == "edge"]
        if g.public[i] or exposed_by:
            yield Finding(
                [g.ids[i], *(g.ids[g.src[k]] for k in exposed_by)],
                [g.edge_id(k) for k in exposed_by],
                f"Data store {g.describe(i)} is exposed to the internet.",
            )


_SHARED_STORES = ("sql_db", "nosql_db")


@rule(
    "shared-database",
    severity="warning",
    title=f"A database shared by {SHARED_DB_CALLERS} or more services",
    hint="Give each service its own schema or store, and share data through APIs or events.",
)
def shared_database(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a database used by many services couples them all: one team's migration or
    slow query breaks the others, and nobody owns the schema.

    How to fix: give each service its own database (or at least its own schema and credentials)
    and share data through an API or an event stream.

    Example: `orders -> db`, `billing -> db`, `shipping -> db` (3 services)
    is flagged; two services are not.
    """
    cats = g.categories
    for i in g.of_kind(*_SHARED_STORES):
        callers = {w for w in g.pred[i] if cats[w] == "compute" or cats[w] == "ai"}
        callers.update(w for w in g.succ[i] if cats[w] == "compute" or cats[w] == "ai")
        if len(callers) >= SHARED_DB_CALLERS:
            yield Finding(
                [g.ids[i], *(g.ids[w] for w in callers)],
                message=f"Database {g.describe(i)} is shared by {len(callers)} services.",
            )


_FORWARDS_WRITES = frozenset({"write-through", "write-back"})


@rule(
    "writes-stop-at-cache",
    severity="warning",
    title="A durable store that only a cache reaches: writes stop at the cache",
    hint="Let the cache write through (write_policy: write-through), or draw the service's own write to the store.",
)
def writes_stop_at_cache(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a cache is not a system of record. When every edge into a database comes from
    a cache that neither writes through nor writes back, the services' writes end in the cache:
    they are lost on eviction or restart, and the database only ever serves what it held before.

    How to fix: if the cache forwards writes, set its `write_policy` to `write-through` (or
    `write-back`); otherwise draw the write from the service to the store (cache-aside:
    `service -> cache` for reads, `service -> db` for writes).

    Example: `api -> cache -> db` with no write policy is flagged; with `"write_policy":
    "write-through"` on the cache, or with `api -> db` added, it is not.
    """
    kinds = g.kinds
    for i in g.of_kind(*DURABLE_STORES):
        feeders = g.in_edges[i]
        if not feeders or any(kinds[g.src[k]] != "cache" for k in feeders):
            continue
        caches = list(dict.fromkeys(g.src[k] for k in feeders))
        if any(g.props[c].get("write_policy") in _FORWARDS_WRITES for c in caches):
            continue
        names = ", ".join(g.describe(c) for c in caches)
        yield Finding(
            [g.ids[i], *(g.ids[c] for c in caches)],
            [g.edge_id(k) for k in feeders],
            f"Only {names} reaches data store {g.describe(i)}, and does not forward writes to it.",
        )


@rule(
    "media-without-cdn",
    severity="warning",
    title="Object storage served to clients with no CDN in front",
    hint="Serve the objects through a CDN (client -> cdn -> object_storage).",
)
def media_without_cdn(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: media and other objects served straight from a bucket, or through a load
    balancer or gateway in front of it, travel from the region to every client on every request:
    high latency far from the region, egress paid per byte at full price, and nothing to absorb
    the burst when something goes viral.

    How to fix: put a `cdn` in front of the bucket (`client -> cdn -> object_storage`). Flagged:
    object storage marked `"public": true`, or reached from a client through edge components only
    (load balancers, gateways, firewalls, DNS), when no CDN points at it. A client's own edge
    straight to a bucket (a pre-signed upload) is left to client-to-datastore.

    Example: `viewer -> lb -> bucket` is flagged; `viewer -> cdn -> bucket` is not.
    """
    buckets = g.of_kind("object_storage")
    if not buckets:
        return
    cats, kinds, succ = g.categories, g.kinds, g.succ
    # The edge components clients reach through edge components only, the CDN excepted.
    fronts = bytearray(len(g))
    stack = []
    for s in g.of_category("client"):
        for w in succ[s]:
            if cats[w] == "edge" and kinds[w] != "cdn" and not fronts[w]:
                fronts[w] = True
                stack.append(w)
    while stack:
        for w in succ[stack.pop()]:
            if cats[w] == "edge" and kinds[w] != "cdn" and not fronts[w]:
                fronts[w] = True
                stack.append(w)
    for i in buckets:
        if any(kinds[w] == "cdn" for w in g.pred[i]):
            continue
        served_by = [w for w in dict.fromkeys(g.pred[i]) if fronts[w]]
        if served_by or g.public[i]:
            how = f"through {', '.join(map(g.describe, served_by))}" if served_by else "as a public bucket"
            yield Finding(
                [g.ids[i], *(g.ids[w] for w in served_by)],
                message=f"Clients get objects from {g.describe(i)} {how}, with no CDN in front.",
            )
