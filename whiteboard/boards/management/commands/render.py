from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from whiteboard.boards.management.cli import EXIT_BAD_INPUT, read_board_arg
from whiteboard.domain.board import BoardError, board_part
from whiteboard.domain.drawn import MIN_TEXT_PX
from whiteboard.rendering import FORMATS, Picture, RenderError, render_board
from whiteboard.rendering.service import MAX_WIDTH

CLI_FORMATS = ("png", "svg", "pdf", "dot", "py", "json", "mmd", "drawio", "compose.yaml", "k8s.yaml")
# Output names -> format, longest ending first: `x.k8s.yaml` is Kubernetes, any other YAML
# (`docker-compose.yml`, `compose.yaml`) is Compose.
ENDINGS = (
    (".k8s.yaml", "k8s.yaml"),
    (".k8s.yml", "k8s.yaml"),
    (".drawio.xml", "drawio"),
    (".mermaid", "mmd"),
    (".yaml", "compose.yaml"),
    (".yml", "compose.yaml"),
)


def format_of(name: str) -> str | None:
    lower = name.lower()
    for ending, fmt in ENDINGS:
        if lower.endswith(ending):
            return fmt
    suffix = lower.rsplit(".", 1)[-1] if "." in lower else ""
    return suffix if suffix in CLI_FORMATS else None


class Command(BaseCommand):
    help = (
        "Render a board (FILE in any importable format, or - for stdin) to OUT; the format comes from OUT's "
        f"extension ({', '.join(CLI_FORMATS)}; any other .yaml or .yml is Compose). "
        "Exit 2 with the reason on bad input."
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
        parser.add_argument(
            "--only",
            metavar="IDS",
            help="a part of the board: node, group and edge ids separated by commas (a group brings its members, "
            "an edge its ends)",
        )
        parser.add_argument(
            "--syntax",
            choices=("architecture", "flowchart"),
            default="architecture",
            help="Mermaid (.mmd): an architecture-beta diagram (default) or a flowchart",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["output"])
        fmt = format_of(out.name)
        if fmt is None or fmt not in FORMATS:
            raise CommandError(
                f"cannot tell the format from {out.name!r}: use one of .{', .'.join(CLI_FORMATS)}",
                returncode=EXIT_BAD_INPUT,
            )
        doc = read_board_arg(options["file"])
        if options["only"] is not None:
            try:
                doc = board_part(doc, options["only"])
            except BoardError as exc:
                raise CommandError(str(exc), returncode=EXIT_BAD_INPUT) from None
        try:
            picture = Picture(layout=options["layout"], background=options["background"], width=options["width"])
            rendered = render_board(
                doc, fmt=fmt, scale=options["scale"], picture=picture, budget=None, syntax=options["syntax"]
            )
        except RenderError as exc:
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from None
        try:
            out.write_bytes(rendered.content)
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}", returncode=EXIT_BAD_INPUT) from None
        self.stdout.write(f"wrote {out} ({len(rendered.content)} bytes, {fmt})")
        if options["width"] and fmt in ("svg", "png", "pdf"):
            self._warn_of_small_text(doc, fmt, rendered.content, picture, options["width"])

    def _warn_of_small_text(self, doc: Any, fmt: str, content: bytes, picture: Picture, width: int) -> None:
        """Say so when the board is too wide for the width to keep its text readable (the drawn
        SVG, cached by now, carries the size its smallest text comes out at)."""
        svg = content if fmt == "svg" else render_board(doc, fmt="svg", scale=1.0, picture=picture, budget=None).content
        found = re.search(rb'data-smallest-text-px="([0-9.]+)"', svg[:2000])
        readable = re.search(rb'data-readable-width="([0-9]+)"', svg[:2000])
        if found and float(found.group(1)) < MIN_TEXT_PX:
            wider = int(readable.group(1)) if readable else 0
            advice = f"its text reads from --width {wider}" if width < wider <= MAX_WIDTH else "try no --width"
            self.stderr.write(
                f"warning: at {width} px the smallest text is {float(found.group(1)):.1f} px, too small to read "
                f"on a page; this board is wide for that width ({advice})"
            )
