"""Backup and restore of everything a user made: users, API tokens, boards, their op logs,
snapshots, memberships, share links, comments and review state, as one gzip'd JSON archive.

The archive is Django's own serialisation (natural keys are not needed: primary keys are kept,
so op logs, threads and memberships point at the same rows after a restore) with a small header
naming the format and counting the rows, checked again on restore.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core import serializers
from django.db import transaction

from whiteboard.boards.models import Board
from whiteboard.boards.services import board_summaries_fill

FORMAT = "archboard-backup/1"
# In dependency order: what a row points at comes before it.
MODELS = (
    "auth.user",
    "accounts.apitoken",
    "boards.board",
    "boards.membership",
    "boards.boardop",
    "boards.snapshot",
    "boards.sharelink",
    "reviews.thread",
    "reviews.comment",
    "reviews.boardreview",
    "reviews.reviewevent",
)


class BackupError(Exception):
    pass


def _models() -> list[Any]:
    return [apps.get_model(label) for label in MODELS]


def backup(path: Path) -> dict[str, int]:
    """Write the archive; returns the row count per model."""
    objects: list[Any] = []
    counts: dict[str, int] = {}
    with transaction.atomic():  # one consistent view of the database
        for model in _models():
            rows = list(model._default_manager.order_by("pk"))
            counts[model._meta.label_lower] = len(rows)
            objects += json.loads(serializers.serialize("json", rows))
    archive = {"format": FORMAT, "counts": counts, "objects": objects}
    tmp = path.with_name(path.name + ".part")
    with gzip.open(tmp, "wt", encoding="utf-8") as out:
        json.dump(archive, out, ensure_ascii=False)
    tmp.replace(path)
    return counts


def restore(path: Path, *, replace: bool = False) -> dict[str, int]:
    """Load the archive into this database in one transaction (all or nothing).

    Refuses a database that already holds boards or users unless `replace`, which deletes them first.
    """
    try:
        with gzip.open(path, "rt", encoding="utf-8") as src:
            archive = json.load(src)
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path}: not an Archboard backup ({exc})") from None
    if not isinstance(archive, dict) or archive.get("format") != FORMAT:
        raise BackupError(f"{path}: not an Archboard backup (format {archive.get('format')!r})")
    found = Counter(obj.get("model") for obj in archive.get("objects", []))
    if dict(found) != {k: v for k, v in archive.get("counts", {}).items() if v}:
        raise BackupError(f"{path}: the archive is damaged (row counts do not match its header)")
    models = _models()
    with transaction.atomic():
        if any(m._default_manager.exists() for m in models):
            if not replace:
                raise BackupError("the database is not empty: restore into a new database, or pass --replace")
            for model in reversed(models):
                model._default_manager.all().delete()
        for obj in serializers.deserialize("json", json.dumps(archive["objects"])):
            obj.save()
        _reset_sequences(models)
        # Archives made before the boards' summary columns existed: fill them now.
        board_summaries_fill(boards=list(Board.objects.filter(node_count__isnull=True).defer("document")))
    return {label: found.get(label, 0) for label in MODELS}


def _reset_sequences(models: list[Any]) -> None:
    """PostgreSQL keeps id sequences apart from the rows: move them past the restored ids."""
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
