"""Hostile labels render as their literal text in every format and inject nothing."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tests.builders import board, edge, node
from whiteboard.domain.diagram import build_dot, clean_text, wrap_label
from whiteboard.domain.pyexport import board_to_python
from whiteboard.rendering import FORMATS, RenderService, RenderSettings

HOSTILE = [
    "say \"hi\" and 'bye'",
    "C:\\path\\to\\file",
    "\\N \\G \\l \\E \\T \\H",
    "line one\nline two\r\nline three",
    "<b>html</b>",
    "<<table>>",
    '<TD HREF="javascript:alert(1)">click</TD>',
    '<IMG SRC="/etc/hostname"/>',
    "<z> ] X [label=pwn]; q [label=<w>",
    "ends with a backslash \\",
    "{braces} | {record|fields}",
    "rocket 🚀 fire 🔥",
    "שלום עולם مرحبا بالعالم",
    "&lt;b&gt; &amp; &#60; &",
    '"); import os #',
    "</svg>\n<svg><script>alert(1)</script>",
    "'''; __import__('os').system('id') #",
    ("two hundred characters " * 9)[:200],
    "x" * 200,
    # Unicode's paragraph separators inside a line: the text shaper refused to measure them.
    "next\x85line\u2029paragraph",
]

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"


def hostile_board(label: str) -> dict[str, Any]:
    """The label everywhere a user string is drawn: board name, group, node and edge."""
    return board(
        [
            node("a", "service", label=label, group="g", props={}),
            node("b", "sql_db", label="plain", props={}),
        ],
        [edge("e", "a", "b", label=label, props={"protocol": "https", "async": True})],
        name=label,
        direction="LR",
        groups=[{"id": "g", "label": label, "parent": None, "props": {}}],
        description="",
    )


def drawn_lines(label: str, width: int = 20) -> list[str]:
    return [line for line in wrap_label(label, width) if line.strip()]


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def service() -> Any:
    svc = RenderService(RenderSettings(timeout=20, cache_bytes=1 << 20))
    yield svc
    svc.close()


def svg_texts(group: ET.Element) -> list[str]:
    return [t.text or "" for t in group.iter(f"{SVG}text")]


@pytest.mark.parametrize("label", HOSTILE)
def test_a_hostile_label_is_drawn_as_its_literal_text_in_the_svg(service: Any, label: str) -> None:
    svg = service.render(hostile_board(label), fmt="svg").content.decode()
    root = ET.fromstring(svg)
    groups = {cls: [g for g in root.iter(f"{SVG}g") if g.get("class") == cls] for cls in ("node", "edge", "cluster")}
    assert len(groups["node"]) == 2
    assert len(groups["edge"]) == 1
    assert len(groups["cluster"]) == 1
    node_a = next(g for g in groups["node"] if "plain" not in svg_texts(g))
    assert svg_texts(node_a) == drawn_lines(label)
    assert squeeze("".join(svg_texts(node_a))) == squeeze(label)
    assert squeeze("".join(svg_texts(groups["edge"][0]))) == squeeze(label)
    assert squeeze("".join(svg_texts(groups["cluster"][0]))) == squeeze(label)


@pytest.mark.parametrize("label", HOSTILE)
def test_a_hostile_label_adds_no_link_image_or_file_reference_to_the_svg(service: Any, label: str) -> None:
    svg = service.render(hostile_board(label), fmt="svg").content.decode()
    root = ET.fromstring(svg)
    for element in root.iter():
        assert element.tag not in (f"{SVG}a", f"{SVG}image") or element.get(XLINK, "").startswith("data:image/png")
        for name, value in element.attrib.items():
            assert "javascript:" not in value.lower(), (name, value)
            assert "/etc/" not in value and "file:" not in value.lower(), (name, value)
            if name in (XLINK, "href"):
                assert value.startswith(("#", "data:image/png;base64,")), value
    assert "/etc/hostname" not in re.sub(r"<text[^>]*>[^<]*</text>", "", svg)


def dot_json(source: str) -> dict[str, Any]:
    done = subprocess.run(["dot", "-Tjson"], input=source.encode(), capture_output=True, timeout=30, check=True)
    return json.loads(done.stdout)


def drawn_text(obj: dict[str, Any], key: str = "_ldraw_") -> list[str]:
    return [op["text"] for op in obj.get(key, []) if op.get("op") == "T"]


@pytest.mark.parametrize("label", HOSTILE)
def test_a_hostile_label_reads_back_literally_from_the_dot_and_injects_no_node(label: str) -> None:
    source = build_dot(hostile_board(label))
    graph = dot_json(source)
    subgraphs = graph.get("_subgraph_cnt", 0)
    nodes = sorted(graph["objects"][subgraphs:], key=lambda n: n["name"])
    clusters = graph["objects"][:subgraphs]
    assert [n["name"] for n in nodes] == ["n0", "n1"]
    assert len(clusters) == 1
    assert len(graph["edges"]) == 1
    assert drawn_text(nodes[0]) == drawn_lines(label)
    assert squeeze("".join(drawn_text(graph["edges"][0]))) == squeeze(label)
    assert squeeze("".join(drawn_text(clusters[0]))) == squeeze(label)
    assert squeeze("".join(drawn_text(graph))) == squeeze(label)
    assert "image" not in str(nodes[0].get("label", ""))
    for obj in [graph, *graph["objects"], *graph["edges"]]:
        for key in ("href", "URL", "tooltip", "target"):
            assert key not in obj


@pytest.mark.parametrize("label", HOSTILE)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_hostile_label_renders_in_every_format(service: Any, label: str, fmt: str) -> None:
    rendered = service.render(hostile_board(label), fmt=fmt)
    magic = {
        "png": b"\x89PNG",
        "pdf": b"%PDF",
        "svg": b"<?xml",
        "dot": b"digraph",
        "py": b'"""',
        "mmd": b"architecture-beta",
        "drawio": b"<mxfile",
        "compose.yaml": b"# Generated",
        "k8s.yaml": b"# Generated",
    }
    assert rendered.content.startswith(magic.get(fmt, b"{"))
    if fmt == "json":
        assert json.loads(rendered.content)["nodes"][0]["label"] == label


ALLOWED_MODULES = {"diagrams", "graphviz"}
ALLOWED_CALLS = {"Cluster", "Diagram", "Edge", "escape"}


def check_script(source: str) -> list[str]:
    """The export's imports and calls are the expected ones; returns the escaped string constants."""
    tree = ast.parse(source)
    imported: set[str] = set()
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.Import):
            raise AssertionError("plain import in export")
        if isinstance(stmt, ast.ImportFrom):
            assert (stmt.module or "").split(".")[0] in ALLOWED_MODULES, stmt.module
            imported |= {alias.asname or alias.name for alias in stmt.names}
    assert imported >= {"Cluster", "Diagram", "Edge", "escape"}
    escaped: list[str] = []
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        assert isinstance(call.func, ast.Name), ast.dump(call.func)
        assert call.func.id in imported and (call.func.id in ALLOWED_CALLS or call.func.id[0].isupper())
        if call.func.id == "escape":
            assert len(call.args) == 1 and isinstance(call.args[0], ast.Constant)
            escaped.append(call.args[0].value)
    for stmt in tree.body:
        assert isinstance(stmt, ast.Expr | ast.ImportFrom | ast.Assign | ast.With), ast.dump(stmt)
    return escaped


@pytest.mark.parametrize("label", HOSTILE)
def test_a_hostile_label_stays_a_string_literal_in_the_python_export(label: str) -> None:
    escaped = check_script(board_to_python(hostile_board(label)))
    node_text = "\n".join(wrap_label(label)).replace("&", "&amp;")
    edge_text = "\n".join(wrap_label(label, 30)).replace("&", "&amp;")
    title = clean_text(label).replace("\n", " ").replace("&", "&amp;")
    assert node_text in escaped
    assert edge_text in escaped
    assert title in escaped


def test_a_label_that_closes_a_call_stays_a_string_in_the_python_export() -> None:
    source = board_to_python(hostile_board('"); import os #'))
    check_script(source)
    assert "import os" not in [line.strip() for line in source.splitlines()]
    assert "escape('\"); import os #')" in source
