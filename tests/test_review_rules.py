"""Every review rule firing and not firing, suppressions, and the rule registry's documentation."""

from __future__ import annotations

import dataclasses
import gc
import itertools
from collections.abc import Callable, Iterable, Iterator
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


def test_deep_sync_chain_to_llm_fires_past_four_components() -> None:
    doc = chain("u:browser", "gw:api_gateway", "a:service", "b:service", "c:orchestrator", "d:agent", "llm:llm")
    [(nodes, edges)] = hits(doc, "deep-sync-chain-to-llm")
    assert nodes == sorted(["u", "gw", "a", "b", "c", "d", "llm"])
    assert len(edges) == 6


def test_deep_sync_chain_to_llm_is_quiet_for_short_or_async_chains() -> None:
    short = chain("u:browser", "gw:api_gateway", "a:service", "d:agent", "llm:llm")
    assert hits(short, "deep-sync-chain-to-llm") == []
    broken = chain("u:browser", "a:service", "b:service", "c:orchestrator", "d:agent", "llm:llm", **{"async": True})
    assert hits(broken, "deep-sync-chain-to-llm") == []


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
            node("llm", "llm"),
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
        [node("u", "browser"), node("a", "service"), node("b", "service"), node("llm", "llm")],
        [edge("u", "a"), edge("u", "b"), edge("a", "llm"), edge("b", "llm")],
    )
    assert flagged(doc, "llm-path-bottleneck") == []


def test_missing_monitoring_fires_once_for_the_board_and_not_with_monitoring() -> None:
    assert hits(chain("u:browser", "api:service"), "missing-monitoring") == [([], [])]
    assert hits(chain("api:service", "mon:monitoring"), "missing-monitoring") == []


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


# --- the cyclic garbage collector during a review ---------------------------------------------


def watch_collector(monkeypatch: pytest.MonkeyPatch, then: Callable[[], object] = lambda: None) -> list[bool]:
    """Make one rule note whether the collector is on while it runs, then call `then`."""
    seen: list[bool] = []
    rule = RULES["orphan-component"]

    def check(g: BoardGraph) -> Iterable[Finding]:
        seen.append(gc.isenabled())
        then()
        return rule.check(g)

    monkeypatch.setitem(RULES, rule.id, dataclasses.replace(rule, check=check))
    return seen


@pytest.fixture
def collector_on() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_rules_run_with_the_cyclic_collector_paused_and_it_comes_back_after(
    monkeypatch: pytest.MonkeyPatch, collector_on: None
) -> None:
    seen = watch_collector(monkeypatch)
    review_board(messy_board())
    assert seen == [False]
    assert gc.isenabled()


def test_a_review_leaves_a_collector_that_was_off_off(monkeypatch: pytest.MonkeyPatch, collector_on: None) -> None:
    seen = watch_collector(monkeypatch)
    gc.disable()
    review_board(messy_board())
    assert seen == [False]
    assert not gc.isenabled()


def test_a_failing_rule_still_gives_the_collector_back(monkeypatch: pytest.MonkeyPatch, collector_on: None) -> None:
    def fail() -> None:
        raise RuntimeError("rule bug")

    watch_collector(monkeypatch, then=fail)
    with pytest.raises(RuntimeError, match="rule bug"):
        review_board(messy_board())
    assert gc.isenabled()


def test_a_review_inside_a_review_keeps_the_collector_paused_until_the_outer_one_ends(
    monkeypatch: pytest.MonkeyPatch, collector_on: None
) -> None:
    after_inner: list[bool] = []

    def review_once_more() -> None:
        if not after_inner:
            after_inner.append(True)
            review_board(messy_board())
            after_inner.append(gc.isenabled())

    seen = watch_collector(monkeypatch, then=review_once_more)
    review_board(messy_board())
    assert seen == [False, False]  # the outer review's rule, then the inner one's
    assert after_inner == [True, False]  # still paused when the inner review returned
    assert gc.isenabled()


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
