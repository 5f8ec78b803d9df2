"""The board list searches component labels too: a summary column of the labels, filled here for
existing boards, then kept by the board services (`Board.summary_of`)."""

from typing import Any

from django.db import migrations, models

BATCH = 100


def fill(apps: Any, schema_editor: Any) -> None:
    from whiteboard.boards.models import searchable_labels

    Board = apps.get_model("boards", "Board")
    batch = []
    for board in Board.objects.only("pk", "document").order_by("pk").iterator(chunk_size=BATCH):
        board.labels = searchable_labels(board.document)
        batch.append(board)
        if len(batch) == BATCH:
            Board.objects.bulk_update(batch, ["labels"])
            batch = []
    Board.objects.bulk_update(batch, ["labels"])


class Migration(migrations.Migration):
    dependencies = [("boards", "0006_repair_invalid_text")]

    operations = [
        migrations.AddField(model_name="board", name="labels", field=models.TextField(blank=True, default="")),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
