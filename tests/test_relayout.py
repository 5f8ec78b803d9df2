"""`manage.py relayout FILE... [--write]`: the demo boards laid out again, x and y only."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from whiteboard.domain.layout import layout_board

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT / "fixtures" / "multi_agent_squad.json"


def _without_positions(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "nodes": [{k: v for k, v in n.items() if k not in ("x", "y")} for n in doc["nodes"]]}


def _copy(tmp_path: Path, doc: dict[str, Any], *, indent: int | None = 2) -> Path:
    path = tmp_path / "board.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=indent) + "\n", encoding="utf-8")
    return path


def test_write_changes_the_positions_and_nothing_else(tmp_path: Path) -> None:
    doc = json.loads(SQUAD.read_text())
    doc["nodes"][0]["props"]["notes"] = 'edited on another branch: ünïcode, "quotes", <tags>'
    for n in doc["nodes"]:
        n["x"], n["y"] = 0, 0
    path = _copy(tmp_path, doc)
    out = io.StringIO()
    call_command("relayout", str(path), "--write", stdout=out)
    written = json.loads(path.read_text())
    assert _without_positions(written) == _without_positions(doc)
    assert {n["id"]: {"x": n["x"], "y": n["y"]} for n in written["nodes"]} == layout_board(doc)
    assert path.read_text() == json.dumps(written, ensure_ascii=False, indent=2) + "\n"
    assert "written" in out.getvalue() and "label collisions" in out.getvalue()


def test_without_write_the_file_is_left_as_it_was(tmp_path: Path) -> None:
    doc = json.loads(SQUAD.read_text())
    doc["nodes"][3]["x"] += 200
    path = _copy(tmp_path, doc)
    before = path.read_bytes()
    out = io.StringIO()
    call_command("relayout", str(path), stdout=out)
    assert path.read_bytes() == before
    assert "would change" in out.getvalue()


def test_a_second_run_finds_nothing_to_change(tmp_path: Path) -> None:
    path = _copy(tmp_path, json.loads(SQUAD.read_text()))
    call_command("relayout", str(path), "--write", stdout=io.StringIO())
    written = path.read_bytes()
    out = io.StringIO()
    call_command("relayout", str(path), "--write", stdout=out)
    assert path.read_bytes() == written
    assert "unchanged" in out.getvalue()


def test_a_board_without_positions_gets_them_in_the_schemas_key_order(tmp_path: Path) -> None:
    doc = _without_positions(json.loads(SQUAD.read_text()))
    path = _copy(tmp_path, doc, indent=None)
    call_command("relayout", str(path), "--write", stdout=io.StringIO())
    first = json.loads(path.read_text())["nodes"][0]
    assert list(first) == ["id", "kind", "label", "x", "y", "group", "props"]


@pytest.mark.parametrize(
    ("args", "message"),
    [(["-"], "not stdin"), (["missing.json"], "cannot read"), (["bad.json"], "is not a valid board")],
)
def test_bad_input_exits_2_with_the_reason(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "bad.json").write_text('{"format": "archboard/1", "nodes": [{"id": "a"}], "edges": []}')
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "relayout", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
