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
    "render_board",
    "render_board_async",
    "render_settings",
]
