"""Boards stored before text was checked may hold a lone UTF-16 surrogate or a NUL character
(a label sent as "\\ud800"): such a board failed every export and its editor never got a
snapshot. Each one is replaced by U+FFFD, the replacement character, in the current document,
the saved versions and the op log (which replays to the document)."""

from typing import Any

from django.db import migrations

from whiteboard.domain.jsontext import repaired

BATCH = 100


def _repair(model: Any, field: str, extra: tuple[str, ...] = ()) -> None:
    rows = model.objects.only("pk", field).order_by("pk").iterator(chunk_size=BATCH)
    for row in rows:
        value, changed = repaired(getattr(row, field))
        if not changed:
            continue
        updates = {field: value}
        if "name" in extra:
            updates["name"] = value.get("name", "")
        if "description" in extra:
            updates["description"] = value.get("description", "")
        model.objects.filter(pk=row.pk).update(**updates)


def repair(apps: Any, schema_editor: Any) -> None:
    _repair(apps.get_model("boards", "Board"), "document", ("name", "description"))
    _repair(apps.get_model("boards", "Snapshot"), "document")
    _repair(apps.get_model("boards", "BoardOp"), "op")


class Migration(migrations.Migration):
    dependencies = [("boards", "0005_board_summary")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop, elidable=True)]
