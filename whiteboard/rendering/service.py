"""Render a board document to PNG, SVG, PDF, DOT, JSON, a `diagrams` script or a text format of
`whiteboard.domain.formats` (Mermaid, draw.io, Compose, Kubernetes).

`dot` runs as a child process on the generated source (never through `diagrams`/`graphviz`
helpers that write files): stdin in, stdout out, under a wall-clock timeout and CPU/address-space
limits, at most `workers` at a time. Results are cached by the hash of what is drawn, in a
byte-bounded LRU, so a repeated export costs a dictionary lookup.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import json
import math
import os
import re
import shutil
import signal
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whiteboard import limits
from whiteboard.domain.board import dumps_board
from whiteboard.domain.diagram import ICON_INCHES, build_dot
from whiteboard.domain.drawn import Drawing, DrawOptions, default_layout, draw_board
from whiteboard.domain.formats import EXPORTS, MERMAID_SYNTAXES, export_text
from whiteboard.domain.layout import layout_board
from whiteboard.domain.layout_measures import clean_text_scale
from whiteboard.domain.palette import class_icon_path
from whiteboard.domain.pyexport import board_to_python
from whiteboard.rendering.dot import DotFailed, DotPool, DotTimeout
from whiteboard.rendering.rsvg import RsvgPool

FORMATS: dict[str, str] = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz; charset=utf-8",
    "py": "text/x-python; charset=utf-8",
    "json": "application/json",
    # SPEC 9: the text formats, written by the formats registry.
    **{fmt: media_type for fmt, (_, media_type) in EXPORTS.items()},
}

# Extra DOT attributes per board element id, e.g. a diff's colours (`diagram.style_plan`).
Styles = Mapping[str, Mapping[str, str]]

MIN_SCALE, MAX_SCALE = 0.25, 4.0
BASE_DPI = 96
PDF_DPI = 144
VECTOR_ICON_PX = 192  # embedded icon resolution for SVG and PDF: sharp at 2x zoom
SVG_FONT_STACK = "DejaVu Sans,Verdana,Bitstream Vera Sans,Geneva,sans-serif"
ICON_RETRIES = 5
PICTURES = ("png", "svg", "pdf")
LAYOUTS = ("drawn", "auto")
BACKGROUNDS = ("white", "transparent")
MIN_WIDTH, MAX_WIDTH = 200, 4000
DRAWN_ICON_PX = (64, 128)  # the drawn picture's icons (41 px boxes): for PNG at 1x, and sharp to 3x


class RenderError(Exception):
    status = 500

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class UnknownFormat(RenderError):
    status = 400


class InvalidOption(RenderError):
    status = 400


class RenderTooComplex(RenderError):
    """The board hit the time or memory limit; the message names the limit."""

    status = 503


class RenderBusy(RenderError):
    status = 503


class PictureOutOfRange(RenderError):
    """A drawn PNG or PDF that cairo cannot make: the same request can never succeed."""

    status = 422


# cairo's largest image surface, in px on a side.
MAX_PNG_SIDE = 32_767
# cairo's coordinates are 24.8 fixed point (up to 8,388,607) and a drawing that nears that range
# overflows its arithmetic (a page of 7,500,000 pt ran past the memory limit): a PDF page stays
# far inside it. A million points is 350 m of paper.
MAX_PDF_SIDE_PT = 1_000_000
PT_PER_PX = 72 / 96  # CSS's definition, by which rsvg_worker sizes a PDF page
# Drawn smaller than this, a board's components are under a pixel, and cairo's filter for images
# scaled that far down outgrows any memory limit (a board 10,000,000 px wide at a width of 800).
MIN_PICTURE_SCALE = 1e-3


@dataclass(frozen=True)
class Picture:
    """How a PNG, SVG or PDF is drawn (SPEC section 7); the other formats ignore it.

    `layout` None means the SPEC's default: `drawn` when every node has a position, else `auto`.
    `width` (drawn only) sets the picture's width in px, text kept readable (`drawn.draw_board`);
    `link` (drawn only) is the board page's URL, to which each node then links.
    """

    layout: str | None = None
    background: str = "white"
    width: int | None = None
    link: str | None = None


def picture_from_query(params: Mapping[str, str], *, link: str | None = None) -> Picture:
    """`?layout=&background=&width=&links=1` as a Picture; InvalidOption names a bad value.

    `link` is the board page's URL, used when `links=1` asks for links; without a board page
    (a document rendered unstored) links cannot be given.
    """
    layout = params.get("layout") or None
    if layout is not None and layout not in LAYOUTS:
        raise InvalidOption(f"layout must be one of {', '.join(LAYOUTS)}, not {layout[:20]!r}.")
    background = params.get("background") or "white"
    if background not in BACKGROUNDS:
        raise InvalidOption(f"background must be one of {', '.join(BACKGROUNDS)}, not {background[:20]!r}.")
    width = None
    if params.get("width"):
        raw = params["width"]
        if not raw.isdigit() or not MIN_WIDTH <= int(raw) <= MAX_WIDTH:
            raise InvalidOption(f"width must be a whole number of pixels from {MIN_WIDTH} to {MAX_WIDTH}.")
        width = int(raw)
    links = params.get("links", "0")
    if links not in ("0", "1"):
        raise InvalidOption("links must be 0 or 1.")
    if links == "1" and link is None:
        raise InvalidOption("links=1 needs a stored board to link to.")
    return Picture(layout=layout, background=background, width=width, link=link if links == "1" else None)


@dataclass(frozen=True)
class Rendered:
    content: bytes
    media_type: str
    cached: bool


@dataclass(frozen=True)
class RenderSettings:
    timeout: float = 20.0  # seconds of wall-clock time per `dot` run
    memory: int = 1 << 30  # bytes of address space per `dot` run
    workers: int = max(2, min(4, os.cpu_count() or 2))
    queue: int = 16  # renders allowed to wait for a worker before "busy"
    cache_bytes: int = 64 << 20
    dot: str = "dot"


def render_settings() -> RenderSettings:
    """ARCHBOARD_RENDER_* from Django settings when configured, else the environment, else defaults."""
    names = {
        "timeout": ("ARCHBOARD_RENDER_TIMEOUT", float),
        "memory": ("ARCHBOARD_RENDER_MEMORY", int),
        "workers": ("ARCHBOARD_RENDER_WORKERS", int),
        "queue": ("ARCHBOARD_RENDER_QUEUE", int),
        "cache_bytes": ("ARCHBOARD_RENDER_CACHE_BYTES", int),
        "dot": ("ARCHBOARD_DOT", str),
    }
    django_settings: Any = None
    try:
        from django.conf import settings as django_settings_module

        if django_settings_module.configured:
            django_settings = django_settings_module
    except ImportError:
        pass
    values: dict[str, Any] = {}
    for field, (name, convert) in names.items():
        raw = getattr(django_settings, name, None) if django_settings is not None else None
        if raw is None:
            raw = os.environ.get(name)
        if raw is not None and raw != "":
            values[field] = convert(raw)
    return RenderSettings(**values)


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def drawn_content(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a document that changes the picture (positions and notes do not)."""

    def edge_props(props: Mapping[str, Any]) -> dict[str, Any]:
        return {k: props.get(k) for k in ("protocol", "async")}

    def node_props(props: Mapping[str, Any]) -> list[Any]:
        return [props.get("tech"), props.get("replicas")]

    return {
        "name": doc.get("name", ""),
        "direction": doc.get("direction", "LR"),
        "nodes": [
            [n.get("id"), n.get("kind"), n.get("label", ""), n.get("group"), node_props(n.get("props") or {})]
            for n in doc["nodes"]
        ],
        "edges": [
            [e.get("source"), e.get("target"), e.get("label", ""), edge_props(e.get("props") or {})]
            for e in doc["edges"]
        ],
        "groups": [[g.get("id"), g.get("label", ""), g.get("parent")] for g in doc.get("groups") or []],
    }


def cache_key(
    doc: Mapping[str, Any],
    *,
    fmt: str,
    scale: float,
    styles: Styles | None = None,
    picture: Picture | None = None,
    syntax: str = "architecture",
) -> str:
    """The key of a rendering. A drawn picture shows every position, route and prop, so its key is
    the whole document but for the text that is never drawn; the auto layout shows less."""
    if fmt == "json" or fmt in EXPORTS:
        # Text exports carry positions, notes and every prop: the whole document is their content.
        content: Any = doc
    elif picture is not None and picture.layout == "drawn":
        content = {k: doc.get(k) for k in ("name", "nodes", "edges", "groups")}
    else:
        content = drawn_content(doc)
    options: dict[str, Any] = {"fmt": fmt, "scale": scale if fmt == "png" else 1.0}
    if fmt == "mmd":
        options["syntax"] = syntax
    if styles:
        options["styles"] = styles
    if picture is not None and fmt in PICTURES:
        options["picture"] = [picture.layout, picture.background, picture.width, picture.link]
    return hashlib.sha256(canonical_json([content, options])).hexdigest()


class RenderCache:
    """LRU over bytes with a total size bound; thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        if len(value) > self.max_bytes // 2:
            return  # one huge picture would flush everything else
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= len(old)
            self._items[key] = value
            self.size += len(value)
            while self.size > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self.size -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)


_IMAGE = re.compile(r'<image xlink:href="([^"]*)" width="([^"]*)" height="([^"]*)"[^>]*? x="([^"]*)" y="([^"]*)"/>')
_FONT = re.compile(r'font-family="[^"]*"')
_HREF = re.compile(r'(?:xlink:)?href="([^"]*)"')


WORKDIR_PREFIX = "archboard-render-"


def _sweep_dead_workdirs() -> None:
    """Remove icon folders left by processes that died without their exit hooks (killed workers)."""
    for path in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*-*"):
        pid = path.name.removeprefix(WORKDIR_PREFIX).split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass  # alive, someone else's


def _check_picture(drawing: Drawing, *, fmt: str, zoom: float) -> None:
    """Refuse, saying why and what works, a PNG or PDF that cairo cannot make: a board whose
    components lie far apart (a node at y = -100,000, say) draws a picture past cairo's limits,
    and librsvg's failure would be all the user saw."""
    closer = "or bring the board's far-apart components closer together."
    width, height = drawing.px
    if fmt == "png":
        png_w, png_h = math.ceil(width * zoom), math.ceil(height * zoom)
        if max(png_w, png_h) > MAX_PNG_SIDE:
            raise PictureOutOfRange(
                f"A PNG of this board would be {png_w:,} x {png_h:,} px; a PNG can be at most {MAX_PNG_SIDE:,} px "
                f"on a side. Export SVG or PDF, choose a smaller scale or width, {closer}"
            )
    elif max(width, height) * PT_PER_PX > MAX_PDF_SIDE_PT:
        raise PictureOutOfRange(
            f"A PDF of this board would be {width * PT_PER_PX:,.0f} x {height * PT_PER_PX:,.0f} pt; a PDF page can be "
            f"at most {MAX_PDF_SIDE_PT:,} pt on a side. Export SVG, {closer}"
        )
    drawn_at = width / drawing.width if drawing.width else 1.0
    if drawn_at * zoom < MIN_PICTURE_SCALE or min(width, height) * zoom < 1:
        raise PictureOutOfRange(
            f"At {width * zoom:,.0f} x {height * zoom:,.3g} px this board would be drawn at "
            f"1/{1 / (drawn_at * zoom):,.0f} of its size: its components would be smaller than a pixel. Export it "
            f"without a width, or as SVG, {closer}"
        )


def _clean_text_scales(doc: Mapping[str, Any]) -> Callable[[float], float]:
    """`layout_measures.clean_text_scale` for one picture, searched once: the drawing asks again
    with a slightly different scale while its size settles, and the clean limit found for a larger
    scale bounds every smaller one."""
    found: list[tuple[float, float]] = []  # (asked, answer)

    def clean(wanted: float) -> float:
        for asked, answer in found:
            if wanted <= asked:
                return min(wanted, answer)
        answer = clean_text_scale(doc, wanted)
        found.append((wanted, answer))
        return answer

    return clean


class RenderService:
    def __init__(self, settings: RenderSettings | None = None) -> None:
        self.settings = settings or render_settings()
        self.cache = RenderCache(self.settings.cache_bytes)
        self._slots = threading.BoundedSemaphore(self.settings.workers)
        self._executor = ThreadPoolExecutor(self.settings.workers, thread_name_prefix="archboard-render")
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._icon_lock = threading.Lock()
        self._icons: dict[tuple[str, int], Path] = {}
        self._icon_classes: dict[str, str] = {}
        self._icon_data: dict[Path, str] = {}
        self._icon_dir: Path | None = None
        self._workdir_generation = 0
        self._finalizer: weakref.finalize[..., Any] | None = None
        self._dot = DotPool(dot=self.settings.dot, memory=self.settings.memory, cwd=self._workdir)
        self._rsvg = RsvgPool(memory=self.settings.memory)

    # -- public -------------------------------------------------------------------------------

    def render(
        self,
        doc: Mapping[str, Any],
        *,
        fmt: str,
        scale: float = 1.0,
        styles: Styles | None = None,
        picture: Picture | None = None,
        syntax: str = "architecture",
    ) -> Rendered:
        """`styles`: extra DOT attributes per element id for the auto layout's pictures (see
        `diagram.style_plan`); `picture`: layout and options of a PNG, SVG or PDF; `syntax`: the
        Mermaid diagram type of an `mmd` export."""
        fmt, scale = self._check(fmt, scale)
        syntax = self._check_syntax(syntax)
        picture = self._picture(doc, fmt, picture, styles)
        key = cache_key(doc, fmt=fmt, scale=scale, styles=styles, picture=picture, syntax=syntax)
        content = self.cache.get(key)
        if content is not None:
            return Rendered(content, FORMATS[fmt], cached=True)
        if fmt in EXPORTS:
            content = export_text(dict(doc), fmt, syntax=syntax).encode()
        elif picture is not None and picture.layout == "drawn":
            content = self._produce_drawn(doc, fmt=fmt, scale=scale, picture=picture)
        else:
            content = self._produce(doc, fmt=fmt, scale=scale, styles=styles, picture=picture)
        self.cache.put(key, content)
        return Rendered(content, FORMATS[fmt], cached=False)

    async def render_async(
        self,
        doc: Mapping[str, Any],
        *,
        fmt: str,
        scale: float = 1.0,
        styles: Styles | None = None,
        picture: Picture | None = None,
        syntax: str = "architecture",
    ) -> Rendered:
        fmt, scale = self._check(fmt, scale)
        syntax = self._check_syntax(syntax)
        resolved = self._picture(doc, fmt, picture, styles)
        content = self.cache.get(cache_key(doc, fmt=fmt, scale=scale, styles=styles, picture=resolved, syntax=syntax))
        if content is not None:
            return Rendered(content, FORMATS[fmt], cached=True)
        with self._pending_lock:
            if self._pending >= self.settings.workers + self.settings.queue:
                raise RenderBusy("The renderer is busy; try again in a few seconds.")
            self._pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self._render_kw, doc, fmt, scale, styles, picture, syntax)
        finally:
            with self._pending_lock:
                self._pending -= 1

    def layout(self, doc: Mapping[str, Any]) -> dict[str, dict[str, int]]:
        """Canvas positions for every node (auto-layout, `domain.layout`)."""
        return layout_board(doc)

    async def layout_async(self, doc: Mapping[str, Any]) -> dict[str, dict[str, int]]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.layout, doc)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._dot.close()
        self._rsvg.close()
        if self._finalizer is not None:
            self._finalizer()

    # -- internals ----------------------------------------------------------------------------

    def _render_kw(
        self,
        doc: Mapping[str, Any],
        fmt: str,
        scale: float,
        styles: Styles | None,
        picture: Picture | None,
        syntax: str,
    ) -> Rendered:
        return self.render(doc, fmt=fmt, scale=scale, styles=styles, picture=picture, syntax=syntax)

    @staticmethod
    def _check_syntax(syntax: str) -> str:
        if syntax not in MERMAID_SYNTAXES:
            raise InvalidOption(f"syntax must be one of {', '.join(MERMAID_SYNTAXES)}, not {str(syntax)[:20]!r}.")
        return syntax

    @staticmethod
    def _picture(doc: Mapping[str, Any], fmt: str, picture: Picture | None, styles: Styles | None) -> Picture | None:
        """The picture options with the layout decided, or None for a format that is no picture.

        A board some of whose nodes have no position can only be laid out automatically; a diff's
        DOT styles colour the auto layout.
        """
        if fmt not in PICTURES:
            return None
        picture = picture or Picture()
        layout = picture.layout or ("auto" if styles else default_layout(doc))
        if layout == "drawn" and default_layout(doc) != "drawn":
            raise InvalidOption("layout=drawn needs a position (x and y) on every node; use layout=auto.")
        if layout == "auto" and (picture.width is not None or picture.link is not None):
            raise InvalidOption("width and links are options of the drawn layout (layout=drawn).")
        return dataclasses.replace(picture, layout=layout)

    @staticmethod
    def _check(fmt: str, scale: float) -> tuple[str, float]:
        fmt = str(fmt).lower()
        if fmt not in FORMATS:
            raise UnknownFormat(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
        try:
            scale = float(scale)
        except (TypeError, ValueError):
            raise InvalidOption("scale must be a number.") from None
        if not MIN_SCALE <= scale <= MAX_SCALE:
            raise InvalidOption(f"scale must be between {MIN_SCALE} and {MAX_SCALE}.")
        return fmt, round(scale, 3)

    def _produce_drawn(self, doc: Mapping[str, Any], *, fmt: str, scale: float, picture: Picture) -> bytes:
        """The drawn SVG, and PNG or PDF converted from it by librsvg (`rsvg.RsvgPool`)."""
        options = DrawOptions(background=picture.background, link=picture.link, width=picture.width)
        # librsvg decodes every icon at its full size: a PNG at 1x needs only the small ones.
        px = DRAWN_ICON_PX[0] if fmt == "png" and scale <= 1 and not picture.width else DRAWN_ICON_PX[1]
        for _ in range(ICON_RETRIES):
            before = self._workdir_identity()
            try:
                drawing = draw_board(
                    doc,
                    icon=lambda cls: self._data_uri(self._icon(cls, px)),
                    options=options,
                    clean_text_scale=_clean_text_scales(doc),
                )
            except FileNotFoundError:
                continue
            if before is not None and before == self._workdir_identity():
                break
        else:
            raise RenderBusy("The renderer's working folder keeps disappearing; try again in a few seconds.")
        svg = drawing.svg.encode()
        if fmt == "svg":
            return svg
        zoom = scale if fmt == "png" else 1.0
        _check_picture(drawing, fmt=fmt, zoom=zoom)
        return self._limited(
            "librsvg", len(doc.get("nodes") or []), lambda t: self._rsvg.convert(svg, fmt=fmt, zoom=zoom, timeout=t)
        )

    def _produce(
        self,
        doc: Mapping[str, Any],
        *,
        fmt: str,
        scale: float,
        styles: Styles | None = None,
        picture: Picture | None = None,
    ) -> bytes:
        if fmt == "json":
            # The document as `export_board` writes it: schema key order, so exports diff cleanly.
            return (dumps_board(dict(doc)) + "\n").encode()
        if fmt == "py":
            return board_to_python(doc).encode()
        if fmt == "dot":
            return build_dot(doc, styles=styles).encode()
        # graphviz lays an image out at pixels * 72 / dpi points, so an icon pre-scaled to the
        # output resolution lands at ICON_INCHES with no resampling by cairo. The PDF backend draws
        # an image's pixels as points on a page scaled by dpi / 72: at 144 dpi the icons are twice
        # as sharp as the page is large (the page is vector, so it is only numbers).
        dpi = {"png": BASE_DPI * scale, "svg": BASE_DPI, "pdf": PDF_DPI}[fmt]
        icon_px = round(ICON_INCHES * dpi)
        graph_attr = {"png": {"dpi": f"{dpi:g}"}, "svg": {}, "pdf": {"dpi": f"{dpi:g}", "margin": "0"}}[fmt]
        if picture is not None and picture.background == "transparent":
            graph_attr = {**graph_attr, "bgcolor": "transparent"}
        # A temp cleaner may delete the icon folder while `dot` reads from it, which would draw the
        # board without icons: a render that saw the folder change is done again.
        for _ in range(ICON_RETRIES):
            before = self._workdir_identity()
            try:
                source = build_dot(
                    doc, icon=lambda cls: str(self._icon(cls, icon_px)), graph_attr=graph_attr, styles=styles
                )
                out = self._run_dot(source, fmt, nodes=len(doc.get("nodes") or []))
                result = self._embed_svg(out) if fmt == "svg" else out
            except FileNotFoundError:
                continue
            if before is not None and before == self._workdir_identity():
                return result
        raise RenderBusy("The renderer's working folder keeps disappearing; try again in a few seconds.")

    def _workdir_identity(self) -> tuple[int, int] | None:
        """Changes whenever the folder is made again (the inode alone could be reused)."""
        workdir = self._workdir()
        try:
            return workdir.stat().st_ino, self._workdir_generation
        except FileNotFoundError:
            return None

    def _run_dot(self, source: str, fmt: str, *, nodes: int) -> bytes:
        return self._limited("graphviz", nodes, lambda t: self._dot.render_graph(source, fmt=fmt, timeout=t))

    def _limited(self, program: str, nodes: int, run: Callable[[float], bytes]) -> bytes:
        """`run(timeout)` in one of the render slots, its failures told in the words a user reads."""
        s = self.settings
        if not self._slots.acquire(timeout=s.timeout):
            raise RenderBusy("The renderer is busy; try again in a few seconds.")
        try:
            return run(s.timeout)
        except DotTimeout:
            raise self._too_complex(f"the {s.timeout:g} s time limit", nodes) from None
        except DotFailed as exc:
            if exc.returncode == -signal.SIGXCPU:
                raise self._too_complex(f"the {s.timeout:g} s time limit", nodes) from None
            if exc.crashed or "memory" in exc.message.lower() or "alloc" in exc.message.lower():
                raise self._too_complex(f"the {s.memory / (1 << 20):g} MiB memory limit", nodes) from None
            raise RenderError(f"{program} failed: {exc.message[:500]}") from None
        finally:
            self._slots.release()

    @staticmethod
    def _too_complex(limit: str, nodes: int) -> RenderTooComplex:
        return RenderTooComplex(
            f"The board is too complex to render within {limit} ({nodes} nodes); split it into smaller boards."
        )

    def _workdir(self) -> Path:
        with self._icon_lock:
            if self._icon_dir is None:
                _sweep_dead_workdirs()
                self._icon_dir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
                self._finalizer = weakref.finalize(self, shutil.rmtree, self._icon_dir, True)
            elif not self._icon_dir.exists():
                self._icon_dir.mkdir(mode=0o700, parents=True)
                self._workdir_generation += 1
            return self._icon_dir

    def _icon(self, diagrams_class: str, px: int) -> Path:
        """A copy of a node class's icon scaled to the size it is drawn at (made once per size)."""
        found = self._icons.get((diagrams_class, px))
        # A temp cleaner may have removed the folder under a long-running server: then remake it.
        if found is not None and found.exists():
            return found
        from PIL import Image

        source = class_icon_path(diagrams_class)
        workdir = self._workdir()
        with self._icon_lock:
            # Named by class: icons of different providers share file names (storage.png, sql.png).
            target = workdir / f"{diagrams_class.removeprefix('diagrams.').replace('.', '-')}-{px}.png"
            if not target.exists():
                if not workdir.exists():
                    workdir.mkdir(mode=0o700, parents=True)
                    self._workdir_generation += 1
                with Image.open(source) as original:
                    image = original.convert("RGBA")
                    if max(image.size) > px:
                        image.thumbnail((px, px), Image.Resampling.LANCZOS)
                    partial = workdir / f".{target.name}.part"
                    image.save(partial, format="PNG", compress_level=1)
                    partial.replace(target)
            self._icons[(diagrams_class, px)] = target
            self._icon_classes[str(target)] = diagrams_class
            return target

    def _data_uri(self, path: Path) -> str:
        uri = self._icon_data.get(path)
        if uri is None:
            uri = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()
            self._icon_data[path] = uri
        return uri

    def _embed_svg(self, svg: bytes) -> bytes:
        """Icons as data-URI symbols (once each, reused by <use>), fonts with a portable fallback."""
        text = svg.decode()
        symbols: dict[str, str] = {}
        icon_dir = str(self._workdir())

        def replace(match: re.Match[str]) -> str:
            href, width, height, x, y = match.groups()
            diagrams_class = self._icon_classes.get(href)
            if diagrams_class is None or str(Path(href).parent) != icon_dir:
                raise RenderError("unexpected image reference in SVG output")
            symbol = symbols.setdefault(diagrams_class, f"icon{len(symbols)}")
            # graphviz 2.43 writes the icon's pixel count where the layout used points
            # (pixels * 72 / dpi), anchored at the node's top-left: shrink it about the centre.
            w_px, h_px = float(width.removesuffix("px")), float(height.removesuffix("px"))
            w_pt, h_pt = w_px * 72 / BASE_DPI, h_px * 72 / BASE_DPI
            left = float(x) + (w_px - w_pt) / 2
            return f'<use xlink:href="#{symbol}" width="{w_pt:.2f}" height="{h_pt:.2f}" x="{left:.2f}" y="{y}"/>'

        text = _IMAGE.sub(replace, text)
        text = _FONT.sub(f'font-family="{SVG_FONT_STACK}"', text)
        for href in _HREF.findall(text):
            if not href.startswith("#"):
                raise RenderError("unexpected external reference in SVG output")
        px = VECTOR_ICON_PX
        defs = "".join(
            f'<symbol id="{sid}" viewBox="0 0 {px} {px}" preserveAspectRatio="xMidYMid meet">'
            f'<image width="{px}" height="{px}" xlink:href="{self._data_uri(self._icon(cls, px))}"/>'
            "</symbol>"
            for cls, sid in symbols.items()
        )
        text = re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + f"\n<defs>{defs}</defs>", text, count=1)
        return text.encode()


_default: RenderService | None = None
_default_lock = threading.Lock()


def default_service() -> RenderService:
    global _default
    with _default_lock:
        if _default is None:
            _default = RenderService()
        return _default


# Who a render is counted against (the "render" rate limit of whiteboard.limits): a user's
# key, an address; None for trusted callers (the command line). Every render and layout of the
# app passes through the three functions below and must say, so no route can forget the budget.
Budget = object | None


def render_board(
    doc: Mapping[str, Any],
    *,
    fmt: str,
    budget: Budget,
    scale: float = 1.0,
    styles: Styles | None = None,
    picture: Picture | None = None,
    syntax: str = "architecture",
) -> Rendered:
    """Render a validated board document (`validate_board`) in one of FORMATS."""
    if budget is not None:
        limits.hit("render", budget)
    return default_service().render(doc, fmt=fmt, scale=scale, styles=styles, picture=picture, syntax=syntax)


async def render_board_async(
    doc: Mapping[str, Any],
    *,
    fmt: str,
    budget: Budget,
    scale: float = 1.0,
    styles: Styles | None = None,
    picture: Picture | None = None,
    syntax: str = "architecture",
) -> Rendered:
    """As `render_board`, on the bounded worker pool, without blocking the event loop."""
    if budget is not None:
        await limits.ahit("render", budget)
    return await default_service().render_async(
        doc, fmt=fmt, scale=scale, styles=styles, picture=picture, syntax=syntax
    )


async def board_layout_async(doc: Mapping[str, Any], *, budget: Budget) -> dict[str, dict[str, int]]:
    """Auto-layout positions on the bounded worker pool, without blocking the event loop."""
    if budget is not None:
        await limits.ahit("render", budget)
    return await default_service().layout_async(doc)
