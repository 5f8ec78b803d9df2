"""`manage.py estimate FILE [--scale X] [--format json|text]`: output and exit codes (SPEC 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from whiteboard.domain.board import validate_board
from whiteboard.domain.estimate import estimate_board

ROOT = Path(__file__).resolve().parent.parent


def run_estimate(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "estimate", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "whiteboard.settings"},
    )


def board(rps: float = 50) -> dict[str, Any]:
    """One service at 0.5 utilisation for rps 50: over capacity from scale 2."""
    return {
        "format": "archboard/1",
        "name": "cli load",
        "nodes": [
            {"id": "web", "kind": "browser", "props": {"rps": rps}},
            {"id": "api", "kind": "service", "props": {"latency_ms": 20, "concurrency": 2}},
        ],
        "edges": [{"id": "e1", "source": "web", "target": "api"}],
    }


def write(tmp_path: Path, document: dict[str, Any]) -> str:
    path = tmp_path / "board.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_a_board_within_capacity_exits_0_with_the_estimate_as_json(tmp_path: Path) -> None:
    result = run_estimate(write(tmp_path, board()))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == estimate_board(validate_board(board()))


def test_a_node_over_capacity_at_the_scale_exits_1_and_names_it(tmp_path: Path) -> None:
    result = run_estimate(write(tmp_path, board()), "--scale", "3")
    assert result.returncode == 1
    assert json.loads(result.stdout)["nodes"]["api"]["utilisation"] == 1.5
    assert "1 node(s) over capacity at scale 3: api" in result.stderr


def test_it_reads_stdin_with_a_dash_and_writes_a_text_report() -> None:
    result = run_estimate("-", "--format", "text", stdin=json.dumps(board()))
    assert result.returncode == 0, result.stderr
    assert "Estimate of cli load at scale 1" in result.stdout
    assert "bottleneck: api (50% busy); over capacity from scale 2" in result.stdout


def test_bad_estimate_props_exit_2_with_their_place_and_no_output(tmp_path: Path) -> None:
    document = board()
    document["nodes"][0]["props"]["rps"] = -1
    result = run_estimate(write(tmp_path, document))
    assert result.returncode == 2
    assert "nodes[0].props.rps: must be a number from 0 to 10,000,000" in result.stderr
    assert result.stdout == ""


def test_a_bad_scale_or_a_missing_file_exits_2(tmp_path: Path) -> None:
    negative = run_estimate(write(tmp_path, board()), "--scale", "-1")
    assert negative.returncode == 2
    assert "--scale must be a number from 0 to 1,000,000" in negative.stderr
    assert run_estimate(write(tmp_path, board()), "--scale", "lots").returncode == 2
    assert run_estimate(str(tmp_path / "missing.json")).returncode == 2


def test_routing_with_no_answer_exits_2_with_the_reason(tmp_path: Path) -> None:
    document = board()
    document["nodes"].append({"id": "w", "kind": "worker"})
    document["edges"] += [
        {"id": "e2", "source": "api", "target": "w", "props": {"async": True}},
        {"id": "e3", "source": "w", "target": "api", "props": {"async": True}},
    ]
    result = run_estimate(write(tmp_path, document))
    assert result.returncode == 2
    assert "the loop api -> w -> api" in result.stderr
