"""Running a review (SPEC section 3): every rule and policy on a board, the board's rule settings
and suppressions, the findings document; and comparing two reviews' findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from typing import Any

from whiteboard.domain.board import without_notes
from whiteboard.domain.jsontext import child_loc
from whiteboard.domain.review.graph import BoardGraph
from whiteboard.domain.review.policies import check_policy, read_policies, selector_warnings
from whiteboard.domain.review.registry import RULES, SEVERITIES, SEVERITY_RANK, Finding


def review_board(doc: dict[str, Any], *, version: int | None = None) -> dict[str, Any]:
    """Run every rule and the board's policies on a validated board and return the findings
    document (SPEC section 3).

    Findings are ordered by severity, rule id, nodes and edges. A suppression or rule setting that
    names an unknown rule, a suppression target that is no node or edge of the board, and a policy
    selector that can match nothing become entries of a top-level `warnings` list (present only
    when there is something to say). Notes, and the annotation arrows to and from them, are not
    part of the reviewed graph (`without_notes`).
    """
    graph = BoardGraph(without_notes(doc))
    review = doc.get("review") or {}
    policies = read_policies(review)
    known = set(RULES).union(p.rule_id for p in policies)
    suppressions, warnings = _read_suppressions(review, doc, graph, known)
    settings = _read_settings(review, known, warnings)
    for policy in policies:
        warnings += selector_warnings(graph, policy)
    checks: list[_Check] = [_Check(r.id, r.severity, r.hint, partial(r.check, graph)) for r in RULES.values()]
    checks += [_Check(p.rule_id, p.severity, "", partial(check_policy, graph, p)) for p in policies]
    runs = [(settings.get(c.rule_id, c.severity), c) for c in checks if settings.get(c.rule_id) != "off"]
    summary = dict.fromkeys(SEVERITIES, 0)
    findings: list[dict[str, Any]] = []
    for severity, c in sorted(runs, key=lambda run: (SEVERITY_RANK[run[0]], run[1].rule_id)):
        rows = [(_sorted(f.nodes), _sorted(f.edges), f) for f in c.findings()]
        rows.sort(key=_ELEMENTS)
        rule_suppressions = suppressions.get(c.rule_id)
        rule_id, default_hint = c.rule_id, c.hint
        counted = 0
        for nodes, edges, f in rows:
            item: dict[str, Any] = {
                "rule": rule_id,
                "severity": severity,
                "nodes": nodes,
                "edges": edges,
                "message": f.message,
                "hint": f.hint or default_hint,
                "suppressed": False,
            }
            reason = None if rule_suppressions is None else _suppression_for(rule_suppressions, nodes, edges)
            if reason is None:
                counted += 1
            else:
                item["suppressed"] = True
                item["reason"] = reason
            findings.append(item)
        summary[severity] += counted
    result: dict[str, Any] = {
        "board": graph.name,
        "version": version,
        "findings": findings,
        "summary": summary,
    }
    if warnings:
        result["warnings"] = warnings
    return result


_ELEMENTS = itemgetter(0, 1)


def _sorted(ids: Sequence[str]) -> list[str]:
    # Most findings name one element: a copy is all the sorting it needs.
    return sorted(ids) if len(ids) > 1 else list(ids)


@dataclass(frozen=True)
class _Check:
    """A registered rule or a board policy, ready to run on this board's graph."""

    rule_id: str
    severity: str
    hint: str
    findings: Callable[[], Iterable[Finding]]


def _read_settings(review: dict[str, Any], known: set[str], warnings: list[dict[str, str]]) -> dict[str, str]:
    """`review.rules`: each known rule's setting ("off" or a severity); unknown ids become warnings."""
    settings: dict[str, str] = {}
    for rule_id, setting in (review.get("rules") or {}).items():
        if rule_id in known:
            settings[rule_id] = setting
        else:
            warnings.append(
                {
                    "loc": child_loc("review.rules", rule_id),
                    "msg": f"unknown rule {rule_id!r}: this setting has no effect",
                }
            )
    return settings


@dataclass
class _RuleSuppressions:
    whole: tuple[int, str] | None  # (position in the document, reason)
    targets: dict[str, tuple[int, str]]


def _read_suppressions(
    review: dict[str, Any], doc: dict[str, Any], graph: BoardGraph, known: set[str]
) -> tuple[dict[str, _RuleSuppressions], list[dict[str, str]]]:
    entries = review.get("suppress") or []
    by_rule: dict[str, _RuleSuppressions] = {}
    warnings: list[dict[str, str]] = []
    edge_ids: set[str] | None = None
    for position, entry in enumerate(entries):
        loc = f"review.suppress[{position}]"
        rule_id = entry.get("rule")
        if rule_id not in known:
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


def _suppression_for(rs: _RuleSuppressions, nodes: list[str], edges: list[str]) -> str | None:
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


def finding_key(finding: dict[str, Any]) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """What identifies a finding across versions: its rule and the elements it names, not its
    message (which quotes labels), so relabelling a node does not make its findings new."""
    return finding["rule"], tuple(finding["nodes"]), tuple(finding["edges"])


def compare_findings(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """How the findings changed from one review to another, each list in the order of its review:
    `new` (in `after` only), `fixed` (in `before` only, as they were), `suppressed` and
    `unsuppressed` (in both, with the suppression changed; as they are in `after`)."""
    old = {finding_key(f): f for f in before}
    now = {finding_key(f): f for f in after}
    return {
        "new": [f for k, f in now.items() if k not in old],
        "fixed": [f for k, f in old.items() if k not in now],
        "suppressed": [f for k, f in now.items() if k in old and f["suppressed"] and not old[k]["suppressed"]],
        "unsuppressed": [f for k, f in now.items() if k in old and not f["suppressed"] and old[k]["suppressed"]],
    }
