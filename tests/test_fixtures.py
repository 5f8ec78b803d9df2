"""The demo boards shipped in fixtures/ are valid board documents, stored in normal form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from whiteboard.domain.board import validate_board
from whiteboard.domain.layout_measures import measure

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BOARD_FILES = sorted(FIXTURES.glob("*.json"))


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_demo_boards_include_the_multi_agent_squad() -> None:
    assert FIXTURES / "multi_agent_squad.json" in BOARD_FILES


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_every_demo_board_validates(path: Path) -> None:
    validate_board(_load(path))


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_every_demo_board_is_stored_exactly_as_validation_normalises_it(path: Path) -> None:
    doc = _load(path)
    assert validate_board(doc) == doc


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_every_demo_board_is_written_with_two_space_indentation(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_every_demo_board_is_drawn_with_no_overlap_and_at_most_two_label_collisions(path: Path) -> None:
    """As stored: after editing a demo board, `manage.py relayout FILE --write` lays it out again."""
    m = measure(_load(path))
    assert (m.node_overlaps, m.group_overlaps, m.strays) == (0, 0, 0)
    assert m.label_collisions <= 2


def test_the_squad_board_has_an_orchestrator_delegating_to_three_agents_through_a_queue() -> None:
    doc = _load(FIXTURES / "multi_agent_squad.json")
    kind = {node["id"]: node["kind"] for node in doc["nodes"]}
    targets: dict[str, set[str]] = {}
    for edge in doc["edges"]:
        targets.setdefault(edge["source"], set()).add(edge["target"])
    delegated = {
        orchestrator: {
            agent
            for queue in targets.get(orchestrator, set())
            if kind[queue] == "queue"
            for agent in targets.get(queue, set())
            if kind[agent] == "agent"
        }
        for orchestrator in kind
        if kind[orchestrator] == "orchestrator"
    }
    assert any(len(agents) >= 3 for agents in delegated.values()), delegated
