"""The rendering service: board document -> picture or export file (see `service`)."""

from __future__ import annotations

from whiteboard.rendering.service import (
    FORMATS,
    InvalidOption,
    Picture,
    RenderBusy,
    Rendered,
    RenderError,
    RenderService,
    RenderSettings,
    RenderTooComplex,
    UnknownFormat,
    board_layout_async,
    picture_from_query,
    render_board,
    render_board_async,
    render_settings,
)

__all__ = [
    "FORMATS",
    "InvalidOption",
    "Picture",
    "RenderBusy",
    "RenderError",
    "RenderService",
    "RenderSettings",
    "RenderTooComplex",
    "Rendered",
    "UnknownFormat",
    "board_layout_async",
    "picture_from_query",
    "render_board",
    "render_board_async",
    "render_settings",
]
