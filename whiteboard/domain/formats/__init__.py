"""Import and export formats (SPEC section 9): the one registry of what reads and writes what.

`import_board(raw, fmt="auto", filename=None)` reads a file of any importable format into a valid
board and the warnings of what was guessed or dropped; `export_text(doc, fmt)` writes a board in
one of the text export formats. `auto` tells the format by the file name's extension when there
is one it knows, else by the content. Pure: no Django, no files, no processes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from whiteboard.domain.board import parse_board_json, validate_board
from whiteboard.domain.errors import BoardError
from whiteboard.domain.formats.common import ImportResult, decode_text, located
from whiteboard.domain.formats.compose import detect_compose, read_compose, to_compose
from whiteboard.domain.formats.diagrams_py import read_python
from whiteboard.domain.formats.drawio import detect_drawio, read_drawio, to_drawio
from whiteboard.domain.formats.kubernetes import to_kubernetes
from whiteboard.domain.formats.mermaid import detect_mermaid, read_mermaid, to_mermaid
from whiteboard.domain.formats.yamlsafe import load_yaml

__all__ = [
    "EXPORTS",
    "IMPORTS",
    "IMPORT_NAMES",
    "MERMAID_SYNTAXES",
    "ImportResult",
    "detect",
    "export_text",
    "import_board",
]


def _read_archboard(raw: bytes | str) -> ImportResult:
    return ImportResult(board=parse_board_json(raw), warnings=[], format="archboard")


# Import format id -> reader. The ids are the API's `?format=` values.
IMPORTS: dict[str, Callable[[bytes | str], ImportResult]] = {
    "archboard": _read_archboard,
    "diagrams": read_python,
    "mermaid": read_mermaid,
    "drawio": read_drawio,
    "compose": read_compose,
}
IMPORT_NAMES = {
    "archboard": "Archboard board (JSON)",
    "diagrams": "diagrams script (.py)",
    "mermaid": "Mermaid (flowchart or architecture-beta)",
    "drawio": "draw.io (.drawio, plain or compressed)",
    "compose": "Docker Compose (.yaml)",
}
# Export format (the file extension of `export.<fmt>`) -> (writer, media type).
MERMAID_SYNTAXES = ("architecture", "flowchart")
EXPORTS: dict[str, tuple[Callable[..., str], str]] = {
    "mmd": (to_mermaid, "text/vnd.mermaid; charset=utf-8"),
    "drawio": (to_drawio, "application/vnd.jgraph.mxfile; charset=utf-8"),
    "compose.yaml": (to_compose, "application/yaml; charset=utf-8"),
    "k8s.yaml": (to_kubernetes, "application/yaml; charset=utf-8"),
}
# File name endings -> import format; longer endings first (`.k8s.yaml` before `.yaml`).
EXTENSIONS: list[tuple[str, str | None]] = [
    (".k8s.yaml", None),
    (".k8s.yml", None),
    (".drawio.xml", "drawio"),
    (".json", "archboard"),
    (".py", "diagrams"),
    (".mmd", "mermaid"),
    (".mermaid", "mermaid"),
    (".drawio", "drawio"),
    (".xml", "drawio"),
    (".yaml", "compose"),
    (".yml", "compose"),
]


_COMPOSE_SERVICES = re.compile(r"^services\s*:", re.MULTILINE)
_PYTHON_DIAGRAMS = re.compile(r"^\s*(?:from\s+diagrams\b|import\s+diagrams\b)", re.MULTILINE)


def detect(raw: bytes | str, filename: str | None = None) -> str:
    """The import format of a file: by its name's extension, else by what it holds."""
    if filename:
        lower = filename.lower()
        for ending, fmt in EXTENSIONS:
            if lower.endswith(ending):
                if fmt is None:
                    raise located("body", "Kubernetes manifests are an export only: they cannot be imported")
                return fmt
    text = decode_text(raw, "uploaded")
    head = text.lstrip()
    if head.startswith("{"):
        return "archboard"
    if head.startswith("<"):
        if detect_drawio(text):
            return "drawio"
        raise located("body", "an XML file that is no draw.io diagram (no <mxfile> or <mxGraphModel>)")
    if detect_mermaid(text):
        return "mermaid"
    if _PYTHON_DIAGRAMS.search(text):
        return "diagrams"
    if _COMPOSE_SERVICES.search(text):
        return "compose"  # read as such, so a broken one is refused with its own reason
    try:
        data, _ = load_yaml(text)
    except BoardError:
        data = None
    if detect_compose(data):
        return "compose"
    if isinstance(data, dict) and "apiVersion" in data and "kind" in data:
        raise located("body", "Kubernetes manifests are an export only: they cannot be imported")
    raise located(
        "body",
        "cannot tell the format: send an Archboard board (JSON), a diagrams script (.py), Mermaid, "
        "draw.io or a Compose file, or name the format",
    )


def import_board(raw: bytes | str, *, fmt: str = "auto", filename: str | None = None) -> ImportResult:
    """Read a file into a board; BoardError names the line or element of what cannot be read."""
    if fmt == "auto":
        fmt = detect(raw, filename)
    if fmt not in IMPORTS:
        raise located("format", f"unknown format {fmt[:40]!r} (allowed: auto, {', '.join(IMPORTS)})")
    return IMPORTS[fmt](raw)


def export_text(doc: dict[str, Any], fmt: str, *, syntax: str = "architecture") -> str:
    """A board in one of EXPORTS; `syntax` picks Mermaid's diagram type. The board is put in
    normal form first (every default written out), which the writers rely on."""
    doc = validate_board(doc)
    writer, _ = EXPORTS[fmt]
    if fmt == "mmd":
        return writer(doc, syntax=syntax)
    return writer(doc)
