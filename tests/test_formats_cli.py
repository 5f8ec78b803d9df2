"""The command line with the formats of SPEC 9: every command that takes a board FILE reads any
importable format (by extension or content), and `render` writes every export from `-o`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.builders import sample_board
from whiteboard.boards.models import Board
from whiteboard.domain.formats import import_board

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "formats"


def run_manage(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_validate_reads_a_mermaid_file_and_prints_its_warnings_on_stderr() -> None:
    result = run_manage("validate", str(DATA / "mermaid" / "architecture.mmd"))
    assert result.returncode == 0, result.stderr
    assert "7 nodes" in result.stdout
    assert "architecture.mmd: warning: line 13: 'mystery': nothing says what it is" in result.stderr


def test_review_reads_a_compose_file_from_standard_input_and_fails_on_findings() -> None:
    result = run_manage("review", "-", "--fail-on", "warning", stdin=(DATA / "compose" / "shop.yaml").read_text())
    assert result.returncode == 1, result.stderr
    assert "unreplicated-datastore" in result.stdout


def test_a_file_it_cannot_read_exits_2_with_its_line() -> None:
    result = run_manage("validate", str(DATA / "mermaid" / "broken_label.mmd"))
    assert result.returncode == 2
    assert "line 3: a label's quote is never closed" in result.stderr


def test_kubernetes_manifests_are_refused_as_input(tmp_path: Path) -> None:
    manifest = tmp_path / "app.k8s.yaml"
    manifest.write_text("apiVersion: v1\nkind: Service\n")
    with pytest.raises(CommandError) as info:
        call_command("validate", str(manifest))
    assert info.value.returncode == 2 and "export only" in str(info.value)


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("board.mmd", lambda text: text.startswith("architecture-beta")),
        ("board.drawio", lambda text: text.startswith("<mxfile")),
        ("board.compose.yaml", lambda text: "services" in yaml.safe_load(text)),
        ("docker-compose.yml", lambda text: "services" in yaml.safe_load(text)),
        ("board.k8s.yaml", lambda text: {m["kind"] for m in yaml.safe_load_all(text) if m} >= {"Service"}),
    ],
)
def test_render_writes_each_export_from_the_output_name(tmp_path: Path, name: str, check: object) -> None:
    source = tmp_path / "in.py"
    source.write_bytes((DATA / "diagrams" / "clustered_web.py").read_bytes())
    out = tmp_path / name
    call_command("render", str(source), "-o", str(out), stdout=io.StringIO(), stderr=io.StringIO())
    assert check(out.read_text())  # type: ignore[operator]


def test_render_writes_a_mermaid_flowchart_on_request_and_it_reads_back(tmp_path: Path) -> None:
    source = tmp_path / "board.json"
    source.write_text(json.dumps(sample_board()))
    out = tmp_path / "board.mmd"
    call_command("render", str(source), "-o", str(out), "--syntax", "flowchart", stdout=io.StringIO())
    text = out.read_text()
    assert "flowchart LR" in text
    assert len(import_board(text, fmt="mermaid").board["nodes"]) == len(sample_board()["nodes"])


def test_render_refuses_an_unknown_output_name_with_exit_2(tmp_path: Path) -> None:
    result = run_manage("render", str(DATA / "diagrams" / "loops.py"), "-o", str(tmp_path / "board.vsdx"))
    assert result.returncode == 2 and "cannot tell the format" in result.stderr


@pytest.mark.django_db
def test_import_board_stores_a_drawio_file_as_a_new_board(owner: object) -> None:
    out = io.StringIO()
    call_command(
        "import_board", str(DATA / "drawio" / "plain.drawio"), "--owner", "olivia", stdout=out, stderr=io.StringIO()
    )
    board = Board.objects.get(pk=int(out.getvalue().strip().splitlines()[-1]))
    assert board.name == "Payments" and len(board.document["nodes"]) == 9
