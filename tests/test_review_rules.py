"""Every review rule firing and not firing, suppressions, and the rule registry's documentation."""

from __future__ import annotations

import dataclasses
import gc
import itertools
from collections.abc import Iterable
from typing import Any

import pytest

from whiteboard.domain.board import validate_board
from whiteboard.domain.review import (
    RULES,
    SEVERITIES,
    BoardGraph,
    Finding,
    articulation_points,
    fails,
    review_board,
    rule_docs,
)

# --- builders: a board in a few readable lines, validated for real ------------------------------


def node(node_id: str, kind: str, **props: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, "props": props}


def edge(source: str, target: str, edge_id: str | None = None, **props: Any) -> dict[str, Any]:
    return {"id": edge_id or f"{source}-{target}", "source": source, "target": target, "props": props}


def board(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]] | None = None, suppress: list[Any] | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": "archboard/1", "name": "test board", "nodes": nodes, "edges": edges or []}
    if suppress is not None:
        doc["review"] = {"suppress": suppress}
    return validate_board(doc)


def chain(*spec: str, **props: Any) -> dict[str, Any]:
    """`chain("u:browser", "api:service")`: the nodes joined by edges in that order."""
    nodes = [node(*item.split(":")) for item in spec]
    return board(nodes, [edge(a["id"], b["id"], **props) for a, b in itertools.pairwise(nodes)])


def hits(doc: dict[str, Any], rule: str) -> list[tuple[list[str], list[str]]]:
    return [(f["nodes"], f["edges"]) for f in review_board(doc)["findings"] if f["rule"] == rule]


def flagged(doc: dict[str, Any], rule: str) -> list[list[str]]:
    return [nodes for nodes, _ in hits(doc, rule)]


# --- the registry -----------------------------------------------------------------------------

CORE = {
    "single-point-of-failure": "error",
    "unreplicated-datastore": "warning",
    "client-to-datastore": "error",
    "public-entry-without-gateway": "warning",
    "orphan-component": "info",
    "queue-without-consumer": "warning",
    "queue-without-producer": "warning",
    "agent-cycle": "warning",
    "no-streaming-to-client": "warning",
    "gateway-without-rate-limit": "info",
}


def test_the_core_rules_have_the_spec_ids_and_severities() -> None:
    assert {rule_id: RULES[rule_id].severity for rule_id in CORE} == CORE
    assert {r.id for r in RULES.values() if r.core} == set(CORE)


def test_there_are_at_least_ten_rules_beyond_the_core() -> None:
    assert len([r for r in RULES.values() if not r.core]) >= 10


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_is_documented_with_why_fix_and_example(rule_id: str) -> None:
    r = RULES[rule_id]
    assert r.severity in SEVERITIES
    assert r.title and "\n" not in r.title
    assert r.hint
    assert set(r.sections) == {"why", "fix", "example"}
    assert all(len(text) > 20 for text in r.sections.values())


def test_rule_docs_list_core_rules_first_with_their_sections() -> None:
    docs = rule_docs()
    assert [d["id"] for d in docs[: len(CORE)]] == sorted(CORE)
    assert {"id", "severity", "title", "doc", "why", "fix", "example"} <= set(docs[0])


# --- core rules -------------------------------------------------------------------------------


def test_single_point_of_failure_flags_an_unreplicated_articulation_point() -> None:
    doc = chain("u:browser", "api:service", "db:sql_db")
    assert flagged(doc, "single-point-of-failure") == [["api"]]


def test_single_point_of_failure_spares_a_replicated_articulation_point() -> None:
    doc = board(
        [node("u", "browser"), node("api", "service", replicas=2), node("db", "sql_db")],
        [edge("u", "api"), edge("api", "db")],
    )
    assert flagged(doc, "single-point-of-failure") == []


def test_single_point_of_failure_spares_clients_and_nodes_with_a_way_around() -> None:
    # u is a cut vertex between a and b but is a client; a, b, c form a cycle, so none is a cut.
    doc = board(
        [node("a", "service"), node("u", "user"), node("b", "service"), node("c", "service"), node("d", "worker")],
        [edge("a", "u"), edge("u", "b"), edge("b", "c"), edge("c", "d"), edge("d", "b")],
    )
    assert flagged(doc, "single-point-of-failure") == [["b"]]


def test_single_point_of_failure_ignores_direction_and_parallel_edges() -> None:
    doc = board(
        [node("a", "service"), node("b", "service"), node("c", "service")],
        [edge("a", "b", "e1"), edge("b", "a", "e2"), edge("a", "b", "e3"), edge("c", "b")],
    )
    assert flagged(doc, "single-point-of-failure") == [["b"]]


def test_single_point_of_failure_handles_a_chain_of_thousands_without_recursion() -> None:
    nodes = [node(f"n{i}", "service") for i in range(4000)]
    edges = [edge(f"n{i}", f"n{i + 1}") for i in range(3999)]
    doc = board(nodes, edges)
    assert len(flagged(doc, "single-point-of-failure")) == 3998


def test_articulation_points_of_two_triangles_joined_at_one_vertex() -> None:
    adj = [{1, 2}, {0, 2}, {0, 1, 3, 4}, {2, 4}, {2, 3}]
    assert articulation_points(adj) == [2]


def test_unreplicated_datastore_flags_a_single_replica_store_only() -> None:
    doc = board([node("db", "sql_db"), node("cache", "cache", replicas=2), node("api", "service")])
    assert flagged(doc, "unreplicated-datastore") == [["db"]]


def test_client_to_datastore_flags_the_edge_with_both_ends() -> None:
    doc = chain("u:browser", "db:nosql_db")
    assert hits(doc, "client-to-datastore") == [(["db", "u"], ["u-db"])]


def test_client_to_datastore_is_quiet_behind_a_service() -> None:
    assert hits(chain("u:browser", "api:service", "db:nosql_db"), "client-to-datastore") == []


def test_public_entry_without_gateway_flags_clients_calling_compute_or_ai() -> None:
    doc = board(
        [node("m", "mobile"), node("svc", "service"), node("llm", "llm"), node("gw", "api_gateway")],
        [edge("m", "svc"), edge("m", "llm"), edge("m", "gw")],
    )
    assert hits(doc, "public-entry-without-gateway") == [(["llm", "m"], ["m-llm"]), (["m", "svc"], ["m-svc"])]


def test_public_entry_without_gateway_is_quiet_behind_a_gateway() -> None:
    assert hits(chain("m:mobile", "gw:api_gateway", "svc:service"), "public-entry-without-gateway") == []


def test_orphan_component_flags_a_node_without_edges() -> None:
    doc = board([node("a", "service"), node("b", "service"), node("lonely", "secrets")], [edge("a", "b")])
    assert flagged(doc, "orphan-component") == [["lonely"]]


def test_queue_without_consumer_and_producer() -> None:
    doc = board(
        [node("p", "service"), node("in_only", "queue"), node("out_only", "event_stream"), node("c", "worker")],
        [edge("p", "in_only"), edge("out_only", "c")],
    )
    assert flagged(doc, "queue-without-consumer") == [["in_only"]]
    assert flagged(doc, "queue-without-producer") == [["out_only"]]


def test_a_queue_with_both_ends_is_fine() -> None:
    doc = chain("p:service", "q:pubsub", "c:worker")
    assert flagged(doc, "queue-without-consumer") == flagged(doc, "queue-without-producer") == []


def test_agent_cycle_flags_agents_and_orchestrators_calling_each_other() -> None:
    doc = board(
        [node("o", "orchestrator"), node("a", "agent"), node("b", "agent"), node("solo", "agent")],
        [edge("o", "a"), edge("a", "b"), edge("b", "o"), edge("o", "solo")],
    )
    assert hits(doc, "agent-cycle") == [(["a", "b", "o"], ["a-b", "b-o", "o-a"])]


def test_agent_cycle_ignores_loops_that_pass_through_other_components() -> None:
    doc = board(
        [node("a", "agent"), node("b", "agent"), node("svc", "service")],
        [edge("a", "b"), edge("b", "svc"), edge("svc", "a")],
    )
    assert hits(doc, "agent-cycle") == []


def test_no_streaming_to_client_flags_reachable_llms() -> None:
    doc = board(
        [node("u", "browser"), node("api", "service"), node("llm", "llm"), node("other", "llm")],
        [edge("u", "api", protocol="https"), edge("api", "llm")],
    )
    assert hits(doc, "no-streaming-to-client") == [(["llm"], [])]


def test_no_streaming_to_client_is_quiet_when_a_client_edge_streams() -> None:
    doc = board(
        [node("u", "browser"), node("ws", "websocket_server"), node("api", "service"), node("llm", "llm")],
        [edge("u", "api", protocol="https"), edge("api", "llm"), edge("u", "ws", protocol="sse")],
    )
    assert hits(doc, "no-streaming-to-client") == []


def test_no_streaming_to_client_is_quiet_when_no_llm_is_reachable() -> None:
    doc = board([node("u", "browser"), node("api", "service"), node("llm", "llm")], [edge("llm", "api")])
    assert hits(doc, "no-streaming-to-client") == []


def test_gateway_without_rate_limit_flags_gateways_not_marked_rate_limited() -> None:
    doc = board([node("gw1", "api_gateway"), node("gw2", "api_gateway", rate_limited=True)])
    assert flagged(doc, "gateway-without-rate-limit") == [["gw1"]]


# --- extra rules ------------------------------------------------------------------------------


def test_write_back_cache_without_durable_store_fires_and_not() -> None:
    lone = board([node("api", "service"), node("c", "cache", write_policy="write-back")], [edge("api", "c")])
    assert flagged(lone, "write-back-cache-without-durable-store") == [["c"]]
    backed = board(
        [node("c", "cache", write_policy="write-back"), node("db", "sql_db")],
        [edge("c", "db")],
    )
    assert flagged(backed, "write-back-cache-without-durable-store") == []
    through = board([node("c", "cache", write_policy="write-through")])
    assert flagged(through, "write-back-cache-without-durable-store") == []


def test_deep_sync_chain_to_llm_counts_synchronous_hops_and_fires_at_five() -> None:
    doc = chain("u:browser", "lb:load_balancer", "gw:api_gateway", "api:service", "agent:agent", "llm:llm")
    [(nodes, edges)] = hits(doc, "deep-sync-chain-to-llm")
    assert nodes == sorted(["u", "lb", "gw", "api", "agent", "llm"])
    assert edges == sorted(["u-lb", "lb-gw", "gw-api", "api-agent", "agent-llm"])


def test_deep_sync_chain_to_llm_is_quiet_at_four_hops_or_when_the_chain_is_asynchronous() -> None:
    short = chain("u:browser", "gw:api_gateway", "a:service", "d:agent", "llm:llm")
    assert hits(short, "deep-sync-chain-to-llm") == []
    broken = chain("u:browser", "a:service", "b:service", "c:orchestrator", "d:agent", "llm:llm", **{"async": True})
    assert hits(broken, "deep-sync-chain-to-llm") == []


def test_deep_sync_chain_to_llm_measures_the_shortest_chain() -> None:
    doc = board(
        [
            node(i, k)
            for i, k in [
                ("u", "browser"),
                ("a", "service"),
                ("b", "service"),
                ("c", "service"),
                ("d", "agent"),
                ("llm", "llm"),
            ]
        ],
        [edge("u", "a"), edge("a", "b"), edge("b", "c"), edge("c", "d"), edge("d", "llm"), edge("a", "d")],
    )
    assert hits(doc, "deep-sync-chain-to-llm") == []


def test_agent_without_tool_boundary_fires_for_direct_data_access() -> None:
    doc = board(
        [node("a", "agent"), node("db", "sql_db"), node("ext", "external_system"), node("vdb", "vector_db")],
        [edge("a", "db"), edge("a", "ext"), edge("a", "vdb")],
    )
    assert hits(doc, "agent-without-tool-boundary") == [(["a", "db", "ext"], ["a-db", "a-ext"])]


def test_agent_without_tool_boundary_is_quiet_through_a_tool() -> None:
    assert hits(chain("a:agent", "t:tool", "db:sql_db"), "agent-without-tool-boundary") == []


def test_public_entry_without_auth_fires_and_not() -> None:
    open_doc = chain("u:browser", "gw:api_gateway", "api:service")
    assert flagged(open_doc, "public-entry-without-auth") == [["gw"]]
    guarded = board(
        [node("u", "browser"), node("gw", "api_gateway"), node("api", "service"), node("auth", "auth")],
        [edge("u", "gw"), edge("gw", "api"), edge("api", "auth")],
    )
    assert flagged(guarded, "public-entry-without-auth") == []


def test_public_entry_without_auth_counts_nodes_marked_public() -> None:
    doc = board([node("svc", "service", public=True), node("cdn", "cdn", public=True)])
    assert flagged(doc, "public-entry-without-auth") == [["svc"]]


def test_queue_without_dead_letter_is_a_warning() -> None:
    assert RULES["queue-without-dead-letter"].severity == "warning"


def test_queue_without_dead_letter_fires_and_not() -> None:
    plain = chain("p:service", "q:queue", "w:worker")
    assert flagged(plain, "queue-without-dead-letter") == [["q"]]
    with_dlq = board(
        [node("p", "service"), node("q", "queue"), node("w", "worker"), node("dlq", "queue")],
        [edge("p", "q"), edge("q", "w"), edge("q", "dlq"), edge("dlq", "w")],
    )
    assert flagged(with_dlq, "queue-without-dead-letter") == []
    named = board(
        [node("p", "service"), node("q", "queue", dead_letter="orders-dlq"), node("w", "worker")],
        [edge("p", "q"), edge("q", "w")],
    )
    assert flagged(named, "queue-without-dead-letter") == []


@pytest.mark.parametrize(
    "dlq",
    [
        node("orders-dlq", "queue"),
        {**node("parked", "queue"), "label": "Dead-letter queue"},
        {**node("parked", "queue"), "label": "Parked orders"},
    ],
    ids=["named-dlq", "labelled-dead-letter", "named-by-a-dead-letter-prop"],
)
def test_queue_without_dead_letter_spares_the_dead_letter_queue_itself(dlq: dict[str, Any]) -> None:
    # The worker parks failed messages itself, so the DLQ is not fed by queues only.
    doc = board(
        [
            node("p", "service"),
            node("q", "queue", dead_letter="Parked orders"),
            node("w", "worker"),
            dlq,
            node("r", "worker"),
        ],
        [edge("p", "q"), edge("q", "w"), edge("w", dlq["id"]), edge(dlq["id"], "r")],
    )
    assert flagged(doc, "queue-without-dead-letter") == []


def test_a_queue_fed_by_a_worker_and_not_named_as_a_dead_letter_queue_is_checked() -> None:
    doc = board(
        [
            node("p", "service"),
            node("q", "queue", dead_letter="q-dlq"),
            node("w", "worker"),
            node("retry", "queue"),
            node("r", "worker"),
        ],
        [edge("p", "q"), edge("q", "w"), edge("w", "retry"), edge("retry", "r")],
    )
    assert flagged(doc, "queue-without-dead-letter") == [["retry"]]


def test_shared_database_fires_at_three_services_not_two() -> None:
    three = board(
        [node("a", "service"), node("b", "worker"), node("c", "function"), node("db", "sql_db")],
        [edge("a", "db"), edge("b", "db"), edge("c", "db")],
    )
    assert flagged(three, "shared-database") == [["a", "b", "c", "db"]]
    two = board([node("a", "service"), node("b", "worker"), node("db", "sql_db")], [edge("a", "db"), edge("b", "db")])
    assert flagged(two, "shared-database") == []


def test_llm_path_bottleneck_flags_unreplicated_nodes_on_every_path_to_an_llm() -> None:
    doc = board(
        [
            node("u", "browser"),
            node("gw", "api_gateway", replicas=2),
            node("a", "service"),
            node("b", "service"),
            node("agent", "agent"),
            node("llm", "llm", replicas=2),
        ],
        [
            edge("u", "gw"),
            edge("gw", "a"),
            edge("gw", "b"),
            edge("a", "agent"),
            edge("b", "agent"),
            edge("agent", "llm"),
        ],
    )
    # a and b are alternatives; the replicated gateway is spared; the agent gates the model.
    assert flagged(doc, "llm-path-bottleneck") == [["agent"]]


def test_llm_path_bottleneck_is_quiet_with_redundant_routes() -> None:
    doc = board(
        [node("u", "browser"), node("a", "service"), node("b", "service"), node("llm", "llm", replicas=2)],
        [edge("u", "a"), edge("u", "b"), edge("a", "llm"), edge("b", "llm")],
    )
    assert flagged(doc, "llm-path-bottleneck") == []


def test_llm_path_bottleneck_flags_an_llm_served_by_one_replica() -> None:
    doc = board(
        [node("u", "browser"), node("gw", "api_gateway", replicas=2), node("llm", "llm"), node("idle", "llm")],
        [edge("u", "gw"), edge("gw", "llm")],
    )
    assert flagged(doc, "llm-path-bottleneck") == [["llm"]]


def test_llm_path_bottleneck_counts_no_replicas_for_a_model_behind_a_providers_api() -> None:
    doc = board(
        [node("u", "browser"), node("gw", "api_gateway", replicas=2), node("llm", "llm", tech="bedrock")],
        [edge("u", "gw"), edge("gw", "llm")],
    )
    assert flagged(doc, "llm-path-bottleneck") == []


SIX = ("u:browser", "lb:load_balancer", "api:service", "q:queue", "w:worker", "db:sql_db")


def test_missing_monitoring_warns_once_on_a_board_of_six_components() -> None:
    assert hits(chain(*SIX), "missing-monitoring") == [([], [])]
    assert RULES["missing-monitoring"].severity == "warning"


def test_missing_monitoring_is_quiet_with_monitoring_or_on_a_sketch_of_five() -> None:
    assert hits(chain(*SIX, "mon:monitoring"), "missing-monitoring") == []
    assert hits(chain(*SIX[:5]), "missing-monitoring") == []


def test_websocket_without_load_balancer_fires_and_not() -> None:
    assert flagged(chain("u:browser", "ws:websocket_server"), "websocket-without-load-balancer") == [["ws"]]
    fronted = chain("u:browser", "lb:load_balancer", "ws:websocket_server")
    assert flagged(fronted, "websocket-without-load-balancer") == []


def test_llm_without_rate_limit_fires_and_not() -> None:
    assert flagged(chain("u:browser", "api:service", "llm:llm"), "llm-without-rate-limit") == [["llm"]]
    limited = board(
        [
            node("u", "browser"),
            node("gw", "api_gateway", rate_limited=True),
            node("api", "service"),
            node("llm", "llm"),
        ],
        [edge("u", "gw"), edge("gw", "api"), edge("api", "llm")],
    )
    assert flagged(limited, "llm-without-rate-limit") == []


def test_sync_service_cycle_fires_for_synchronous_loops_only() -> None:
    loop = board([node("a", "service"), node("b", "service")], [edge("a", "b"), edge("b", "a")])
    assert hits(loop, "sync-service-cycle") == [(["a", "b"], ["a-b", "b-a"])]
    evented = board(
        [node("a", "service"), node("b", "service")],
        [edge("a", "b"), edge("b", "a", protocol="kafka")],
    )
    assert hits(evented, "sync-service-cycle") == []


def test_load_balancer_single_backend_fires_and_not() -> None:
    single = chain("lb:load_balancer", "api:service")
    assert hits(single, "load-balancer-single-backend") == [(["api", "lb"], ["lb-api"])]
    replicated = board([node("lb", "load_balancer"), node("api", "service", replicas=3)], [edge("lb", "api")])
    assert hits(replicated, "load-balancer-single-backend") == []


def test_exposed_datastore_fires_for_public_or_edge_fronted_stores() -> None:
    doc = board(
        [
            node("lb", "load_balancer"),
            node("db", "sql_db"),
            node("pub", "nosql_db", public=True),
            node("cdn", "cdn"),
            node("bucket", "object_storage", public=True),
        ],
        [edge("lb", "db"), edge("cdn", "bucket")],
    )
    assert hits(doc, "exposed-datastore") == [(["db", "lb"], ["lb-db"]), (["pub"], [])]


def test_exposed_datastore_is_quiet_behind_a_service() -> None:
    assert hits(chain("lb:load_balancer", "api:service", "db:sql_db"), "exposed-datastore") == []


def test_vector_db_without_embedding_model_fires_and_not() -> None:
    assert flagged(chain("a:agent", "v:vector_db"), "vector-db-without-embedding-model") == [["v"]]
    doc = board([node("a", "agent"), node("v", "vector_db"), node("emb", "embedding_model")], [edge("a", "v")])
    assert flagged(doc, "vector-db-without-embedding-model") == []


# --- redundancy along the flows ---------------------------------------------------------------


def metrics_loop(api_replicas: int) -> dict[str, Any]:
    """`browser -> lb -> api -> db` where metrics edges close an undirected loop around `api`."""
    return board(
        [
            node("u", "browser"),
            node("lb", "load_balancer", replicas=2),
            node("api", "service", replicas=api_replicas),
            node("db", "sql_db", replicas=2),
            node("metrics", "monitoring", replicas=2),
        ],
        [edge("u", "lb"), edge("lb", "api"), edge("api", "db"), edge("lb", "metrics"), edge("db", "metrics")],
    )


def test_flow_bottleneck_flags_a_single_instance_every_request_crosses_that_is_no_articulation_point() -> None:
    doc = metrics_loop(api_replicas=1)
    assert flagged(doc, "single-point-of-failure") == []
    assert flagged(doc, "flow-bottleneck") == [["api"]]


def test_flow_bottleneck_is_quiet_for_a_replicated_component_or_one_with_a_way_around() -> None:
    assert flagged(metrics_loop(api_replicas=2), "flow-bottleneck") == []
    around = board(
        [node("u", "browser"), node("a", "service"), node("b", "service"), node("db", "sql_db", replicas=2)],
        [edge("u", "a"), edge("u", "b"), edge("a", "db"), edge("b", "db")],
    )
    assert flagged(around, "flow-bottleneck") == []


def test_flow_bottleneck_spares_a_serverless_function() -> None:
    doc = metrics_loop(api_replicas=1)
    doc["nodes"][2]["kind"] = "function"
    assert flagged(validate_board(doc), "flow-bottleneck") == []


def test_flow_bottleneck_leaves_articulation_points_stores_and_monitoring_to_other_rules() -> None:
    # api is an articulation point (an error of single-point-of-failure); only monitoring is behind w.
    doc = board(
        [
            node("u", "browser"),
            node("api", "service"),
            node("w", "worker"),
            node("mon", "monitoring", replicas=2),
            node("db", "sql_db"),
        ],
        [edge("u", "api"), edge("api", "w"), edge("w", "mon"), edge("api", "mon"), edge("api", "db")],
    )
    assert flagged(doc, "flow-bottleneck") == []


def test_single_instance_consumer_flags_a_lone_unreplicated_consumer() -> None:
    doc = chain("api:service", "q:queue", "w:worker")
    assert hits(doc, "single-instance-consumer") == [(["q", "w"], ["q-w"])]


def test_single_instance_consumer_flags_one_consumer_group_of_a_stream_among_others() -> None:
    doc = board(
        [node("p", "service"), node("s", "event_stream"), node("a", "worker", replicas=3), node("b", "worker")],
        [edge("p", "s"), edge("s", "a"), edge("s", "b")],
    )
    assert hits(doc, "single-instance-consumer") == [(["b", "s"], ["s-b"])]


def test_single_instance_consumer_is_quiet_for_replicated_consumers_functions_and_dead_letter_queues() -> None:
    replicated = board(
        [node("api", "service"), node("q", "queue"), node("w", "worker", replicas=2)],
        [edge("api", "q"), edge("q", "w")],
    )
    assert hits(replicated, "single-instance-consumer") == []
    serverless = chain("api:service", "q:queue", "f:function")
    assert hits(serverless, "single-instance-consumer") == []
    parked = chain("w:worker", "orders-dlq:queue", "r:worker")
    assert hits(parked, "single-instance-consumer") == []


def search_board(search_replicas: int, kind: str = "service") -> dict[str, Any]:
    """`browser -> gw -> api -> search -> index`, and `api -> index`: search is no articulation
    point and dominates nothing, yet every search waits on it."""
    return board(
        [
            node("u", "browser"),
            node("gw", "api_gateway", replicas=2),
            node("api", "service", replicas=2),
            node("search", kind, replicas=search_replicas),
            node("index", "search_index", replicas=2),
        ],
        [edge("u", "gw"), edge("gw", "api"), edge("api", "search"), edge("search", "index"), edge("api", "index")],
    )


def test_single_instance_on_request_path_flags_a_component_client_requests_wait_on() -> None:
    doc = search_board(1)
    assert flagged(doc, "single-point-of-failure") == flagged(doc, "flow-bottleneck") == []
    assert flagged(doc, "single-instance-on-request-path") == [["search"]]


def test_single_instance_on_request_path_is_quiet_when_replicated_serverless_asynchronous_or_reported_elsewhere() -> (
    None
):
    assert flagged(search_board(2), "single-instance-on-request-path") == []
    assert flagged(search_board(1, kind="function"), "single-instance-on-request-path") == []
    queued = chain("u:browser", "api:service", "q:queue", "w:worker", "db:sql_db")
    assert flagged(queued, "single-instance-on-request-path") == []
    cut = chain("u:browser", "api:service", "db:sql_db")  # api: an articulation point
    assert flagged(cut, "single-instance-on-request-path") == [] and flagged(cut, "single-point-of-failure") == [
        ["api"]
    ]


def test_broker_single_replica_flags_a_self_run_broker_with_one_replica() -> None:
    doc = board(
        [
            node("k", "event_stream", tech="kafka"),
            node("k3", "event_stream", tech="kafka", replicas=3),
            node("sqs", "queue", tech="sqs"),
        ]
    )
    assert flagged(doc, "broker-single-replica") == [["k"]]


def test_coordination_without_quorum_flags_fewer_than_three_consensus_members() -> None:
    doc = board(
        [
            node("zk", "service_discovery", tech="zookeeper", replicas=2),
            node("etcd", "service_discovery", replicas=3),
            node("dns", "service_discovery", tech="coredns"),
        ]
    )
    assert flagged(doc, "coordination-without-quorum") == [["zk"]]


# --- messaging and caching --------------------------------------------------------------------


def test_websocket_without_backplane_flags_replicated_servers_sharing_no_channel() -> None:
    doc = board([node("lb", "load_balancer"), node("ws", "websocket_server", replicas=3)], [edge("lb", "ws")])
    assert flagged(doc, "websocket-without-backplane") == [["ws"]]


def test_websocket_without_backplane_is_quiet_with_a_pubsub_or_redis_or_a_single_server() -> None:
    nodes = [node("lb", "load_balancer"), node("ws", "websocket_server", replicas=3), node("ps", "pubsub", replicas=2)]
    fanned = board(nodes, [edge("lb", "ws"), edge("ws", "ps"), edge("ps", "ws")])
    assert flagged(fanned, "websocket-without-backplane") == []
    redis = board([*nodes[:2], node("r", "cache", tech="redis")], [edge("lb", "ws"), edge("ws", "r")])
    assert flagged(redis, "websocket-without-backplane") == []
    single = board([nodes[0], node("ws", "websocket_server")], [edge("lb", "ws")])
    assert flagged(single, "websocket-without-backplane") == []


def test_media_without_cdn_flags_a_bucket_served_through_edge_components_or_public() -> None:
    doc = board(
        [
            node("viewer", "browser"),
            node("lb", "load_balancer"),
            node("media", "object_storage"),
            node("pub", "object_storage", public=True),
        ],
        [edge("viewer", "lb"), edge("lb", "media")],
    )
    assert flagged(doc, "media-without-cdn") == [["lb", "media"], ["pub"]]


def test_media_without_cdn_is_quiet_behind_a_cdn_or_a_service_or_for_a_direct_upload() -> None:
    cdn = chain("viewer:browser", "cdn:cdn", "media:object_storage")
    assert flagged(cdn, "media-without-cdn") == []
    stored = chain("viewer:browser", "gw:api_gateway", "api:service", "media:object_storage")
    assert flagged(stored, "media-without-cdn") == []
    upload = chain("creator:browser", "raw:object_storage")
    assert flagged(upload, "media-without-cdn") == []


def test_writes_stop_at_cache_flags_a_store_only_a_non_forwarding_cache_reaches() -> None:
    doc = chain("api:service", "c:cache", "db:sql_db")
    assert hits(doc, "writes-stop-at-cache") == [(["c", "db"], ["c-db"])]


def test_writes_stop_at_cache_is_quiet_for_write_through_or_a_direct_write() -> None:
    through = board(
        [node("api", "service"), node("c", "cache", write_policy="write-through"), node("db", "sql_db")],
        [edge("api", "c"), edge("c", "db")],
    )
    assert hits(through, "writes-stop-at-cache") == []
    aside = board(
        [node("api", "service"), node("c", "cache"), node("db", "sql_db")],
        [edge("api", "c"), edge("c", "db"), edge("api", "db")],
    )
    assert hits(aside, "writes-stop-at-cache") == []


# --- AI systems -------------------------------------------------------------------------------


def test_vector_db_without_ingestion_flags_a_store_that_is_only_queried() -> None:
    doc = board([node("a", "agent"), node("t", "tool"), node("v", "vector_db")], [edge("a", "v"), edge("t", "v")])
    assert flagged(doc, "vector-db-without-ingestion") == [["v"]]


@pytest.mark.parametrize(
    ("writer", "feed"),
    [("indexer:worker", None), ("emb:embedding_model", None), ("svc:service", "q:queue")],
    ids=["a-worker", "the-embedding-model", "a-queue-consumer"],
)
def test_vector_db_without_ingestion_is_quiet_once_something_writes(writer: str, feed: str | None) -> None:
    writer_id, writer_kind = writer.split(":")
    nodes = [node("a", "agent"), node(writer_id, writer_kind), node("v", "vector_db")]
    edges = [edge("a", "v"), edge(writer_id, "v")]
    if feed is not None:
        feed_id, feed_kind = feed.split(":")
        nodes.append(node(feed_id, feed_kind))
        edges.append(edge(feed_id, writer_id))
    assert flagged(board(nodes, edges), "vector-db-without-ingestion") == []


def test_agent_action_without_guardrail_flags_a_tool_that_acts() -> None:
    doc = board(
        [node("a", "agent"), node("t", "tool"), node("db", "sql_db"), node("run", "tool")],
        [edge("a", "t"), edge("t", "db"), edge("a", "run")],
    )
    assert flagged(doc, "agent-action-without-guardrail") == [["run"], ["t"]]


def test_agent_action_without_guardrail_is_quiet_behind_approval_or_a_consulted_guardrail_or_for_read_only_tools() -> (
    None
):
    approved = chain("a:agent", "ok:human_approval", "t:tool", "db:sql_db")
    assert flagged(approved, "agent-action-without-guardrail") == []
    consulted = board(
        [node("a", "agent"), node("g", "guardrail"), node("t", "tool"), node("db", "sql_db")],
        [edge("a", "g"), edge("a", "t"), edge("t", "db")],
    )
    assert flagged(consulted, "agent-action-without-guardrail") == []
    search = board(
        [node("a", "agent"), node("s", "tool"), node("v", "vector_db"), node("m", "tool", read_only=True)],
        [edge("a", "s"), edge("s", "v"), edge("a", "m")],
    )
    assert flagged(search, "agent-action-without-guardrail") == []


def test_untrusted_input_without_guardrail_flags_a_prompt_and_an_index_fed_from_clients() -> None:
    doc = board(
        [
            node("u", "browser"),
            node("gw", "api_gateway"),
            node("agent", "agent"),
            node("llm", "llm"),
            node("upload", "service"),
            node("q", "queue"),
            node("indexer", "worker"),
            node("v", "vector_db"),
        ],
        [
            edge("u", "gw"),
            edge("gw", "agent"),
            edge("agent", "llm"),
            edge("agent", "v"),
            edge("gw", "upload"),
            edge("upload", "q"),
            edge("q", "indexer"),
            edge("indexer", "v"),
        ],
    )
    assert flagged(doc, "untrusted-input-without-guardrail") == [["llm"], ["v"]]


def test_untrusted_input_without_guardrail_is_quiet_when_the_input_is_screened_or_only_queries_the_index() -> None:
    inline = chain("u:browser", "gw:api_gateway", "g:guardrail", "agent:agent", "llm:llm")
    assert flagged(inline, "untrusted-input-without-guardrail") == []
    consulted = board(
        [
            node("u", "browser"),
            node("rag", "service"),
            node("g", "guardrail"),
            node("llm", "llm"),
            node("v", "vector_db"),
        ],
        [edge("u", "rag"), edge("rag", "g"), edge("rag", "llm"), edge("rag", "v")],
    )
    assert flagged(consulted, "untrusted-input-without-guardrail") == []
    query_only = board(
        [node("u", "browser"), node("api", "service"), node("v", "vector_db")], [edge("u", "api"), edge("api", "v")]
    )
    assert flagged(query_only, "untrusted-input-without-guardrail") == []


def test_a_model_named_as_a_guardrail_counts_as_one() -> None:
    # Boards from before palette 1.1 drew a moderation model as an llm.
    doc = board(
        [
            node("u", "browser"),
            node("rag", "service"),
            {**node("mod", "llm", replicas=2), "label": "Guardrail model"},
            node("llm", "llm"),
        ],
        [edge("u", "rag"), edge("rag", "mod"), edge("rag", "llm")],
    )
    assert flagged(doc, "untrusted-input-without-guardrail") == []
    inline = chain("u:browser", "gw:api_gateway", "moderation:llm", "agent:agent", "llm:llm")
    assert flagged(inline, "untrusted-input-without-guardrail") == []


def test_llm_without_admission_control_flags_a_pool_called_straight_from_the_request_path() -> None:
    doc = chain("u:browser", "gw:api_gateway", "api:service", "llm:llm")
    assert hits(doc, "llm-without-admission-control") == [(["api", "llm"], ["api-llm"])]


@pytest.mark.parametrize(
    "front",
    [
        chain("u:browser", "gw:api_gateway", "api:service", "router:load_balancer", "llm:llm"),
        chain("u:browser", "gw:api_gateway", "api:service", "q:queue", "w:worker", "llm:llm"),
        board(
            [node("u", "browser"), node("api", "service"), node("c", "cache"), node("llm", "llm")],
            [edge("u", "api"), edge("api", "c"), edge("api", "llm")],
        ),
        board(
            [node("u", "browser"), node("api", "service"), node("llm", "llm", tech="bedrock")],
            [edge("u", "api"), edge("api", "llm")],
        ),
    ],
    ids=["a-router", "an-admission-queue", "a-cache-consulted-first", "a-provider-api"],
)
def test_llm_without_admission_control_is_quiet_with_admission_in_front(front: dict[str, Any]) -> None:
    assert hits(front, "llm-without-admission-control") == []


def test_external_call_without_retry_reports_a_synchronous_call_on_the_request_path() -> None:
    doc = chain("u:browser", "gw:api_gateway", "pricing:service", "maps:external_system")
    assert hits(doc, "external-call-without-retry") == [(["maps", "pricing"], ["pricing-maps"])]


@pytest.mark.parametrize(
    "resilient",
    [
        chain("u:browser", "gw:api_gateway", "pricing:service", "maps:external_system", retries=3),
        board(
            [
                node("u", "browser"),
                node("pricing", "service", notes="Retries with backoff behind a circuit breaker."),
                node("maps", "external_system"),
            ],
            [edge("u", "pricing"), edge("pricing", "maps")],
        ),
        chain("u:browser", "pricing:service", "q:queue", "w:worker", "maps:external_system"),
        board(
            [node("broker", "external_system"), node("gw", "api_gateway")],
            [edge("broker", "gw"), edge("gw", "broker")],
        ),
    ],
    ids=["retries-on-the-edge", "noted-by-the-caller", "behind-a-queue", "a-reply-to-the-caller"],
)
def test_external_call_without_retry_is_quiet_when_the_call_is_resilient_queued_or_a_reply(
    resilient: dict[str, Any],
) -> None:
    assert hits(resilient, "external-call-without-retry") == []


@pytest.mark.parametrize(
    "provider",
    [
        node("psp", "external_system"),
        {**node("acq", "external_system"), "label": "Card networks"},
        node("pay", "external_system", tech="stripe"),
    ],
    ids=["named-psp", "labelled-card-networks", "a-payment-tech"],
)
def test_payment_provider_without_retry_warns_for_a_synchronous_charge(provider: dict[str, Any]) -> None:
    doc = board(
        [node("u", "browser"), node("payments", "service"), provider],
        [edge("u", "payments"), edge("payments", provider["id"])],
    )
    assert hits(doc, "payment-provider-without-retry") == [
        (sorted(["payments", provider["id"]]), [f"payments-{provider['id']}"])
    ]
    assert hits(doc, "external-call-without-retry") == []


def test_payment_provider_without_retry_is_quiet_when_the_caller_retries_with_the_same_key() -> None:
    doc = board(
        [
            node("u", "browser"),
            node("conn", "service", notes="Timeouts, retries with the same idempotency key."),
            node("psp", "external_system"),
        ],
        [edge("u", "conn"), edge("conn", "psp")],
    )
    assert hits(doc, "payment-provider-without-retry") == []


def test_external_call_without_retry_is_advice_and_leaves_hosted_llms_to_their_own_rule() -> None:
    assert RULES["external-call-without-retry"].severity == "info"
    doc = board(
        [node("u", "browser"), node("api", "service"), {**node("openai", "external_system"), "label": "OpenAI API"}],
        [edge("u", "api"), edge("api", "openai")],
    )
    assert hits(doc, "external-call-without-retry") == []
    assert hits(doc, "llm-provider-without-retry") == [(["api", "openai"], ["api-openai"])]


def test_llm_provider_without_retry_warns_for_a_model_behind_a_providers_api() -> None:
    assert RULES["llm-provider-without-retry"].severity == "warning"
    doc = board(
        [node("u", "browser"), node("api", "service"), node("llm", "llm", tech="azure-openai")],
        [edge("u", "api"), edge("api", "llm")],
    )
    assert hits(doc, "llm-provider-without-retry") == [(["api", "llm"], ["api-llm"])]


def test_llm_provider_without_retry_is_quiet_with_retries_noted_or_a_self_hosted_model() -> None:
    noted = board(
        [node("u", "browser"), node("api", "service"), node("llm", "llm", tech="bedrock")],
        [edge("u", "api"), edge("api", "llm", notes="Retried with backoff on 429; falls back to a smaller model.")],
    )
    assert hits(noted, "llm-provider-without-retry") == []
    own = chain("u:browser", "api:service", "llm:llm")
    assert hits(own, "llm-provider-without-retry") == []


# --- the findings document and suppressions ---------------------------------------------------


def messy_board(suppress: list[Any] | None = None) -> dict[str, Any]:
    return board(
        [node("u", "browser"), node("api", "service"), node("db", "sql_db"), node("db2", "nosql_db")],
        [edge("u", "api", "e1"), edge("api", "db", "e2"), edge("u", "db2", "e3")],
        suppress,
    )


def test_the_findings_document_has_the_spec_shape() -> None:
    result = review_board(messy_board(), version=7)
    assert list(result) == ["board", "version", "findings", "summary"]
    assert result["board"] == "test board" and result["version"] == 7
    for f in result["findings"]:
        assert list(f) == ["rule", "severity", "nodes", "edges", "message", "hint", "suppressed"]
        assert f["nodes"] == sorted(f["nodes"]) and f["edges"] == sorted(f["edges"])
        assert f["message"] and f["hint"] and f["suppressed"] is False
    assert set(result["summary"]) == {"error", "warning", "info"}


def test_findings_are_ordered_by_severity_then_rule_then_nodes() -> None:
    findings = review_board(messy_board())["findings"]
    keys = [(SEVERITIES.index(f["severity"]), f["rule"], f["nodes"], f["edges"]) for f in findings]
    assert keys == sorted(keys)
    assert findings[0]["severity"] == "error"


def test_summary_counts_every_unsuppressed_finding_by_severity() -> None:
    result = review_board(messy_board())
    for severity in SEVERITIES:
        assert result["summary"][severity] == sum(1 for f in result["findings"] if f["severity"] == severity)


def test_a_suppression_with_a_node_target_suppresses_that_finding_only() -> None:
    plain = review_board(messy_board())
    result = review_board(messy_board([{"rule": "unreplicated-datastore", "target": "db", "reason": "dev only"}]))
    suppressed = [f for f in result["findings"] if f["suppressed"]]
    assert [(f["rule"], f["nodes"], f["reason"]) for f in suppressed] == [
        ("unreplicated-datastore", ["db"], "dev only")
    ]
    assert result["summary"]["warning"] == plain["summary"]["warning"] - 1
    assert len(result["findings"]) == len(plain["findings"])


def test_a_suppression_can_target_an_edge() -> None:
    result = review_board(messy_board([{"rule": "client-to-datastore", "target": "e3", "reason": "signed URLs"}]))
    [f] = [f for f in result["findings"] if f["rule"] == "client-to-datastore"]
    assert f["suppressed"] is True and f["reason"] == "signed URLs"


def test_a_suppression_without_target_suppresses_the_whole_rule() -> None:
    result = review_board(messy_board([{"rule": "unreplicated-datastore"}]))
    mine = [f for f in result["findings"] if f["rule"] == "unreplicated-datastore"]
    assert len(mine) == 2 and all(f["suppressed"] and f["reason"] == "" for f in mine)


def test_a_suppression_for_another_rule_does_not_match() -> None:
    result = review_board(messy_board([{"rule": "orphan-component", "target": "db"}]))
    assert not any(f["suppressed"] for f in result["findings"])
    assert "warnings" not in result


def test_an_unknown_rule_in_a_suppression_is_a_warning_not_a_crash() -> None:
    result = review_board(messy_board([{"rule": "no-such-rule", "target": "db", "reason": "typo"}]))
    assert result["warnings"] == [
        {"loc": "review.suppress[0].rule", "msg": "unknown rule 'no-such-rule': this suppression has no effect"}
    ]
    assert not any(f["suppressed"] for f in result["findings"])


def test_a_suppression_naming_a_missing_element_is_a_warning() -> None:
    result = review_board(messy_board([{"rule": "unreplicated-datastore", "target": "ghost"}]))
    assert [w["loc"] for w in result["warnings"]] == ["review.suppress[0].target"]


def test_fails_counts_unsuppressed_findings_at_or_above_a_severity() -> None:
    result = review_board(messy_board())
    s = result["summary"]
    assert fails(result, "error") == s["error"]
    assert fails(result, "warning") == s["error"] + s["warning"]
    assert fails(result, "info") == s["error"] + s["warning"] + s["info"]


def test_an_empty_board_has_no_findings() -> None:
    result = review_board(board([]))
    assert result["findings"] == [] and result["summary"] == {"error": 0, "warning": 0, "info": 0}


# --- the domain leaves the process alone ------------------------------------------------------


def test_a_review_neither_pauses_nor_freezes_the_garbage_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bool, int]] = []
    rule = RULES["orphan-component"]

    def check(g: BoardGraph) -> Iterable[Finding]:
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        return rule.check(g)

    monkeypatch.setitem(RULES, rule.id, dataclasses.replace(rule, check=check))
    was = gc.isenabled(), gc.get_freeze_count()
    review_board(messy_board())
    assert seen == [was] and (gc.isenabled(), gc.get_freeze_count()) == was


def test_review_rules_turn_a_rule_off_or_change_its_severity_for_the_board() -> None:
    doc = board([{**node("db", "sql_db"), "label": "Orders DB"}, node("solo", "service")], [])
    plain = review_board(doc)
    assert {f["rule"]: f["severity"] for f in plain["findings"]}["unreplicated-datastore"] == "warning"
    doc["review"] = {"rules": {"orphan-component": "off", "unreplicated-datastore": "error", "nope": "info"}}
    result = review_board(doc)
    by_rule = {f["rule"]: f for f in result["findings"]}
    assert "orphan-component" not in by_rule
    assert by_rule["unreplicated-datastore"]["severity"] == "error"
    assert result["summary"]["error"] == plain["summary"]["error"] + 1
    assert result["summary"]["info"] == plain["summary"]["info"] - 2
    assert result["warnings"] == [
        {"loc": "review.rules.nope", "msg": "unknown rule 'nope': this setting has no effect"}
    ]
    assert result["findings"][0]["severity"] == "error"  # still ordered by the severity that applies


def test_findings_name_components_by_label() -> None:
    doc = board([{**node("db", "sql_db"), "label": "Orders DB"}, node("cache1", "cache")], [])
    messages = [f["message"] for f in review_board(doc)["findings"] if f["rule"] == "unreplicated-datastore"]
    assert "Data store 'Orders DB' has a single replica." in messages
    assert "Data store the cache 'cache1' has a single replica." in messages


# --- notes ------------------------------------------------------------------------------------


def test_rules_ignore_notes_and_the_arrows_to_and_from_them() -> None:
    plain = chain("u:browser", "gw:api_gateway", "api:service", "db:sql_db")
    annotated = board(
        [*plain["nodes"], node("n1", "note"), node("n2", "note")],
        [*plain["edges"], edge("n1", "db", "a1"), edge("api", "n2", "a2"), edge("u", "n2", "a3")],
    )
    assert review_board(annotated)["findings"] == review_board(plain)["findings"]
    # A note alone is no orphan, and an arrow from a client to a note no call to it.
    alone = board([node("n", "note"), node("u", "browser"), node("s", "sql_db")], [edge("u", "n")])
    assert hits(alone, "orphan-component") == [(["s"], []), (["u"], [])]
    assert hits(alone, "client-to-datastore") == []
