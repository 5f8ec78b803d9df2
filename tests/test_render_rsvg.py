"""PNG and PDF of the drawn layout come from warm librsvg workers: the pixels `rsvg-convert` draws,
many pictures per worker, under the time and memory limits, and a picture refused with its reason
without losing the worker."""

from __future__ import annotations

import io
import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from tests.builders import board, edge, node
from whiteboard.rendering import Picture, RenderService, RenderSettings
from whiteboard.rendering.dot import DotFailed
from whiteboard.rendering.rsvg import KEY, RsvgPool
from whiteboard.rendering.service import RenderTooComplex

SQUAD = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "multi_agent_squad.json").read_text())
DRAWN = Picture(layout="drawn")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def service() -> Any:
    svc = RenderService(RenderSettings(timeout=20, cache_bytes=16 << 20))
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def pool() -> Any:
    rsvg = RsvgPool(memory=1 << 30)
    yield rsvg
    rsvg.close()


def grid(columns: int, rows: int, *, name: str = "Grid") -> dict[str, Any]:
    """Services on a grid 200 px apart, each calling its right-hand neighbour."""
    nodes = [
        {**node(f"n{r}_{c}", "service", label=f"Service {r}.{c}"), "x": 200 * c, "y": 160 * r}
        for r in range(rows)
        for c in range(columns)
    ]
    edges = [edge(f"e{r}_{c}", f"n{r}_{c}", f"n{r}_{c + 1}") for r in range(rows) for c in range(columns - 1)]
    return board(nodes, edges, name=name)


def decoded(png: bytes) -> Image.Image:
    Image.open(io.BytesIO(png)).verify()  # every chunk's CRC and the stream's structure
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def rsvg_convert(svg: bytes, *args: str) -> bytes:
    return subprocess.run(["rsvg-convert", *args], input=svg, capture_output=True, check=True, timeout=60).stdout


@pytest.mark.parametrize("zoom", [0.5, 1.0, 2.5])
def test_a_png_has_the_pixels_rsvg_convert_draws(service: RenderService, pool: RsvgPool, zoom: float) -> None:
    svg = service.render(SQUAD, fmt="svg", picture=DRAWN).content
    ours = decoded(pool.convert(svg, fmt="png", zoom=zoom, timeout=20))
    theirs = decoded(rsvg_convert(svg, "--format", "png", "--zoom", f"{zoom:g}"))
    assert ours.mode == theirs.mode == "RGBA"
    assert ours.size == theirs.size
    assert ImageChops.difference(ours, theirs).getbbox() is None


def test_where_pillow_cannot_unpack_cairos_pixels_cairos_own_writer_makes_the_png(
    service: RenderService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The path a big-endian machine takes, run here in this process.
    from whiteboard.rendering import rsvg_worker

    monkeypatch.setattr(rsvg_worker, "RAWMODE", None)
    svg = service.render(SQUAD, fmt="svg", picture=Picture(layout="drawn", background="transparent")).content
    assert rsvg_worker.png(svg, 1.0) == rsvg_convert(svg, "--format", "png")  # the same writer, byte for byte


def test_a_transparent_png_keeps_its_alpha_as_rsvg_convert_does(service: RenderService, pool: RsvgPool) -> None:
    svg = service.render(SQUAD, fmt="svg", picture=Picture(layout="drawn", background="transparent")).content
    ours = decoded(pool.convert(svg, fmt="png", zoom=1.0, timeout=20))
    theirs = decoded(rsvg_convert(svg, "--format", "png"))
    assert ours.size == theirs.size
    assert ours.getpixel((0, 0))[3] == 0  # type: ignore[index]
    alpha_low, alpha_high = ours.getchannel("A").getextrema()
    assert (alpha_low, alpha_high) == (0, 255)
    # Un-premultiplying antialiased edges may round one step apart; nothing more.
    worst = max(high for _, high in ImageChops.difference(ours, theirs).getextrema())  # type: ignore[misc]
    assert worst <= 1


def test_a_pdf_page_is_as_large_as_rsvg_convert_makes_it(service: RenderService, pool: RsvgPool) -> None:
    svg = service.render(SQUAD, fmt="svg", picture=DRAWN).content
    ours, theirs = pool.convert(svg, fmt="pdf", zoom=1.0, timeout=20), rsvg_convert(svg, "--format", "pdf")
    box = re.compile(rb"/MediaBox \[[^\]]*\]")
    assert ours.startswith(b"%PDF-") and ours.rstrip().endswith(b"%%EOF")
    assert box.findall(ours) == box.findall(theirs)


def test_one_worker_draws_many_pictures(pool: RsvgPool) -> None:
    service = RenderService(RenderSettings(timeout=20))
    try:
        sizes = set()
        for columns in (2, 3, 4):
            png = service.render(grid(columns, 2, name=f"{columns} wide"), fmt="png", picture=DRAWN).content
            sizes.add(decoded(png).size)
        assert len(sizes) == 3
        (worker,) = service._rsvg._idle[KEY]
        assert worker.uses == 3
    finally:
        service.close()


def test_an_svg_librsvg_cannot_read_is_refused_with_its_reason_and_the_worker_goes_on(pool: RsvgPool) -> None:
    pool.convert(b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>', fmt="png", zoom=1, timeout=20)
    (worker,) = pool._idle[KEY]
    with pytest.raises(DotFailed) as caught:
        pool.convert(b"<svg", fmt="png", zoom=1, timeout=20)
    assert "the SVG could not be read" in caught.value.message and not caught.value.crashed
    png = pool.convert(b'<svg xmlns="http://www.w3.org/2000/svg" width="6" height="3"/>', fmt="png", zoom=1, timeout=20)
    assert decoded(png).size == (6, 3)
    assert pool._idle[KEY] == [worker]


# librsvg draws this without complaint, but in a worker that has drawn bold DejaVu text before,
# Pango cannot make the font at that size and keeps the failure: every later bold DejaVu text
# that worker draws fails ("FreetypeError").
POISON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40" viewBox="0 0 1e24 1e22">'
    b'<text x="5" y="20" font-family="DejaVu Sans" font-weight="600" font-size="1e21">Huge</text></svg>'
)
BOLD = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="white"/>'
    b'<text x="5" y="25" font-family="DejaVu Sans" font-weight="600" font-size="14">Payments</text></svg>'
)


def test_a_picture_that_breaks_its_worker_does_not_fail_the_next_one(pool: RsvgPool) -> None:
    alone = RsvgPool(memory=1 << 30)
    try:
        expected = decoded(alone.convert(BOLD, fmt="png", zoom=1, timeout=20))
    finally:
        alone.close()
    pool.convert(BOLD, fmt="png", zoom=1, timeout=20)
    pool.convert(POISON, fmt="png", zoom=1, timeout=20)
    (broken,) = pool._idle[KEY]
    png = pool.convert(BOLD, fmt="png", zoom=1, timeout=20)
    assert ImageChops.difference(decoded(png), expected).getbbox() is None
    # The worker that failed quit; a new one drew the picture and serves on.
    assert not broken.alive() and len(pool._idle[KEY]) == 1 and pool._idle[KEY][0] is not broken


def test_a_picture_that_fails_in_a_new_worker_too_is_refused_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = tmp_path / "starts"
    worker = tmp_path / "failing_worker.py"
    worker.write_text(
        "import sys\n"
        f"open({str(starts)!r}, 'a').write('x')\n"
        "request = sys.stdin.buffer.readline()\n"
        "sys.stdin.buffer.read(int(request.split()[2]))\n"
        "message = b'librsvg could not draw the SVG: rendering error'\n"
        "sys.stdout.buffer.write(b'EX %d\\n' % len(message) + message)\n"
    )
    monkeypatch.setattr("whiteboard.rendering.rsvg.WORKER", worker)
    failing = RsvgPool(memory=1 << 30)
    try:
        with pytest.raises(DotFailed) as caught:
            failing.convert(BOLD, fmt="png", zoom=1, timeout=20)
    finally:
        failing.close()
    assert caught.value.message == "librsvg could not draw the SVG: rendering error" and not caught.value.crashed
    assert starts.read_text() == "xx" and not failing._idle.get(KEY)


def test_a_worker_killed_between_pictures_is_replaced(service: RenderService) -> None:
    service.render(grid(2, 1, name="first"), fmt="png", picture=DRAWN)
    for workers in service._rsvg._idle.values():
        for worker in workers:
            worker.proc.kill()
            worker.proc.wait()
    assert service.render(grid(2, 1, name="second"), fmt="png", picture=DRAWN).content.startswith(PNG)


@pytest.mark.parametrize(
    ("limits", "heavy", "limit"),
    [
        # about 6,000 px square: seconds of work
        (RenderSettings(timeout=0.3), grid(8, 10), "0.3 s time limit"),
        # about 10,000 px square: 400 MB of pixels
        (RenderSettings(memory=256 << 20), grid(13, 16), "256 MiB memory limit"),
    ],
    ids=["time", "memory"],
)
def test_a_drawn_png_past_a_limit_is_refused_with_its_name_and_the_next_is_drawn(
    limits: RenderSettings, heavy: dict[str, Any], limit: str
) -> None:
    svc = RenderService(limits)
    try:
        # A worker started under the limit draws a small board first (it once failed to start).
        assert svc.render(grid(3, 2), fmt="png", picture=DRAWN).content.startswith(PNG)
        with pytest.raises(RenderTooComplex) as caught:
            svc.render(heavy, fmt="png", scale=4, picture=DRAWN)
        assert caught.value.status == 503
        assert limit in caught.value.message
        assert svc.render(grid(2, 1, name="after"), fmt="png", picture=DRAWN).content.startswith(PNG)
    finally:
        svc.close()


def test_pictures_drawn_at_once_on_several_threads_are_each_their_own() -> None:
    svc = RenderService(RenderSettings(timeout=20, workers=3, cache_bytes=0))
    try:
        boards = [grid(2 + i % 4, 1 + i % 3, name=f"board {i}") for i in range(9)]
        alone = [decoded(svc.render(b, fmt="png", picture=DRAWN).content) for b in boards]
        with ThreadPoolExecutor(3) as threads:
            together = list(threads.map(lambda b: svc.render(b, fmt="png", picture=DRAWN).content, boards))
        for image, png in zip(alone, together, strict=True):
            assert ImageChops.difference(image, decoded(png)).getbbox() is None
    finally:
        svc.close()
