"""Structure: how the components hang together (articulation points, flows, loops, fronts)."""

from __future__ import annotations

from collections.abc import Iterator

from whiteboard.domain.graphs import strongly_connected_components
from whiteboard.domain.review.graph import SCALES_ITSELF, BoardGraph
from whiteboard.domain.review.registry import Finding, rules_of

rule = rules_of("structure")


@rule(
    "single-point-of-failure",
    severity="error",
    title="A single instance holds the board together",
    hint="Run it with replicas >= 2 behind a load balancer, or add a redundant path around it.",
    core=True,
)
def single_point_of_failure(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: the component is an articulation point of the architecture: remove it and
    the board falls apart into pieces that can no longer talk to each other. With a single
    replica, one crash, deploy or noisy neighbour takes down everything on the far side.

    How to fix: give it `replicas` of 2 or more (and a load balancer in front), or add a second
    path so that traffic can flow around it. Clients are exempt: they are not yours to replicate.

    Example: `browser -> api -> db` with `api` at 1 replica: `api` is flagged. Set
    `"props": {"replicas": 3}` on `api` and the finding goes away.
    """
    cats = g.categories
    for i in g.articulation_points:
        if cats[i] != "client" and g.replicas(i) < 2:
            yield Finding(
                [g.ids[i]],
                message=f"{g.describe(i)} is a single point of failure: with one replica, its failure "
                "splits the architecture in two.",
            )


@rule(
    "public-entry-without-gateway",
    severity="warning",
    title="A client calls compute directly, with no gateway in front",
    hint="Put an API gateway or load balancer in front: TLS, rate limits and routing live there.",
    core=True,
)
def public_entry_without_gateway(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a service or model endpoint exposed straight to clients has no place for TLS
    termination, rate limiting, authentication or blue/green routing, and every internal address
    becomes public.

    How to fix: add an `api_gateway` or `load_balancer` between the client and the compute or AI
    component.

    Example: `mobile -> service` is flagged; `mobile -> api_gateway -> service` is not.
    """
    cats = g.categories
    for s in g.of_category("client"):
        for k in g.out_edges[s]:
            t = g.dst[k]
            if cats[t] == "compute" or cats[t] == "ai":
                yield Finding(
                    [g.ids[s], g.ids[t]],
                    [g.edge_id(k)],
                    f"Client {g.describe(s)} calls {g.describe(t)} with no gateway or load balancer in between.",
                )


@rule(
    "orphan-component",
    severity="info",
    title="A component has no connections",
    hint="Connect it to what uses it, or remove it from the board.",
    core=True,
)
def orphan_component(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a component with no edge at all is either forgotten (and the picture hides a
    real dependency) or dead weight (and costs money for nothing).

    How to fix: draw the edges that show who calls it and what it calls, or delete it.

    Example: a `secrets` node with no edges is flagged; `service -> secrets` is not.
    """
    out_edges, in_edges = g.out_edges, g.in_edges
    for i in range(len(g)):
        if not out_edges[i] and not in_edges[i]:
            yield Finding([g.ids[i]], message=f"{g.describe(i)} has no connections.")


_SYNC_COMPUTE = "compute"


@rule(
    "sync-service-cycle",
    severity="warning",
    title="Services call each other synchronously in a loop",
    hint="Break the loop: make one direction asynchronous (an event) or merge the services.",
)
def sync_service_cycle(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: services that call each other synchronously in a cycle can deadlock under
    load (each waits on the other's thread pool), cannot be deployed independently, and turn
    one slow service into a cascading outage.

    How to fix: make one direction of the loop asynchronous (publish an event, mark the edge
    `"async": true`), or merge services that cannot live apart.

    Example: `orders -> billing -> orders` over https is flagged; with the edge back to `orders`
    going through a queue, it is not.
    """
    members = g.of_category(_SYNC_COMPUTE)
    if len(members) < 2:
        return
    cats, is_async = g.categories, g.is_async
    inside: list[list[int]] = [[]] * len(g)  # only members are read
    for v in members:
        inside[v] = [g.dst[k] for k in g.out_edges[v] if cats[g.dst[k]] == _SYNC_COMPUTE and not is_async[k]]
    for component in strongly_connected_components(members, inside, len(g)):
        if len(component) < 2:
            continue
        nodes = set(component)
        edges = [g.edge_id(k) for v in component for k in g.out_edges[v] if g.dst[k] in nodes and not is_async[k]]
        names = ", ".join(g.describe(v) for v in sorted(component, key=g.ids.__getitem__))
        yield Finding([g.ids[v] for v in component], edges, f"Services {names} call each other in a loop.")


@rule(
    "load-balancer-single-backend",
    severity="info",
    title="A load balancer in front of a single instance",
    hint="Run the backend with replicas >= 2, or drop the load balancer from the picture.",
)
def load_balancer_single_backend(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a load balancer with one single-replica backend balances nothing: it adds a
    hop and gives a false sense of redundancy.

    How to fix: run the backend with `replicas` >= 2, or add more backends.

    Example: `load_balancer -> service` (1 replica) is flagged; with `"replicas": 3` it is not.
    """
    for i in g.of_kind("load_balancer"):
        backends = set(g.succ[i])
        if len(backends) != 1:
            continue
        (t,) = backends
        if g.replicas(t) < 2:
            yield Finding(
                [g.ids[i], g.ids[t]],
                [g.edge_id(k) for k in g.out_edges[i]],
                f"Load balancer {g.describe(i)} balances a single instance of {g.describe(t)}.",
            )


# Their own rules check the replication of these: unreplicated-datastore and broker-single-replica.
_REPLICATED_ELSEWHERE = frozenset({"client", "data", "messaging"})


@rule(
    "flow-bottleneck",
    severity="warning",
    title="Every path from the clients to a component crosses one unreplicated component",
    hint="Replicate it (replicas >= 2 behind a load balancer), or give the flow a second route around it.",
)
def flow_bottleneck(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: single-point-of-failure reads the picture without directions, so any edge
    drawn around a component (a metrics arrow, a shared cache) hides it. Requests flow one way:
    if every path from the clients to a capability (a service, a store, a tool) crosses one
    single-instance component, that capability is down whenever the component is.

    How to fix: replicate the component (`replicas` >= 2, behind a load balancer), or give what it
    guards a second route. Found with dominators of the directed flow graph seen from the
    clients. Left to other rules: articulation points (single-point-of-failure, an error), data
    stores and brokers (unreplicated-datastore, broker-single-replica), and components on every
    path to an LLM (llm-path-bottleneck). Monitoring and logging do not count as capabilities, and
    serverless functions scale out by themselves.

    Example: `browser -> lb -> api -> db` with `lb -> metrics` and `db -> metrics`: the metrics
    edges close a loop, so `api` is no articulation point, yet every request to `db` crosses it.
    With one replica it is flagged; with `"replicas": 2` it is not.
    """
    gated, gates_llm, cut, cats, kinds = g.gated, g.gates_llm, g.is_cut, g.categories, g.kinds
    for v in range(len(g)):
        if gated[v] < 0 or cut[v] or gates_llm[v] >= 0 or cats[v] in _REPLICATED_ELSEWHERE:
            continue
        if g.replicas(v) < 2 and kinds[v] not in SCALES_ITSELF:
            yield Finding(
                [g.ids[v]],
                message=f"Every path from the clients to {g.describe(gated[v])} goes through {g.describe(v)}, "
                "which has one replica.",
            )
