"""The layout measures (whiteboard.domain.layout_measures) on hand-made boards with known answers."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests.builders import board, edge, node
from whiteboard.domain.board import validate_board
from whiteboard.domain.layout_measures import PAIRS, Scene, measure

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _board(nodes: list[dict[str, Any]], edges: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    return validate_board(board(nodes, edges or [], **fields))


def test_two_nodes_in_the_same_place_overlap_once() -> None:
    m = measure(_board([node("a", x=0, y=0), node("b", x=10, y=10)]))
    assert m.node_overlaps == 1


def test_nodes_far_apart_do_not_overlap() -> None:
    m = measure(_board([node("a", x=0, y=0), node("b", x=200, y=0), node("c", x=0, y=200)]))
    assert m.node_overlaps == 0


def test_a_node_on_the_label_of_another_overlaps_it() -> None:
    # a's label hangs below its 60 px frame, from y = 37 down; b's frame starts at y = 70 - 30.
    m = measure(_board([node("a", label="A rather long label", x=0, y=0), node("b", x=0, y=70)]))
    assert m.node_overlaps == 1


def test_an_edge_label_beside_a_frame_above_a_wide_node_label_does_not_collide() -> None:
    """The corner right of a node's frame and above its (wider) label is empty on the canvas."""
    doc = _board(
        [node("a", label="People clicking links", x=0, y=0), node("b", x=160, y=0)],
        [edge("e", "a", "b", label="GET")],
    )
    assert measure(doc).label_collisions == 0


def test_two_sibling_groups_whose_frames_overlap_count_once() -> None:
    # Frames reach 28 px past their members: 100 px apart, the nodes clear each other's group.
    doc = _board(
        [node("a", x=0, y=0, group="g"), node("b", x=100, y=0, group="h")],
        groups=[{"id": "g", "label": "G"}, {"id": "h", "label": "H"}],
    )
    m = measure(doc)
    assert (m.group_overlaps, m.strays, m.node_overlaps) == (1, 0, 0)


def test_a_group_inside_another_is_not_an_overlap() -> None:
    doc = _board(
        [node("a", x=0, y=0, group="inner"), node("b", x=300, y=0, group="outer")],
        groups=[{"id": "outer", "label": "Outer"}, {"id": "inner", "label": "Inner", "parent": "outer"}],
    )
    m = measure(doc)
    assert (m.group_overlaps, m.strays) == (0, 0)


def test_a_node_over_a_group_it_is_not_in_is_a_stray() -> None:
    doc = _board(
        [node("a", x=0, y=0, group="g"), node("b", x=200, y=0, group="g"), node("loose", x=100, y=0)],
        groups=[{"id": "g", "label": "G"}],
    )
    assert measure(doc).strays == 1


def test_the_labels_of_two_crossing_edges_meet_in_the_middle() -> None:
    doc = _board(
        [node("a", x=0, y=0), node("b", x=0, y=300), node("c", x=400, y=0), node("d", x=400, y=300)],
        [edge("e1", "a", "d", label="HTTPS"), edge("e2", "b", "c", label="gRPC")],
    )
    m = measure(doc)
    assert (m.label_collisions, m.crossings) == (1, 1)


def test_an_edge_label_on_a_node_between_the_ends_steps_off_it_and_the_edge_still_runs_over_it() -> None:
    doc = _board(
        [node("a", x=0, y=0), node("mid", x=200, y=0), node("b", x=400, y=0)],
        [edge("e", "a", "b", label="HTTPS")],
    )
    m = measure(doc)
    assert (m.label_collisions, m.edges_over_nodes) == (0, 1)
    # Measured where the label would sit without stepping aside, it lies on the node.
    assert Scene(doc, clear_labels=False).measures().label_collisions == 1


def test_an_edge_label_with_no_clear_place_stays_on_the_node_and_collides() -> None:
    # A column of nodes 80 px apart across the line: four steps of 18 px either way stay on one.
    column = [node(f"c{i}", x=200, y=80 * i) for i in range(-3, 4)]
    doc = _board([node("a", x=0, y=0), *column, node("b", x=400, y=0)], [edge("e", "a", "b", label="HTTPS")])
    assert measure(doc).label_collisions == 1


def test_an_edge_label_on_a_group_title_collides() -> None:
    # The title sits inside the top of the group, 24 px below its top edge.
    doc = _board(
        [node("a", x=0, y=-200), node("b", x=0, y=200), node("c", x=0, y=0, group="g")],
        [edge("e", "a", "b", label="a long label for a title")],
        groups=[{"id": "g", "label": "A group with a title"}],
    )
    m = measure(doc)
    assert m.label_collisions >= 1 and m.edges_across_groups == 1


def test_edges_that_share_an_end_never_cross() -> None:
    doc = _board(
        [node("a", x=0, y=0), node("b", x=400, y=-200), node("c", x=400, y=200)],
        [edge("e1", "a", "b"), edge("e2", "a", "c")],
    )
    assert measure(doc).crossings == 0


def test_an_edge_across_a_group_holding_neither_end_counts_but_one_into_it_does_not() -> None:
    doc = _board(
        [node("a", x=0, y=0), node("in", x=300, y=0, group="g"), node("b", x=600, y=0)],
        [edge("e1", "a", "b"), edge("e2", "a", "in")],
        groups=[{"id": "g", "label": "G"}],
    )
    assert measure(doc).edges_across_groups == 1


def test_a_clean_board_measures_zero_everywhere_and_its_aspect_is_width_over_height() -> None:
    doc = _board(
        [node("a", x=0, y=0), node("b", x=300, y=0), node("c", x=600, y=0)],
        [edge("e1", "a", "b", label="HTTPS"), edge("e2", "b", "c", label="SQL")],
    )
    m = measure(doc)
    assert [getattr(m, name) for name in PAIRS] == [0] * len(PAIRS)
    assert m.aspect == pytest.approx(m.width / m.height)
    assert m.width > 600 and m.height < 200


@pytest.mark.parametrize("name", ["multi_agent_squad", "payment_system"])
def test_the_scene_counts_the_effect_of_a_move_as_measuring_the_whole_board_again(name: str) -> None:
    doc = json.loads((FIXTURES / f"{name}.json").read_text())
    scene = Scene(doc, clear_labels=False)
    rng = random.Random(7)
    ids = sorted(scene.nodes)
    groups = {g["id"]: [n["id"] for n in doc["nodes"] if n.get("group") == g["id"]] for g in doc["groups"]}
    whole = scene.measures()
    for _ in range(25):
        mover = rng.choice([[rng.choice(ids)], rng.sample(ids, 3), groups[rng.choice(sorted(groups))] or ids[:1]])
        dx, dy = rng.choice([-60, -20, 20, 80]), rng.choice([-100, 0, 40])
        before = scene.tally(mover)
        scene.move(mover, dx, dy)
        after = scene.tally(mover)
        again = scene.measures()
        for name_ in PAIRS:
            assert after[name_] - before[name_] == getattr(again, name_) - getattr(whole, name_), name_
        whole = again


def test_undoing_a_move_puts_the_scene_back() -> None:
    doc = json.loads((FIXTURES / "ride_hailing.json").read_text())
    scene = Scene(doc, clear_labels=False)
    before = scene.measures()
    undo = scene.move([n["id"] for n in doc["nodes"][:5]], 140, -60)
    assert scene.measures() != before
    undo()
    assert scene.measures() == before


def test_a_moved_scene_measures_as_the_board_with_those_positions() -> None:
    doc = json.loads((FIXTURES / "video_platform.json").read_text())
    scene = Scene(doc, clear_labels=False)
    moved = [n["id"] for n in doc["nodes"] if n.get("group") == doc["groups"][0]["id"]]
    scene.move(moved, -40, 120)
    for n in doc["nodes"]:
        if n["id"] in moved:
            n["x"], n["y"] = n["x"] - 40, n["y"] + 120
    assert scene.measures() == Scene(doc, clear_labels=False).measures()
