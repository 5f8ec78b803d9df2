"""The rendering service: board document -> picture or export file (see `service`)."""

from __future__ import annotations

from whiteboard.rendering.service import (
    FORMATS,
    InvalidOption,
    RenderBusy,
    Rendered,
    RenderError,
    RenderService,
    RenderSettings,
    RenderTooComplex,
    UnknownFormat,
    board_layout_async,
    render_board,
    render_board_async,
    render_settings,
)

__all__ = [
    "FORMATS",
    "InvalidOption",
    "RenderBusy",
    "RenderError",
    "RenderService",
    "RenderSettings",
    "RenderTooComplex",
    "Rendered",
    "UnknownFormat",
    "board_layout_async",
    "render_board",
    "render_board_async",
    "render_settings",
]
