from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from whiteboard.boards.management.cli import read_board_arg
from whiteboard.domain.review import SEVERITIES, fails
from whiteboard.domain.sarif import to_sarif
from whiteboard.reviews.running import review_document

EXIT_FINDINGS = 1


class Command(BaseCommand):
    help = (
        "Review a board document (FILE, or - for stdin). Exit 0 when fine, 1 when unsuppressed findings "
        "are at or above --fail-on, 2 on bad input or usage."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a board file (JSON or any importable format), or - to read standard input")
        parser.add_argument("--format", choices=("json", "sarif", "text"), default="json")
        parser.add_argument(
            "--fail-on",
            choices=SEVERITIES,
            default="error",
            help="exit 1 when an unsuppressed finding has this severity or a higher one (default: error)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["file"]
        doc = read_board_arg(path)
        review = review_document(document=doc)
        output_format = options["format"]
        if output_format == "sarif":
            uri, text = _artifact(path)
            log = to_sarif(review, artifact_uri=uri, source_text=text, board_review=doc.get("review"))
            self.stdout.write(json.dumps(log, indent=2))
        elif output_format == "text":
            self.stdout.write(format_text(review))
        else:
            self.stdout.write(json.dumps(review, indent=2, ensure_ascii=False))
        for warning in review.get("warnings", []):
            self.stderr.write(f"warning: {warning['loc']}: {warning['msg']}")
        failing = fails(review, options["fail_on"])
        if failing:
            raise CommandError(
                f"{failing} unsuppressed finding{'s' if failing != 1 else ''} at or above {options['fail_on']}",
                returncode=EXIT_FINDINGS,
            )


def _artifact(path: str) -> tuple[str | None, str | None]:
    """The board file as a SARIF artifact URI (relative when under the working directory)."""
    if path == "-":
        return None, None
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    resolved = file.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix(), text
    except ValueError:
        return resolved.as_uri(), text


def format_text(review: dict[str, Any]) -> str:
    """A plain report for terminals and CI logs: one block per finding, then the summary."""
    out = [f"Review of {review['board'] or 'untitled board'}"]
    suppressed = 0
    for f in review["findings"]:
        where = ", ".join([*f["nodes"], *f["edges"]]) or "board"
        mark = ""
        if f["suppressed"]:
            suppressed += 1
            mark = f" [suppressed: {f.get('reason') or 'no reason given'}]"
        out.append(f"{f['severity']:<8} {f['rule']} ({where}){mark}")
        out.append(f"         {f['message']}")
        out.append(f"         hint: {f['hint']}")
    summary = review["summary"]
    out.append(
        f"{summary['error']} error(s), {summary['warning']} warning(s), {summary['info']} info"
        + (f"; {suppressed} suppressed" if suppressed else "")
    )
    return "\n".join(out)
