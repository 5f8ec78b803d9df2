"""draw.io (whiteboard/domain/formats/drawio.py): plain and compressed files with every construct,
safe parsing, located errors, and exports that draw.io can open and edit."""

from __future__ import annotations

import base64
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import defusedxml.ElementTree as SafeET
import pytest
from hypothesis import HealthCheck, given, settings

from tests.format_boards import boards
from whiteboard.domain.board import validate_board
from whiteboard.domain.errors import BoardError
from whiteboard.domain.formats import export_text, import_board
from whiteboard.domain.formats.common import MAX_UNPACKED_BYTES

DATA = Path(__file__).parent / "formats"


def compress(xml: str) -> str:
    """A page as draw.io saves it by default: URL-encoded, raw deflate, base64."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    packed = packer.compress(quote(xml, safe="").encode()) + packer.flush()
    return base64.b64encode(packed).decode()


def compressed_file(plain: str) -> str:
    """The same file with each page's model compressed."""
    root = SafeET.fromstring(plain)
    pages = []
    for page in root.findall("diagram"):
        model = page.find("mxGraphModel")
        inner = SafeET.tostring(model, encoding="unicode") if model is not None else ""
        pages.append(f'<diagram id="{page.get("id")}" name="{page.get("name")}">{compress(inner)}</diagram>')
    return f'<mxfile host="test">{"".join(pages)}</mxfile>'


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    groups = {g["id"]: g["label"] for g in doc["groups"]}
    labels = {n["id"]: n["label"] for n in doc["nodes"]}
    return {
        "nodes": {
            n["label"]: (n["kind"], n["props"].get("tech"), groups.get(n.get("group")), n["x"], n["y"])
            for n in doc["nodes"]
        },
        "edges": sorted(
            (labels[e["source"]], labels[e["target"]], e["label"], sorted(e["props"].items())) for e in doc["edges"]
        ),
        "groups": sorted((g["label"], groups.get(g.get("parent"))) for g in doc["groups"]),
    }


def warned(result: Any, loc: str, words: str) -> bool:
    return any(w["loc"] == loc and words in w["msg"] for w in result.warnings)


PLAIN = (DATA / "drawio" / "plain.drawio").read_text()


def test_a_drawio_file_reads_containers_shapes_labels_edges_and_positions() -> None:
    result = import_board(PLAIN, fmt="drawio")
    doc = result.board
    assert doc["name"] == "Payments"
    nodes = summary(doc)["nodes"]
    # Geometry nests in containers: centres on the page are the containers' offsets added up.
    assert nodes["Resize images"] == ("function", "aws-lambda", "VPC", 270, 130)
    assert nodes["Ledger"] == ("sql_db", None, "Private subnet", 290, 300)
    assert nodes["Orders"][:3] == ("nosql_db", "dynamodb", "Private subnet")  # a UserObject wrapper
    assert nodes["Payment\nservice"][:3] == ("service", None, "VPC")  # an HTML label, tags dropped
    assert nodes["Customer"][:2] == ("user", None)  # umlActor
    assert nodes["Profiles"][:2] == ("nosql_db", "cosmos-db")  # the image's file name
    assert nodes["Settlement runs nightly"][:2] == ("note", None)  # a text cell
    assert nodes["Mystery box"][:2] == ("service", None)
    assert summary(doc)["groups"] == [("Private subnet", "VPC"), ("VPC", None)]
    edges = summary(doc)["edges"]
    assert ("Customer", "Payment\nservice", "HTTPS", [("protocol", "https"), ("route", "orthogonal")]) in edges
    assert ("Payment\nservice", "Resize images", "resize", [("async", True), ("protocol", "amqp")]) in edges
    assert ("Payment\nservice", "Ledger", "writes", []) in edges  # only a start arrow: reversed
    assert ("Payment\nservice", "Orders", "", [("route", "curved")]) in edges
    assert len(edges) == 6
    assert warned(result, "diagram[2]", "page 'Notes' left out")
    assert warned(result, "cell 'box'", "nothing says what it is: read as a service")
    assert warned(result, "cell 'db'", "read as sql_db from its shape 'cylinder3'")
    assert warned(result, "cell 'e6'", "not attached at both ends")
    assert warned(result, "cell 'e7'", "to or from a container")
    assert warned(result, "cell 'e8'", "no arrow")
    assert warned(result, "cell 'e1'", "protocol https read from the label")


def test_a_compressed_file_reads_as_the_plain_one() -> None:
    plain = import_board(PLAIN, fmt="drawio")
    packed = import_board(compressed_file(PLAIN), fmt="drawio")
    assert packed.board == plain.board
    assert packed.warnings == plain.warnings


def test_a_bare_mxgraphmodel_reads_too() -> None:
    model = SafeET.tostring(SafeET.fromstring(PLAIN).find("diagram/mxGraphModel"), encoding="unicode")
    assert summary(import_board(model, fmt="drawio").board) == summary(import_board(PLAIN, fmt="drawio").board)


@pytest.mark.parametrize(
    ("text", "loc", "words"),
    [
        ((DATA / "drawio" / "malformed.drawio").read_text(), "line 7", "not well-formed XML"),
        ("<svg></svg>", "body", "the root element is <svg>"),
        ("<mxfile></mxfile>", "body", "no page"),
        ('<mxfile><diagram name="x">not base64!!</diagram></mxfile>', "diagram[1]", "not base64"),
        ('<mxfile><diagram name="x">aGVsbG8gd29ybGQ=</diagram></mxfile>', "diagram[1]", "does not inflate"),
        ('<mxfile><diagram name="x">' + compress("<svg/>") + "</diagram></mxfile>", "diagram[1]", "not <mxGraphModel>"),
        (
            '<mxfile><diagram name="x">' + compress("<mxGraphModel><root>") + "</diagram></mxfile>",
            "diagram[1] line 1",
            "not well-formed",
        ),
    ],
)
def test_a_file_it_cannot_read_is_refused_with_its_place(text: str, loc: str, words: str) -> None:
    with pytest.raises(BoardError) as info:
        import_board(text, fmt="drawio")
    assert info.value.errors[0]["loc"] == loc, info.value.errors
    assert words in info.value.errors[0]["msg"]


@pytest.mark.parametrize("name", ["billion_laughs.drawio", "external_entity.drawio", "parameter_entity.drawio"])
def test_a_document_type_declaration_is_refused_before_any_entity_is_expanded(name: str) -> None:
    with pytest.raises(BoardError) as info:
        import_board((DATA / "hostile" / name).read_bytes(), fmt="drawio")
    assert "DTD" in info.value.errors[0]["msg"]


def test_a_zip_bomb_stops_at_the_cap_on_unpacked_size() -> None:
    bomb = compress("<mxGraphModel><root>" + "a" * (4 * MAX_UNPACKED_BYTES) + "</root></mxGraphModel>")
    assert len(bomb) < 100_000  # a few kilobytes that would unpack to 32 MiB
    with pytest.raises(BoardError) as info:
        import_board(f'<mxfile><diagram name="b">{bomb}</diagram></mxfile>', fmt="drawio")
    assert f"unpacks to more than {MAX_UNPACKED_BYTES} bytes" in info.value.errors[0]["msg"]


def sample() -> dict[str, Any]:
    return validate_board(
        {
            "format": "archboard/1",
            "name": "Shop",
            "nodes": [
                {"id": "u", "kind": "user", "label": "Shopper", "x": 0, "y": 0},
                {
                    "id": "fn",
                    "kind": "function",
                    "label": "Thumbs",
                    "x": 300,
                    "y": 0,
                    "group": "inner",
                    "props": {"tech": "aws-lambda"},
                },
                {
                    "id": "db",
                    "kind": "sql_db",
                    "label": "Orders",
                    "x": 300,
                    "y": 200,
                    "group": "outer",
                    "props": {"replicas": 2},
                },
                {
                    "id": "k",
                    "kind": "service",
                    "label": "API",
                    "x": 500,
                    "y": 100,
                    "group": "inner",
                    "props": {"tech": "kubernetes"},
                },
                {"id": "n", "kind": "note", "label": "Nightly batch", "x": 0, "y": 300},
            ],
            "edges": [
                {"id": "e1", "source": "u", "target": "k", "label": "checkout", "props": {"protocol": "https"}},
                {"id": "e2", "source": "k", "target": "db", "props": {"protocol": "sql", "route": "orthogonal"}},
                {"id": "e3", "source": "k", "target": "fn", "props": {"async": True}},
            ],
            "groups": [{"id": "outer", "label": "Cloud"}, {"id": "inner", "label": "Compute", "parent": "outer"}],
        }
    )


def test_an_export_is_a_drawio_file_with_containers_shapes_and_data() -> None:
    root = SafeET.fromstring(export_text(sample(), "drawio"))
    assert root.tag == "mxfile" and root.find("diagram").get("name") == "Shop"
    cells: dict[str, tuple[Any, Any]] = {}
    for item in root.find("diagram/mxGraphModel/root"):
        cell = item if item.tag == "mxCell" else item.find("mxCell")
        cells[item.get("id")] = (item, cell)
    assert set(cells) >= {"0", "1", "g-outer", "g-inner", "n-u", "n-fn", "n-db", "n-k", "n-n", "e-e1", "e-e2", "e-e3"}
    for item_id, (_, cell) in cells.items():
        if item_id != "0":
            assert cell.get("parent") in cells  # every cell hangs off an existing parent
    assert cells["g-inner"][1].get("parent") == "g-outer" and "container=1" in cells["g-inner"][1].get("style")
    assert cells["n-fn"][1].get("parent") == "g-inner"
    assert "resIcon=mxgraph.aws4.lambda" in cells["n-fn"][1].get("style")
    assert "mxgraph.kubernetes.icon;prIcon=deploy" in cells["n-k"][1].get("style")
    assert "shape=cylinder3" in cells["n-db"][1].get("style")
    assert "shape=umlActor" in cells["n-u"][1].get("style")
    assert cells["n-n"][1].get("style").startswith("text;")
    assert cells["n-db"][0].get("replicas") == "2" and cells["n-db"][0].get("kind") == "sql_db"
    edge = cells["e-e3"][1]
    assert (edge.get("source"), edge.get("target")) == ("n-k", "n-fn") and "dashed=1" in edge.get("style")
    assert "edgeStyle=orthogonalEdgeStyle" in cells["e-e2"][1].get("style")
    # Children sit inside their container: geometry relative to it, within its box.
    inner = cells["g-inner"][1].find("mxGeometry")
    for child in ("n-fn", "n-k"):
        geometry = cells[child][1].find("mxGeometry")
        assert float(geometry.get("x")) >= 0 and float(geometry.get("x")) + 60 <= float(inner.get("width"))
        assert float(geometry.get("y")) >= 0 and float(geometry.get("y")) + 60 <= float(inner.get("height"))


def test_an_export_reads_back_with_positions_and_compressed_too() -> None:
    doc = sample()
    text = export_text(doc, "drawio")
    for form in (text, compressed_file(text)):
        back = import_board(form, fmt="drawio")
        assert back.warnings == []
        assert summary(back.board) == summary(doc)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(boards())
def test_every_export_is_well_formed_xml_whose_ids_are_unique(doc: dict[str, Any]) -> None:
    root = SafeET.fromstring(export_text(doc, "drawio"))
    ids = [item.get("id") for item in root.find("diagram/mxGraphModel/root")]
    assert len(ids) == len(set(ids)) == 2 + len(doc["nodes"]) + len(doc["edges"]) + len(doc["groups"])
