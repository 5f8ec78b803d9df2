"""The command line of SPEC section 6: validate, import_board, export_board, create_token."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.builders import board, node, sample_board
from whiteboard.accounts.models import ApiToken
from whiteboard.accounts.services import resolve_token
from whiteboard.boards.models import Board
from whiteboard.domain.board import validate_board

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=60
    )


def write(tmp_path: Path, doc: object, name: str = "board.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_validate_accepts_a_valid_board(tmp_path):
    out = io.StringIO()
    call_command("validate", str(write(tmp_path, sample_board())), stdout=out)
    assert "valid" in out.getvalue() and "6 nodes" in out.getvalue()


def test_validate_exits_2_with_the_place_of_the_problem(tmp_path):
    result = run_manage("validate", str(write(tmp_path, board([node("a", "vectordb")], []))))
    assert result.returncode == 2
    assert "nodes[0].kind: unknown kind 'vectordb'" in result.stderr


def test_validate_reads_standard_input():
    ok = run_manage("validate", "-", stdin=json.dumps(sample_board()))
    assert ok.returncode == 0, ok.stderr
    bad = run_manage("validate", "-", stdin="{not json")
    assert bad.returncode == 2 and "malformed JSON" in bad.stderr


def test_validate_exits_2_for_a_missing_file_and_for_bad_usage(tmp_path):
    missing = run_manage("validate", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    usage = run_manage("validate")
    assert usage.returncode == 2


@pytest.mark.django_db
def test_import_then_export_round_trips_exactly(tmp_path, owner):
    source = write(tmp_path, sample_board("Imported"))
    out = io.StringIO()
    call_command("import_board", str(source), "--owner", owner.username, stdout=out, stderr=io.StringIO())
    board_id = int(out.getvalue().strip().splitlines()[-1])
    imported = Board.objects.get(pk=board_id)
    assert imported.owner == owner and imported.version == 1
    target = tmp_path / "out.json"
    call_command("export_board", str(board_id), "-o", str(target), stderr=io.StringIO())
    assert json.loads(target.read_text()) == validate_board(sample_board("Imported"))


@pytest.mark.django_db
def test_import_rejects_bad_input_and_stores_nothing(tmp_path, owner):
    with pytest.raises(CommandError) as info:
        call_command("import_board", str(write(tmp_path, {"format": "x"})), "--owner", owner.username)
    assert info.value.returncode == 2
    with pytest.raises(CommandError) as info:
        call_command("import_board", str(write(tmp_path, sample_board())), "--owner", "nobody")
    assert info.value.returncode == 2
    assert Board.objects.count() == 0


@pytest.mark.django_db
def test_export_of_a_missing_board_exits_2(tmp_path):
    with pytest.raises(CommandError) as info:
        call_command("export_board", "4242", "-o", str(tmp_path / "x.json"))
    assert info.value.returncode == 2


@pytest.mark.django_db
def test_create_token_prints_a_working_token_as_the_last_line(owner):
    out = io.StringIO()
    call_command("create_token", owner.username, stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    assert resolve_token(raw) == owner
    stored = ApiToken.objects.get(user=owner)
    assert raw not in (stored.digest, stored.prefix) and len(stored.digest) == 64


@pytest.mark.django_db
def test_create_token_needs_create_for_a_new_user():
    with pytest.raises(CommandError) as info:
        call_command("create_token", "newbie")
    assert info.value.returncode == 2
    out = io.StringIO()
    call_command("create_token", "newbie", "--create", stdout=out, stderr=io.StringIO())
    assert resolve_token(out.getvalue().strip().splitlines()[-1]).username == "newbie"


@pytest.mark.django_db
def test_seed_demo_loads_every_fixture_once():
    call_command("seed_demo", stdout=io.StringIO())
    fixtures = sorted((ROOT / "fixtures").glob("*.json"))
    assert Board.objects.count() == len(fixtures) > 0
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert Board.objects.count() == len(fixtures)
    assert "Demo login" in out.getvalue()
