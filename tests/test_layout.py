"""The auto-layout (whiteboard.domain.layout), judged by the layout measures on the canvas geometry."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from tests.builders import board, edge, node
from whiteboard.domain.board import validate_board
from whiteboard.domain.drawn import plan_board
from whiteboard.domain.layout import GRID, layout_board
from whiteboard.domain.layout_measures import measure

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEMO_BOARDS = sorted(FIXTURES.glob("*.json"))
MAIN = {"LR": (0, 1), "RL": (0, -1), "TB": (1, 1), "BT": (1, -1)}  # axis and sign of the flow


def _laid_out(doc: dict[str, Any]) -> dict[str, Any]:
    positions = layout_board(doc)
    return {**doc, "nodes": [{**n, **positions[n["id"]]} for n in doc["nodes"]]}


def _nested_board(direction: str = "LR") -> dict[str, Any]:
    """Clients -> edge -> an app group holding a service and a nested data group -> a sink."""
    return validate_board(
        board(
            [
                node("web", "browser", label="Web app", group="clients"),
                node("phone", "mobile", label="Phone app", group="clients"),
                node("lb", "load_balancer", label="Load balancer", group="edge"),
                node("gw", "api_gateway", label="API gateway", group="edge"),
                node("auth", "auth", label="Auth", group="edge"),
                node("api", "service", label="Orders service", group="app"),
                node("worker", "worker", label="Fulfilment worker", group="app"),
                node("db", "sql_db", label="Orders DB", group="data"),
                node("cache", "cache", label="Cache", group="data"),
                node("q", "queue", label="Jobs", group="app"),
                node("mail", "external_system", label="Mail provider"),
                node("note", "note", label="Orders are kept 7 years", group="app"),
            ],
            [
                edge("e1", "web", "lb", label="HTTPS"),
                edge("e2", "phone", "lb", label="HTTPS"),
                edge("e3", "lb", "gw", label="Forward"),
                edge("e4", "gw", "auth", label="Verify token"),
                edge("e5", "gw", "api", label="REST"),
                edge("e6", "api", "db", label="SQL"),
                edge("e7", "api", "cache", label="Read-through"),
                edge("e8", "api", "q", label="Enqueue"),
                edge("e9", "q", "worker", label="Jobs"),
                edge("e10", "worker", "mail", label="Send mail"),
            ],
            direction=direction,
            groups=[
                {"id": "clients", "label": "Clients"},
                {"id": "edge", "label": "Edge"},
                {"id": "app", "label": "Application"},
                {"id": "data", "label": "Data", "parent": "app"},
            ],
        )
    )


def _tiers(count: int) -> dict[str, Any]:
    """`count` nodes in five grouped tiers, each node calling one or two in the next tier."""
    kinds = ["browser", "api_gateway", "service", "queue", "sql_db"]
    nodes = [node(f"n{i}", kinds[i % 5], label=f"{kinds[i % 5]} {i}", group=f"tier{i % 5}") for i in range(count)]
    edges = []
    for i in range(count):
        if i % 5 < 4:
            for j in (i + 1, i + 6):
                if j < count and j % 5 == i % 5 + 1:
                    edges.append(edge(f"e{len(edges)}", f"n{i}", f"n{j}", label="CALL"))
    groups = [{"id": f"tier{k}", "label": f"Tier {k}"} for k in range(5)]
    return validate_board(board(nodes, edges, groups=groups))


@pytest.mark.parametrize("path", DEMO_BOARDS, ids=lambda p: p.stem)
def test_every_demo_board_lays_out_with_no_overlap_and_at_most_two_label_collisions(path: Path) -> None:
    m = measure(_laid_out(json.loads(path.read_text())))
    assert (m.node_overlaps, m.group_overlaps, m.strays) == (0, 0, 0)
    assert m.label_collisions <= 2
    assert 1 / 3 < m.aspect < 3  # a page, not a strip


def test_every_node_gets_a_position_on_the_editors_grid() -> None:
    doc = _nested_board()
    positions = layout_board(doc)
    assert set(positions) == {n["id"] for n in doc["nodes"]}
    assert all(p["x"] % GRID == 0 and p["y"] % GRID == 0 for p in positions.values())


def test_each_group_frames_its_members_and_nothing_else() -> None:
    plan = plan_board(_laid_out(_nested_board()))
    groups = {g.id: g for g in plan.groups}
    parents = {g.id: g.parent for g in plan.groups}
    for n in plan.nodes:
        chain, gid = set(), n.group
        while gid is not None:
            chain.add(gid)
            gid = parents[gid]
        for g in groups.values():
            x1, y1, x2, y2 = n.bbox
            gx1, gy1, gx2, gy2 = g.box
            inside = gx1 <= x1 and gy1 <= y1 and x2 <= gx2 and y2 <= gy2
            apart = x2 <= gx1 or gx2 <= x1 or y2 <= gy1 or gy2 <= y1
            assert inside if g.id in chain else apart, (n.id, g.id)


@pytest.mark.parametrize("direction", list(MAIN))
def test_edges_flow_in_the_boards_direction_and_sources_come_before_sinks(direction: str) -> None:
    doc = _nested_board(direction)
    positions = layout_board(doc)
    axis, sign = MAIN[direction]
    at = {nid: sign * (p["x"], p["y"])[axis] for nid, p in positions.items()}
    for e in doc["edges"]:
        assert at[e["target"]] >= at[e["source"]], e["id"]
    # Every source is strictly upstream of every sink (a node beside its only caller may share
    # its place along the flow, never a whole chain).
    assert max(at["web"], at["phone"]) < min(at["mail"], at["auth"], at["db"], at["cache"])


def test_the_same_board_always_gets_the_same_positions_wherever_its_nodes_were() -> None:
    doc = json.loads((FIXTURES / "multi_agent_squad.json").read_text())
    moved = copy.deepcopy(doc)
    for n in moved["nodes"]:
        n["x"], n["y"] = -n["y"], n["x"] * 3
    assert layout_board(doc) == layout_board(copy.deepcopy(doc)) == layout_board(moved)


def test_hostile_ids_and_labels_lay_out_like_any_other() -> None:
    """The layout builds no DOT or markup: ids that are DOT keywords or punctuation and labels
    that would break out of a DOT string are just text to measure."""
    ids = ["graph", "subgraph", "node", "edge", "cluster_x", "a:b", "-", "x--y", "n.1", "_"]
    labels = ['"]; digraph x {', "<b>bold</b>", "a\\nb\\\\", "\u202eevil", "label " * 30, ""]
    nodes = [
        node(i, "service", label=labels[k % len(labels)], group="g" if k % 2 else "cluster") for k, i in enumerate(ids)
    ]
    edges = [edge(f"e{k}", a, b, label=labels[k % len(labels)]) for k, (a, b) in enumerate(itertools.pairwise(ids))]
    doc = validate_board(
        board(nodes, edges, groups=[{"id": "g", "label": "} subgraph {"}, {"id": "cluster", "label": "<i>"}])
    )
    m = measure(_laid_out(doc))
    assert (m.node_overlaps, m.group_overlaps, m.strays) == (0, 0, 0)


def test_a_board_of_two_hundred_nodes_in_groups_lays_out_with_no_overlap() -> None:
    m = measure(_laid_out(_tiers(200)))
    assert (m.node_overlaps, m.group_overlaps, m.strays) == (0, 0, 0)
    assert 1 / 3 < m.aspect < 3


def test_a_note_in_a_group_moves_with_its_group() -> None:
    plan = plan_board(_laid_out(_nested_board()))
    note = next(n for n in plan.nodes if n.id == "note")
    app = next(g for g in plan.groups if g.id == "app")
    assert app.box[0] <= note.box[0] and note.box[2] <= app.box[2]


def test_an_empty_board_has_no_positions() -> None:
    assert layout_board(validate_board(board([], []))) == {}


@pytest.mark.parametrize(
    ("nodes", "edges"),
    [
        ([node("a")], []),
        ([node("a"), node("b")], [edge("e1", "a", "b")]),
        ([node("a"), node("b"), node("c", "sql_db")], [edge("e1", "a", "b"), edge("e2", "b", "c")]),
    ],
    ids=["one node", "two nodes", "a chain"],
)
def test_a_board_whose_edges_carry_no_label_is_laid_out(nodes: list[Any], edges: list[Any]) -> None:
    # The tidy step looked for labels to clear and failed on a board with none: a new board's
    # auto-layout answered a 500.
    positions = layout_board(validate_board(board(nodes, edges)))
    assert set(positions) == {n["id"] for n in nodes}
    assert len({(p["x"], p["y"]) for p in positions.values()}) == len(nodes)
