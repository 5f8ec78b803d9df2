"""Messaging: queues, streams, pub/sub and the WebSocket servers that fan out through them."""

from __future__ import annotations

from collections.abc import Iterator

from whiteboard.domain.review.graph import BoardGraph
from whiteboard.domain.review.registry import Finding, rules_of

rule = rules_of("messaging")


@rule(
    "queue-without-consumer",
    severity="warning",
    title="Messages go into a queue that nothing reads",
    hint="Draw the consumer (queue -> worker), or remove the queue.",
    core=True,
)
def queue_without_consumer(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a queue, stream or topic with no consumer grows until it hits its retention
    limit and silently drops work, or fills the broker's disk.

    How to fix: add the consumer that processes the messages; edges point the way messages flow,
    so a consumer is an edge out of the queue (`queue -> worker`).

    Example: `service -> queue` alone is flagged; `service -> queue -> worker` is not.
    """
    for i in g.of_category("messaging"):
        if not g.out_edges[i]:
            yield Finding([g.ids[i]], message=f"Nothing consumes from {g.describe(i)}.")


@rule(
    "queue-without-producer",
    severity="warning",
    title="A queue that nothing writes to",
    hint="Draw the producer (service -> queue), or remove the queue.",
    core=True,
)
def queue_without_producer(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: consumers that wait on a queue nobody writes to are either missing their
    producer on the board, or are dead code that still costs capacity.

    How to fix: draw the producer: an edge into the queue (`service -> queue`).

    Example: `queue -> worker` alone is flagged; `service -> queue -> worker` is not.
    """
    for i in g.of_category("messaging"):
        if not g.in_edges[i]:
            yield Finding([g.ids[i]], message=f"Nothing produces to {g.describe(i)}.")


@rule(
    "queue-without-dead-letter",
    severity="warning",
    title="A consumed queue with no dead-letter queue",
    hint="Route failed messages to a dead-letter queue (queue -> dlq) or set props.dead_letter.",
)
def queue_without_dead_letter(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: a message that fails every time (a poison message) is retried forever and
    blocks or slows the queue; without a dead-letter queue it is eventually dropped and lost.

    How to fix: configure a dead-letter queue and draw it as an edge from the queue to another
    messaging node, or name it in the queue's `dead_letter` prop. A dead-letter queue needs none
    of its own: one whose id or label says so (`orders-dlq`, "Dead-letter queue"), one that a
    `dead_letter` prop names, or one fed only by other messaging nodes.

    Example: `service -> queue -> worker` is flagged; adding `queue -> dlq` (a queue) or
    `"props": {"dead_letter": "orders-dlq"}` clears it, and `orders-dlq -> replayer` is not
    flagged itself.
    """
    cats, dead_letter = g.categories, g.dead_letter_queues
    for i in g.of_kind("queue"):
        consumers = g.succ[i]
        if not consumers or g.props[i].get("dead_letter") or dead_letter[i]:
            continue
        if not any(cats[w] == "messaging" for w in consumers):
            yield Finding([g.ids[i]], message=f"Queue {g.describe(i)} has no dead-letter queue.")


@rule(
    "websocket-without-load-balancer",
    severity="warning",
    title="A WebSocket server with no load balancer in front",
    hint="Put a load balancer (with sticky sessions or a shared channel layer) in front of it.",
)
def websocket_without_load_balancer(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: WebSocket connections are long-lived; without a load balancer, all of them
    land on one host, a deploy drops every connection at once, and it cannot scale out.

    How to fix: put a `load_balancer` (or an `api_gateway` that proxies WebSockets) in front and
    run two or more replicas that share state through a channel layer.

    Example: `browser -> websocket_server` is flagged; `browser -> load_balancer ->
    websocket_server` is not.
    """
    kinds = g.kinds
    for i in g.of_kind("websocket_server"):
        if not any(kinds[w] == "load_balancer" or kinds[w] == "api_gateway" for w in g.pred[i]):
            yield Finding(
                [g.ids[i]],
                message=f"WebSocket server {g.describe(i)} has no load balancer in front of it.",
            )


# Technologies that carry pub/sub between servers however the node is drawn (a cache named Redis
# is the classic WebSocket backplane).
PUBSUB_TECHS = frozenset({"redis", "elasticache-redis", "memorystore", "azure-cache-for-redis", "nats"})


@rule(
    "websocket-without-backplane",
    severity="warning",
    title="Replicated WebSocket servers with no pub/sub backplane between them",
    hint="Fan messages out through a channel every server subscribes to (pubsub -> websocket_server).",
)
def websocket_without_backplane(g: BoardGraph) -> Iterator[Finding]:
    """
    Why it matters: with two or more WebSocket servers, two people in one chat room or document
    are often connected to different servers. A message that arrives at one server has to reach
    the clients the others hold; without a backplane it silently reaches only part of the room.

    How to fix: publish through a channel every server subscribes to: a messaging node (`pubsub`,
    `event_stream`, ...) with an edge into the servers, or a Redis or NATS node they share (its
    `tech`). Sticky routing narrows the problem but does not remove it. A single server needs none.

    Example: `lb -> ws` with `"replicas": 3` and nothing else is flagged; adding
    `ws -> pubsub -> ws` clears it.
    """
    cats = g.categories
    for i in g.of_kind("websocket_server"):
        if g.replicas(i) < 2 or any(cats[w] == "messaging" for w in g.pred[i]):
            continue
        if any(g.tech(w) in PUBSUB_TECHS for w in (*g.pred[i], *g.succ[i])):
            continue
        yield Finding(
            [g.ids[i]],
            message=f"{g.replicas(i)} replicas of {g.describe(i)} share no pub/sub channel: "
            "a message reaches only the clients of the server it arrived at.",
        )
