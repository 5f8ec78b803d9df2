from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from whiteboard.boards.management.cli import EXIT_BAD_INPUT, read_board_arg
from whiteboard.domain.estimate import check_scale, estimate_board

EXIT_OVER_CAPACITY = 1


class Command(BaseCommand):
    help = (
        "Estimate capacity, latency and availability of a board document (FILE, or - for stdin). Exit 0 when "
        "every node is within capacity, 1 when a node is over capacity at --scale, 2 on bad input or usage, or "
        "when the routing has no answer (fractions above 1, a loop that multiplies load)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a board JSON file, or - to read standard input")
        parser.add_argument("--scale", type=float, default=1.0, help="multiplies every client's rps (default: 1)")
        parser.add_argument("--format", choices=("json", "text"), default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        scale: float = options["scale"]
        problem = check_scale(scale)
        if problem is not None:
            raise CommandError(f"--scale {problem}, not {scale:g}", returncode=EXIT_BAD_INPUT)
        result = estimate_board(read_board_arg(options["file"]), scale=scale)
        if options["format"] == "text":
            self.stdout.write(format_text(result))
        else:
            self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
        for error in result["errors"]:
            self.stderr.write(f"error: {error['loc']}: {error['msg']}")
        unsolved = [node for node, figures in result["nodes"].items() if figures["rate"] is None]
        if unsolved:
            raise CommandError(
                f"no load for {len(unsolved)} node(s) ({', '.join(unsolved[:5])}{', ...' if len(unsolved) > 5 else ''})"
                ": the routing has no answer, see the errors above",
                returncode=EXIT_BAD_INPUT,
            )
        over = [node for node, figures in result["nodes"].items() if (figures["utilisation"] or 0) >= 1]
        if over:
            raise CommandError(
                f"{len(over)} node(s) over capacity at scale {scale:g}: {', '.join(over)}",
                returncode=EXIT_OVER_CAPACITY,
            )


def _cell(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def format_text(result: dict[str, Any]) -> str:
    """A plain report for terminals and CI logs: the clients, the nodes, the bottleneck."""
    out = [f"Estimate of {result['board'] or 'untitled board'} at scale {result['scale']:g}", ""]
    width = max([len(e["client"]) for e in result["entries"]] + [len(n) for n in result["nodes"]] + [6])
    out.append(
        f"{'client':<{width}} {'rps':>10} {'mean ms':>10} {'p99 ms':>10} {'1st token':>10} {'available':>10} "
        f"{'SLO p99':>10}"
    )
    for e in result["entries"]:
        out.append(
            f"{e['client']:<{width}} {_cell(e['rps'], 2):>10} {_cell(e['mean_ms']):>10} {_cell(e['p99_ms']):>10} "
            f"{_cell(e['first_token_ms']):>10} {_cell(e['availability'], 5):>10} {_cell(e['slo_p99_ms'], 0):>10}"
        )
    out.append("")
    out.append(
        f"{'node':<{width}} {'rate/s':>10} {'servers':>10} {'busy':>10} {'wait ms':>10} {'mean ms':>10} "
        f"{'available':>10}"
    )
    for node, n in result["nodes"].items():
        out.append(
            f"{node:<{width}} {_cell(n['rate'], 2):>10} {n['servers']:>10,} {_cell(n['utilisation'], 2):>10} "
            f"{_cell(n['wait_ms']):>10} {_cell(n['mean_ms']):>10} {_cell(n['availability'], 5):>10}"
        )
    out.append("")
    bottleneck = result["bottleneck"]
    if bottleneck is None:
        out.append("no load: no client has an rps")
    else:
        busiest = result["nodes"][bottleneck]["utilisation"]
        limit = result["max_scale"]
        room = "" if limit is None else f"; over capacity from scale {limit:.3g}"
        out.append(f"bottleneck: {bottleneck} ({busiest:.0%} busy){room}")
    return "\n".join(out)
