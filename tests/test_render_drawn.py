"""The as-drawn picture of SPEC section 7: the canvas's geometry, addressable elements, the same
labels, badges and styles, every format, options, and hostile text through both layouts."""

from __future__ import annotations

import io
import itertools
import json
import re
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.builders import board, edge, node, sample_board
from tests.test_render_security import HOSTILE, SVG, XLINK, hostile_board, squeeze
from whiteboard.domain.board import validate_board
from whiteboard.domain.drawn import (
    MIN_TEXT_PX,
    TITLE_SIZE,
    DrawOptions,
    default_layout,
    draw_board,
    text_width,
)
from whiteboard.domain.layout import layout_board
from whiteboard.domain.look import LOOK, PROTOCOL_COLORS
from whiteboard.domain.palette import NOTE
from whiteboard.rendering import InvalidOption, Picture, RenderService, RenderSettings, picture_from_query
from whiteboard.rendering.service import PictureOutOfRange

FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures").glob("*.json"))
MAGIC = {"png": b"\x89PNG\r\n", "svg": b"<?xml", "pdf": b"%PDF-"}
DRAWN = Picture(layout="drawn")
AUTO = Picture(layout="auto")


@pytest.fixture(scope="module")
def service() -> Any:
    svc = RenderService(RenderSettings(timeout=20, cache_bytes=16 << 20))
    yield svc
    svc.close()


def icon(diagrams_class: str) -> str:
    return "data:image/png;base64,iVBORw0KGgo="


def drawn_svg(doc: dict[str, Any], **options: Any) -> ET.Element:
    return ET.fromstring(draw_board(doc, icon=icon, options=DrawOptions(**options)).svg.encode())


def elements(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-id", ""): g for g in root.iter(f"{SVG}g") if g.get("data-type")}


def bbox(g: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in (g.get("data-bbox") or "").split())
    return x, y, x + w, y + h


def body_centre(g: ET.Element) -> tuple[float, float]:
    """The centre of a node's box (its first rect that is not the replica ghost), in user units."""
    rect = next(r for r in g.iter(f"{SVG}rect") if r.get("class") is None)
    return float(rect.get("x", 0)) + float(rect.get("width", 0)) / 2, float(rect.get("y", 0)) + float(
        rect.get("height", 0)
    ) / 2


def board_translation(root: ET.Element) -> tuple[float, float]:
    board_g = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "board")
    dx, dy = re.fullmatch(r"translate\(([-\d.]+) ([-\d.]+)\)", board_g.get("transform", "")).groups()  # type: ignore[union-attr]
    return float(dx), float(dy)


def texts(g: ET.Element) -> str:
    return "".join("".join(t.itertext()) for t in g.iter(f"{SVG}text"))


def fit(points: list[tuple[float, float]], images: list[tuple[float, float]]) -> tuple[float, float, float]:
    """The least-squares uniform scale and translation taking `points` onto `images`."""
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    ix = sum(q[0] for q in images) / n
    iy = sum(q[1] for q in images) / n
    num = sum((p[0] - mx) * (q[0] - ix) + (p[1] - my) * (q[1] - iy) for p, q in zip(points, images, strict=True))
    den = sum((p[0] - mx) ** 2 + (p[1] - my) ** 2 for p in points) or 1.0
    s = num / den
    return s, ix - s * mx, iy - s * my


# --- geometry ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_node_centres_are_the_board_positions_after_one_uniform_scale_and_translation(fixture: Path) -> None:
    doc = json.loads(fixture.read_text())
    root = drawn_svg(doc)
    by_id = elements(root)
    dx, dy = board_translation(root)
    nodes = [n for n in doc["nodes"] if n["kind"] != NOTE]
    centres = [(c[0] + dx, c[1] + dy) for c in (body_centre(by_id[n["id"]]) for n in nodes)]
    positions = [(float(n["x"]), float(n["y"])) for n in nodes]
    s, tx, ty = fit(positions, centres)
    view = [float(v) for v in root.get("viewBox", "").split()]
    extent = max(view[2], view[3])
    assert abs(s - 1) < 0.01  # the canvas at 100 % zoom
    for (x, y), (cx, cy) in zip(positions, centres, strict=True):
        assert abs(s * x + tx - cx) <= 0.01 * extent and abs(s * y + ty - cy) <= 0.01 * extent


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_every_group_box_contains_its_members_and_its_child_groups(fixture: Path) -> None:
    doc = json.loads(fixture.read_text())
    by_id = elements(drawn_svg(doc))
    members = [(n["group"], n["id"]) for n in doc["nodes"] if n.get("group")]
    members += [(g["parent"], g["id"]) for g in doc.get("groups", []) if g.get("parent")]
    assert members
    for group, member in members:
        gx1, gy1, gx2, gy2 = bbox(by_id[group])
        mx1, my1, mx2, my2 = bbox(by_id[member])
        assert gx1 <= mx1 and gy1 <= my1 and mx2 <= gx2 and my2 <= gy2, (group, member)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_every_element_is_one_addressable_group_with_its_id_type_and_box(fixture: Path) -> None:
    doc = json.loads(fixture.read_text())
    root = drawn_svg(doc)
    found = [(g.get("data-id"), g.get("data-type")) for g in root.iter(f"{SVG}g") if g.get("data-type")]
    expected = [(g["id"], "group") for g in doc.get("groups", [])]
    expected += [(e["id"], "edge") for e in doc["edges"]]
    expected += [(n["id"], "note" if n["kind"] == NOTE else "node") for n in doc["nodes"]]
    assert sorted(found) == sorted(expected)
    view = [float(v) for v in root.get("viewBox", "").split()]
    for g in root.iter(f"{SVG}g"):
        if g.get("data-type") in ("node", "group", "note"):
            x1, y1, x2, y2 = bbox(g)
            assert 0 <= x1 < x2 <= view[2] and 0 <= y1 < y2 <= view[3]


def test_labels_badges_protocols_and_the_legend_follow_the_look() -> None:
    doc = sample_board()
    root = drawn_svg(doc)
    by_id = elements(root)
    # A replicated component shows ×N as a badge; a single one shows none.
    gw = by_id["gw"]
    assert [t.text for t in gw.iter(f"{SVG}tspan") if t.get("class") == "replicas"] == ["×2"]
    assert any(r.get("class") == "ghost" for r in gw.iter(f"{SVG}rect"))
    assert "×" not in texts(by_id["users"])
    # An edge without a label shows its protocol, in the protocol's colour; async edges are dashed.
    assert texts(by_id["e2"]) == "GRPC" and texts(by_id["e1"]) == "HTTPS"
    path = next(by_id["e2"].iter(f"{SVG}path"))
    assert path.get("stroke") == PROTOCOL_COLORS["grpc"] and path.get("stroke-dasharray") is None
    dashed = next(by_id["e3"].iter(f"{SVG}path"))
    assert dashed.get("stroke-dasharray") == " ".join(map(str, LOOK["edge"]["async_dash"]))
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    entries = {g.get("data-legend"): texts(g) for g in legend.iter(f"{SVG}g") if g.get("data-legend")}
    assert entries == {"p:https": "HTTPS", "p:grpc": "GRPC", "p:amqp": "AMQP", "p:sql": "SQL", "async": "asynchronous"}


def test_a_node_is_drawn_with_its_tech_icon_and_a_note_as_text() -> None:
    doc = board(
        [
            node("c", "cache", x=0, y=0, props={"tech": "redis"}),
            node("d", "cache", x=200, y=0),
            node("n", "note", label="Hot keys\nexpire in 5 min", x=100, y=150),
        ],
        [edge("e", "n", "c")],
    )
    seen: list[str] = []
    svg = draw_board(doc, icon=lambda cls: seen.append(cls) or "data:image/png;base64,AA==").svg
    assert seen == ["diagrams.onprem.inmemory.Redis", "diagrams.aws.database.ElasticacheCacheNode"]
    by_id = elements(ET.fromstring(svg.encode()))
    note = by_id["n"]
    assert note.get("data-type") == "note" and texts(note) == "Hot keysexpire in 5 min"
    assert not list(note.iter(f"{SVG}use")) and not list(note.iter(f"{SVG}rect"))
    arrow = next(by_id["e"].iter(f"{SVG}path"))
    assert arrow.get("stroke") == LOOK["annotation"]["color"] and texts(by_id["e"]) == ""


def test_edges_follow_their_route_as_the_canvas_draws_them() -> None:
    nodes = [node("a", x=0, y=0), node("b", x=300, y=200)]
    routes = {"s": "straight", "c": "curved", "o": "orthogonal"}
    doc = board(nodes, [edge(k, "a", "b", props={"route": r}) for k, r in routes.items()])
    by_id = elements(drawn_svg(doc))
    assert re.fullmatch(r"M[-\d. ]+ L[-\d. ]+", next(by_id["s"].iter(f"{SVG}path")).get("d", ""))
    assert " Q" in next(by_id["c"].iter(f"{SVG}path")).get("d", "")
    points = [tuple(map(float, p.split())) for p in next(by_id["o"].iter(f"{SVG}path")).get("d", "")[1:].split(" L")]
    assert len(points) == 4
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        assert abs(x1 - x2) < 0.05 or abs(y1 - y2) < 0.05  # every leg is horizontal or vertical


def test_an_edge_label_that_would_cover_a_component_is_drawn_beside_it() -> None:
    nodes = [node("a", x=0, y=0), node("mid", label="Middle", x=200, y=0), node("b", x=400, y=0)]
    doc = board(nodes, [edge("over", "a", "b", label="Passes by"), edge("free", "a", "mid", label="Calls")])
    by_id = elements(drawn_svg(doc))

    def rect_box(rect: ET.Element) -> tuple[float, float, float, float]:
        x, y, w, h = (float(rect.get(k, 0)) for k in ("x", "y", "width", "height"))
        return x, y, x + w, y + h

    # The middle component's frame and its label's background, in the edges' coordinates.
    middle = [rect_box(r) for r in by_id["mid"].iter(f"{SVG}rect")]
    assert len(middle) == 2

    def label(edge_id: str) -> tuple[tuple[float, float, float, float], ET.Element]:
        group = next(g for g in by_id[edge_id].iter(f"{SVG}g") if g.get("class") == "label")
        return rect_box(next(group.iter(f"{SVG}rect"))), next(group.iter(f"{SVG}tspan"))

    (x1, y1, x2, y2), text = label("over")
    for m in middle:
        assert x2 <= m[0] or x1 >= m[2] or y2 <= m[1] or y1 >= m[3]  # clear of the icon and of its label
    assert abs(float(text.get("x", 0)) - (x1 + x2) / 2) < 0.1  # the text moved with its box
    assert y1 < float(text.get("y", 0)) < y2
    (x1, y1, x2, y2), _ = label("free")
    assert abs((y1 + y2) / 2) < 0.1  # nothing in the way: on its line (y = 0)


def test_parallel_straight_edges_fan_out_and_a_lone_one_stays_straight() -> None:
    doc = board([node("a", x=0, y=0), node("b", x=300, y=0)], [edge("e1", "a", "b"), edge("e2", "b", "a")])
    paths = [
        next(g.iter(f"{SVG}path")).get("d", "")
        for g in elements(drawn_svg(doc)).values()
        if g.get("data-type") == "edge"
    ]
    assert all(" Q" in d for d in paths) and paths[0] != paths[1]


def test_the_default_layout_is_drawn_only_when_every_node_has_a_position() -> None:
    assert default_layout(sample_board()) == "drawn"
    assert default_layout(board([node("a", x=0, y=0), node("b")])) == "auto"


def test_links_wrap_each_node_in_a_link_to_its_element_on_the_board_page() -> None:
    root = drawn_svg(sample_board(), link="https://arch.example/boards/7/")
    links = list(root.iter(f"{SVG}a"))
    assert len(links) == len(sample_board()["nodes"])
    first = links[0]
    inner = next(iter(first))
    assert first.get("href") == f"https://arch.example/boards/7/#node-{inner.get('data-id')}"
    assert first.get(XLINK) == first.get("href")


def test_a_width_scales_the_picture_and_keeps_text_readable() -> None:
    doc = json.loads(FIXTURES[0].read_text())
    root = drawn_svg(doc, width=800)
    view = [float(v) for v in root.get("viewBox", "").split()]
    assert root.get("width") == "800"
    shrink = 800 / view[2]
    sizes = [float(t.get("font-size", 0)) for t in root.iter(f"{SVG}text")]
    assert min(sizes) * shrink >= 11 - 0.05


@pytest.mark.parametrize("width", [None, 800, 1200])
def test_the_picture_says_how_large_its_smallest_text_comes_out(service: Any, width: int | None) -> None:
    """`data-smallest-text-px` is the smallest font size drawn, in px of the picture: what the
    editor's Export menu warns about before a wide board is exported at a page width."""
    wide = board(nodes=[node(f"n{i}", "service", x=i * 220, y=0) for i in range(30)])
    wide["edges"] = [edge(f"e{i}", f"n{i}", f"n{i + 1}", label="HTTPS") for i in range(29)]
    for doc in (wide, sample_board()):
        page = service.render(doc, fmt="svg", picture=Picture(layout="drawn", width=width)).content
        root = ET.fromstring(page)
        view = [float(v) for v in root.get("viewBox", "").split()]
        shrink = (width / view[2]) if width else 1.0
        sizes = [float(t.get("font-size", 0)) for t in root.iter(f"{SVG}text") if t.get("font-size")]
        said = float(root.get("data-smallest-text-px", "nan"))
        assert said == pytest.approx(min(sizes) * shrink, abs=0.15), (width, doc.get("name"))
    if width == 800:
        # 30 components in a row, 6,600 units wide: no text growth makes that readable at 800 px.
        root = ET.fromstring(service.render(wide, fmt="svg", picture=Picture(layout="drawn", width=800)).content)
        assert float(root.get("data-smallest-text-px", "nan")) < 11


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_the_width_a_picture_names_as_readable_is(service: Any, fixture: Path) -> None:
    """Too wide for 800 px, a picture names the narrowest width at which its text reads
    (`data-readable-width`, what the Export menu and the CLI offer); asked for, that width
    gives text of at least MIN_TEXT_PX, and a little narrower does not."""
    doc = json.loads(fixture.read_text())

    def at(width: int) -> ET.Element:
        return ET.fromstring(service.render(doc, fmt="svg", picture=Picture(layout="drawn", width=width)).content)

    narrow = at(800)
    assert float(narrow.get("data-smallest-text-px", "nan")) < MIN_TEXT_PX  # the demo boards are wider
    readable = int(narrow.get("data-readable-width", "0"))
    assert 800 < readable <= 4000
    assert float(at(readable).get("data-smallest-text-px", "nan")) >= MIN_TEXT_PX
    assert float(at(readable - 40).get("data-smallest-text-px", "nan")) < MIN_TEXT_PX


def test_text_grows_for_a_page_width_within_bounds(service: Any) -> None:
    """A long title over a small board at the narrowest width: where the text itself sets the
    picture's width no scale reads, and the text stops at four times its size (a font thousands of
    times too large broke the PNG worker for the pictures after it)."""
    doc = board(nodes=[node("a", "service", x=0, y=0)], name="A board whose name is much longer than its one component")

    def largest_font(width: int | None) -> float:
        root = ET.fromstring(service.render(doc, fmt="svg", picture=Picture(layout="drawn", width=width)).content)
        return max(float(t.get("font-size", 0)) for t in root.iter(f"{SVG}text") if t.get("font-size"))

    assert largest_font(None) == TITLE_SIZE
    assert largest_font(200) <= 4 * TITLE_SIZE  # unbounded, it was 26,335 px
    png = service.render(doc, fmt="png", picture=Picture(layout="drawn", width=200)).content
    assert png_size(png)[0] == 200


def _overlapping_nodes(svg: bytes) -> int:
    root = ET.fromstring(svg)
    boxes = [bbox(g) for g in root.iter(f"{SVG}g") if g.get("data-type") == "node"]
    return sum(
        1
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5
    )


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_a_page_width_never_runs_labels_into_each_other(service: Any, fixture: Path) -> None:
    """At a doc width the text grows only as far as it stays clear of its neighbours: the
    picture keeps the board's positions, and no node with its label runs into another."""
    doc = json.loads(fixture.read_text())
    natural = service.render(doc, fmt="svg", picture=DRAWN).content
    for width in (800, 1200):
        page = service.render(doc, fmt="svg", picture=Picture(layout="drawn", width=width)).content
        assert _overlapping_nodes(page) <= _overlapping_nodes(natural), width


def test_text_is_measured_with_the_fonts_metrics() -> None:
    assert text_width("WWWW", 12) > text_width("iiii", 12) > 0


# --- the service, every format ------------------------------------------------------------


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_every_demo_board_is_drawn_in_every_picture_format(service: Any, fixture: Path, fmt: str) -> None:
    rendered = service.render(json.loads(fixture.read_text()), fmt=fmt, picture=DRAWN)
    assert rendered.content.startswith(MAGIC[fmt])


def png_size(content: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", content[16:24])
    return width, height


def test_the_drawn_svg_is_self_contained(service: Any) -> None:
    svg = service.render(sample_board(), fmt="svg", picture=DRAWN).content.decode()
    root = ET.fromstring(svg)
    assert root.get("data-layout") == "drawn"
    for element in root.iter():
        for name, value in element.attrib.items():
            if name in (XLINK, "href"):
                assert value.startswith(("#", "data:image/png;base64,")), value
    assert "site-packages" not in svg and "/tmp" not in svg


def test_a_drawn_png_scales_and_has_a_transparent_background_on_request(service: Any) -> None:
    one = service.render(sample_board(), fmt="png", picture=DRAWN).content
    two = service.render(sample_board(), fmt="png", scale=2, picture=DRAWN).content
    assert abs(png_size(two)[0] - 2 * png_size(one)[0]) <= 2
    from PIL import Image

    clear = service.render(sample_board(), fmt="png", picture=Picture(layout="drawn", background="transparent")).content
    assert Image.open(io.BytesIO(clear)).convert("RGBA").getpixel((1, 1))[3] == 0
    assert Image.open(io.BytesIO(one)).convert("RGBA").getpixel((1, 1)) == (255, 255, 255, 255)


def test_a_drawn_png_at_a_width_has_that_width(service: Any) -> None:
    png = service.render(sample_board(), fmt="png", picture=Picture(layout="drawn", width=800)).content
    assert png_size(png)[0] == 800


def far_apart(distance: float) -> dict[str, Any]:
    return board(
        [
            node("a", "service", label="A", x=0, y=0, props={}),
            node("b", "sql_db", label="B", x=0, y=distance, props={}),
        ],
        [edge("e", "a", "b", props={})],
    )


def test_a_png_no_image_can_hold_is_refused_with_the_reason_and_svg_and_pdf_still_work(service: Any) -> None:
    # A node a typo put 100,000 px away: cairo refuses a surface past 32,767 px (once a 500).
    doc = far_apart(-100_000)
    with pytest.raises(PictureOutOfRange) as refused:
        service.render(doc, fmt="png", picture=DRAWN)
    assert refused.value.status == 422
    assert refused.value.message.startswith("A PNG of this board would be ")
    assert "at most 32,767 px on a side. Export SVG or PDF" in refused.value.message
    assert service.render(doc, fmt="svg", picture=DRAWN).content.startswith(b"<?xml")
    assert service.render(doc, fmt="pdf", picture=DRAWN).content.startswith(b"%PDF-")


def test_a_png_at_the_limit_is_made_and_a_scale_or_width_past_it_is_refused(service: Any) -> None:
    doc = far_apart(-20_000)
    png = service.render(doc, fmt="png", picture=DRAWN).content
    assert 20_000 < png_size(png)[1] <= 32_767
    with pytest.raises(PictureOutOfRange, match=r" x [0-9,]+ px; a PNG"):
        service.render(doc, fmt="png", scale=2, picture=DRAWN)
    with pytest.raises(PictureOutOfRange):
        service.render(doc, fmt="png", picture=Picture(layout="drawn", width=800))  # a narrow board, scaled up


def test_nodes_a_hair_apart_are_drawn_as_one_point_not_a_division_by_zero(service: Any) -> None:
    # Valid positions 1e-300 px apart: the square of that distance is 0 in floats.
    doc = far_apart(0)
    doc["nodes"][1].update(x=1e-300, y=1e-300)
    assert service.render(doc, fmt="svg", picture=DRAWN).content.startswith(b"<?xml")
    assert layout_board(validate_board(doc))


def test_a_pdf_page_near_cairos_coordinate_range_is_refused_and_the_svg_made(service: Any) -> None:
    # This board's PDF once ran out of memory (a 503 telling the user to split a 2-node board).
    doc = board(
        [node("a", "user", x=0, y=0, props={}), node("n", "note", x=-10_000_000, y=7_637_510, props={})],
        [edge("e", "a", "n", props={})],
        groups=[{"id": "g", "label": "", "parent": None, "props": {}}],
    )
    with pytest.raises(PictureOutOfRange, match=r"^A PDF of this board would be .* at most 1,000,000 pt on a side"):
        service.render(doc, fmt="pdf", picture=DRAWN)
    assert service.render(doc, fmt="svg", picture=DRAWN).content.startswith(b"<?xml")


@pytest.mark.parametrize(("x", "y", "fmt"), [(-10_000_000, -10_000_000, "png"), (-3_000_000, -3_000_000, "pdf")])
def test_a_board_drawn_smaller_than_a_pixel_is_refused_not_left_to_exhaust_memory(
    service: Any, x: float, y: float, fmt: str
) -> None:
    # At a width of 800, a board 10,000,000 px across is drawn at 1/12,500: cairo's image filter
    # for that took more than the 1 GiB limit (a 503 telling the user to split a 2-node board).
    doc = far_apart(0)
    doc["nodes"][1].update(x=x, y=y)
    with pytest.raises(PictureOutOfRange, match=r"of its size: its components would be smaller than a pixel"):
        service.render(doc, fmt=fmt, picture=Picture(layout="drawn", width=800))


def test_a_board_too_thin_for_a_pixel_at_its_width_is_refused(service: Any) -> None:
    doc = far_apart(0)
    doc["nodes"][1].update(x=-10_000_000)
    with pytest.raises(PictureOutOfRange, match=r"^At 320 x 0.00[0-9]+ px this board"):
        service.render(doc, fmt="png", picture=Picture(layout="drawn", width=320))  # once librsvg's "no area", a 500


def test_moving_a_node_redraws_the_drawn_picture_but_not_the_auto_one(service: Any) -> None:
    moved = sample_board()
    moved["nodes"][0]["x"] = 999
    assert (
        service.render(moved, fmt="svg", picture=AUTO).content
        == service.render(sample_board(), fmt="svg", picture=AUTO).content
    )
    assert (
        service.render(moved, fmt="svg", picture=DRAWN).content
        != service.render(sample_board(), fmt="svg", picture=DRAWN).content
    )


def test_options_that_cannot_apply_are_refused_with_the_reason(service: Any) -> None:
    unplaced = board([node("a"), node("b")])
    with pytest.raises(InvalidOption, match="needs a position"):
        service.render(unplaced, fmt="svg", picture=DRAWN)
    with pytest.raises(InvalidOption, match="drawn layout"):
        service.render(sample_board(), fmt="svg", picture=Picture(layout="auto", width=800))
    for query, message in (
        ({"layout": "sideways"}, "layout must be"),
        ({"background": "pink"}, "background must be"),
        ({"width": "12"}, "width must be"),
        ({"links": "1"}, "stored board"),
    ):
        with pytest.raises(InvalidOption, match=message):
            picture_from_query(query)
    assert picture_from_query({"links": "1", "width": "1200"}, link="/b/") == Picture(width=1200, link="/b/")


# --- hostile text, both layouts -------------------------------------------------------------


def placed(doc: dict[str, Any]) -> dict[str, Any]:
    for i, n in enumerate(doc["nodes"]):
        n["x"], n["y"] = 200 * i, 100
    return doc


@pytest.mark.parametrize("label", HOSTILE)
def test_a_hostile_label_is_drawn_as_its_literal_text_and_injects_nothing(service: Any, label: str) -> None:
    svg = service.render(placed(hostile_board(label)), fmt="svg", picture=DRAWN).content.decode()
    root = ET.fromstring(svg)
    by_id = elements(root)
    assert set(by_id) == {"a", "b", "e", "g"}
    assert squeeze(texts(by_id["a"])) == squeeze(label)
    assert squeeze(texts(by_id["e"])) == squeeze(label)
    assert squeeze(texts(by_id["g"])) == squeeze(label.upper())
    title = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "title")
    assert squeeze(title.text or "") == squeeze(label)
    for element in root.iter():
        assert element.tag != f"{SVG}script"
        for name, value in element.attrib.items():
            assert "javascript:" not in value.lower(), (name, value)
            if name in (XLINK, "href"):
                assert value.startswith(("#", "data:image/png;base64,")), value


PARAGRAPH_SEPARATORS = "\n\r\x1c\x1d\x1e\x85\u2029"


def test_a_paragraph_separator_inside_a_line_is_measured_as_a_space() -> None:
    # Any Unicode is a valid label; PIL's shaper refuses a line that holds one of these.
    for separator in PARAGRAPH_SEPARATORS:
        assert text_width(f"a{separator}b", 14) == text_width("a b", 14), repr(separator)


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
@pytest.mark.parametrize("layout", ["drawn", "auto"])
def test_a_board_with_every_paragraph_separator_in_its_text_renders(service: Any, fmt: str, layout: str) -> None:
    label = "x".join(PARAGRAPH_SEPARATORS)
    picture = Picture(layout=layout, width=800 if layout == "drawn" else None)
    rendered = service.render(placed(hostile_board(label)), fmt=fmt, picture=picture)
    assert rendered.content[:5] in (b"<svg ", b"<?xml", b"\x89PNG\r", b"%PDF-")


@pytest.mark.parametrize("label", HOSTILE)
@pytest.mark.parametrize("layout", ["drawn", "auto"])
@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_a_hostile_label_renders_to_png_and_pdf_in_both_layouts(
    service: Any, label: str, layout: str, fmt: str
) -> None:
    doc = placed(hostile_board(label))
    assert service.render(doc, fmt=fmt, picture=Picture(layout=layout)).content.startswith(MAGIC[fmt])


def test_librsvg_is_there() -> None:
    assert subprocess.run(["rsvg-convert", "--version"], capture_output=True, check=False).returncode == 0


# --- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["drawn", "auto"])
def test_render_takes_the_layout(tmp_path: Path, layout: str) -> None:
    src = tmp_path / "board.json"
    src.write_text(json.dumps(sample_board()))
    out = tmp_path / "board.svg"
    call_command("render", str(src), "-o", str(out), "--layout", layout, stdout=io.StringIO())
    assert (b'data-layout="drawn"' in out.read_bytes()) == (layout == "drawn")
