"""A long-lived librsvg process: SVG in, PNG or PDF out, many pictures per process.

Run by `rsvg.RsvgPool` as `python -I rsvg_worker.py` (standard library and Pillow only, no
Django), under the same address-space and CPU limits as `dot`. Each request on stdin is one line
`<png|pdf> <zoom> <length>` and `length` bytes of SVG; each answer on stdout is `OK <length>`,
`ER <length>` (a message) or `EX <length>` (a message, and the process quits: see `Refused`), a
newline, and that many bytes.

Why not `rsvg-convert`: starting it and its fontconfig costs about 35 ms per picture, and cairo's
PNG writer (libpng's adaptive row filters at zlib's default level) takes more time than librsvg
takes to draw. Here the page is drawn by the same librsvg calls, and the PNG is written with no
row filter at zlib level 1: on the demo boards about 2.5 times faster to write, files the same
size (a diagram is mostly flat colour, which deflate handles without filters). The rows go out in
bands so a large picture needs no second copy of itself in memory.
"""

from __future__ import annotations

import ctypes
import math
import struct
import sys
import zlib
from typing import BinaryIO

from PIL import Image

CAIRO_FORMAT_ARGB32 = 0
CAIRO_STATUS_SUCCESS = 0
CSS_PX_PER_PT = 96 / 72
BAND_ROWS = 128
# cairo stores ARGB32 as native-endian 32-bit words of premultiplied alpha: on a little-endian
# machine the bytes B, G, R, A, which Pillow's "BGRa" unpacks to straight RGBA, as a PNG wants it.
# Pillow has no unpacker for the big-endian order: there cairo's own (slower) PNG writer is used.
RAWMODE: str | None = "BGRa" if sys.byteorder == "little" else None
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Refused(Exception):
    """The picture could not be made. `spent`: it failed while drawing, and what librsvg, Pango
    and cairo keep between pictures may be what failed (Pango keeps a font it could not make,
    and every later text in that font fails too), so the process answers and quits."""

    def __init__(self, message: str, *, spent: bool = False) -> None:
        super().__init__(message)
        self.spent = spent


class _Rect(ctypes.Structure):
    _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double), ("width", ctypes.c_double), ("height", ctypes.c_double)]


class _GError(ctypes.Structure):
    _fields_ = [("domain", ctypes.c_uint32), ("code", ctypes.c_int), ("message", ctypes.c_char_p)]


_WRITE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_ubyte), ctypes.c_uint)
_P = ctypes.c_void_p
_D = ctypes.c_double


def _library(name: str, functions: dict[str, tuple[object, list[object]]]) -> ctypes.CDLL:
    lib = ctypes.CDLL(name)
    for function, (restype, argtypes) in functions.items():
        fn = getattr(lib, function)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


RSVG = _library(
    "librsvg-2.so.2",
    {
        "rsvg_handle_new_from_data": (_P, [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.POINTER(_GError))]),
        "rsvg_handle_get_intrinsic_size_in_pixels": (ctypes.c_int, [_P, ctypes.POINTER(_D), ctypes.POINTER(_D)]),
        "rsvg_handle_render_document": (
            ctypes.c_int,
            [_P, _P, ctypes.POINTER(_Rect), ctypes.POINTER(ctypes.POINTER(_GError))],
        ),
    },
)
CAIRO = _library(
    "libcairo.so.2",
    {
        "cairo_image_surface_create": (_P, [ctypes.c_int, ctypes.c_int, ctypes.c_int]),
        "cairo_image_surface_get_data": (_P, [_P]),
        "cairo_image_surface_get_stride": (ctypes.c_int, [_P]),
        "cairo_pdf_surface_create_for_stream": (_P, [_WRITE, _P, _D, _D]),
        "cairo_surface_write_to_png_stream": (ctypes.c_int, [_P, _WRITE, _P]),
        "cairo_surface_status": (ctypes.c_int, [_P]),
        "cairo_surface_flush": (None, [_P]),
        "cairo_surface_finish": (None, [_P]),
        "cairo_surface_destroy": (None, [_P]),
        "cairo_create": (_P, [_P]),
        "cairo_status": (ctypes.c_int, [_P]),
        "cairo_destroy": (None, [_P]),
        "cairo_scale": (None, [_P, _D, _D]),
        "cairo_status_to_string": (ctypes.c_char_p, [ctypes.c_int]),
    },
)
GLIB = _library(
    "libgobject-2.0.so.0",
    {"g_object_unref": (None, [_P]), "g_error_free": (None, [ctypes.POINTER(_GError)])},
)


def _gerror(error: ctypes._Pointer[_GError], what: str, *, spent: bool = False) -> Refused:
    message = what
    if error:
        message = f"{what}: {(error.contents.message or b'').decode(errors='replace')}"
        GLIB.g_error_free(error)
    return Refused(message, spent=spent)


def _cairo_failed(status: int) -> Refused:
    return Refused(f"cairo: {(CAIRO.cairo_status_to_string(status) or b'').decode()}", spent=True)


def _handle(svg: bytes) -> tuple[int, float, float]:
    error = ctypes.POINTER(_GError)()
    handle = RSVG.rsvg_handle_new_from_data(svg, len(svg), ctypes.byref(error))
    if not handle:
        raise _gerror(error, "the SVG could not be read")
    width, height = _D(), _D()
    if not RSVG.rsvg_handle_get_intrinsic_size_in_pixels(handle, ctypes.byref(width), ctypes.byref(height)):
        GLIB.g_object_unref(handle)
        raise Refused("the SVG has no size in pixels")
    return handle, width.value, height.value


def _draw(handle: int, cr: int, width: float, height: float) -> None:
    error = ctypes.POINTER(_GError)()
    if not RSVG.rsvg_handle_render_document(handle, cr, ctypes.byref(_Rect(0, 0, width, height)), ctypes.byref(error)):
        raise _gerror(error, "librsvg could not draw the SVG", spent=True)
    status = CAIRO.cairo_status(cr)
    if status != CAIRO_STATUS_SUCCESS:
        raise _cairo_failed(status)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(svg: bytes, zoom: float) -> bytes:
    handle, natural_w, natural_h = _handle(svg)
    try:
        # The surface is the natural size times the zoom, rounded up, as rsvg-convert makes it.
        width, height = math.ceil(natural_w * zoom), math.ceil(natural_h * zoom)
        if width < 1 or height < 1:
            raise Refused("the picture has no area")
        surface = CAIRO.cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height)
        try:
            status = CAIRO.cairo_surface_status(surface)
            if status != CAIRO_STATUS_SUCCESS:
                raise _cairo_failed(status)
            cr = CAIRO.cairo_create(surface)
            try:
                CAIRO.cairo_scale(cr, zoom, zoom)
                _draw(handle, cr, natural_w, natural_h)
            finally:
                CAIRO.cairo_destroy(cr)
            CAIRO.cairo_surface_flush(surface)
            return _encode_png(surface, width, height) if RAWMODE else _cairo_png(surface)
        finally:
            CAIRO.cairo_surface_destroy(surface)
    finally:
        GLIB.g_object_unref(handle)


def _encode_png(surface: int, width: int, height: int) -> bytes:
    stride = CAIRO.cairo_image_surface_get_stride(surface)
    pixels = CAIRO.cairo_image_surface_get_data(surface)
    row = width * 4
    deflate = zlib.compressobj(1)
    parts = [PNG_SIGNATURE, _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))]
    idat: list[bytes] = []
    for top in range(0, height, BAND_ROWS):
        rows = min(BAND_ROWS, height - top)
        band = ctypes.string_at(pixels + top * stride, rows * stride)
        rgba = Image.frombuffer("RGBA", (width, rows), band, "raw", RAWMODE, stride, 1).tobytes()
        # Filter type 0 (none) before every row.
        idat.append(deflate.compress(b"".join(b"\0" + rgba[i : i + row] for i in range(0, len(rgba), row))))
    idat.append(deflate.flush())
    parts.append(_chunk(b"IDAT", b"".join(idat)))
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)


def _collector(out: bytearray) -> ctypes._CFunctionType:
    def collect(_closure: int | None, data: ctypes._Pointer[ctypes.c_ubyte], length: int) -> int:
        out.extend(ctypes.string_at(data, length))
        return CAIRO_STATUS_SUCCESS

    return _WRITE(collect)


def _cairo_png(surface: int) -> bytes:
    out = bytearray()
    write = _collector(out)  # kept referenced while cairo writes
    status = CAIRO.cairo_surface_write_to_png_stream(surface, write, None)
    if status != CAIRO_STATUS_SUCCESS:
        raise _cairo_failed(status)
    return bytes(out)


def pdf(svg: bytes) -> bytes:
    handle, natural_w, natural_h = _handle(svg)
    out = bytearray()
    write = _collector(out)  # kept referenced until the surface is finished

    try:
        # A page as large as the picture: CSS pixels are 3/4 of a point.
        surface = CAIRO.cairo_pdf_surface_create_for_stream(
            write, None, natural_w / CSS_PX_PER_PT, natural_h / CSS_PX_PER_PT
        )
        try:
            cr = CAIRO.cairo_create(surface)
            try:
                CAIRO.cairo_scale(cr, 1 / CSS_PX_PER_PT, 1 / CSS_PX_PER_PT)
                _draw(handle, cr, natural_w, natural_h)
            finally:
                CAIRO.cairo_destroy(cr)
            CAIRO.cairo_surface_finish(surface)
            status = CAIRO.cairo_surface_status(surface)
            if status != CAIRO_STATUS_SUCCESS:
                raise _cairo_failed(status)
        finally:
            CAIRO.cairo_surface_destroy(surface)
    finally:
        GLIB.g_object_unref(handle)
    return bytes(out)


def answer(request: bytes, svg: bytes) -> bytes:
    try:
        fmt, zoom = request.split()[:2]
        if fmt == b"png":
            data, status = png(svg, float(zoom)), b"OK"
        elif fmt == b"pdf":
            data, status = pdf(svg), b"OK"
        else:
            data, status = b"unknown format " + fmt[:20], b"ER"
    except Refused as exc:
        data, status = str(exc).encode(errors="replace"), b"EX" if exc.spent else b"ER"
    except MemoryError:
        data, status = b"out of memory", b"EX"
    return b"%s %d\n" % (status, len(data)) + data


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    while True:
        request = stdin.readline()
        if not request:
            return
        length = int(request.split()[2])
        svg = stdin.read(length)
        if len(svg) != length:
            return
        reply = answer(request, svg)
        stdout.write(reply)
        stdout.flush()
        if reply.startswith(b"EX "):
            return


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
