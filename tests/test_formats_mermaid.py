"""Mermaid (whiteboard/domain/formats/mermaid.py): flowchart and architecture-beta files read with
every construct, located errors, and exports that Mermaid's own parser accepts as written."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.format_boards import boards
from whiteboard.domain.errors import BoardError
from whiteboard.domain.formats import export_text, import_board
from whiteboard.domain.formats.mermaid import decode_text_value, encode_text

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "formats" / "mermaid"


def read(name: str) -> Any:
    return import_board((DATA / name).read_bytes(), filename=name)


def by_label(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["label"]: n for n in doc["nodes"]}


def groups_of(doc: dict[str, Any]) -> dict[str, str | None]:
    groups = {g["id"]: g for g in doc["groups"]}
    return {n["label"]: groups[n["group"]]["label"] if n.get("group") else None for n in doc["nodes"]}


def edge_list(doc: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    labels = {n["id"]: n["label"] for n in doc["nodes"]}
    return [(labels[e["source"]], labels[e["target"]], e["label"], e["props"]) for e in doc["edges"]]


def warned(result: Any, loc: str, words: str) -> bool:
    return any(w["loc"] == loc and words in w["msg"] for w in result.warnings)


def test_a_flowchart_reads_shapes_texts_links_and_subgraphs() -> None:
    result = read("flowchart.mmd")
    doc = result.board
    assert doc["name"] == "Checkout flow" and doc["direction"] == "LR"
    nodes = by_label(doc)
    kinds = {label: (n["kind"], n["props"].get("tech")) for label, n in nodes.items()}
    assert kinds["Customer"] == ("user", None)
    assert kinds["Orders DB"] == ("sql_db", None)  # a cylinder, named a DB
    assert kinds["Redis cache"] == ("cache", "redis")
    assert kinds["Jobs queue"] == ("queue", None)
    assert kinds["Archive"] == ("sql_db", None)  # the `cyl` shape of Mermaid 11
    assert kinds["Fraud check?"] == ("service", None)
    assert kinds['Remember: "at least once"\ndelivery'] == ("note", None)  # entity codes and <br>
    assert "Markdown title" in nodes
    assert groups_of(doc)["Orders DB"] == "Data layer"  # named inside the subgraph after its definition
    assert groups_of(doc)["Archive"] == "Cold storage"
    assert groups_of(doc)["CDN"] == "Edge tier"
    parents = {g["label"]: g["parent"] for g in doc["groups"]}
    assert parents["Cold storage"] == next(g["id"] for g in doc["groups"] if g["label"] == "Data layer")
    edges = edge_list(doc)
    assert ("Orders API", "Orders DB", "SQL", {}) in edges  # -->|text|
    assert ("Orders API", "Redis cache", "reads", {}) in edges  # -- text -->
    assert ("Orders API", "Jobs queue", "", {"async": True}) in edges  # -.->
    assert ("Jobs queue", "Worker", "", {}) in edges  # ==>
    assert ("Upload", "Archive", "", {}) in edges and ("Virus scan", "Archive", "", {}) in edges  # a & b
    assert ("WebSocket server", "Customer", "", {}) in edges  # after `;` on the same line
    assert not any(t == "Markdown title" or s == "Markdown title" for s, t, _, _ in edges)  # ~~~
    assert warned(result, "line 12", "a link with no arrow")
    assert warned(result, "line 17", "an invisible link")
    assert warned(result, "line 18", "arrows at both ends")
    assert warned(result, "line 31", "a link to or from a subgraph")
    assert warned(result, "line 32", "classDef is styling")
    assert warned(result, "line 13", "'decide': nothing says what it is, read as a service")


def test_an_architecture_diagram_reads_groups_icons_junctions_and_ports() -> None:
    result = read("architecture.mmd")
    doc = result.board
    assert doc["name"] == "Platform on one page"
    nodes = by_label(doc)
    kinds = {label: (n["kind"], n["props"].get("tech")) for label, n in nodes.items()}
    assert kinds == {
        "Gateway": ("api_gateway", None),
        "Orders service": ("service", None),
        "Postgres": ("sql_db", "postgresql"),  # the database icon, refined by the title
        "Session cache": ("cache", "redis"),  # an iconify icon
        "Uploads": ("object_storage", None),
        "Resizer": ("function", "aws-lambda"),
        "Thing": ("service", None),
    }
    assert groups_of(doc)["Postgres"] == "Data" and groups_of(doc)["Gateway"] == "API #1"
    parents = {g["label"]: g["parent"] for g in doc["groups"]}
    assert parents["Data"] == next(g["id"] for g in doc["groups"] if g["label"] == "Cloud")
    edges = edge_list(doc)
    assert ("Orders service", "Postgres", "SQL", {}) in edges
    assert ("Orders service", "Session cache", "", {}) in edges  # {group} modifiers
    assert ("Thing", "Uploads", "", {}) in edges  # `<--` points right to left
    # Through the junction: the edge into it joins every edge out of it.
    assert ("Orders service", "Uploads", "", {}) in edges and ("Orders service", "Resizer", "", {}) in edges
    assert warned(result, "line 19", "through a junction")
    assert warned(result, "line 23", "arrows at both ends")
    assert warned(result, "line 13", "'mystery': nothing says what it is")


@pytest.mark.parametrize(
    ("name", "loc", "words"),
    [
        ("broken_label.mmd", "line 3", "quote is never closed"),
        ("broken_architecture.mmd", "line 4", "not an architecture-beta statement"),
        ("open_subgraph.mmd", "body", "never closed with `end`"),
        ("sequence.mmd", "line 1", "use flowchart, graph or architecture-beta"),
    ],
)
def test_a_file_it_cannot_read_is_refused_with_the_line(name: str, loc: str, words: str) -> None:
    with pytest.raises(BoardError) as info:
        import_board((DATA / name).read_bytes(), fmt="mermaid")
    assert info.value.errors[0]["loc"] == loc and words in info.value.errors[0]["msg"]


@pytest.mark.parametrize("text", ["", "plain", 'say "hi"', "#35; literally", " spaced ", "a\nb", "x|y", "<br>", "100%"])
def test_text_encoding_reads_back_exactly(text: str) -> None:
    encoded = encode_text(text)
    assert '"' not in encoded and "\n" not in encoded and "|" not in encoded
    assert decode_text_value(encoded) == text


class MermaidParser:
    """One node process running @mermaid-js/parser for every diagram of the session."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["node", str(Path(__file__).parent / "formats" / "mermaid_parser.mjs")],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def parse(self, text: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(text) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def mermaid() -> Iterator[MermaidParser]:
    if shutil.which("node") is None or not (ROOT / "node_modules" / "@mermaid-js" / "parser").is_dir():
        pytest.fail("node and the npm package @mermaid-js/parser are needed: run `make install`")
    parser = MermaidParser()
    yield parser
    parser.close()


def test_the_parser_refuses_what_is_no_architecture_diagram(mermaid: MermaidParser) -> None:
    assert mermaid.parse("architecture-beta\n    service a(server)[A]\n    a -> b\n")["ok"] is False


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(boards())
def test_mermaids_own_parser_accepts_every_export_and_reads_the_same_elements(
    mermaid: MermaidParser, doc: dict[str, Any]
) -> None:
    parsed = mermaid.parse(export_text(doc, "mmd"))
    assert parsed["ok"], parsed.get("error")
    assert sorted(decode_text_value(s[2]) for s in parsed["services"]) == sorted(n["label"] for n in doc["nodes"])
    assert sorted(decode_text_value(g[1]) for g in parsed["groups"]) == sorted(g["label"] for g in doc["groups"])
    assert len(parsed["edges"]) == len(doc["edges"])
    assert all(not into_left and into_right for *_, into_left, into_right in parsed["edges"])
    if doc["name"]:
        assert decode_text_value(parsed["title"].strip().removeprefix("title").strip()) == doc["name"]
