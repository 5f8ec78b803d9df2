"""Importing hostile files is safe: a script is read and never run, XML and YAML bombs and
entities are refused, huge and deep inputs end in a located error, and no input of any kind
makes an importer fail with anything but a clear BoardError."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whiteboard.domain.errors import BoardError
from whiteboard.domain.formats import IMPORTS, import_board
from whiteboard.domain.formats.common import MAX_INPUT_BYTES
from whiteboard.domain.formats.diagrams_py import MAX_ITEMS, MAX_STEPS

HOSTILE = Path(__file__).parent / "formats" / "hostile"
DIAGRAMS = Path(__file__).parent / "formats" / "diagrams"

# Audit events a script would raise if anything of it ran: code execution, files, imports,
# processes, sockets. (`compile` is ast.parse itself, and is expected.)
WATCHED = ("exec", "open", "import", "os.", "subprocess.", "socket.", "shutil.", "ctypes.", "builtins.input")
_seen: list[str] = []
_watching = threading.local()


def _hook(event: str, args: Any) -> None:
    if getattr(_watching, "on", False) and event.startswith(WATCHED):
        _seen.append(event)


sys.addaudithook(_hook)  # audit hooks cannot be removed: this one only counts while `watching`


@contextmanager
def watching() -> Iterator[list[str]]:
    _seen.clear()
    _watching.on = True
    try:
        yield _seen
    finally:
        _watching.on = False


@pytest.fixture(autouse=True, scope="module")
def _warm() -> None:
    # Whatever the importers load lazily is loaded before anything is watched.
    import_board((DIAGRAMS / "clustered_web.py").read_bytes(), fmt="diagrams")


@pytest.mark.parametrize("name", ["runs_nothing.py", "tricks.py"])
def test_a_hostile_script_is_read_without_one_exec_open_or_import(name: str) -> None:
    source = (HOSTILE / name).read_bytes()
    with watching() as events:
        result = import_board(source, fmt="diagrams")
    assert events == []
    assert not Path("/tmp/archboard-pwned").exists()
    assert result.warnings  # every refused construct is named


def test_the_tricks_script_keeps_only_what_it_states_plainly() -> None:
    result = import_board((HOSTILE / "tricks.py").read_bytes(), fmt="diagrams")
    labels = sorted(n["label"] for n in result.board["nodes"])
    assert labels == ["", "", "", "", "", "inside", "safe"]
    for loc, words in {
        "line 7": "is a definition: it is not run",
        "line 12": "is a definition",
        "line 16": "is a definition",
        "line 22": "'__import__' is not defined in the script",
        "line 27": "an f-string with a value known only when the script runs",
        "line 28": "the operator Pow on these values is not read",
        "line 29": "attribute '__class__' is not read",
        "line 36": "a While statement is not read",
    }.items():
        assert any(w["loc"] == loc and words in w["msg"] for w in result.warnings), (loc, words)


def test_every_fixture_script_is_read_without_one_exec_open_or_import() -> None:
    sources = [path.read_bytes() for path in sorted(DIAGRAMS.glob("*.py"))]
    with watching() as events:
        for source in sources:
            import_board(source, fmt="diagrams")
    assert events == []


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("x = " + "(" * 5000 + ")" * 5000, "not Python"),
        ("x = " + "[" * 100_000, "not Python"),
        (
            f"from diagrams import Diagram\nwith Diagram('x'):\n    for i in range({MAX_ITEMS + 1}):\n        pass\n",
            "a range of more than",
        ),
        ("xs = list(range(5000))\nfor a in xs:\n    for b in xs:\n        pass\n", f"more than {MAX_STEPS} steps"),
        ("s = 'x' * 5000\nt = s * 5000\n", "too large to read"),
    ],
)
def test_huge_and_deep_scripts_end_in_a_located_error(source: str, words: str) -> None:
    with watching() as events, pytest.raises(BoardError) as info:
        import_board(source, fmt="diagrams")
    assert events == []
    assert words in info.value.errors[0]["msg"]


def test_a_very_long_chain_of_edges_is_read_without_deep_recursion() -> None:
    lines = ["from diagrams import Diagram", "from diagrams.aws.compute import EC2", "with Diagram('chain'):"]
    lines += [f"    n{i} = EC2('n{i}')" for i in range(600)]
    lines.append("    " + " >> ".join(f"n{i}" for i in range(600)))
    result = import_board("\n".join(lines), fmt="diagrams")
    assert len(result.board["edges"]) == 599


@pytest.mark.parametrize("fmt", ["auto", *IMPORTS])
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(fmt: str) -> None:
    with pytest.raises(BoardError) as info:
        import_board(b"#" * (MAX_INPUT_BYTES + 1), fmt=fmt)
    assert info.value.errors[0]["loc"] == "body"


@pytest.mark.parametrize("fmt", ["auto", *IMPORTS])
def test_bytes_that_are_not_utf8_are_refused_with_a_reason(fmt: str) -> None:
    with pytest.raises(BoardError) as info:
        import_board(b"services:\n  a: \xff\xfe\n", fmt=fmt)
    assert "UTF-8" in info.value.errors[0]["msg"] or "JSON" in info.value.errors[0]["msg"]


PREFIXES = [
    "",
    "flowchart LR\n",
    "graph TD\n  subgraph s\n",
    "architecture-beta\n",
    "<mxfile><diagram name='x'><mxGraphModel><root>",
    "services:\n  a:\n",
    "from diagrams import *\nwith Diagram('x'):\n    ",
    '{"format": "archboard/1", "nodes": [',
]
PIECES = st.sampled_from(
    [
        "-->",
        "-.->",
        "==>",
        "---",
        "|x|",
        "[",
        "]",
        "(",
        ")",
        "{",
        "}",
        '"',
        "#quot;",
        "<br>",
        ";",
        "&",
        ":::",
        "subgraph",
        "end",
        "service",
        "group",
        "junction",
        ":R",
        "L:",
        "-[t]-",
        "in",
        "\n",
        " ",
        "a",
        "b1",
        "<mxCell",
        ' id="1"',
        ' parent="0"',
        ' vertex="1"',
        ' edge="1"',
        ' source="1"',
        "/>",
        "</root>",
        "image: redis",
        "depends_on:",
        "- ",
        "networks:",
        "  ",
        "&a",
        "*a",
        "<<:",
        ">>",
        "<<",
        "-",
        "Edge(",
        "EC2(",
        "Cluster(",
        "for i in range(3):",
        "=",
        "f'{i}'",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(PREFIXES), st.lists(PIECES | st.text(max_size=5), max_size=40), st.sampled_from(["auto", *IMPORTS])
)
def test_no_input_makes_an_importer_fail_with_anything_but_a_board_error(
    prefix: str, pieces: list[str], fmt: str
) -> None:
    text = prefix + "".join(pieces)
    try:
        result = import_board(text.encode("utf-8", "surrogatepass"), fmt=fmt)
    except BoardError as exc:
        assert exc.errors and all(isinstance(e["loc"], str) and e["msg"] for e in exc.errors)
    else:
        assert result.board["format"] == "archboard/1"
