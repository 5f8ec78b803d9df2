"""Every export of a board imports back to an equal graph (SPEC 9), on random boards.

Equal means the same nodes (kind, technology, label, group, replicas), the same edges between
them (label, protocol, asynchrony, parallel edges counted) and the same groups; ids may differ.
The `.py` export leaves notes out, as the auto picture does, so its graph is compared without
them. Kubernetes manifests are an export only.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from tests.format_boards import boards, graph
from whiteboard.domain.formats import export_text, import_board
from whiteboard.domain.pyexport import board_to_python

ROUND_TRIPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_same_graph(doc: dict[str, Any], text: str, fmt: str, *, notes: bool = True) -> dict[str, Any]:
    result = import_board(text, fmt=fmt)
    assert graph(result.board, notes=notes) == graph(doc, notes=notes)
    assert result.warnings == [], result.warnings
    return result.board


@ROUND_TRIPS
@given(boards())
def test_a_diagrams_script_export_imports_back_to_the_same_graph_without_notes(doc: dict[str, Any]) -> None:
    back = assert_same_graph(doc, board_to_python(doc), "diagrams", notes=False)
    assert back["direction"] == doc["direction"]


@ROUND_TRIPS
@given(boards())
def test_a_mermaid_architecture_export_imports_back_to_the_same_graph(doc: dict[str, Any]) -> None:
    back = assert_same_graph(doc, export_text(doc, "mmd"), "mermaid")
    assert back["name"] == doc["name"] and back["direction"] == doc["direction"]


@ROUND_TRIPS
@given(boards())
def test_a_mermaid_flowchart_export_imports_back_to_the_same_graph(doc: dict[str, Any]) -> None:
    assert_same_graph(doc, export_text(doc, "mmd", syntax="flowchart"), "mermaid")


@ROUND_TRIPS
@given(boards())
def test_a_drawio_export_imports_back_to_the_same_graph_and_positions(doc: dict[str, Any]) -> None:
    back = assert_same_graph(doc, export_text(doc, "drawio"), "drawio")
    if all("x" in n for n in doc["nodes"]):
        before = sorted((n["label"], n["x"], n["y"]) for n in doc["nodes"])
        after = sorted((n["label"], n["x"], n["y"]) for n in back["nodes"])
        assert before == after


@ROUND_TRIPS
@given(boards())
def test_a_compose_export_imports_back_to_the_same_graph(doc: dict[str, Any]) -> None:
    assert_same_graph(doc, export_text(doc, "compose.yaml"), "compose")
