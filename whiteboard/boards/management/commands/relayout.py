from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from whiteboard.boards.management.cli import EXIT_BAD_INPUT, read_board_arg
from whiteboard.domain.board import NODE_KEYS, parse_json
from whiteboard.domain.drawn import default_layout
from whiteboard.domain.layout import layout_board
from whiteboard.domain.layout_measures import Measures, measure

SHOWN = (
    ("node_overlaps", "node overlaps"),
    ("group_overlaps", "group overlaps"),
    ("strays", "nodes over other groups"),
    ("label_collisions", "label collisions"),
    ("crossings", "crossings"),
    ("edges_over_nodes", "edges over nodes"),
    ("edges_across_groups", "edges across groups"),
)


class Command(BaseCommand):
    help = (
        "Lay board documents out again with the auto-layout and print their measures before and after. "
        "With --write, each FILE gets its new node positions (x and y, nothing else) written back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--write", action="store_true", help="write the new positions back into each FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        for name in options["files"]:
            if name == "-":
                raise CommandError(
                    "relayout reads files (it may write them back), not stdin", returncode=EXIT_BAD_INPUT
                )
            self.stdout.write(_relayout(name, write=options["write"]))


def _relayout(name: str, *, write: bool) -> str:
    doc = read_board_arg(name)
    path = Path(name)
    # The file's own structure, so that writing it back changes x and y and nothing else (not
    # even the defaults the validator fills in).
    original = parse_json(path.read_bytes())
    positions = layout_board(doc)
    before = measure(doc) if default_layout(doc) == "drawn" else None
    after = measure({**doc, "nodes": [{**n, **positions[n["id"]]} for n in doc["nodes"]]})
    changed = any((n.get("x"), n.get("y")) != (positions[n["id"]]["x"], positions[n["id"]]["y"]) for n in doc["nodes"])
    if changed and write:
        text = json.dumps(_with_positions(original, positions), ensure_ascii=False, indent=2) + "\n"
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {name}: {exc.strerror}", returncode=EXIT_BAD_INPUT) from None
    status = "written" if changed and write else "would change (--write writes it)" if changed else "unchanged"
    return f"{name}: {status}\n{_table(before, after)}"


def _with_positions(original: dict[str, Any], positions: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The document as it was, each node's x and y replaced (or added, in the schema's order)."""
    nodes = []
    for node in original["nodes"]:
        moved = {**node, **positions[node["id"]]}
        nodes.append({key: moved[key] for key in NODE_KEYS if key in moved})
    return {**original, "nodes": nodes}


def _table(before: Measures | None, after: Measures) -> str:
    rows = [("", "before", "after")]
    for key, label in SHOWN:
        rows.append((label, "-" if before is None else str(getattr(before, key)), str(getattr(after, key))))
    size = f"{after.width:.0f} x {after.height:.0f}"
    rows.append(("size (px)", "-" if before is None else f"{before.width:.0f} x {before.height:.0f}", size))
    rows.append(("aspect", "-" if before is None else f"{before.aspect:.2f}", f"{after.aspect:.2f}"))
    return "\n".join(f"  {a:<24}{b:>12}{c:>12}" for a, b, c in rows)
