"""`manage.py review`: exit codes, formats, standard input, and SARIF 2.1.0 validity."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from whiteboard.domain.review import RULES

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "fixtures").glob("*.json"))
# The SARIF 2.1.0 schema ships in the npm package @microsoft/jest-sarif (package.json devDependencies).
SARIF_SCHEMA = ROOT / "node_modules" / "@microsoft" / "jest-sarif" / "lib" / "schemas" / "sarif-2.1.0-rtm.5.json"
SARIF_MULTITOOL = ROOT / "node_modules" / ".bin" / "sarif-multitool"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need(path: Path, what: str) -> None:
    if path.exists():
        return
    reason = f"{what} not found at {path.relative_to(ROOT)}: run `npm ci` (make install)"
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def run_review(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "review", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "whiteboard.settings"},
    )


def document(nodes: list[tuple[str, str]], edges: list[tuple[str, str, str]], **extra: Any) -> dict[str, Any]:
    return {
        "format": "archboard/1",
        "name": "cli board",
        "nodes": [{"id": i, "kind": k, "props": {"replicas": 2}} for i, k in nodes],
        "edges": [{"id": i, "source": s, "target": t} for i, s, t in edges],
        **extra,
    }


# Replicated everywhere, monitored, authenticated, streaming: nothing to report.
CLEAN = {
    "format": "archboard/1",
    "name": "clean",
    "nodes": [
        {"id": "u", "kind": "browser"},
        {"id": "lb", "kind": "load_balancer", "props": {"replicas": 2}},
        {"id": "api", "kind": "service", "props": {"replicas": 2}},
        {"id": "auth", "kind": "auth", "props": {"replicas": 2}},
        {"id": "mon", "kind": "monitoring", "props": {"replicas": 2}},
    ],
    "edges": [
        {"id": "e1", "source": "u", "target": "lb", "props": {"protocol": "https"}},
        {"id": "e2", "source": "lb", "target": "api"},
        {"id": "e3", "source": "lb", "target": "auth"},
        {"id": "e4", "source": "api", "target": "mon"},
    ],
}
# Only warnings: an unreplicated database behind replicated services.
WARNING_ONLY = {
    **CLEAN,
    "nodes": [*CLEAN["nodes"], {"id": "db", "kind": "sql_db"}, {"id": "db2", "kind": "sql_db"}],
    "edges": [
        *CLEAN["edges"],
        {"id": "e5", "source": "api", "target": "db"},
        {"id": "e6", "source": "api", "target": "db2"},
        {"id": "e7", "source": "mon", "target": "db"},
        {"id": "e8", "source": "mon", "target": "db2"},
    ],
}
# An error (client straight to a database), a suppressed finding and an unknown-rule suppression.
ERRORS = {
    "format": "archboard/1",
    "name": "errors",
    "nodes": [
        {"id": "u", "kind": "browser"},
        {"id": "db", "kind": "sql_db", "props": {"replicas": 2}},
        {"id": "lonely", "kind": "secrets"},
    ],
    "edges": [{"id": "e1", "source": "u", "target": "db"}],
    "review": {
        "suppress": [
            {"rule": "orphan-component", "target": "lonely", "reason": "wired next sprint"},
            {"rule": "no-such-rule"},
        ]
    },
}

# The errors board with a policy of its own and two rule settings.
WITH_POLICIES = {
    **ERRORS,
    "review": {
        **ERRORS["review"],
        "rules": {"orphan-component": "off", "unreplicated-datastore": "info"},
        "policies": [
            {
                "id": "no-direct-db",
                "severity": "error",
                "message": "Clients reach data through services",
                "forbid": {"from": {"category": ["client"]}, "to": {"category": ["data"]}},
            }
        ],
    },
}


def write(tmp_path: Path, doc: dict[str, Any], name: str = "board.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return str(path)


def test_a_clean_board_exits_0_with_the_findings_as_json(tmp_path: Path) -> None:
    result = run_review(write(tmp_path, CLEAN))
    assert result.returncode == 0, result.stderr
    review = json.loads(result.stdout)
    assert review["board"] == "clean" and review["findings"] == []
    assert review["summary"] == {"error": 0, "warning": 0, "info": 0}


def test_an_error_finding_exits_1_and_says_why_on_stderr(tmp_path: Path) -> None:
    result = run_review(write(tmp_path, ERRORS))
    assert result.returncode == 1
    assert "1 unsuppressed finding at or above error" in result.stderr
    assert "unknown rule 'no-such-rule'" in result.stderr
    review = json.loads(result.stdout)
    assert review["summary"]["error"] == 1
    assert [f["reason"] for f in review["findings"] if f["suppressed"]] == ["wired next sprint"]


def test_fail_on_decides_which_severities_fail(tmp_path: Path) -> None:
    path = write(tmp_path, WARNING_ONLY)
    assert run_review(path).returncode == 0
    assert run_review(path, "--fail-on", "warning").returncode == 1
    assert run_review(path, "--fail-on", "info", "--format", "text").returncode == 1


def test_it_reads_the_board_from_stdin_with_a_dash() -> None:
    result = run_review("-", "--format", "text", stdin=json.dumps(ERRORS))
    assert result.returncode == 1
    assert "client-to-datastore (db, u, e1)" in result.stdout
    assert "[suppressed: wired next sprint]" in result.stdout
    assert result.stdout.rstrip().endswith("1 error(s), 0 warning(s), 0 info; 1 suppressed")


def test_an_invalid_board_exits_2_with_the_validation_errors(tmp_path: Path) -> None:
    bad = dict(CLEAN, nodes=[{"id": "x", "kind": "vectordb"}], edges=[])
    result = run_review(write(tmp_path, bad))
    assert result.returncode == 2
    assert "nodes[0].kind: unknown kind 'vectordb'" in result.stderr
    assert result.stdout == ""


def test_bad_json_on_stdin_and_a_missing_file_exit_2(tmp_path: Path) -> None:
    assert run_review("-", stdin="{not json").returncode == 2
    missing = run_review(str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "nope.json" in missing.stderr


def test_a_usage_error_exits_2() -> None:
    result = run_review("board.json", "--format", "xml")
    assert result.returncode == 2
    assert "invalid choice: 'xml'" in result.stderr
    assert run_review().returncode == 2


def sarif_of(path: str) -> dict[str, Any]:
    out = io.StringIO()
    try:
        call_command("review", path, format="sarif", stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        assert exc.returncode == 1
    return json.loads(out.getvalue())


def validate_sarif(log: dict[str, Any]) -> None:
    import jsonschema

    need(SARIF_SCHEMA, "the SARIF 2.1.0 schema (npm @microsoft/jest-sarif)")
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(log)


def test_sarif_output_is_valid_and_names_rules_results_and_locations(tmp_path: Path) -> None:
    log = sarif_of(write(tmp_path, ERRORS))
    validate_sarif(log)
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    for r in rules:
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["text"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
    by_rule = {res["ruleId"]: res for res in run["results"]}
    error = by_rule["client-to-datastore"]
    assert error["level"] == "error"
    names = [loc["logicalLocations"][0]["fullyQualifiedName"] for loc in error["locations"]]
    assert names == ["nodes/db", "nodes/u", "edges/e1"]
    assert error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("board.json")
    assert rules[error["ruleIndex"]]["id"] == "client-to-datastore"
    assert by_rule["orphan-component"]["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "wired next sprint"}
    ]
    [notification] = run["invocations"][0]["toolConfigurationNotifications"]
    assert "no-such-rule" in notification["message"]["text"]


def test_sarif_describes_the_boards_policies_and_rule_settings(tmp_path: Path) -> None:
    log = sarif_of(write(tmp_path, WITH_POLICIES))
    validate_sarif(log)
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [*RULES, "policy:no-direct-db"]
    assert rules[-1]["defaultConfiguration"]["level"] == "error"
    [policy_result] = [r for r in run["results"] if r["ruleId"] == "policy:no-direct-db"]
    assert rules[policy_result["ruleIndex"]]["id"] == "policy:no-direct-db"
    assert "orphan-component" not in {r["ruleId"] for r in run["results"]}
    overrides = {o["descriptor"]["id"]: o["configuration"] for o in run["invocations"][0]["ruleConfigurationOverrides"]}
    assert overrides == {"orphan-component": {"enabled": False}, "unreplicated-datastore": {"level": "note"}}


def test_sarif_from_stdin_is_valid_without_physical_locations() -> None:
    result = run_review("-", "--format", "sarif", stdin=json.dumps(ERRORS))
    log = json.loads(result.stdout)
    validate_sarif(log)
    assert all("physicalLocation" not in loc for res in log["runs"][0]["results"] for loc in res["locations"])


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_every_demo_board_reviews_to_valid_sarif(fixture: Path) -> None:
    log = sarif_of(str(fixture))
    validate_sarif(log)
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(RULES)


def test_sarif_multitool_validate_reports_no_errors(tmp_path: Path) -> None:
    need(SARIF_MULTITOOL, "sarif-multitool (npm @microsoft/sarif-multitool)")
    sarif = tmp_path / "review.sarif"
    sarif.write_text(run_review(write(tmp_path, WITH_POLICIES), "--format", "sarif").stdout)
    report = tmp_path / "validation.sarif"
    result = subprocess.run(
        [str(SARIF_MULTITOOL), "validate", str(sarif), "--output", str(report), "--log", "ForceOverwrite"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    findings = json.loads(report.read_text())["runs"][0]["results"]
    errors = [f for f in findings if f.get("level", "warning") == "error"]
    assert errors == [], errors
