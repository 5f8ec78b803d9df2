"""The rendering service: formats, cache, limits, clean-up and the runnable .py export."""

from __future__ import annotations

import ast
import asyncio
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.builders import board, edge, node, sample_board
from whiteboard.rendering import (
    FORMATS,
    Picture,
    RenderBusy,
    RenderError,
    RenderService,
    RenderSettings,
    RenderTooComplex,
    UnknownFormat,
)
from whiteboard.rendering.service import RenderCache, cache_key

# The tests of dot's processes, limits and icon folder draw with graphviz: the auto layout.
AUTO = Picture(layout="auto")
MAGIC = {
    "png": b"\x89PNG\r\n",
    "pdf": b"%PDF-",
    "svg": b"<?xml",
    "dot": b"digraph",
    "py": b'"""',
    "json": b"{",
}


def complete_graph(n: int) -> dict[str, Any]:
    nodes = [node(f"s{i}", "service", label=f"Service {i}") for i in range(n)]
    edges = [
        edge(f"e{i}_{j}", f"s{i}", f"s{j}", label=f"call {i} to {j}", props={"protocol": "grpc"})
        for i in range(n)
        for j in range(i + 1, n)
    ]
    return board(nodes, edges, name="Complete graph")


def png_size(content: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", content[16:24])
    return width, height


@pytest.fixture
def service() -> Any:
    svc = RenderService(RenderSettings(timeout=20, workers=2, cache_bytes=8 << 20))
    yield svc
    svc.close()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_it_renders_every_format_with_its_media_type(service: RenderService, fmt: str) -> None:
    rendered = service.render(sample_board(), fmt=fmt)
    assert rendered.media_type == FORMATS[fmt]
    assert rendered.content.startswith(MAGIC[fmt])
    assert rendered.cached is False


def test_the_json_export_is_the_document_itself() -> None:
    doc = sample_board()
    svc = RenderService(RenderSettings())
    assert json.loads(svc.render(doc, fmt="json").content) == doc


def test_the_svg_is_self_contained_with_embedded_icons(service: RenderService) -> None:
    svg = service.render(sample_board(), fmt="svg").content.decode()
    assert "data:image/png;base64," in svg
    assert "<image" in svg and 'xlink:href="/' not in svg
    assert tempfile.gettempdir() not in svg and "site-packages" not in svg
    assert svg.count("<use ") == len(sample_board()["nodes"])


def test_the_dot_export_names_no_server_path(service: RenderService) -> None:
    dot = service.render(sample_board(), fmt="dot").content.decode()
    assert 'image="aws/' in dot
    assert "site-packages" not in dot and tempfile.gettempdir() not in dot


def test_a_png_scale_of_two_doubles_the_pixels(service: RenderService) -> None:
    one = png_size(service.render(sample_board(), fmt="png").content)
    two = png_size(service.render(sample_board(), fmt="png", scale=2).content)
    assert abs(two[0] - 2 * one[0]) <= 4 and abs(two[1] - 2 * one[1]) <= 4


def test_a_repeated_export_comes_from_the_cache(service: RenderService) -> None:
    first = service.render(sample_board(), fmt="png")
    again = service.render(sample_board(), fmt="png")
    assert again.cached is True
    assert again.content == first.content


def test_moving_a_node_does_not_change_the_picture_key_but_relabelling_does() -> None:
    doc = sample_board()
    moved = sample_board()
    moved["nodes"][0]["x"] = 999
    relabelled = sample_board()
    relabelled["nodes"][0]["label"] = "Customers"
    assert cache_key(doc, fmt="png", scale=1) == cache_key(moved, fmt="png", scale=1)
    assert cache_key(doc, fmt="png", scale=1) != cache_key(relabelled, fmt="png", scale=1)
    assert cache_key(doc, fmt="png", scale=1) != cache_key(doc, fmt="svg", scale=1)
    assert cache_key(doc, fmt="png", scale=1) != cache_key(doc, fmt="png", scale=2)
    assert cache_key(doc, fmt="json", scale=1) != cache_key(moved, fmt="json", scale=1)


def test_the_cache_evicts_the_least_recently_used_entry_to_stay_within_its_bound() -> None:
    cache = RenderCache(max_bytes=100)
    cache.put("a", b"x" * 40)
    cache.put("b", b"x" * 40)
    assert cache.get("a") is not None  # "b" is now the least recently used
    cache.put("c", b"x" * 40)
    assert "b" not in cache
    assert "a" in cache and "c" in cache
    assert cache.size <= 100


def test_the_service_cache_never_holds_more_than_its_bound() -> None:
    size = len(RenderService(RenderSettings()).render(sample_board(name="board 0"), fmt="svg").content)
    svc = RenderService(RenderSettings(cache_bytes=int(size * 2.5)))
    for i in range(4):
        svc.render(sample_board(name=f"board {i}"), fmt="svg")
    assert svc.cache.size <= size * 2.5
    assert len(svc.cache) == 2
    assert svc.render(sample_board(name="board 0"), fmt="svg").cached is False
    assert svc.render(sample_board(name="board 3"), fmt="svg").cached is True
    svc.close()


def test_an_unknown_format_is_a_400(service: RenderService) -> None:
    with pytest.raises(UnknownFormat) as caught:
        service.render(sample_board(), fmt="gif")
    assert caught.value.status == 400
    assert "gif" in caught.value.message


def test_a_scale_out_of_range_is_a_400(service: RenderService) -> None:
    with pytest.raises(RenderError) as caught:
        service.render(sample_board(), fmt="png", scale=50)
    assert caught.value.status == 400


async def test_a_too_complex_board_stops_at_the_time_limit_while_other_renders_go_on() -> None:
    svc = RenderService(RenderSettings(timeout=0.5, workers=2))
    try:
        heavy = asyncio.ensure_future(svc.render_async(complete_graph(40), fmt="png"))
        light = await svc.render_async(sample_board(), fmt="png")
        assert light.content.startswith(MAGIC["png"])
        with pytest.raises(RenderTooComplex) as caught:
            await heavy
        assert caught.value.status == 503
        assert "too complex" in caught.value.message and "0.5 s" in caught.value.message
        assert svc.render(sample_board(), fmt="svg").content.startswith(MAGIC["svg"])
    finally:
        svc.close()


def test_dot_runs_under_the_memory_limit() -> None:
    svc = RenderService(RenderSettings(memory=256 << 20))
    try:
        assert svc.render(sample_board(), fmt="png", picture=AUTO).content.startswith(MAGIC["png"])
        with pytest.raises(RenderTooComplex) as caught:
            svc.render(complete_graph(25), fmt="png", scale=4)
        assert caught.value.status == 503
        assert "256 MiB memory limit" in caught.value.message
        assert svc.render(sample_board(name="after"), fmt="png", picture=AUTO).content.startswith(MAGIC["png"])
    finally:
        svc.close()


async def test_a_full_pool_answers_busy() -> None:
    svc = RenderService(RenderSettings(workers=1, queue=0))
    try:
        first = asyncio.ensure_future(svc.render_async(sample_board(name="one"), fmt="png"))
        await asyncio.sleep(0)
        with pytest.raises(RenderBusy) as caught:
            await svc.render_async(sample_board(name="two"), fmt="png")
        assert caught.value.status == 503
        assert (await first).content.startswith(MAGIC["png"])
    finally:
        svc.close()


def test_concurrent_renders_each_get_their_own_picture() -> None:
    svc = RenderService(RenderSettings(workers=3))
    try:
        names = [f"Board number {i}" for i in range(9)]
        with ThreadPoolExecutor(6) as pool:
            svgs = list(
                pool.map(lambda n: svc.render(sample_board(name=n), fmt="svg", picture=AUTO).content.decode(), names)
            )
            pngs = list(pool.map(lambda n: svc.render(sample_board(name=n), fmt="png", picture=AUTO).content, names))
        for name, svg in zip(names, svgs, strict=True):
            assert f">{name}</text>" in svg
            assert svg.count("<svg") == 1
        assert all(png.startswith(MAGIC["png"]) and png.endswith(b"IEND\xaeB`\x82") for png in pngs)
    finally:
        svc.close()


def test_a_dot_process_killed_between_renders_is_replaced(service: RenderService) -> None:
    service.render(sample_board(name="first"), fmt="svg", picture=AUTO)
    assert service._dot._idle["svg"]
    for procs in service._dot._idle.values():
        for proc in procs:
            proc.proc.kill()
            proc.proc.wait()
    assert service.render(sample_board(name="second"), fmt="svg", picture=AUTO).content.startswith(MAGIC["svg"])


def test_a_new_service_removes_icon_folders_of_dead_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"archboard-render-{dead.pid}-abc"
    stale.mkdir()
    (stale / "rds-86.png").write_bytes(b"x")
    alive = tmp_path / f"archboard-render-{os.getppid()}-def"
    alive.mkdir()
    svc = RenderService(RenderSettings())
    svc.render(sample_board(), fmt="svg")
    assert not stale.exists()
    assert alive.exists()
    svc.close()


def test_icons_are_remade_when_a_temp_cleaner_removed_them(service: RenderService) -> None:
    service.render(sample_board(name="before"), fmt="png", picture=AUTO)
    shutil.rmtree(service._workdir())
    svg = service.render(sample_board(name="after"), fmt="svg", picture=AUTO).content.decode()
    assert svg.count("<symbol") == len({n["kind"] for n in sample_board()["nodes"]})
    assert service.render(sample_board(name="after"), fmt="png", picture=AUTO).content.startswith(MAGIC["png"])
    assert any(service._workdir().glob("*.png"))


def test_rendering_leaves_no_files_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    svc = RenderService(RenderSettings())
    for fmt in FORMATS:
        for layout in ("auto", "drawn"):
            svc.render(sample_board(), fmt=fmt, picture=Picture(layout=layout))
    (icon_dir,) = tmp_path.glob("archboard-render-*")
    assert all(p.suffix == ".png" for p in icon_dir.iterdir())
    svc.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd"]
    assert list(workdir.iterdir()) == []


FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures").glob("*.json"))


@pytest.mark.slow
def test_a_thousand_node_board_still_renders() -> None:
    nodes = [node(f"n{i}", "service", label=f"Service {i}", group=f"g{i % 10}") for i in range(1000)]
    edges = [edge(f"e{i}", f"n{i // 3}", f"n{i}", label="gRPC") for i in range(1, 1000)]
    groups = [{"id": f"g{i}", "label": f"Team {i}", "parent": None} for i in range(10)]
    svc = RenderService(RenderSettings())
    try:
        svg = svc.render(board(nodes, edges, groups=groups), fmt="svg").content.decode()
        assert svg.count('class="node"') == 1000
    finally:
        svc.close()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_every_demo_board_exports_to_every_format(fixture: Path, service: RenderService) -> None:
    doc = json.loads(fixture.read_text())
    for fmt in FORMATS:
        assert service.render(doc, fmt=fmt).content.startswith(MAGIC[fmt])


@pytest.mark.parametrize("fixture", [None, *FIXTURES], ids=["sample", *(p.stem for p in FIXTURES)])
def test_the_python_export_runs_and_draws_the_board(tmp_path: Path, fixture: Path | None) -> None:
    doc = json.loads(fixture.read_text()) if fixture else sample_board()
    script = RenderService(RenderSettings()).render(doc, fmt="py").content
    (tmp_path / "board.py").write_bytes(script)
    env = {**os.environ, "PYTHONPATH": ""}
    done = subprocess.run(
        [sys.executable, "board.py"], cwd=tmp_path, capture_output=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    assert (tmp_path / "board.png").read_bytes().startswith(MAGIC["png"])


def tech_board() -> dict[str, Any]:
    """Two caches, one plain and one Redis, and two SQL databases whose classes share a name."""
    return board(
        [
            node("c1", "cache", label="Plain cache"),
            node("c2", "cache", label="Sessions", props={"tech": "redis"}),
            node("d1", "sql_db", label="Ledger"),
            node("d2", "sql_db", label="Orders", props={"tech": "cloud-sql"}),
        ],
        [edge("e1", "c2", "d1", label="", props={}), edge("e2", "c1", "d2", props={})],
        name="Techs",
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_board_with_techs_renders_in_every_format(service: RenderService, fmt: str) -> None:
    assert service.render(tech_board(), fmt=fmt).content.startswith(MAGIC[fmt])


def test_a_tech_is_drawn_with_its_own_icon_in_the_dot_and_the_svg(service: RenderService) -> None:
    dot = service.render(tech_board(), fmt="dot").content.decode()
    assert 'image="onprem/inmemory/redis.png"' in dot and 'image="gcp/database/sql.png"' in dot
    svg = service.render(tech_board(), fmt="svg").content.decode()
    # Four nodes, four different icons: the plain kinds' and the two techs'.
    assert svg.count("<symbol") == 4 and svg.count("<use ") == 4


def test_the_python_export_imports_each_tech_class_under_its_own_name() -> None:
    script = RenderService(RenderSettings()).render(tech_board(), fmt="py").content.decode()
    tree = ast.parse(script)
    imports = {
        (stmt.module, alias.name, alias.asname)
        for stmt in tree.body
        if isinstance(stmt, ast.ImportFrom)
        for alias in stmt.names
    }
    assert ("diagrams.onprem.inmemory", "Redis", None) in imports
    assert ("diagrams.gcp.database", "SQL", "GcpDatabaseSQL") in imports
    assert ("diagrams.generic.database", "SQL", "GenericDatabaseSQL") in imports
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert {"Redis", "GcpDatabaseSQL", "GenericDatabaseSQL"} <= calls


def test_the_python_export_with_techs_runs_and_draws_the_board(tmp_path: Path) -> None:
    (tmp_path / "board.py").write_bytes(RenderService(RenderSettings()).render(tech_board(), fmt="py").content)
    done = subprocess.run(
        [sys.executable, "board.py"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert done.returncode == 0, done.stderr.decode()
    assert (tmp_path / "board.png").read_bytes().startswith(MAGIC["png"])


def test_notes_and_their_arrows_are_left_out_of_the_diagrams_layout(service: RenderService) -> None:
    doc = tech_board()
    doc["nodes"].append(node("n", "note", label="Remember the TTL"))
    doc["edges"].append(edge("a", "n", "c2"))
    dot = service.render(doc, fmt="dot").content.decode()
    assert dot == service.render(tech_board(), fmt="dot").content.decode()
    assert "Remember the TTL" not in service.render(doc, fmt="py").content.decode()
