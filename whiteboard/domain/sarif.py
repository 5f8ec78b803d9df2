"""SARIF 2.1.0 output of a review, for code-scanning tools (SPEC section 6).

One `tool.driver.rules` entry per registered rule, one result per finding. Each node and edge a
finding names becomes a location: a logical location (`nodes/<id>`, `edges/<id>`) and, when the
board came from a file, a physical location at the line that declares the element, so code
scanning shows the finding on the board file. Suppressed findings carry `suppressions` with
their reason as justification.

A board's own policies (`review.policies`) are rules of that board: each gets a rule entry after
the registered rules, and the board's `review.rules` settings are recorded as the invocation's
rule configuration overrides (a rule turned off, or run at another severity).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from whiteboard.domain.board import POLICY_PREFIX
from whiteboard.domain.review import RULES, Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "archboard-review"
TOOL_VERSION = "1.0.0"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_ID_RE = re.compile(r'"id"\s*:\s*"([A-Za-z0-9_.:-]{1,64})"')


def element_lines(text: str) -> dict[str, int]:
    """The 1-based line where each element id is declared (`"id": "..."`) in a board's JSON text."""
    lines: dict[str, int] = {}
    line, last = 1, 0
    for match in _ID_RE.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        lines.setdefault(match.group(1), line)
    return lines


def _rule_name(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))


def _descriptor(r: Rule) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": _rule_name(r.id),
        "shortDescription": {"text": r.title + "."},
        "fullDescription": {"text": r.sections.get("why", r.title)},
        "help": {"text": r.doc, "markdown": r.doc},
        "defaultConfiguration": {"level": _LEVELS[r.severity]},
        "properties": {"tags": ["architecture", "core" if r.core else "extra"], "severity": r.severity},
    }


def _policy_descriptor(policy: dict[str, Any]) -> dict[str, Any]:
    rule_id = POLICY_PREFIX + policy["id"]
    shape = next(key for key in ("forbid", "require", "limit") if key in policy)
    severity = policy.get("severity", "warning")
    text = policy.get("message") or f"Board policy '{policy['id']}' ({shape})."
    return {
        "id": rule_id,
        "name": "Policy" + _rule_name(policy["id"]),
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": f"A rule of this board (review.policies): {shape} {policy[shape]}"},
        "defaultConfiguration": {"level": _LEVELS[severity]},
        "properties": {"tags": ["architecture", "policy"], "severity": severity},
    }


def _locations(finding: dict[str, Any], artifact_uri: str | None, lines: dict[str, int]) -> list[dict[str, Any]]:
    elements = [("nodes", e) for e in finding["nodes"]] + [("edges", e) for e in finding["edges"]]
    if not elements:
        location: dict[str, Any] = {
            "logicalLocations": [{"name": "board", "fullyQualifiedName": "board", "kind": "module"}]
        }
        if artifact_uri is not None:
            location["physicalLocation"] = _physical(artifact_uri, 1)
        return [location]
    result = []
    for section, element_id in elements:
        location = {
            "logicalLocations": [
                {
                    "name": element_id,
                    "fullyQualifiedName": f"{section}/{element_id}",
                    "kind": "object",
                }
            ]
        }
        if artifact_uri is not None:
            location["physicalLocation"] = _physical(artifact_uri, lines.get(element_id, 1))
        result.append(location)
    return result


def _physical(artifact_uri: str, line: int) -> dict[str, Any]:
    return {"artifactLocation": {"uri": artifact_uri}, "region": {"startLine": line}}


def _fingerprint(finding: dict[str, Any]) -> str:
    key = "\x1f".join([finding["rule"], *finding["nodes"], "|", *finding["edges"]])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def to_sarif(
    review: dict[str, Any],
    *,
    artifact_uri: str | None = None,
    source_text: str | None = None,
    board_review: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A SARIF 2.1.0 log of a review made by `review_board`.

    `artifact_uri` is the board file as a relative URI (forward slashes); with `source_text`, its
    content, results point at the line declaring each element. `board_review` is the board's
    `review` object, whose policies and rule settings the log describes.
    """
    lines = element_lines(source_text) if source_text is not None else {}
    board_review = board_review or {}
    descriptors = [_descriptor(r) for r in RULES.values()]
    descriptors += [_policy_descriptor(policy) for policy in board_review.get("policies") or []]
    rule_index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = []
    for finding in review["findings"]:
        result: dict[str, Any] = {
            "ruleId": finding["rule"],
            "ruleIndex": rule_index[finding["rule"]],
            "level": _LEVELS[finding["severity"]],
            "message": {"text": f"{finding['message']} {finding['hint']}".strip()},
            "locations": _locations(finding, artifact_uri, lines),
            "partialFingerprints": {"archboardFinding/v1": _fingerprint(finding)},
        }
        if finding["suppressed"]:
            result["suppressions"] = [
                {"kind": "inSource", "status": "accepted", "justification": finding.get("reason", "")}
            ]
        results.append(result)
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "toolConfigurationNotifications": [
            {"level": "warning", "message": {"text": f"{w['loc']}: {w['msg']}"}} for w in review.get("warnings", [])
        ],
    }
    overrides = [
        {
            "descriptor": {"id": rule_id, "index": rule_index[rule_id]},
            "configuration": {"enabled": False} if setting == "off" else {"level": _LEVELS[setting]},
        }
        for rule_id, setting in (board_review.get("rules") or {}).items()
        if rule_id in rule_index
    ]
    if overrides:
        invocation["ruleConfigurationOverrides"] = overrides
    run: dict[str, Any] = {
        "tool": {"driver": {"name": TOOL_NAME, "version": TOOL_VERSION, "rules": descriptors}},
        "invocations": [invocation],
        "results": results,
        "properties": {"board": review["board"], "version": review["version"], "summary": review["summary"]},
    }
    if artifact_uri is not None:
        run["artifacts"] = [{"location": {"uri": artifact_uri}}]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
