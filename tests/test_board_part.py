"""A part of a board (`?only=`, `render --only`): the selection exported alone, so a subsystem
reads at a page's width where the whole board cannot."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.builders import board, edge, node
from whiteboard.boards.models import Board
from whiteboard.domain.board import BoardError, board_part, validate_board

FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures").glob("*.json"))


def nested() -> dict[str, Any]:
    """Groups three deep (outer > mid > inner) and a sibling, with edges across them."""
    return validate_board(
        board(
            [
                node("users", "user", x=0, y=0),
                node("gw", "api_gateway", group="outer", x=200, y=0),
                node("svc", "service", group="mid", x=400, y=0),
                node("db", "sql_db", group="inner", x=600, y=0),
                node("cache", "cache", group="side", x=400, y=200),
                node("hint", "note", label="why", x=600, y=200),
            ],
            [
                edge("e1", "users", "gw"),
                edge("e2", "gw", "svc"),
                edge("e3", "svc", "db"),
                edge("e4", "svc", "cache"),
                edge("e5", "hint", "db"),
            ],
            groups=[
                {"id": "outer", "label": "Outer"},
                {"id": "mid", "label": "Mid", "parent": "outer"},
                {"id": "inner", "label": "Inner", "parent": "mid"},
                {"id": "side", "label": "Side"},
            ],
            name="Nested",
            direction="TB",
            review={"suppress": [{"rule": "unreplicated-datastore", "target": "db", "reason": "dev only"}]},
        )
    )


def ids(doc: dict[str, Any], section: str) -> list[str]:
    return [element["id"] for element in doc[section]]


def test_a_group_brings_everything_inside_it_and_the_groups_around_it() -> None:
    part = board_part(nested(), "mid")
    assert ids(part, "nodes") == ["svc", "db"]
    assert ids(part, "edges") == ["e3"]  # only the edges between kept nodes
    # Its subgroup comes with it, its parent so that nothing names a missing group.
    assert ids(part, "groups") == ["outer", "mid", "inner"]
    assert validate_board(part) == part


def test_a_node_brings_its_groups_and_an_edge_its_two_ends() -> None:
    part = board_part(nested(), "db, e4")
    assert ids(part, "nodes") == ["svc", "db", "cache"]  # in the board's order, not the query's
    assert ids(part, "edges") == ["e3", "e4"]
    assert ids(part, "groups") == ["outer", "mid", "inner", "side"]
    assert validate_board(part) == part


def test_the_part_keeps_the_boards_own_settings_and_leaves_the_board_alone() -> None:
    doc = nested()
    before = json.dumps(doc, sort_keys=True)
    part = board_part(doc, "hint,db,db")
    assert ids(part, "nodes") == ["db", "hint"] and ids(part, "edges") == ["e5"]
    assert (part["name"], part["direction"], part["review"]) == (doc["name"], doc["direction"], doc["review"])
    assert json.dumps(doc, sort_keys=True) == before


def test_one_group_alone_is_titled_by_the_board_and_the_group() -> None:
    doc = nested()
    assert board_part(doc, "mid")["name"] == "Nested · Mid"
    assert board_part(doc, "mid,mid")["name"] == "Nested · Mid"
    assert board_part(doc, "mid,side")["name"] == "Nested"  # several elements: the board's name
    assert board_part({**doc, "name": ""}, "side")["name"] == "Side"
    long = board_part({**doc, "name": "N" * 200}, "mid")
    assert long["name"] == "N" * 200 and validate_board(long) == long


@pytest.mark.parametrize(
    ("only", "message"),
    [
        ("", "name at least one element"),
        (" , ,", "name at least one element"),
        ("gw,nowhere", "no element 'nowhere' on this board"),
        ("x" * 5000, "no element '" + "x" * 64 + "' on this board"),
    ],
)
def test_a_part_naming_nothing_or_an_unknown_id_is_refused_with_its_place(only: str, message: str) -> None:
    with pytest.raises(BoardError) as caught:
        board_part(nested(), only)
    [error] = caught.value.errors
    assert error["loc"] == "only" and error["msg"].startswith(message)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_every_group_of_every_demo_board_is_a_valid_board_of_its_own(fixture: Path) -> None:
    doc = validate_board(json.loads(fixture.read_text()))
    for group in doc["groups"]:
        part = board_part(doc, group["id"])
        assert validate_board(part) == part
        assert part["nodes"], group["id"]
        kept = set(ids(part, "nodes"))
        assert all(e["source"] in kept and e["target"] in kept for e in part["edges"])


@pytest.mark.django_db
def test_the_api_exports_the_part_and_names_a_bad_id(board: Board, viewer_api: Any, owner_api: Any) -> None:
    board.document = nested()
    board.save()
    svg = viewer_api.get(f"/api/boards/{board.pk}/export.svg?layout=drawn&only=mid")
    assert svg.status_code == 200
    drawn = {g.get("data-id") for g in ET.fromstring(svg.content).iter() if g.get("data-type")}
    assert drawn == {"svc", "db", "e3", "outer", "mid", "inner"}
    exported = viewer_api.get(f"/api/boards/{board.pk}/export.json?only=e4").json()
    assert ids(exported, "nodes") == ["svc", "cache"]

    bad = viewer_api.get(f"/api/boards/{board.pk}/export.png?only=mid,ghost")
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"loc": "only", "msg": "no element 'ghost' on this board"}]
    # Nothing about the stored board changed.
    board.refresh_from_db()
    assert board.document == nested()

    rendered = owner_api.post("/api/render?format=svg&only=side", nested())
    assert rendered.status_code == 200
    assert {g.get("data-id") for g in ET.fromstring(rendered.content).iter() if g.get("data-type")} == {
        "cache",
        "side",
    }


def test_the_cli_renders_the_part_and_refuses_a_bad_id(tmp_path: Path) -> None:
    source = tmp_path / "board.json"
    source.write_text(json.dumps(nested()))
    out = tmp_path / "part.json"
    call_command("render", str(source), "-o", str(out), "--only", "inner")
    assert ids(json.loads(out.read_text()), "nodes") == ["db"]
    with pytest.raises(CommandError, match="only: no element 'ghost' on this board") as caught:
        call_command("render", str(source), "-o", str(tmp_path / "x.png"), "--only", "ghost")
    assert caught.value.returncode == 2
    assert not (tmp_path / "x.png").exists()


def test_a_demo_subsystem_reads_at_800_px_where_its_board_does_not() -> None:
    """What the part is for: the squad board at 800 px is too small to read; its agent squad
    alone is not."""
    from whiteboard.domain.drawn import MIN_TEXT_PX
    from whiteboard.rendering import Picture, render_board

    doc = validate_board(json.loads((FIXTURES[0].parent / "multi_agent_squad.json").read_text()))

    def text_px(d: dict[str, Any]) -> float:
        svg = render_board(d, fmt="svg", scale=1.0, picture=Picture(layout="drawn", width=800), budget=None)
        return float(ET.fromstring(svg.content).get("data-smallest-text-px", "nan"))

    assert text_px(doc) < MIN_TEXT_PX <= text_px(board_part(doc, "squad"))
