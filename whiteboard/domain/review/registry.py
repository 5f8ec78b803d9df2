"""The rule registry: every rule's id, severity, category, title, documentation and check.

Every rule is one decorated function from a `BoardGraph` to findings; its docstring is the rule's
documentation (three paragraphs: "Why it matters:", "How to fix:", "Example:"), served on the
rule's page and in the SARIF output. The rule modules (`review/rules/`) register themselves on
import, one module per category.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from whiteboard.domain.board import POLICY_PREFIX
from whiteboard.domain.review.graph import BoardGraph

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


class Finding(NamedTuple):
    """What a rule reports; the engine adds the rule id and severity, and sorts the id lists.

    A named tuple: a large board has thousands of findings, and a frozen dataclass's constructor
    (an `object.__setattr__` per field) costs several times a tuple's."""

    nodes: Sequence[str]
    edges: Sequence[str] = ()
    message: str = ""
    hint: str | None = None


Check = Callable[[BoardGraph], Iterable[Finding]]

_SECTION_RE = re.compile(r"^(Why it matters|How to fix|Example):\s*", re.MULTILINE)


CATEGORIES = ("structure", "data", "messaging", "ai", "ops", "capacity")


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    category: str
    title: str
    hint: str
    doc: str
    check: Check
    core: bool
    # Published risk lists the rule checks for (e.g. "OWASP LLM06:2025 Excessive Agency").
    references: tuple[str, ...] = ()

    @property
    def sections(self) -> dict[str, str]:
        """The documentation split into "why", "fix" and "example"."""
        names = {"Why it matters": "why", "How to fix": "fix", "Example": "example"}
        parts = _SECTION_RE.split(self.doc)
        return {names[parts[i]]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


RULES: dict[str, Rule] = {}


class RuleDecorator(Protocol):
    def __call__(
        self,
        rule_id: str,
        *,
        severity: str,
        title: str,
        hint: str,
        core: bool = False,
        references: tuple[str, ...] = (),
    ) -> Callable[[Check], Check]: ...


def rules_of(category: str) -> RuleDecorator:
    """The `@rule(...)` decorator of one rule module: it registers rules in `category`."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown rule category {category!r}")

    def rule(
        rule_id: str,
        *,
        severity: str,
        title: str,
        hint: str,
        core: bool = False,
        references: tuple[str, ...] = (),
    ) -> Callable[[Check], Check]:
        """Register a rule; the decorated function's docstring is its documentation."""
        if severity not in SEVERITY_RANK:
            raise ValueError(f"unknown severity {severity!r}")

        def register(check: Check) -> Check:
            if rule_id in RULES:
                raise ValueError(f"rule {rule_id!r} is registered twice")
            doc = inspect.cleandoc(check.__doc__ or "")
            RULES[rule_id] = Rule(rule_id, severity, category, title, hint, doc, check, core, references)
            return check

        return register

    return rule


def rule_title(rule_id: str) -> str:
    """A finding's rule as a reader names it: a registered rule's title, or "Board policy <id>"."""
    registered = RULES.get(rule_id)
    if registered is not None:
        return registered.title
    return f"Board policy {rule_id.removeprefix(POLICY_PREFIX)}"


def rule_docs() -> list[dict[str, Any]]:
    """Every rule for the documentation pages, core rules first, then by id."""
    rules = sorted(RULES.values(), key=lambda r: (not r.core, r.id))
    return [
        {
            "id": r.id,
            "severity": r.severity,
            "category": r.category,
            "title": r.title,
            "hint": r.hint,
            "core": r.core,
            "references": list(r.references),
            "doc": r.doc,
            **r.sections,
        }
        for r in rules
    ]
