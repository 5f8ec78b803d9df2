"""Data safety: SQLite in WAL mode with a busy timeout; backup and restore by a round trip."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from whiteboard import backup as backup_module
from whiteboard.accounts.services import token_create
from whiteboard.backup import MODELS, BackupError, restore
from whiteboard.boards import history, sharing
from whiteboard.boards.services import board_apply_op
from whiteboard.reviews.services import review_set_status, thread_create, thread_reply


@pytest.mark.database("sqlite")
@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(settings: Any) -> None:
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] in ("wal", "memory")  # the test DB may be in memory
    options = settings.DATABASES["default"]["OPTIONS"]
    assert "journal_mode=WAL" in options["init_command"]
    assert options["timeout"] >= 5
    assert options["transaction_mode"] == "IMMEDIATE"


def test_a_file_database_really_is_in_wal_mode(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "wal.sqlite3"
    code = (
        "import django; django.setup();"
        "from django.db import connection; c = connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA busy_timeout').fetchone()[0])"
    )
    env = {**__import__("os").environ, "SQLITE_PATH": str(db), "DJANGO_SETTINGS_MODULE": "whiteboard.settings"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    mode, timeout_ms = out.stdout.split()
    assert mode == "wal" and int(timeout_ms) >= 5000


def _snapshot_all() -> dict[str, Any]:
    from django.apps import apps

    state = {}
    for label in MODELS:
        model = apps.get_model(label)
        state[label] = json.loads(serializers.serialize("json", model._default_manager.order_by("pk")))
    return state


@pytest.mark.django_db
def test_backup_and_restore_round_trip_every_row(tmp_path: Path, board: Any, owner: Any, collaborator: Any) -> None:
    board_apply_op(board_id=board.pk, op={"action": "set_board", "set": {"name": "Edited"}}, op_id="e1", user=owner)
    board.refresh_from_db()
    history.snapshot_create(board=board, name="named", user=owner)
    sharing.link_create(board=board, user=owner)
    thread = thread_create(board=board, user=owner, target="board", body="Hello @carlos")
    thread_reply(board=board, thread=thread, user=collaborator, body="Hi")
    review_set_status(board=board, user=owner, status="in_review", reviewers=["carlos"], note="please")
    token_create(user=owner, name="ci")
    before = _snapshot_all()
    assert all(before[label] for label in MODELS), {k: len(v) for k, v in before.items()}

    archive = tmp_path / "archboard.json.gz"
    call_command("backup", str(archive))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))
    for label in reversed(MODELS):
        __import__("django.apps").apps.apps.get_model(label)._default_manager.all().delete()
    assert not any(_snapshot_all().values())

    call_command("restore", str(archive))
    assert _snapshot_all() == before
    board.refresh_from_db()
    assert history.document_at(board, board.version) == board.document
    # ids continue after the restored ones
    applied = board_apply_op(
        board_id=board.pk, op={"action": "set_board", "set": {"name": "After"}}, op_id="e2", user=owner
    )
    assert applied.version == board.version + 1


@pytest.mark.django_db
def test_a_damaged_or_foreign_archive_is_refused_and_nothing_changes(tmp_path: Path, board: Any) -> None:
    archive = tmp_path / "a.json.gz"
    backup_module.backup(archive)
    data = json.loads(gzip.decompress(archive.read_bytes()))
    data["objects"] = data["objects"][:-1]
    damaged = tmp_path / "damaged.json.gz"
    damaged.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(BackupError, match="damaged"):
        restore(damaged, replace=True)
    other = tmp_path / "other.json.gz"
    other.write_bytes(gzip.compress(b'{"format": "something-else"}'))
    with pytest.raises(BackupError, match="not an Archboard backup"):
        restore(other, replace=True)
    assert board.__class__.objects.filter(pk=board.pk).exists()
