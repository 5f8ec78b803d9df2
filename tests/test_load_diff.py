"""domain.load_diff: what a change did to the load estimate, from the one model."""

from __future__ import annotations

from typing import Any

from tests.builders import board, edge, node
from whiteboard.domain.board import validate_board
from whiteboard.domain.estimate import estimate_board
from whiteboard.domain.load_diff import load_change


def _shop(replicas: int = 1, rps: float = 10) -> dict[str, Any]:
    return validate_board(
        board(
            [
                node("people", "user", label="Shoppers", props={"rps": rps}),
                node("api", "service", label="", props={"replicas": replicas, "latency_ms": 100, "concurrency": 2}),
                node("db", "sql_db", label="Orders DB"),
            ],
            [edge("e1", "people", "api"), edge("e2", "api", "db")],
        )
    )


def test_it_gives_the_figures_of_the_model_on_both_sides() -> None:
    before, after = _shop(replicas=1), _shop(replicas=2)
    change = load_change(before, after)
    assert change is not None
    old, new = estimate_board(before), estimate_board(after)
    assert change["clients"] == [
        {
            "id": "people",
            "label": "Shoppers",
            "before": old["entries"][0]["p99_ms"],
            "after": new["entries"][0]["p99_ms"],
            "in_before": True,
            "in_after": True,
            "slo_p99_ms": None,
        }
    ]
    api = change["nodes"][0]
    assert (api["id"], api["label"], api["before"], api["after"]) == ("api", "Service", 0.5, 0.25)
    assert [row["id"] for row in change["nodes"]] == ["api"]  # nothing else moved
    assert change["bottleneck"] == {"before": "Service", "after": "Service"}
    assert change["max_scale"] == {"before": old["max_scale"], "after": new["max_scale"]}


def test_it_puts_the_largest_moves_first_and_keeps_a_few() -> None:
    change = load_change(_shop(rps=1), _shop(rps=15), most=1)
    assert change is not None
    assert [row["id"] for row in change["nodes"]] == ["api"]
    assert change["nodes"][0]["after"] == 0.75


def test_a_node_over_capacity_has_no_p99_and_a_new_node_has_no_before() -> None:
    before = _shop()
    after = _shop(rps=30)
    after["nodes"].append({**after["nodes"][2], "id": "db2", "label": "Replica"})
    after["edges"].append({"id": "e3", "source": "api", "target": "db2", "label": "", "props": {}})
    change = load_change(before, validate_board(after))
    assert change is not None
    assert change["clients"][0]["after"] is None  # the API is 150 % busy
    rows = {row["id"]: row for row in change["nodes"]}
    assert rows["api"]["after"] == 1.5
    assert rows["db2"]["before"] is None and rows["db2"]["after"] > 0


def test_it_is_none_when_no_client_has_load() -> None:
    assert load_change(_shop(rps=0), _shop(rps=0, replicas=3)) is None
