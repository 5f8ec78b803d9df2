"""On PostgreSQL, board documents move from `jsonb` (keys sorted) to `json` (keys as written).

Other databases store JSON as text already: nothing to do there.
"""

from typing import Any

from django.db import migrations

TABLES = ("boards_board", "boards_snapshot")


def _retype(schema_editor: Any, column_type: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} ALTER COLUMN document TYPE {column_type} USING document::{column_type}"
        )


def forwards(apps: Any, schema_editor: Any) -> None:
    _retype(schema_editor, "json")


def backwards(apps: Any, schema_editor: Any) -> None:
    _retype(schema_editor, "jsonb")


class Migration(migrations.Migration):
    dependencies = [("boards", "0003_board_document_field")]

    operations = [migrations.RunPython(forwards, backwards)]
