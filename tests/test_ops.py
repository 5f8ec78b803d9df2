"""The op protocol (whiteboard/domain/ops.py): each action, each rejection, and random sequences."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whiteboard.domain.board import MAX_GROUP_DEPTH, MAX_NODES, BoardError, validate_board
from whiteboard.domain.ops import apply_op, inverse_op, validate_op


def board(
    nodes: list[dict[str, Any]] | None = None,
    edges: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    **top: Any,
) -> dict[str, Any]:
    return validate_board(
        {"format": "archboard/1", "nodes": nodes or [], "edges": edges or [], "groups": groups or [], **top}
    )


def sample() -> dict[str, Any]:
    return board(
        nodes=[
            {
                "id": "gw",
                "kind": "api_gateway",
                "group": "edge",
                "props": {"replicas": 2, "rate_limited": True},
            },
            {"id": "svc", "kind": "service", "x": 10, "y": 20, "group": "inner"},
            {"id": "db", "kind": "sql_db"},
        ],
        edges=[
            {"id": "e1", "source": "gw", "target": "svc", "props": {"protocol": "https"}},
            {"id": "e2", "source": "svc", "target": "db"},
            {"id": "e3", "source": "gw", "target": "db"},
        ],
        groups=[{"id": "edge"}, {"id": "inner", "parent": "edge"}, {"id": "deep", "parent": "inner"}],
        name="Sample",
    )


def rejected(doc: dict[str, Any], op: dict[str, Any]) -> list[dict[str, str]]:
    before = copy.deepcopy(doc)
    with pytest.raises(BoardError) as info:
        apply_op(doc, op)
    assert doc == before
    return info.value.errors


def locs(errors: list[dict[str, str]]) -> list[str]:
    return [e["loc"] for e in errors]


# --- each action ------------------------------------------------------------------------------


def test_add_node_appends_the_node_in_normal_form() -> None:
    result = apply_op(sample(), {"action": "add_node", "node": {"id": "llm", "kind": "llm", "x": 1.5}})
    assert result["nodes"][-1] == {"id": "llm", "kind": "llm", "label": "", "x": 1.5, "props": {}}
    assert validate_board(result) == result


def test_update_node_replaces_only_the_given_fields() -> None:
    result = apply_op(sample(), {"action": "update_node", "id": "gw", "set": {"label": "Gateway", "x": 5}})
    assert result["nodes"][0] == {
        "id": "gw",
        "kind": "api_gateway",
        "label": "Gateway",
        "x": 5,
        "group": "edge",
        "props": {"replicas": 2, "rate_limited": True},
    }


def test_update_node_merges_props_and_null_removes_a_key() -> None:
    op = {"action": "update_node", "id": "gw", "set": {"props": {"replicas": None, "notes": "hi"}}}
    result = apply_op(sample(), op)
    assert result["nodes"][0]["props"] == {"rate_limited": True, "notes": "hi"}


def test_null_clears_an_optional_field() -> None:
    result = apply_op(sample(), {"action": "update_node", "id": "svc", "set": {"x": None, "group": None}})
    assert result["nodes"][1] == {"id": "svc", "kind": "service", "label": "", "y": 20, "props": {}}


def test_update_node_can_change_kind_and_group() -> None:
    result = apply_op(sample(), {"action": "update_node", "id": "db", "set": {"kind": "cache", "group": "deep"}})
    assert result["nodes"][2] == {"id": "db", "kind": "cache", "label": "", "group": "deep", "props": {}}


def test_delete_node_removes_its_edges() -> None:
    result = apply_op(sample(), {"action": "delete_node", "id": "db"})
    assert [n["id"] for n in result["nodes"]] == ["gw", "svc"]
    assert [e["id"] for e in result["edges"]] == ["e1"]


def test_add_update_and_delete_edge() -> None:
    doc = apply_op(sample(), {"action": "add_edge", "edge": {"id": "e4", "source": "db", "target": "gw"}})
    assert doc["edges"][-1] == {"id": "e4", "source": "db", "target": "gw", "label": "", "props": {}}
    doc = apply_op(doc, {"action": "update_edge", "id": "e4", "set": {"source": "svc", "props": {"async": True}}})
    assert doc["edges"][-1] == {
        "id": "e4",
        "source": "svc",
        "target": "gw",
        "label": "",
        "props": {"async": True},
    }
    doc = apply_op(doc, {"action": "delete_edge", "id": "e4"})
    assert doc == sample()


def test_parallel_edges_are_allowed() -> None:
    doc = apply_op(sample(), {"action": "add_edge", "edge": {"id": "e9", "source": "gw", "target": "svc"}})
    assert validate_board(doc) == doc


def test_add_and_update_group() -> None:
    doc = apply_op(sample(), {"action": "add_group", "group": {"id": "data", "label": "Data"}})
    assert doc["groups"][-1] == {"id": "data", "label": "Data", "props": {}}
    doc = apply_op(doc, {"action": "update_group", "id": "data", "set": {"parent": "edge", "label": "D"}})
    assert doc["groups"][-1] == {"id": "data", "label": "D", "parent": "edge", "props": {}}


def test_delete_group_moves_members_and_child_groups_to_its_parent() -> None:
    result = apply_op(sample(), {"action": "delete_group", "id": "inner"})
    assert result["nodes"][1]["group"] == "edge"
    assert result["groups"] == [
        {"id": "edge", "label": "", "props": {}},
        {"id": "deep", "label": "", "parent": "edge", "props": {}},
    ]
    assert validate_board(result) == result


def test_deleting_a_top_level_group_leaves_its_members_ungrouped() -> None:
    result = apply_op(sample(), {"action": "delete_group", "id": "edge"})
    assert "group" not in result["nodes"][0]
    assert result["groups"][0] == {"id": "inner", "label": "", "props": {}}


def test_set_board_changes_name_description_direction_and_review() -> None:
    changes = {
        "name": "N",
        "description": "D",
        "direction": "TB",
        "review": {"suppress": [{"rule": "orphan-component", "target": "db"}]},
    }
    result = apply_op(sample(), {"action": "set_board", "set": changes})
    assert {k: result[k] for k in changes} == changes
    assert list(result) == [
        "format",
        "name",
        "description",
        "direction",
        "nodes",
        "edges",
        "groups",
        "review",
    ]
    cleared = apply_op(result, {"action": "set_board", "set": {"review": None}})
    assert "review" not in cleared


def test_batch_applies_its_ops_in_order() -> None:
    op = {
        "action": "batch",
        "ops": [
            {"action": "add_node", "node": {"id": "q", "kind": "queue"}},
            {"action": "add_edge", "edge": {"id": "eq", "source": "svc", "target": "q"}},
            {"action": "update_node", "id": "q", "set": {"label": "Jobs"}},
        ],
    }
    result = apply_op(sample(), op)
    assert result["nodes"][-1]["label"] == "Jobs"
    assert result["edges"][-1]["target"] == "q"


def test_replace_takes_the_whole_new_document() -> None:
    new = {"format": "archboard/1", "nodes": [{"id": "a", "kind": "user"}], "edges": []}
    assert apply_op(sample(), {"action": "replace", "board": new}) == validate_board(new)


def test_validate_op_returns_the_normal_form() -> None:
    assert validate_op({"action": "add_edge", "edge": {"source": "a", "target": "b", "id": "x"}}) == {
        "action": "add_edge",
        "edge": {"id": "x", "source": "a", "target": "b", "label": "", "props": {}},
    }


def test_the_input_board_is_never_mutated_and_untouched_lists_are_shared() -> None:
    doc = sample()
    before = copy.deepcopy(doc)
    result = apply_op(doc, {"action": "update_node", "id": "gw", "set": {"props": {"replicas": 3}}})
    assert doc == before
    assert result["edges"] is doc["edges"]
    assert result["groups"] is doc["groups"]
    assert result["nodes"][1] is doc["nodes"][1]
    for op in [
        {"action": "delete_node", "id": "gw"},
        {"action": "delete_group", "id": "inner"},
        {"action": "set_board", "set": {"review": {"suppress": []}}},
        {"action": "update_edge", "id": "e1", "set": {"props": {"protocol": None}}},
    ]:
        apply_op(doc, op)
        assert doc == before


# --- rejections -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "loc"),
    [
        ({"action": "fly"}, "op.action"),
        ({}, "op.action"),
        ([], "op"),
        ({"action": "add_node"}, "op.node"),
        ({"action": "add_node", "node": {"id": "n", "kind": "vectordb"}}, "op.node.kind"),
        ({"action": "add_node", "node": {"id": "n", "kind": "llm"}, "extra": 1}, "op.extra"),
        ({"action": "update_node", "id": "gw", "set": {"props": {"replicas": 0}}}, "op.set.props.replicas"),
        ({"action": "update_node", "id": "gw", "set": {"id": "other"}}, "op.set.id"),
        ({"action": "update_node", "id": "gw", "set": {"colour": "red"}}, "op.set.colour"),
        ({"action": "update_node", "id": "gw", "set": {"label": None}}, "op.set.label"),
        ({"action": "update_node", "id": "gw", "set": {"x": float("inf")}}, "op.set.x"),
        ({"action": "update_node", "id": "gw", "set": "label"}, "op.set"),
        (
            {"action": "update_edge", "id": "e1", "set": {"props": {"protocol": "smtp"}}},
            "op.set.props.protocol",
        ),
        ({"action": "update_edge", "id": "e1", "set": {"kind": "service"}}, "op.set.kind"),
        ({"action": "update_group", "id": "edge", "set": {"parent": "bad id"}}, "op.set.parent"),
        ({"action": "delete_node", "id": 7}, "op.id"),
        ({"action": "set_board", "set": {"format": "x"}}, "op.set.format"),
        ({"action": "set_board", "set": {"direction": "UP"}}, "op.set.direction"),
        ({"action": "set_board", "set": {"review": {"suppress": [{}]}}}, "op.set.review.suppress[0].rule"),
        ({"action": "batch", "ops": {}}, "op.ops"),
        ({"action": "batch", "ops": [{"action": "batch", "ops": []}]}, "op.ops[0].action"),
        (
            {"action": "batch", "ops": [{"action": "delete_node", "id": "db"}, {"action": "x"}]},
            "op.ops[1].action",
        ),
        (
            {"action": "replace", "board": {"format": "archboard/1", "nodes": [{"id": "n"}], "edges": []}},
            "op.board.nodes[0].kind",
        ),
        ({"action": "replace", "board": []}, "op.board"),
    ],
)
def test_it_rejects_a_malformed_op_naming_the_place(op: Any, loc: str) -> None:
    assert loc in locs(rejected(sample(), op))
    with pytest.raises(BoardError):
        validate_op(op)


@pytest.mark.parametrize(
    ("op", "loc", "msg"),
    [
        ({"action": "update_node", "id": "gone", "set": {}}, "op.id", "no node with id 'gone'"),
        ({"action": "delete_node", "id": "e1"}, "op.id", "no node with id 'e1'"),
        ({"action": "delete_edge", "id": "gw"}, "op.id", "no edge"),
        ({"action": "delete_group", "id": "nope"}, "op.id", "no group"),
        (
            {"action": "add_node", "node": {"id": "e1", "kind": "llm"}},
            "op.node.id",
            "already used by an edge",
        ),
        (
            {"action": "add_edge", "edge": {"id": "edge", "source": "gw", "target": "db"}},
            "op.edge.id",
            "group",
        ),
        ({"action": "add_group", "group": {"id": "db"}}, "op.group.id", "already used by a node"),
        (
            {"action": "add_node", "node": {"id": "n", "kind": "llm", "group": "zz"}},
            "op.node.group",
            "no group",
        ),
        ({"action": "update_node", "id": "db", "set": {"group": "zz"}}, "op.set.group", "no group"),
        (
            {"action": "add_edge", "edge": {"id": "x", "source": "gw", "target": "zz"}},
            "op.edge.target",
            "no node",
        ),
        ({"action": "add_edge", "edge": {"id": "x", "source": "gw", "target": "gw"}}, "op.edge", "self-loop"),
        ({"action": "update_edge", "id": "e1", "set": {"target": "gw"}}, "op.set", "self-loop"),
        ({"action": "update_edge", "id": "e1", "set": {"source": "zz"}}, "op.set.source", "no node"),
        ({"action": "update_group", "id": "edge", "set": {"parent": "deep"}}, "op.set.parent", "group cycle"),
        ({"action": "update_group", "id": "edge", "set": {"parent": "edge"}}, "op.set.parent", "group cycle"),
        ({"action": "add_group", "group": {"id": "x", "parent": "zz"}}, "op.group.parent", "no group"),
    ],
)
def test_it_rejects_an_op_that_does_not_fit_the_board(op: dict[str, Any], loc: str, msg: str) -> None:
    errors = rejected(sample(), op)
    assert errors[0]["loc"] == loc
    assert msg in errors[0]["msg"]


def test_an_op_on_a_deleted_element_is_rejected_cleanly() -> None:
    doc = apply_op(sample(), {"action": "delete_node", "id": "svc"})
    for op in [
        {"action": "update_node", "id": "svc", "set": {"label": "late"}},
        {"action": "delete_node", "id": "svc"},
        {"action": "update_edge", "id": "e1", "set": {"label": "late"}},
    ]:
        assert locs(rejected(doc, op)) == ["op.id"]


def test_a_batch_is_all_or_nothing() -> None:
    op = {
        "action": "batch",
        "ops": [
            {"action": "delete_node", "id": "db"},
            {"action": "add_node", "node": {"id": "db2", "kind": "sql_db"}},
            {"action": "delete_edge", "id": "e2"},
        ],
    }
    errors = rejected(sample(), op)
    assert errors == [{"loc": "op.ops[2].id", "msg": "no edge with id 'e2' (it was deleted or never added)"}]


def test_group_nesting_is_limited_on_add_and_on_move() -> None:
    groups = [{"id": "g1"}] + [{"id": f"g{i}", "parent": f"g{i - 1}"} for i in range(2, MAX_GROUP_DEPTH + 1)]
    doc = board(groups=[*groups, {"id": "other"}, {"id": "child", "parent": "other"}])
    errors = rejected(doc, {"action": "add_group", "group": {"id": "x", "parent": f"g{MAX_GROUP_DEPTH}"}})
    assert errors[0]["loc"] == "op.group.parent"
    assert "nest 9 deep" in errors[0]["msg"]
    errors = rejected(doc, {"action": "update_group", "id": "other", "set": {"parent": "g7"}})
    assert "nest 9 deep" in errors[0]["msg"]
    assert apply_op(doc, {"action": "update_group", "id": "other", "set": {"parent": "g6"}})


def test_props_are_limited_after_the_merge() -> None:
    doc = board(nodes=[{"id": "n", "kind": "llm", "props": {f"k{i}": i for i in range(32)}}])
    errors = rejected(doc, {"action": "update_node", "id": "n", "set": {"props": {"one_more": 1}}})
    assert errors[0]["loc"] == "op.set.props"
    assert apply_op(doc, {"action": "update_node", "id": "n", "set": {"props": {"k0": None, "one_more": 1}}})


def test_the_node_limit_is_enforced() -> None:
    doc = board(nodes=[{"id": f"n{i}", "kind": "service"} for i in range(MAX_NODES)])
    errors = rejected(doc, {"action": "add_node", "node": {"id": "last", "kind": "service"}})
    assert errors[0]["loc"] == "op"
    assert "limit is 5000" in errors[0]["msg"]


# --- undo -------------------------------------------------------------------------------------


def test_inverse_of_delete_node_brings_back_the_node_and_its_edges() -> None:
    doc = sample()
    undo = inverse_op(doc, {"action": "delete_node", "id": "svc"})
    restored = apply_op(apply_op(doc, {"action": "delete_node", "id": "svc"}), undo)
    assert canonical(restored) == canonical(doc)


def test_inverse_of_a_batch_with_deletes_is_one_flat_batch() -> None:
    op = {
        "action": "batch",
        "ops": [{"action": "delete_node", "id": "db"}, {"action": "delete_group", "id": "edge"}],
    }
    undo = inverse_op(sample(), op)
    assert all(step["action"] != "batch" for step in undo["ops"])
    assert canonical(apply_op(apply_op(sample(), op), undo)) == canonical(sample())


# --- properties -------------------------------------------------------------------------------

KINDS = st.sampled_from(["service", "llm", "queue", "user", "sql_db", "agent"])
LABEL = st.sampled_from(["", "x", "Ünïcode"])
COORD = st.one_of(st.none(), st.integers(-5, 5), st.floats(-100, 100))
PROP_VALUES = {
    "replicas": st.integers(1, 3),
    "notes": LABEL,
    "async": st.booleans(),
    "protocol": st.sampled_from(["https", "sse"]),
    "custom": st.one_of(st.integers(), st.text(max_size=3), st.booleans()),
}
PROPS = st.lists(st.sampled_from(sorted(PROP_VALUES)), unique=True, max_size=3).flatmap(
    lambda keys: st.fixed_dictionaries({k: st.one_of(st.none(), PROP_VALUES[k]) for k in keys})
)
# Rarely, a value that some field rejects: the op must then be rejected and change nothing.
BAD = st.sampled_from([0, "y" * 201, 1e8, "bad id", "vectordb", "smtp", ["x"]])


@st.composite
def ids(draw: st.DrawFn, existing: list[str], fresh: str = "n") -> str:
    """Mostly an id that exists, sometimes a fresh (or missing) one."""
    if existing and draw(st.integers(0, 4)) > 0:
        return draw(st.sampled_from(existing))
    return f"{fresh}{draw(st.integers(0, 9))}"


@st.composite
def changes(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=3))
    result = {key: draw(fields[key]) for key in chosen}
    if result and draw(st.integers(0, 19)) == 0:
        result[draw(st.sampled_from(sorted(result)))] = draw(BAD)
    return result


@st.composite
def simple_ops(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    node_ids = [n["id"] for n in doc["nodes"]]
    edge_ids = [e["id"] for e in doc["edges"]]
    group_ids = [g["id"] for g in doc["groups"]]
    node, group = ids(node_ids, "n"), ids(group_ids, "g")
    optional_group = group if group_ids else st.none()
    node_fields = {
        "kind": KINDS,
        "label": LABEL,
        "x": COORD,
        "y": COORD,
        "group": st.one_of(st.none(), optional_group),
        "props": PROPS,
    }
    edge_fields = {"source": node, "target": node, "label": LABEL, "props": PROPS}
    group_fields = {"label": LABEL, "parent": st.one_of(st.none(), optional_group), "props": PROPS}
    action = draw(
        st.sampled_from(
            ["add_node"] * 3
            + ["add_edge"] * (6 if len(node_ids) > 1 else 1)
            + ["add_group", "set_board", "delete_node", "delete_edge", "delete_group"]
            + ["update_node", "update_edge", "update_group"] * 2
        )
    )
    verb, kind = action.split("_")
    if action == "set_board":
        suppress = st.just({"suppress": [{"rule": "orphan-component", "target": "a"}]})
        fields = {
            "name": LABEL,
            "direction": st.sampled_from(["TB", "LR"]),
            "review": st.one_of(st.none(), suppress),
        }
        return {"action": action, "set": draw(changes(fields))}
    existing = {"node": node_ids, "edge": edge_ids, "group": group_ids}[kind]
    if not existing and verb != "add" and draw(st.integers(0, 4)) > 0:
        verb, action = "add", f"add_{kind}"
    fields = {"node": node_fields, "edge": edge_fields, "group": group_fields}[kind]
    if verb == "add":
        required = {"node": ("kind",), "edge": ("source", "target"), "group": ()}[kind]
        taken = node_ids + edge_ids + group_ids
        unused = [f"{kind[0]}{i}" for i in range(20) if f"{kind[0]}{i}" not in taken]
        collide = taken and draw(st.integers(0, 9)) == 0
        element = {"id": draw(st.sampled_from(taken if collide or not unused else unused))}
        element |= {key: draw(fields[key]) for key in required}
        if kind == "edge" and len(node_ids) > 1 and draw(st.integers(0, 9)) > 0:
            element["target"] = draw(st.sampled_from([n for n in node_ids if n != element["source"]]))
        element |= {k: v for k, v in draw(changes(fields)).items() if v is not None}
        return {"action": action, kind: element}
    element_id = draw(ids(existing, kind[0]))
    if verb == "delete":
        return {"action": action, "id": element_id}
    return {"action": action, "id": element_id, "set": draw(changes(fields))}


def canonical(doc: dict[str, Any]) -> dict[str, Any]:
    """A board with list order and absent-versus-null differences removed (what undo restores)."""

    def clean(element: dict[str, Any]) -> dict[str, Any]:
        result = {k: v for k, v in element.items() if v is not None}
        result["props"] = {k: v for k, v in element["props"].items() if v is not None}
        return result

    sections = ("nodes", "edges", "groups")
    return {**doc, **{key: sorted((clean(e) for e in doc[key]), key=lambda e: e["id"]) for key in sections}}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_op_sequences_keep_the_board_valid_and_undo_restores_it(data: st.DataObject) -> None:
    doc = board()
    for _ in range(data.draw(st.integers(1, 40))):
        if data.draw(st.integers(0, 5)) == 0:
            # A batch draws each op against the board as it would be after the ones before it.
            ops, scratch = [], doc
            for _ in range(data.draw(st.integers(0, 4))):
                ops.append(data.draw(simple_ops(scratch)))
                with contextlib.suppress(BoardError):
                    scratch = apply_op(scratch, ops[-1])
            op: dict[str, Any] = {"action": "batch", "ops": ops}
        else:
            op = data.draw(simple_ops(doc))
        before = copy.deepcopy(doc)
        try:
            result = apply_op(doc, op)
        except BoardError as exc:
            assert exc.errors
            assert all(e["loc"].startswith("op") and e["msg"] for e in exc.errors)
            with pytest.raises(BoardError):
                inverse_op(doc, op)
            assert doc == before
            continue
        assert doc == before
        assert validate_board(result) == result
        undo = inverse_op(doc, op)
        assert canonical(apply_op(result, undo)) == canonical(doc)
        doc = result


def test_an_update_may_set_a_tech_of_the_nodes_kind() -> None:
    doc = board(nodes=[{"id": "c", "kind": "cache"}])
    after = apply_op(doc, {"action": "update_node", "id": "c", "set": {"props": {"tech": "redis"}}})
    assert after["nodes"][0]["props"] == {"tech": "redis"}
    assert validate_board(after) == after


def test_an_update_naming_a_tech_of_another_kind_is_rejected_at_the_tech() -> None:
    doc = board(nodes=[{"id": "db", "kind": "sql_db"}])
    with pytest.raises(BoardError) as caught:
        apply_op(doc, {"action": "update_node", "id": "db", "set": {"props": {"tech": "redis"}}})
    assert caught.value.errors[0]["loc"] == "op.set.props.tech"
    assert caught.value.errors[0]["msg"].startswith("unknown tech 'redis' for kind 'sql_db'")


def test_changing_the_kind_must_drop_a_tech_the_new_kind_does_not_have() -> None:
    doc = board(nodes=[{"id": "c", "kind": "cache", "props": {"tech": "redis"}}])
    with pytest.raises(BoardError) as caught:
        apply_op(doc, {"action": "update_node", "id": "c", "set": {"kind": "sql_db"}})
    assert caught.value.errors[0]["loc"] == "op.set.kind"
    assert "clear props.tech in the same op" in caught.value.errors[0]["msg"]
    after = apply_op(doc, {"action": "update_node", "id": "c", "set": {"kind": "sql_db", "props": {"tech": None}}})
    assert after["nodes"][0] == {"id": "c", "kind": "sql_db", "label": "", "props": {}}
    kept = apply_op(doc, {"action": "update_node", "id": "c", "set": {"kind": "vector_db"}})
    assert kept["nodes"][0]["props"] == {"tech": "redis"}


def test_an_update_rejects_an_unknown_route() -> None:
    with pytest.raises(BoardError) as caught:
        validate_op({"action": "update_edge", "id": "e", "set": {"props": {"route": "wiggly"}}})
    assert caught.value.errors[0]["loc"] == "op.set.props.route"
