"""The board document of SPEC section 1: normal form, round trip, and every bad input."""

from __future__ import annotations

import json
import math

import pytest

from tests.builders import board, edge, node, sample_board
from whiteboard.domain.board import (
    MAX_BYTES,
    BoardError,
    dumps_board,
    in_key_order,
    parse_board_json,
    validate_board,
)


def errors_of(doc: object) -> list[dict[str, str]]:
    with pytest.raises(BoardError) as info:
        validate_board(doc)
    return info.value.errors


def locs(doc: object) -> list[str]:
    return [e["loc"] for e in errors_of(doc)]


def test_it_writes_out_the_defaults():
    doc = validate_board(board([node("a", "llm")], []))
    assert doc == {
        "format": "archboard/1",
        "name": "",
        "description": "",
        "direction": "LR",
        "nodes": [{"id": "a", "kind": "llm", "label": "", "props": {}}],
        "edges": [],
        "groups": [],
    }


def test_the_normal_form_is_a_fixed_point_and_survives_json():
    doc = validate_board(sample_board())
    assert validate_board(doc) == doc
    assert parse_board_json(dumps_board(doc)) == doc


def test_it_keeps_optional_fields_exactly_as_given():
    doc = validate_board(board([node("a", x=1.5, y=-2, group=None)], [], groups=[{"id": "g"}], review={}))
    assert doc["nodes"][0] == {"id": "a", "kind": "service", "label": "", "x": 1.5, "y": -2, "group": None, "props": {}}
    assert doc["groups"] == [{"id": "g", "label": "", "props": {}}]
    assert doc["review"] == {}


def test_it_keeps_unknown_prop_keys():
    doc = validate_board(board([node("a", props={"team": "payments", "sla": 99.9, "x": None})], []))
    assert doc["nodes"][0]["props"] == {"team": "payments", "sla": 99.9, "x": None}


def test_in_key_order_puts_the_keys_of_a_document_read_back_in_the_schemas_order():
    """As PostgreSQL's jsonb gives documents back (keys sorted), or SQLite one stored as written."""
    doc = validate_board(sample_board())
    doc["groups"] = [{"id": "g", "label": "G", "parent": None, "props": {}}]

    def reordered(element: dict, every: int) -> dict:
        return {k: element[k] for k in sorted(element)} if every else dict(element)

    for every in (0, 1):
        read_back = reordered(doc, every)
        for section in ("nodes", "edges", "groups"):
            read_back[section] = [reordered(e, every and i % 2) for i, e in enumerate(doc[section])]
        text = json.dumps(read_back)
        result = in_key_order(read_back)
        assert json.dumps(result) == json.dumps(doc)
        assert json.dumps(read_back) == text  # the input is left as it was
    assert in_key_order({"nodes": [{"b": 1, "a": 2}]}) == {"nodes": [{"b": 1, "a": 2}]}  # not a board


def test_it_does_not_mutate_its_input():
    raw = board([node("a")], [])
    before = json.dumps(raw)
    validate_board(raw)
    assert json.dumps(raw) == before


@pytest.mark.parametrize("value", [[], "text", 3, None])
def test_it_rejects_a_document_that_is_not_an_object(value):
    assert locs(value) == [""]


def test_it_rejects_a_wrong_format():
    assert locs({"format": "archboard/2", "nodes": [], "edges": []}) == ["format"]
    assert locs({"nodes": [], "edges": []}) == ["format"]


def test_it_requires_nodes_and_edges():
    assert locs({"format": "archboard/1"}) == ["nodes", "edges"]


def test_it_rejects_unknown_keys_at_every_level():
    assert locs(board([], [], colour="red")) == ["colour"]
    assert locs(board([node("a", color="red")], [])) == ["nodes[0].color"]
    assert locs(board([node("a"), node("b")], [edge("e", "a", "b", weight=1)])) == ["edges[0].weight"]
    assert locs(board([], [], groups=[{"id": "g", "nodes": []}])) == ["groups[0].nodes"]


def test_it_names_an_unknown_kind():
    [err] = errors_of(board([node("a"), node("b"), node("c"), node("d", "vectordb")], []))
    assert err == {"loc": "nodes[3].kind", "msg": "unknown kind 'vectordb'"}


def test_it_requires_node_id_and_kind():
    assert locs(board([{"label": "x"}], [])) == ["nodes[0].id", "nodes[0].kind"]


@pytest.mark.parametrize("bad_id", ["", "a b", "x" * 65, "é", "a/b", 7, None])
def test_it_rejects_malformed_ids(bad_id):
    assert locs(board([node(bad_id)], [])) == ["nodes[0].id"]


def test_ids_may_use_the_whole_allowed_alphabet():
    validate_board(board([node("A-z_0.9:x" + "y" * 55)], []))


def test_it_rejects_duplicate_ids_across_nodes_edges_and_groups():
    [err] = errors_of(board([node("a"), node("b")], [edge("a", "a", "b")]))
    assert err["loc"] == "edges[0].id" and "duplicate id 'a'" in err["msg"]
    assert locs(board([node("a"), node("a")], [])) == ["nodes[1].id"]
    assert locs(board([node("g")], [], groups=[{"id": "g"}])) == ["groups[0].id"]


def test_it_rejects_a_dangling_edge():
    [err] = errors_of(board([node("a")], [edge("e", "a", "ghost")]))
    assert err == {"loc": "edges[0].target", "msg": "dangling edge: no node with id 'ghost'"}


def test_it_rejects_a_self_loop():
    assert locs(board([node("a")], [edge("e", "a", "a")])) == ["edges[0]"]


def test_parallel_edges_are_allowed():
    validate_board(board([node("a"), node("b")], [edge("e1", "a", "b"), edge("e2", "a", "b")]))


def test_it_rejects_a_group_cycle():
    [err] = errors_of(board([], [], groups=[{"id": "g1", "parent": "g2"}, {"id": "g2", "parent": "g1"}]))
    assert err["loc"] == "groups[0].parent" and "group cycle" in err["msg"]


def test_it_rejects_a_group_that_is_its_own_parent():
    assert locs(board([], [], groups=[{"id": "g", "parent": "g"}])) == ["groups[0].parent"]


def test_it_allows_eight_levels_of_groups_but_not_nine():
    chain = [{"id": f"g{i}", "parent": f"g{i - 1}" if i else None} for i in range(8)]
    validate_board(board([], [], groups=chain))
    chain.append({"id": "g8", "parent": "g7"})
    assert locs(board([], [], groups=chain)) == ["groups[8].parent"]


def test_it_rejects_references_to_missing_groups():
    assert locs(board([node("a", group="nope")], [])) == ["nodes[0].group"]
    assert locs(board([], [], groups=[{"id": "g", "parent": "nope"}])) == ["groups[0].parent"]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e308, "12", True])
def test_it_rejects_non_finite_huge_or_non_numeric_coordinates(value):
    assert locs(board([node("a", x=value)], [])) == ["nodes[0].x"]


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_parsing_rejects_non_finite_numbers(text):
    raw = f'{{"format": "archboard/1", "nodes": [{{"id": "a", "kind": "llm", "x": {text}}}], "edges": []}}'
    with pytest.raises(BoardError) as info:
        parse_board_json(raw)
    assert info.value.errors[0]["loc"] in ("body", "nodes[0].x")


def test_it_rejects_an_over_long_label_and_accepts_200_characters():
    validate_board(board([node("a", label="é" * 200)], []))
    [err] = errors_of(board([node("a", label="x" * 201)], []))
    assert err["loc"] == "nodes[0].label" and "limit is 200" in err["msg"]


def test_it_rejects_an_over_long_description():
    assert locs(board([], [], description="d" * 10_001)) == ["description"]


@pytest.mark.parametrize(
    ("props", "loc"),
    [
        ({"replicas": 0}, "nodes[0].props.replicas"),
        ({"replicas": 1001}, "nodes[0].props.replicas"),
        ({"replicas": 2.5}, "nodes[0].props.replicas"),
        ({"replicas": "3"}, "nodes[0].props.replicas"),
        ({"replicas": True}, "nodes[0].props.replicas"),
        ({"async": "yes"}, "nodes[0].props.async"),
        ({"rate_limited": 1}, "nodes[0].props.rate_limited"),
        ({"public": None}, "nodes[0].props.public"),
        ({"protocol": "smtp"}, "nodes[0].props.protocol"),
        ({"write_policy": "write-sometimes"}, "nodes[0].props.write_policy"),
        ({"notes": 5}, "nodes[0].props.notes"),
        ({"nested": {"a": 1}}, "nodes[0].props.nested"),
        ({"list": [1]}, "nodes[0].props.list"),
        ({"long": "x" * 2001}, "nodes[0].props.long"),
        ({"big": 1e300}, "nodes[0].props.big"),
    ],
)
def test_it_type_checks_props(props, loc):
    assert locs(board([node("a", props=props)], [])) == [loc]


def test_it_limits_props_to_32_keys():
    assert locs(board([node("a", props={f"k{i}": i for i in range(33)})], [])) == ["nodes[0].props"]


def test_it_checks_edge_props():
    doc = board([node("a"), node("b")], [edge("e", "a", "b", props={"protocol": "carrier-pigeon"})])
    assert locs(doc) == ["edges[0].props.protocol"]


def test_it_rejects_a_wrong_direction():
    assert locs(board([], [], direction="diagonal")) == ["direction"]


def test_it_rejects_more_than_5000_nodes():
    doc = board([node(f"n{i}") for i in range(5001)], [])
    assert locs(doc) == ["nodes"]


def test_it_rejects_more_than_20000_edges():
    doc = board([node("a"), node("b")], [edge(f"e{i}", "a", "b") for i in range(20_001)])
    assert locs(doc) == ["edges"]


def test_it_rejects_more_than_500_groups():
    assert locs(board([], [], groups=[{"id": f"g{i}"} for i in range(501)])) == ["groups"]


def test_parsing_rejects_more_than_2_mib():
    raw = json.dumps(board([node("a", label="")], [], description="")) + " " * MAX_BYTES
    with pytest.raises(BoardError) as info:
        parse_board_json(raw)
    assert info.value.errors[0]["loc"] == "body" and "2 MiB" in info.value.errors[0]["msg"]


def test_parsing_reports_malformed_json():
    with pytest.raises(BoardError) as info:
        parse_board_json('{"format": "archboard/1", "nodes": [')
    assert info.value.errors[0]["loc"] == "body" and "malformed JSON" in info.value.errors[0]["msg"]


def test_it_validates_suppressions():
    validate_board(board([], [], review={"suppress": [{"rule": "orphan-component", "target": "a", "reason": "demo"}]}))
    assert locs(board([], [], review={"suppress": [{"target": "a"}]})) == ["review.suppress[0].rule"]
    assert locs(board([], [], review={"mute": []})) == ["review.mute"]


def test_it_keeps_rule_settings_and_policies_exactly_as_given():
    review = {
        "suppress": [{"rule": "policy:tools-only", "target": "a"}],
        "rules": {"orphan-component": "off", "no-such-rule": "error"},
        "policies": [
            {
                "id": "tools-only",
                "severity": "error",
                "message": "Agents use tools",
                "forbid": {"from": {"kind": ["agent"]}, "to": {"category": ["data"]}},
            },
            {"id": "guarded", "require": {"from": {}, "to": {"kind": ["llm"]}, "through": {"kind": ["guardrail"]}}},
            {"id": "ha", "limit": {"select": {"group": ["ghost"], "tech": ["postgresql"]}, "min_replicas": 2}},
        ],
    }
    doc = validate_board(board([node("a", "agent")], [], review=review))
    assert doc["review"] == review
    assert validate_board(doc) == doc


def test_it_names_the_place_of_an_unknown_kind_in_a_policy_selector():
    policies = [{"id": f"p{i}", "limit": {"select": {}, "min_replicas": 2}} for i in range(2)]
    policies.append({"id": "p2", "forbid": {"from": {"kind": ["vectordb"]}, "to": {}}})
    assert errors_of(board([], [], review={"policies": policies})) == [
        {"loc": "review.policies[2].forbid.from.kind[0]", "msg": "unknown kind 'vectordb'"}
    ]


@pytest.mark.parametrize(
    ("policy", "loc"),
    [
        ({"id": "Bad Id", "limit": {"select": {}, "min_replicas": 2}}, "review.policies[0].id"),
        ({"limit": {"select": {}, "min_replicas": 2}}, "review.policies[0].id"),
        ({"id": "x" * 65, "limit": {"select": {}, "min_replicas": 2}}, "review.policies[0].id"),
        ({"id": "p", "severity": "fatal", "limit": {"select": {}, "min_replicas": 2}}, "review.policies[0].severity"),
        ({"id": "p"}, "review.policies[0]"),
        (
            {"id": "p", "limit": {"select": {}, "min_replicas": 2}, "forbid": {"from": {}, "to": {}}},
            "review.policies[0]",
        ),
        ({"id": "p", "when": 1, "limit": {"select": {}, "min_replicas": 2}}, "review.policies[0].when"),
        ({"id": "p", "forbid": {"to": {}}}, "review.policies[0].forbid.from"),
        ({"id": "p", "forbid": {"from": {}, "to": {}, "direct": "yes"}}, "review.policies[0].forbid.direct"),
        ({"id": "p", "require": {"from": {}, "to": {}}}, "review.policies[0].require.through"),
        ({"id": "p", "limit": {"select": {}, "min_replicas": 0}}, "review.policies[0].limit.min_replicas"),
        ({"id": "p", "limit": {"select": {}}}, "review.policies[0].limit.min_replicas"),
        (
            {"id": "p", "limit": {"select": {"kinds": ["llm"]}, "min_replicas": 2}},
            "review.policies[0].limit.select.kinds",
        ),
        ({"id": "p", "limit": {"select": {"kind": "llm"}, "min_replicas": 2}}, "review.policies[0].limit.select.kind"),
        (
            {"id": "p", "limit": {"select": {"category": ["gpu"]}, "min_replicas": 2}},
            "review.policies[0].limit.select.category[0]",
        ),
        (
            {"id": "p", "limit": {"select": {"tech": ["redis", "vaporware"]}, "min_replicas": 2}},
            "review.policies[0].limit.select.tech[1]",
        ),
        (
            {"id": "p", "limit": {"select": {"group": ["a b"]}, "min_replicas": 2}},
            "review.policies[0].limit.select.group[0]",
        ),
        ({"id": "p", "limit": {"select": [], "min_replicas": 2}}, "review.policies[0].limit.select"),
        ({"id": "p", "message": 7, "limit": {"select": {}, "min_replicas": 2}}, "review.policies[0].message"),
    ],
)
def test_it_rejects_a_malformed_policy_at_its_place(policy, loc):
    assert locs(board([], [], review={"policies": [policy]})) == [loc]


def test_it_rejects_a_repeated_policy_id_and_more_than_fifty_policies():
    limit = {"select": {}, "min_replicas": 2}
    repeated = [{"id": "p", "limit": limit}, {"id": "p", "limit": limit}]
    assert errors_of(board([], [], review={"policies": repeated})) == [
        {"loc": "review.policies[1].id", "msg": "duplicate policy id 'p' (already used by review.policies[0])"}
    ]
    many = [{"id": f"p{i}", "limit": limit} for i in range(51)]
    assert errors_of(board([], [], review={"policies": many})) == [
        {"loc": "review.policies", "msg": "has 51 entries, the limit is 50"}
    ]
    validate_board(board([], [], review={"policies": many[:50]}))


def test_it_checks_rule_settings_but_leaves_unknown_rule_ids_to_the_review():
    validate_board(board([], [], review={"rules": {"no-such-rule": "off", "policy:" + "p" * 64: "info"}}))
    assert errors_of(board([], [], review={"rules": {"orphan-component": "loud"}})) == [
        {"loc": "review.rules.orphan-component", "msg": 'must be one of off, info, warning, error, not "loud"'}
    ]
    assert locs(board([], [], review={"rules": ["orphan-component"]})) == ["review.rules"]
    assert locs(board([], [], review={"rules": {"policy:" + "p" * 65: "off"}})) == ["review.rules"]


def test_it_reports_several_problems_at_once_and_stops_at_fifty():
    errors = errors_of(board([node(f"n{i}", "nope") for i in range(100)], []))
    assert len(errors) == 51
    assert errors[-1]["msg"] == "stopped after 50 errors"


def test_review_rules_set_a_level_per_rule_id() -> None:
    rules = {"orphan-component": "off", "unreplicated-datastore": "error", "not-a-rule": "info"}
    assert validate_board(board([], [], review={"rules": rules}))["review"] == {"rules": rules}
    assert locs(board([], [], review={"rules": {"orphan-component": "loud"}})) == ["review.rules.orphan-component"]
    assert locs(board([], [], review={"rules": {"orphan-component": None}})) == ["review.rules.orphan-component"]
    assert locs(board([], [], review={"rules": ["orphan-component"]})) == ["review.rules"]
    assert locs(board([], [], review={"rules": {"x" * 65: "off"}})) == ["review.rules"]


def test_a_node_may_name_a_tech_of_its_kind():
    doc = validate_board(
        board([node("c", "cache", props={"tech": "redis"}), node("v", "vector_db", props={"tech": "pgvector"})], [])
    )
    assert [n["props"]["tech"] for n in doc["nodes"]] == ["redis", "pgvector"]


def test_it_names_the_place_and_the_allowed_techs_of_an_unknown_tech():
    errors = errors_of(
        board([node(f"n{i}", "service") for i in range(3)] + [node("db", "sql_db", props={"tech": "redis"})], [])
    )
    assert len(errors) == 1
    assert errors[0]["loc"] == "nodes[3].props.tech"
    assert errors[0]["msg"].startswith("unknown tech 'redis' for kind 'sql_db' (allowed: postgresql, mysql, ")


def test_a_note_has_no_techs_and_a_tech_must_be_a_string():
    assert errors_of(board([node("n", "note", props={"tech": "redis"})], [])) == [
        {"loc": "nodes[0].props.tech", "msg": "unknown tech 'redis' for kind 'note' (allowed: none)"}
    ]
    assert errors_of(board([node("c", "cache", props={"tech": 3})], [])) == [
        {"loc": "nodes[0].props.tech", "msg": "tech must be a technology id, not number"}
    ]


def test_tech_and_route_are_ordinary_props_on_the_other_elements():
    doc = validate_board(
        board(
            [node("a", "service", props={"route": "anything"}), node("b", "service")],
            [edge("e", "a", "b", props={"tech": "anything"})],
            groups=[{"id": "g", "props": {"tech": "x", "route": "y"}}],
        )
    )
    assert doc["edges"][0]["props"] == {"tech": "anything"}


@pytest.mark.parametrize("route", ["straight", "curved", "orthogonal"])
def test_an_edge_may_choose_its_route(route):
    doc = validate_board(board([node("a"), node("b")], [edge("e", "a", "b", props={"route": route})]))
    assert doc["edges"][0]["props"]["route"] == route


@pytest.mark.parametrize("route", ["zigzag", "", None, 1, True])
def test_it_rejects_an_unknown_route_naming_the_allowed_ones(route):
    assert errors_of(board([node("a"), node("b")], [edge("e", "a", "b", props={"route": route})])) == [
        {
            "loc": "edges[0].props.route",
            "msg": f"unknown route {json.dumps(route)} (allowed: straight curved orthogonal)",
        }
    ]
