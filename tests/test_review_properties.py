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
def test_llm_path_bottleneck_flags_exactly_the_unreplicated_nodes_whose_removal_cuts_an_llm_off(
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
        if category_of(n["kind"]) == "client" or n["kind"] == "llm" or _replicas(n) >= 2:
            continue
        without = directed.copy()
        without.remove_node(v)
        if before - reached(without):
            expected.add(v)
    actual = {f["nodes"][0] for f in review_board(doc)["findings"] if f["rule"] == "llm-path-bottleneck"}
    assert actual == expected


FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures").glob("*.json"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_core_rules_match_the_independent_implementation_on_every_demo_board(fixture: Path) -> None:
    doc = parse_board_json(fixture.read_bytes())
    assert actual_core_findings(doc) == expected_core_findings(doc)
