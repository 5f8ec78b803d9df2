"""`manage.py render FILE -o OUT.ext` (SPEC section 6)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import board, node, sample_board

ROOT = Path(__file__).resolve().parent.parent
MAGIC = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF", "dot": b"digraph", "py": b'"""', "json": b"{"}


def run_manage(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        input=stdin.encode() if stdin is not None else None,
        capture_output=True,
        timeout=120,
    )


def write_board(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "board.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("ext", ["png", "svg", "pdf", "dot", "py"])
def test_render_writes_the_format_named_by_the_extension(tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"out.{ext}"
    result = run_manage("render", str(write_board(tmp_path, sample_board())), "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    assert out.read_bytes().startswith(MAGIC[ext])


def test_render_reads_the_board_from_standard_input(tmp_path: Path) -> None:
    out = tmp_path / "out.svg"
    result = run_manage("render", "-", "-o", str(out), stdin=json.dumps(sample_board()))
    assert result.returncode == 0, result.stderr.decode()
    assert b"Users" in out.read_bytes()


def test_render_exits_2_for_an_unknown_extension(tmp_path: Path) -> None:
    out = tmp_path / "out.gif"
    result = run_manage("render", str(write_board(tmp_path, sample_board())), "-o", str(out))
    assert result.returncode == 2
    assert b".gif" in result.stderr or b"out.gif" in result.stderr
    assert not out.exists()


def test_render_exits_2_with_the_place_of_a_bad_board_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.png"
    result = run_manage("render", str(write_board(tmp_path, board([node("a", "vectordb")], []))), "-o", str(out))
    assert result.returncode == 2
    assert b"nodes[0].kind" in result.stderr
    assert not out.exists()


def test_render_exits_2_for_a_missing_file(tmp_path: Path) -> None:
    result = run_manage("render", str(tmp_path / "missing.json"), "-o", str(tmp_path / "out.png"))
    assert result.returncode == 2
    assert b"missing.json" in result.stderr


def test_render_at_a_width_warns_when_the_board_is_too_wide_for_it(tmp_path: Path) -> None:
    wide = board([node(f"n{i}", "service", x=i * 220, y=0) for i in range(30)])
    out = tmp_path / "wide.png"
    result = run_manage("render", str(write_board(tmp_path, wide)), "-o", str(out), "--width", "800")
    assert result.returncode == 0, result.stderr.decode()  # written all the same, as asked
    assert out.read_bytes().startswith(MAGIC["png"])
    warning = result.stderr.decode()
    assert "warning: at 800 px the smallest text is" in warning
    # The width it names reads: asked for, it draws without the warning.
    wider = warning.split("its text reads from --width ")[1].split(")")[0]
    result = run_manage("render", str(write_board(tmp_path, wide)), "-o", str(tmp_path / "w.svg"), "--width", wider)
    assert result.returncode == 0 and b"warning" not in result.stderr, result.stderr
    small = board([node("a", "service", x=0, y=0), node("b", "cache", x=240, y=0)])
    result = run_manage("render", str(write_board(tmp_path, small)), "-o", str(tmp_path / "s.svg"), "--width", "1200")
    assert result.returncode == 0 and b"warning" not in result.stderr
