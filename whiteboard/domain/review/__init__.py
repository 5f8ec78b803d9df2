"""The review engine (SPEC section 3): the rule registry, the board graph and `review_board`.

`graph` reads a board into integer-indexed arrays and holds the graph algorithms the rules share;
`registry` keeps the rules; `rules/` holds them, one module per category (structure, data,
messaging, ai, ops, capacity); `engine` runs them and applies the board's suppressions.
"""

from __future__ import annotations

from whiteboard.domain.graphs import strongly_connected_components
from whiteboard.domain.review import rules as _rules  # noqa: F401  (registers every rule)
from whiteboard.domain.review.engine import compare_findings, fails, finding_key, review_board
from whiteboard.domain.review.graph import BoardGraph, articulation_points, immediate_dominators
from whiteboard.domain.review.registry import RULES, SEVERITIES, Finding, Rule, rule_docs, rule_title

__all__ = [
    "RULES",
    "SEVERITIES",
    "BoardGraph",
    "Finding",
    "Rule",
    "articulation_points",
    "compare_findings",
    "fails",
    "finding_key",
    "immediate_dominators",
    "review_board",
    "rule_docs",
    "rule_title",
    "strongly_connected_components",
]
