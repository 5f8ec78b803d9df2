"""Properties of the review engine on random valid boards.

The core rules (SPEC section 3) are compared with an independent implementation written here
with networkx; the engine's own graph algorithms with networkx or brute force.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whiteboard.domain.board import PROTOCOLS, parse_board_json, validate_board
from whiteboard.domain.palette import KINDS, category_of
from whiteboard.domain.review import (
    RULES,
    articulation_points,
    immediate_dominators,
    review_board,
    strongly_connected_components,
)

KIND_IDS = sorted(KINDS)
CORE = sorted(r.id for r in RULES.values() if r.core)
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def boards(draw: st.DrawFn, max_nodes: int = 14) -> dict[str, Any]:
    n = draw(st.integers(min_value=0, max_value=max_nodes))
    # Bias towards the kinds the core rules look at, so that they fire often.
    focus = st.sampled_from(["browser", "user", "agent", "orchestrator", "llm", "queue", "sql_db", "api_gateway"])
    nodes = []
    for i in range(n):
        kind = draw(st.one_of(focus, st.sampled_from(KIND_IDS)))
        props: dict[str, Any] = {}
        replicas = draw(st.sampled_from([None, 1, 2, 3]))
        if replicas is not None:
            props["replicas"] = replicas
        if kind == "api_gateway" and draw(st.booleans()):
            props["rate_limited"] = draw(st.booleans())
        nodes.append({"id": f"n{i}", "kind": kind, "props": props})
    edges = []
    if n >= 2:
        pairs = draw(
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
                max_size=3 * n,
            )
        )
        for k, (s, t) in enumerate(pairs):
            props = {}
            protocol = draw(st.one_of(st.none(), st.sampled_from(PROTOCOLS)))
            if protocol is not None:
                props["protocol"] = protocol
            edges.append({"id": f"e{k}", "source": f"n{s}", "target": f"n{t}", "props": props})
    return validate_board({"format": "archboard/1", "name": "random", "nodes": nodes, "edges": edges})


@st.composite
def flows(draw: st.DrawFn, kinds: tuple[str, ...] = (), min_nodes: int = 2, max_nodes: int = 12) -> dict[str, Any]:
    """Boards shaped like request flows: a client first, every other node called by an earlier
    one (so long chains, branches and joins are common), a few calls back, some of them
    asynchronous, replicas 1 or 2. `kinds`, when given, are the kinds drawn (a rule's subject)."""
    n = draw(st.integers(min_value=min_nodes, max_value=max_nodes))
    pool = st.sampled_from(kinds or FLOW_KINDS)
    nodes = [{"id": "n0", "kind": draw(st.sampled_from(["browser", "mobile", "external_system"])), "props": {}}]
    for i in range(1, n):
        nodes.append({"id": f"n{i}", "kind": draw(pool), "props": {"replicas": draw(st.sampled_from([1, 2]))}})
    # Each node called by one of the two before it: chains several hops deep.
    pairs = [(i - 1 - draw(st.integers(0, min(1, i - 1))), i) for i in range(1, n)]
    pairs += draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=n // 2))
    edges = []
    for k, (s, t) in enumerate(pairs):
        if s != t:
            props = {"async": True} if draw(st.integers(0, 5)) == 0 else {}
            edges.append({"id": f"e{k}", "source": f"n{s}", "target": f"n{t}", "props": props})
    return validate_board({"format": "archboard/1", "name": "flow", "nodes": nodes, "edges": edges})


# What request flows are made of: entry points, services, agents, models, stores, queues.
FLOW_KINDS = (
    "browser", "load_balancer", "api_gateway", "cdn", "service", "service", "worker", "agent", "orchestrator",
    "tool", "llm", "llm", "guardrail", "human_approval", "sql_db", "vector_db", "object_storage", "cache",
    "queue", "event_stream", "monitoring", "external_system",
)  # fmt: skip


def modelled(doc: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The nodes (by id) and edges the review reads: SPEC section 2 has it ignore notes, and so the
    arrows to and from them."""
    nodes = {n["id"]: n for n in doc["nodes"] if n["kind"] != "note"}
    return nodes, [e for e in doc["edges"] if e["source"] in nodes and e["target"] in nodes]


def _replicas(node: dict[str, Any]) -> int:
    return int(node["props"].get("replicas", 1))


def expected_core_findings(doc: dict[str, Any]) -> set[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """The core rules of SPEC section 3, written again from the text with networkx."""
    nodes, edges = modelled(doc)
    cat = {node_id: category_of(n["kind"]) for node_id, n in nodes.items()}
    kind = {node_id: n["kind"] for node_id, n in nodes.items()}
    directed = nx.MultiDiGraph()
    directed.add_nodes_from(nodes)
    for e in edges:
        directed.add_edge(e["source"], e["target"], key=e["id"])
    simple = nx.Graph(directed.to_undirected())
    out: set[tuple[str, tuple[str, ...], tuple[str, ...]]] = set()

    def add(rule: str, ns: list[str], es: list[str] = []) -> None:
        out.add((rule, tuple(sorted(ns)), tuple(sorted(es))))

    for v in nx.articulation_points(simple):
        if cat[v] != "client" and _replicas(nodes[v]) < 2:
            add("single-point-of-failure", [v])
    for v, n in nodes.items():
        if cat[v] == "data" and _replicas(n) < 2:
            add("unreplicated-datastore", [v])
        if directed.degree(v) == 0:
            add("orphan-component", [v])
        if cat[v] == "messaging" and directed.out_degree(v) == 0:
            add("queue-without-consumer", [v])
        if cat[v] == "messaging" and directed.in_degree(v) == 0:
            add("queue-without-producer", [v])
        if kind[v] == "api_gateway" and n["props"].get("rate_limited") is not True:
            add("gateway-without-rate-limit", [v])
    for e in edges:
        s, t = e["source"], e["target"]
        if cat[s] == "client" and cat[t] == "data":
            add("client-to-datastore", [s, t], [e["id"]])
        if cat[s] == "client" and cat[t] in ("compute", "ai"):
            add("public-entry-without-gateway", [s, t], [e["id"]])
    agents = [v for v in nodes if kind[v] in ("agent", "orchestrator")]
    agent_graph = directed.subgraph(agents)
    for component in nx.strongly_connected_components(agent_graph):
        if len(component) >= 2:
            inner = [k for s, t, k in agent_graph.edges(keys=True) if s in component and t in component]
            add("agent-cycle", list(component), inner)
    clients = [v for v in nodes if cat[v] == "client"]
    reachable = set().union(*(nx.descendants(directed, c) for c in clients)) if clients else set()
    reached_llms = [v for v in reachable if kind[v] == "llm"]
    streams = any(e["props"].get("protocol") in ("sse", "websocket") for e in edges if cat[e["source"]] == "client")
    if reached_llms and not streams:
        add("no-streaming-to-client", reached_llms)
    return out


def actual_core_findings(doc: dict[str, Any]) -> set[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    findings = review_board(doc)["findings"]
    return {(f["rule"], tuple(f["nodes"]), tuple(f["edges"])) for f in findings if f["rule"] in CORE}


@PROPERTY_SETTINGS
@given(boards())
def test_core_rules_match_an_independent_networkx_implementation(doc: dict[str, Any]) -> None:
    assert actual_core_findings(doc) == expected_core_findings(doc)


@PROPERTY_SETTINGS
@given(boards(), st.randoms(use_true_random=False))
def test_core_findings_do_not_depend_on_the_order_of_nodes_and_edges(doc: dict[str, Any], rnd: random.Random) -> None:
    shuffled = dict(
        doc, nodes=rnd.sample(doc["nodes"], len(doc["nodes"])), edges=rnd.sample(doc["edges"], len(doc["edges"]))
    )
    assert actual_core_findings(shuffled) == actual_core_findings(doc)


@PROPERTY_SETTINGS
@given(boards(), st.data())
def test_suppressing_a_finding_moves_it_out_of_the_summary_only(doc: dict[str, Any], data: st.DataObject) -> None:
    before = review_board(doc)
    if not before["findings"]:
        return
    target = data.draw(st.sampled_from(before["findings"]))
    element = (target["nodes"] + target["edges"] or [None])[0]
    suppression: dict[str, Any] = {"rule": target["rule"], "reason": "accepted"}
    if element is not None:
        suppression["target"] = element
    after = review_board(dict(doc, review={"suppress": [suppression]}))
    assert [(f["rule"], f["nodes"], f["edges"]) for f in after["findings"]] == [
        (f["rule"], f["nodes"], f["edges"]) for f in before["findings"]
    ]
    for f in after["findings"]:
        matches = f["rule"] == target["rule"] and (element is None or element in f["nodes"] + f["edges"])
        assert f["suppressed"] is matches
    assert sum(after["summary"].values()) == sum(1 for f in after["findings"] if not f["suppressed"])
    assert after["summary"][target["severity"]] < before["summary"][target["severity"]]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    n = draw(st.integers(min_value=1, max_value=16))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    return n, [(s, t) for s, t in pairs if s != t]


@PROPERTY_SETTINGS
@given(graphs())
def test_articulation_points_agree_with_networkx(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, pairs = graph
    adj: list[set[int]] = [set() for _ in range(n)]
    for s, t in pairs:
        adj[s].add(t)
        adj[t].add(s)
    reference = nx.Graph()
    reference.add_nodes_from(range(n))
    reference.add_edges_from(pairs)
    assert articulation_points(adj) == sorted(nx.articulation_points(reference))


@PROPERTY_SETTINGS
@given(graphs())
def test_strongly_connected_components_agree_with_networkx(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, pairs = graph
    succ: list[list[int]] = [[] for _ in range(n)]
    for s, t in pairs:
        succ[s].append(t)
    reference = nx.DiGraph()
    reference.add_nodes_from(range(n))
    reference.add_edges_from(pairs)
    mine = {frozenset(c) for c in strongly_connected_components(range(n), succ, n)}
    assert mine == {frozenset(c) for c in nx.strongly_connected_components(reference)}


@PROPERTY_SETTINGS
@given(graphs(), st.data())
def test_immediate_dominators_agree_with_networkx(
    graph: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    n, pairs = graph
    roots = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3, unique=True))
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    for s, t in pairs:
        succ[s].append(t)
        pred[t].append(s)
    reference = nx.DiGraph()
    reference.add_nodes_from(range(n + 1))
    reference.add_edges_from(pairs)
    reference.add_edges_from((n, r) for r in roots)  # n is the virtual root
    expected = nx.immediate_dominators(reference, n)
    idom = immediate_dominators(succ, pred, roots)
    assert {v: d for v, d in enumerate(idom) if d >= 0} == {v: d for v, d in expected.items() if v != n}


@PROPERTY_SETTINGS
@given(boards(max_nodes=10))
def test_llm_path_bottleneck_flags_exactly_the_unreplicated_nodes_whose_removal_cuts_an_llm_off_itself_included(
    doc: dict[str, Any],
) -> None:
    nodes, edges = modelled(doc)
    directed = nx.DiGraph()
    directed.add_nodes_from(nodes)
    directed.add_edges_from((e["source"], e["target"]) for e in edges)
    clients = [v for v, n in nodes.items() if category_of(n["kind"]) == "client"]
    llms = [v for v, n in nodes.items() if n["kind"] == "llm"]

    def reached(graph: nx.DiGraph) -> set[str]:
        return {w for c in clients if c in graph for w in nx.descendants(graph, c) | {c}}

    before = {v for v in reached(directed) if v in llms}
    expected = set()
    for v, n in nodes.items():
        if category_of(n["kind"]) == "client" or _replicas(n) >= 2 or n["kind"] == "function":
            continue
        without = directed.copy()
        without.remove_node(v)
        if before - reached(without):
            expected.add(v)
    actual = {f["nodes"][0] for f in review_board(doc)["findings"] if f["rule"] == "llm-path-bottleneck"}
    assert actual == expected


def is_async(edge: dict[str, Any]) -> bool:
    return edge["props"].get("async") is True or edge["props"].get("protocol") in ("amqp", "kafka")


@PROPERTY_SETTINGS
@given(flows(("load_balancer", "api_gateway", "service", "agent", "llm", "sql_db"), min_nodes=5, max_nodes=16))
def test_deep_sync_chain_to_llm_flags_the_llms_more_than_four_synchronous_hops_from_the_nearest_client(
    doc: dict[str, Any],
) -> None:
    nodes, edges = modelled(doc)
    calls = nx.MultiDiGraph()
    calls.add_nodes_from(nodes)
    callers = ("client", "edge", "compute", "ai")
    for e in edges:
        if not is_async(e) and category_of(nodes[e["source"]]["kind"]) in callers:
            calls.add_edge(e["source"], e["target"], key=e["id"])
    clients = [v for v, n in nodes.items() if category_of(n["kind"]) == "client"]
    hops = nx.multi_source_dijkstra_path_length(calls, clients) if clients else {}
    expected = {v for v, n in nodes.items() if n["kind"] == "llm" and hops.get(v, 0) > 4}
    found = [f for f in review_board(doc)["findings"] if f["rule"] == "deep-sync-chain-to-llm"]
    assert {max(f["nodes"], key=hops.__getitem__) for f in found} == expected
    for f in found:
        # The chain it names is a shortest one: one edge per hop, each a synchronous call.
        assert len(f["edges"]) == len(f["nodes"]) - 1 == max(hops[v] for v in f["nodes"])
        assert all(calls.has_edge(e["source"], e["target"], e["id"]) for e in edges if e["id"] in f["edges"])


FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures").glob("*.json"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_core_rules_match_the_independent_implementation_on_every_demo_board(fixture: Path) -> None:
    doc = parse_board_json(fixture.read_bytes())
    assert actual_core_findings(doc) == expected_core_findings(doc)


# --- the rules of review v2, against networkx ---------------------------------------------------


def flow_graph(doc: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]], nx.DiGraph]:
    nodes, edges = modelled(doc)
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((e["source"], e["target"]) for e in edges)
    return nodes, edges, graph


def client_ids(nodes: dict[str, dict[str, Any]]) -> list[str]:
    return [v for v, n in nodes.items() if category_of(n["kind"]) == "client"]


def reached_from(graph: nx.DiGraph, sources: list[str]) -> set[str]:
    return {w for s in sources if s in graph for w in nx.descendants(graph, s) | {s}}


def found(doc: dict[str, Any], rule: str) -> set[tuple[tuple[str, ...], tuple[str, ...]]]:
    return {(tuple(f["nodes"]), tuple(f["edges"])) for f in review_board(doc)["findings"] if f["rule"] == rule}


@PROPERTY_SETTINGS
@given(flows(("service", "worker", "function", "load_balancer", "llm", "sql_db", "monitoring", "queue"), min_nodes=3))
def test_flow_bottleneck_flags_the_unreplicated_components_whose_removal_cuts_a_capability_off_from_the_clients(
    doc: dict[str, Any],
) -> None:
    nodes, _, graph = flow_graph(doc)
    kind = {v: n["kind"] for v, n in nodes.items()}
    clients = client_ids(nodes)
    before = reached_from(graph, clients)
    cut = set(nx.articulation_points(graph.to_undirected()))
    llms = {v for v in before if kind[v] == "llm"}
    expected = set()
    for v, n in nodes.items():
        if category_of(n["kind"]) in ("client", "data", "messaging") or _replicas(n) >= 2 or v in cut:
            continue
        if n["kind"] == "function":
            continue
        without = graph.copy()
        without.remove_node(v)
        lost = before - reached_from(without, clients) - {v}
        if v in llms or lost & llms:
            continue  # llm-path-bottleneck's
        if any(kind[w] not in ("monitoring", "logging") for w in lost):
            expected.add(((v,), ()))
    assert found(doc, "flow-bottleneck") == expected


GUARDS = ("guardrail", "human_approval")


def checked_ids(nodes: dict[str, dict[str, Any]], graph: nx.DiGraph) -> set[str]:
    """Guardrails and human approvals, and what consults one (has an edge to one)."""
    return {
        v for v in nodes if nodes[v]["kind"] in GUARDS or any(nodes[w]["kind"] in GUARDS for w in graph.successors(v))
    }


@PROPERTY_SETTINGS
@given(
    flows(
        ("agent", "orchestrator", "llm", "tool", "tool", "guardrail", "human_approval", "sql_db", "vector_db"),
        min_nodes=3,
    )
)
def test_agent_action_without_guardrail_flags_the_acting_tools_a_model_reaches_through_unchecked_components(
    doc: dict[str, Any],
) -> None:
    nodes, _, graph = flow_graph(doc)
    checked = checked_ids(nodes, graph)
    unchecked = graph.subgraph(set(nodes) - checked)
    sources = [v for v in unchecked if nodes[v]["kind"] in ("llm", "agent", "orchestrator")]
    reached = reached_from(unchecked, sources)
    read_only = ("vector_db", "search_index", "embedding_model", "llm")

    def acts(t: str) -> bool:
        targets = list(graph.successors(t))
        return not targets or any(nodes[w]["kind"] not in read_only for w in targets)

    expected = {((t,), ()) for t in reached if nodes[t]["kind"] == "tool" and acts(t)}
    assert found(doc, "agent-action-without-guardrail") == expected


def ingests(nodes: dict[str, dict[str, Any]], graph: nx.DiGraph, w: str) -> bool:
    cat = category_of(nodes[w]["kind"])
    if nodes[w]["kind"] in ("embedding_model", "worker", "function", "scheduler") or cat == "messaging":
        return True
    return cat == "compute" and any(category_of(nodes[p]["kind"]) == "messaging" for p in graph.predecessors(w))


@PROPERTY_SETTINGS
@given(flows(("service", "api_gateway", "agent", "llm", "guardrail", "queue", "worker", "vector_db"), min_nodes=3))
def test_untrusted_input_without_guardrail_flags_the_llms_and_fed_indexes_clients_reach_through_unchecked_components(
    doc: dict[str, Any],
) -> None:
    nodes, _, graph = flow_graph(doc)
    checked = checked_ids(nodes, graph)
    clients = client_ids(nodes)
    # A path goes on from a client, or from a component that checks nothing.
    onward = nx.DiGraph()
    onward.add_nodes_from(graph)
    onward.add_edges_from((u, w) for u, w in graph.edges if u in clients or u not in checked)
    reached = reached_from(onward, clients)
    expected = set()
    for v, n in nodes.items():
        if n["kind"] == "llm" and v in reached:
            expected.add(((v,), ()))
        writers = [
            w
            for w in graph.predecessors(v)
            if w in reached and (w in clients or (w not in checked and ingests(nodes, graph, w)))
        ]
        if n["kind"] == "vector_db" and writers:
            expected.add(((v,), ()))
    assert found(doc, "untrusted-input-without-guardrail") == expected


def on_request_path(nodes: dict[str, dict[str, Any]], edges: list[dict[str, Any]]) -> set[str]:
    """Clients, and what they reach by synchronous calls from clients, edge, compute and AI."""
    calls = nx.DiGraph()
    calls.add_nodes_from(nodes)
    callers = ("client", "edge", "compute", "ai")
    calls.add_edges_from(
        (e["source"], e["target"])
        for e in edges
        if not is_async(e) and category_of(nodes[e["source"]]["kind"]) in callers
    )
    return reached_from(calls, client_ids(nodes))


@PROPERTY_SETTINGS
@given(flows(("service", "agent", "llm", "llm", "load_balancer", "cache", "queue", "worker"), min_nodes=3))
def test_llm_without_admission_control_flags_the_pools_called_from_the_request_path_by_a_caller_that_admits_nothing(
    doc: dict[str, Any],
) -> None:
    nodes, edges, graph = flow_graph(doc)
    path = on_request_path(nodes, edges)

    def admits(u: str) -> bool:
        kind = nodes[u]["kind"]
        return (
            kind in ("load_balancer", "api_gateway", "cache")
            or category_of(kind) == "messaging"
            or any(nodes[w]["kind"] == "cache" for w in graph.successors(u))
        )

    expected = set()
    for v, n in nodes.items():
        if n["kind"] != "llm":
            continue
        open_edges = [
            e for e in edges if e["target"] == v and not is_async(e) and e["source"] in path and not admits(e["source"])
        ]
        if open_edges:
            callers = {e["source"] for e in open_edges}
            expected.add((tuple(sorted({v, *callers})), tuple(sorted(e["id"] for e in open_edges))))
    assert found(doc, "llm-without-admission-control") == expected


@PROPERTY_SETTINGS
@given(flows(("service", "api_gateway", "worker", "queue", "external_system", "external_system"), min_nodes=3))
def test_external_call_without_retry_flags_the_synchronous_calls_to_providers_from_the_request_path(
    doc: dict[str, Any],
) -> None:
    nodes, edges, graph = flow_graph(doc)
    path = on_request_path(nodes, edges)
    expected = {
        (tuple(sorted([e["source"], e["target"]])), (e["id"],))
        for e in edges
        if nodes[e["target"]]["kind"] == "external_system"
        and category_of(nodes[e["source"]]["kind"]) != "client"
        and e["source"] in path
        and not is_async(e)
        and not graph.has_edge(e["target"], e["source"])
    }
    assert found(doc, "external-call-without-retry") == expected


@PROPERTY_SETTINGS
@given(
    flows(("service", "worker", "function", "tool", "agent", "llm", "queue", "monitoring", "api_gateway"), min_nodes=3)
)
def test_single_instance_on_request_path_flags_the_unreplicated_components_requests_wait_on_that_no_other_rule_reports(
    doc: dict[str, Any],
) -> None:
    nodes, edges, graph = flow_graph(doc)
    path = on_request_path(nodes, edges)
    clients = client_ids(nodes)
    before = reached_from(graph, clients)
    cut = set(nx.articulation_points(graph.to_undirected()))
    expected = set()
    for v in path:
        n = nodes[v]
        if category_of(n["kind"]) not in ("compute", "ai") or _replicas(n) >= 2:
            continue
        if n["kind"] in ("function", "tool", "human_approval") or v in cut:
            continue
        without = graph.copy()
        without.remove_node(v)
        lost = before - reached_from(without, clients) - {v}
        if any(nodes[w]["kind"] not in ("monitoring", "logging") for w in lost) or n["kind"] == "llm":
            continue  # flow-bottleneck's or llm-path-bottleneck's
        expected.add(((v,), ()))
    assert found(doc, "single-instance-on-request-path") == expected
