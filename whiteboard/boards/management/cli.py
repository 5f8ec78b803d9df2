"""Shared helpers for the board commands: reading a document, and the exit codes of SPEC 6."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from whiteboard.domain.board import BoardError
from whiteboard.domain.formats import import_board
from whiteboard.domain.jsontext import text_problem

EXIT_BAD_INPUT = 2


def read_board_arg(path_or_dash: str) -> dict[str, Any]:
    """Read and validate a board from a file, or from stdin when given `-`: an Archboard document
    or any importable format of SPEC 9 (by the file's extension, else by its content). What an
    import guessed or dropped is written to stderr as warnings.

    Bad input raises CommandError with exit status 2 and every problem, one per line.
    """
    try:
        raw = sys.stdin.buffer.read() if path_or_dash == "-" else Path(path_or_dash).read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path_or_dash}: {exc.strerror}", returncode=EXIT_BAD_INPUT) from None
    name = "<stdin>" if path_or_dash == "-" else path_or_dash
    try:
        result = import_board(raw, filename=None if path_or_dash == "-" else path_or_dash)
    except BoardError as exc:
        lines = [f"{e['loc']}: {e['msg']}" if e["loc"] else e["msg"] for e in exc.errors]
        raise CommandError(
            f"{name} is not a valid board:\n  " + "\n  ".join(lines), returncode=EXIT_BAD_INPUT
        ) from None
    for warning in result.warnings:
        where = f"{warning['loc']}: " if warning["loc"] else ""
        sys.stderr.write(f"{name}: warning: {where}{warning['msg']}\n")
    return result.board


def text_arg(value: str, name: str) -> str:
    """A text argument, refused (exit 2) if it is not valid text: Python hands undecodable bytes
    of the command line over as lone surrogates, which nothing downstream can store."""
    problem = text_problem(value)
    if problem:
        raise CommandError(f"{name}: {problem}", returncode=EXIT_BAD_INPUT)
    return value
