from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from whiteboard.boards.management.cli import EXIT_BAD_INPUT, read_board_arg
from whiteboard.rendering import FORMATS, Picture, RenderError, render_board

CLI_FORMATS = ("png", "svg", "pdf", "dot", "py", "json")


class Command(BaseCommand):
    help = (
        "Render a board document (FILE, or - for stdin) to OUT; the format comes from OUT's extension "
        f"({', '.join(CLI_FORMATS)}). Exit 2 with the reason on bad input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("-o", "--output", required=True, help="output file, e.g. board.png")
        parser.add_argument("--scale", type=float, default=1.0, help="PNG scale (1 = 96 dpi, 2 = 192 dpi)")
        parser.add_argument(
            "--layout",
            choices=("drawn", "auto"),
            help="PNG/SVG/PDF: drawn as on the canvas, or laid out by graphviz "
            "(default: drawn when every node has a position)",
        )
        parser.add_argument("--background", choices=("white", "transparent"), default="white")
        parser.add_argument("--width", type=int, help="drawn layout: the picture's width in px, text kept readable")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["output"])
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in CLI_FORMATS or fmt not in FORMATS:
            raise CommandError(
                f"cannot tell the format from {out.name!r}: use one of .{', .'.join(CLI_FORMATS)}",
                returncode=EXIT_BAD_INPUT,
            )
        doc = read_board_arg(options["file"])
        try:
            picture = Picture(layout=options["layout"], background=options["background"], width=options["width"])
            rendered = render_board(doc, fmt=fmt, scale=options["scale"], picture=picture, budget=None)
        except RenderError as exc:
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from None
        try:
            out.write_bytes(rendered.content)
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}", returncode=EXIT_BAD_INPUT) from None
        self.stdout.write(f"wrote {out} ({len(rendered.content)} bytes, {fmt})")
