"""Running a review (SPEC section 3): every rule on a board, suppressions, the findings document."""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from whiteboard.domain.board import without_notes
from whiteboard.domain.review.graph import BoardGraph
from whiteboard.domain.review.registry import RULES, SEVERITIES, SEVERITY_RANK


class _CollectorPause:
    """Keeps Python's cyclic garbage collector off while at least one review runs.

    A review creates no reference cycles (refcounting frees all of it), but on a large board it
    allocates enough objects to set off collections, including full ones that scan every object
    in the process: the review's, and every board, page and module held in memory. On a board of
    10,000 nodes that was a third of the time of a review. Concurrent reviews share one pause,
    and the collector's previous state comes back when the last of them ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if not self._active:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._active += 1

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._lock:
            self._active -= 1
            if not self._active and self._was_enabled:
                gc.enable()


_collector_paused = _CollectorPause()


def review_board(doc: dict[str, Any], *, version: int | None = None) -> dict[str, Any]:
    """Run every rule on a validated board and return the findings document (SPEC section 3).

    Findings are ordered by severity, rule id, nodes and edges. A suppression that names an
    unknown rule, or a target that is no node or edge of the board, becomes an entry of a
    top-level `warnings` list (present only when there is something to say). Notes, and the
    annotation arrows to and from them, are not part of the reviewed graph (`without_notes`).
    """
    with _collector_paused:
        return _review(doc, version)


def _review(doc: dict[str, Any], version: int | None) -> dict[str, Any]:
    graph = BoardGraph(without_notes(doc))
    suppressions, warnings = _read_suppressions(doc, graph)
    summary = dict.fromkeys(SEVERITIES, 0)
    findings: list[dict[str, Any]] = []
    for r in sorted(RULES.values(), key=lambda r: (SEVERITY_RANK[r.severity], r.id)):
        rows = sorted(((sorted(f.nodes), sorted(f.edges), f) for f in r.check(graph)), key=lambda row: (row[0], row[1]))
        rule_suppressions = suppressions.get(r.id)
        for nodes, edges, f in rows:
            item: dict[str, Any] = {
                "rule": r.id,
                "severity": r.severity,
                "nodes": nodes,
                "edges": edges,
                "message": f.message,
                "hint": f.hint or r.hint,
                "suppressed": False,
            }
            reason = _suppression_for(rule_suppressions, nodes, edges)
            if reason is None:
                summary[r.severity] += 1
            else:
                item["suppressed"] = True
                item["reason"] = reason
            findings.append(item)
    result: dict[str, Any] = {
        "board": graph.name,
        "version": version,
        "findings": findings,
        "summary": summary,
    }
    if warnings:
        result["warnings"] = warnings
    return result


@dataclass
class _RuleSuppressions:
    whole: tuple[int, str] | None  # (position in the document, reason)
    targets: dict[str, tuple[int, str]]


def _read_suppressions(
    doc: dict[str, Any], graph: BoardGraph
) -> tuple[dict[str, _RuleSuppressions], list[dict[str, str]]]:
    review = doc.get("review") or {}
    entries = (review.get("suppress") or []) if isinstance(review, dict) else []
    by_rule: dict[str, _RuleSuppressions] = {}
    warnings: list[dict[str, str]] = []
    edge_ids: set[str] | None = None
    for position, entry in enumerate(entries):
        loc = f"review.suppress[{position}]"
        rule_id = entry.get("rule")
        if rule_id not in RULES:
            warnings.append({"loc": f"{loc}.rule", "msg": f"unknown rule {rule_id!r}: this suppression has no effect"})
            continue
        reason = entry.get("reason") or ""
        target = entry.get("target")
        rs = by_rule.setdefault(rule_id, _RuleSuppressions(None, {}))
        if target is None:
            if rs.whole is None:
                rs.whole = (position, reason)
            continue
        if edge_ids is None:
            edge_ids = {edge["id"] for edge in doc["edges"]}
        if target not in graph.index and target not in edge_ids:
            warnings.append(
                {
                    "loc": f"{loc}.target",
                    "msg": f"no node or edge {target!r} on this board: nothing to suppress",
                }
            )
        rs.targets.setdefault(target, (position, reason))
    return by_rule, warnings


def _suppression_for(rs: _RuleSuppressions | None, nodes: list[str], edges: list[str]) -> str | None:
    if rs is None:
        return None
    best = rs.whole
    if rs.targets:
        for element in (*nodes, *edges):
            hit = rs.targets.get(element)
            if hit is not None and (best is None or hit[0] < best[0]):
                best = hit
    return None if best is None else best[1]


def fails(review: dict[str, Any], fail_on: str) -> int:
    """How many unsuppressed findings are at or above severity `fail_on`."""
    threshold = SEVERITY_RANK[fail_on]
    return sum(count for sev, count in review["summary"].items() if SEVERITY_RANK[sev] <= threshold)
