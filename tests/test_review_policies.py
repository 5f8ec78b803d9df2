"""A board's own rules: `review.rules` (off or another severity) and `review.policies` (forbid,
require, limit over selectors), their findings and warnings, and the policies checked against an
independent networkx implementation on random boards."""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whiteboard.domain.board import validate_board
from whiteboard.domain.palette import category_of
from whiteboard.domain.review import review_board


def node(node_id: str, kind: str, group: str | None = None, **props: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"id": node_id, "kind": kind, "props": props}
    if group is not None:
        element["group"] = group
    return element


def edge(source: str, target: str, **props: Any) -> dict[str, Any]:
    return {"id": f"{source}-{target}", "source": source, "target": target, "props": props}


def board(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], **review: Any) -> dict[str, Any]:
    groups = [{"id": "platform"}, {"id": "agents", "parent": "platform"}, {"id": "data"}]
    doc = {"format": "archboard/1", "name": "policies", "nodes": nodes, "edges": edges, "groups": groups}
    return validate_board({**doc, "review": review})


# An agent platform: a client, a gateway, a guardrail, two agents (one in a nested group), a
# tool, a database, an LLM and a note.
NODES = [
    node("u", "browser"),
    node("gw", "api_gateway", replicas=2, rate_limited=True),
    node("guard", "guardrail", "platform", replicas=2),
    node("planner", "agent", "platform", replicas=2),
    node("coder", "agent", "agents"),
    node("tool", "tool", "platform"),
    node("db", "sql_db", "data", tech="postgresql"),
    node("llm", "llm", replicas=3),
    node("memo", "note"),
]
EDGES = [
    edge("u", "gw"),
    edge("gw", "guard"),
    edge("guard", "planner"),
    edge("planner", "coder"),
    edge("planner", "llm"),
    edge("coder", "db"),
    edge("coder", "tool"),
    edge("tool", "db"),
    edge("memo", "db"),
]


def policy_hits(doc: dict[str, Any], policy_id: str) -> list[tuple[list[str], list[str]]]:
    rule = f"policy:{policy_id}"
    return [(f["nodes"], f["edges"]) for f in review_board(doc)["findings"] if f["rule"] == rule]


# --- forbid, require, limit -------------------------------------------------------------------


def test_forbid_reports_each_edge_from_a_matching_node_to_a_matching_node() -> None:
    tools_only = {"id": "tools-only", "forbid": {"from": {"kind": ["agent"]}, "to": {"category": ["data"]}}}
    doc = board(NODES, EDGES, policies=[tools_only])
    assert policy_hits(doc, "tools-only") == [(["coder", "db"], ["coder-db"])]


def test_forbid_with_direct_false_reports_each_pair_joined_by_a_path() -> None:
    no_path = {
        "id": "no-path",
        "forbid": {"from": {"kind": ["api_gateway"]}, "to": {"tech": ["postgresql"]}, "direct": False},
    }
    doc = board(NODES, EDGES, policies=[no_path])
    assert policy_hits(doc, "no-path") == [(["db", "gw"], [])]


def test_forbid_with_direct_false_follows_edge_direction() -> None:
    backwards = {"id": "back", "forbid": {"from": {"kind": ["sql_db"]}, "to": {"kind": ["browser"]}, "direct": False}}
    assert policy_hits(board(NODES, EDGES, policies=[backwards]), "back") == []


def test_require_reports_the_pairs_with_a_path_that_avoids_every_through_node() -> None:
    guarded = {
        "id": "guarded",
        "require": {
            "from": {"category": ["client"]},
            "to": {"kind": ["llm", "tool"]},
            "through": {"kind": ["guardrail"]},
        },
    }
    assert policy_hits(board(NODES, EDGES, policies=[guarded]), "guarded") == []
    bypass = [*EDGES, edge("gw", "coder")]
    assert policy_hits(board(NODES, bypass, policies=[guarded]), "guarded") == [(["tool", "u"], [])]


def test_require_counts_a_through_node_at_either_end_of_the_path() -> None:
    ends = {
        "id": "ends",
        "require": {"from": {"kind": ["guardrail"]}, "to": {"kind": ["llm"]}, "through": {"kind": ["guardrail"]}},
    }
    assert policy_hits(board(NODES, EDGES, policies=[ends]), "ends") == []


def test_limit_reports_each_selected_node_below_the_minimum() -> None:
    limit = {"id": "ha-platform", "limit": {"select": {"group": ["platform"]}, "min_replicas": 2}}
    doc = board(NODES, EDGES, policies=[limit])
    assert policy_hits(doc, "ha-platform") == [(["coder"], []), (["tool"], [])]


def test_a_group_selector_matches_nodes_of_groups_nested_inside_it() -> None:
    limit = {"id": "platform", "limit": {"select": {"group": ["platform"], "kind": ["agent"]}, "min_replicas": 3}}
    assert [nodes for nodes, _ in policy_hits(board(NODES, EDGES, policies=[limit]), "platform")] == [
        ["coder"],
        ["planner"],
    ]


def test_an_empty_selector_matches_every_node_but_notes() -> None:
    limit = {"id": "all", "limit": {"select": {}, "min_replicas": 3}}
    flagged = {nodes[0] for nodes, _ in policy_hits(board(NODES, EDGES, policies=[limit]), "all")}
    assert flagged == {"u", "gw", "guard", "planner", "coder", "tool", "db"}


def test_policy_findings_carry_the_policy_severity_and_message() -> None:
    limit = {
        "id": "db-ha",
        "severity": "error",
        "message": "Databases run a standby",
        "limit": {"select": {"category": ["data"]}, "min_replicas": 2},
    }
    [finding] = [
        f for f in review_board(board(NODES, EDGES, policies=[limit]))["findings"] if f["rule"] == "policy:db-ha"
    ]
    assert finding["severity"] == "error" and finding["message"].startswith("Databases run a standby: ")
    assert "db-ha" in finding["hint"]


def test_a_policy_without_severity_is_a_warning() -> None:
    limit = {"id": "db-ha", "limit": {"select": {"category": ["data"]}, "min_replicas": 2}}
    result = review_board(board(NODES, EDGES, policies=[limit]))
    assert {f["severity"] for f in result["findings"] if f["rule"] == "policy:db-ha"} == {"warning"}


def test_policy_findings_can_be_suppressed_like_any_finding() -> None:
    limit = {"id": "db-ha", "limit": {"select": {"category": ["data"]}, "min_replicas": 2}}
    plain = review_board(board(NODES, EDGES, policies=[limit]))
    suppressed = review_board(
        board(NODES, EDGES, policies=[limit], suppress=[{"rule": "policy:db-ha", "target": "db", "reason": "dev"}])
    )
    [finding] = [f for f in suppressed["findings"] if f["rule"] == "policy:db-ha"]
    assert finding["suppressed"] and finding["reason"] == "dev"
    assert suppressed["summary"]["warning"] == plain["summary"]["warning"] - 1
    assert "warnings" not in suppressed


def test_a_suppression_of_a_policy_the_board_does_not_have_is_a_warning() -> None:
    result = review_board(board(NODES, EDGES, suppress=[{"rule": "policy:gone"}]))
    assert result["warnings"] == [
        {"loc": "review.suppress[0].rule", "msg": "unknown rule 'policy:gone': this suppression has no effect"}
    ]


def test_selectors_that_can_match_nothing_are_reported_as_warnings() -> None:
    limit = {"id": "x", "limit": {"select": {"kind": [], "group": ["data", "ghost"]}, "min_replicas": 2}}
    result = review_board(board(NODES, EDGES, policies=[limit]))
    assert result["warnings"] == [
        {"loc": "review.policies[0].limit.select.kind", "msg": "an empty list selects no node"},
        {
            "loc": "review.policies[0].limit.select.group[1]",
            "msg": "no group 'ghost' on this board: it selects no node",
        },
    ]


# --- review.rules -----------------------------------------------------------------------------


def test_a_rule_turned_off_reports_nothing() -> None:
    assert any(f["rule"] == "unreplicated-datastore" for f in review_board(board(NODES, EDGES))["findings"])
    result = review_board(board(NODES, EDGES, rules={"unreplicated-datastore": "off"}))
    assert not any(f["rule"] == "unreplicated-datastore" for f in result["findings"])


def test_a_rule_setting_changes_the_severity_of_its_findings_and_the_summary() -> None:
    plain = review_board(board(NODES, EDGES))
    raised = review_board(board(NODES, EDGES, rules={"unreplicated-datastore": "error"}))
    [finding] = [f for f in raised["findings"] if f["rule"] == "unreplicated-datastore"]
    assert finding["severity"] == "error"
    assert raised["summary"]["error"] == plain["summary"]["error"] + 1
    assert raised["summary"]["warning"] == plain["summary"]["warning"] - 1
    ranks = [("error", "warning", "info").index(f["severity"]) for f in raised["findings"]]
    assert ranks == sorted(ranks)


def test_a_setting_can_name_a_policy_of_the_board() -> None:
    limit = {"id": "db-ha", "limit": {"select": {"category": ["data"]}, "min_replicas": 2}}
    result = review_board(board(NODES, EDGES, policies=[limit], rules={"policy:db-ha": "off"}))
    assert not any(f["rule"] == "policy:db-ha" for f in result["findings"]) and "warnings" not in result


def test_a_setting_for_an_unknown_rule_is_a_warning_and_changes_nothing() -> None:
    plain = review_board(board(NODES, EDGES))
    result = review_board(board(NODES, EDGES, rules={"no-such-rule": "off"}))
    assert result["warnings"] == [
        {"loc": "review.rules.no-such-rule", "msg": "unknown rule 'no-such-rule': this setting has no effect"}
    ]
    assert result["findings"] == plain["findings"]


# --- properties against networkx ---------------------------------------------------------------

KINDS_USED = ["browser", "api_gateway", "service", "agent", "tool", "sql_db", "llm", "guardrail", "queue", "note"]
SELECTORS = [
    {},
    {"kind": ["agent", "service"]},
    {"category": ["data", "ai"]},
    {"group": ["platform"]},
    {"kind": ["llm"]},
]


@st.composite
def policy_boards(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(min_value=1, max_value=12))
    nodes = []
    for i in range(n):
        kind = draw(st.sampled_from(KINDS_USED))
        group = draw(st.sampled_from([None, "platform", "agents", "data"]))
        nodes.append(node(f"n{i}", kind, group, replicas=draw(st.sampled_from([1, 2, 3]))))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    edges = [{"id": f"e{k}", "source": f"n{s}", "target": f"n{t}"} for k, (s, t) in enumerate(pairs) if s != t]
    policies = [
        {"id": "edges", "forbid": {"from": draw(st.sampled_from(SELECTORS)), "to": draw(st.sampled_from(SELECTORS))}},
        {
            "id": "paths",
            "forbid": {
                "from": draw(st.sampled_from(SELECTORS)),
                "to": draw(st.sampled_from(SELECTORS)),
                "direct": False,
            },
        },
        {
            "id": "through",
            "require": {
                "from": draw(st.sampled_from(SELECTORS)),
                "to": draw(st.sampled_from(SELECTORS)),
                "through": draw(st.sampled_from(SELECTORS)),
            },
        },
        {"id": "limit", "limit": {"select": draw(st.sampled_from(SELECTORS)), "min_replicas": draw(st.integers(1, 3))}},
    ]
    return board(nodes, edges, policies=policies)


def selected(doc: dict[str, Any], selector: dict[str, Any]) -> set[str]:
    """The selector written again from SPEC section 3: every list given must match; a group list
    matches the nodes of those groups and of groups nested in them; notes never match."""
    parent = {g["id"]: g.get("parent") for g in doc["groups"]}

    def groups(group: str | None) -> set[str]:
        found = set()
        while group is not None:
            found.add(group)
            group = parent[group]
        return found

    return {
        n["id"]
        for n in doc["nodes"]
        if n["kind"] != "note"
        and ("kind" not in selector or n["kind"] in selector["kind"])
        and ("category" not in selector or category_of(n["kind"]) in selector["category"])
        and ("tech" not in selector or n["props"].get("tech") in selector["tech"])
        and ("group" not in selector or groups(n.get("group")) & set(selector["group"]))
    }


def expected_policy_findings(doc: dict[str, Any]) -> set[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    policies = {p["id"]: p for p in doc["review"]["policies"]}
    modelled = {n["id"] for n in doc["nodes"] if n["kind"] != "note"}
    graph = nx.DiGraph()
    graph.add_nodes_from(modelled)
    edges = [e for e in doc["edges"] if e["source"] in modelled and e["target"] in modelled]
    graph.add_edges_from((e["source"], e["target"]) for e in edges)
    out: set[tuple[str, tuple[str, ...], tuple[str, ...]]] = set()

    def pair(rule: str, f: str, t: str) -> None:
        out.add((rule, tuple(sorted({f, t})), ()))

    def has_path(g: nx.DiGraph, f: str, t: str) -> bool:
        # One edge or more: from f to itself only around a cycle.
        return any(t == s or nx.has_path(g, s, t) for s in g.successors(f))

    direct = policies["edges"]["forbid"]
    for e in edges:
        if e["source"] in selected(doc, direct["from"]) and e["target"] in selected(doc, direct["to"]):
            out.add(("policy:edges", tuple(sorted([e["source"], e["target"]])), (e["id"],)))
    paths = policies["paths"]["forbid"]
    for f, t in itertools.product(selected(doc, paths["from"]), selected(doc, paths["to"])):
        if has_path(graph, f, t):
            pair("policy:paths", f, t)
    require = policies["through"]["require"]
    through = selected(doc, require["through"])
    avoiding = graph.subgraph(modelled - through)
    for f, t in itertools.product(selected(doc, require["from"]) - through, selected(doc, require["to"]) - through):
        if has_path(avoiding, f, t):
            pair("policy:through", f, t)
    limit = policies["limit"]["limit"]
    for n in doc["nodes"]:
        if n["id"] in selected(doc, limit["select"]) and n["props"].get("replicas", 1) < limit["min_replicas"]:
            out.add(("policy:limit", (n["id"],), ()))
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_boards())
def test_policies_match_an_independent_networkx_implementation(doc: dict[str, Any]) -> None:
    actual = {
        (f["rule"], tuple(f["nodes"]), tuple(f["edges"]))
        for f in review_board(doc)["findings"]
        if f["rule"].startswith("policy:")
    }
    assert actual == expected_policy_findings(doc)
