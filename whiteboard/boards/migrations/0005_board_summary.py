"""The board list's summary of each document (node and edge counts, description) as columns, so a
list does not load documents; filled here for existing boards, then kept by the board services."""

from typing import Any

from django.db import migrations, models

BATCH = 100


def fill(apps: Any, schema_editor: Any) -> None:
    Board = apps.get_model("boards", "Board")
    rows = Board.objects.only("pk", "document").order_by("pk").iterator(chunk_size=BATCH)
    batch = []
    for board in rows:
        document = board.document
        board.node_count = len(document.get("nodes", []))
        board.edge_count = len(document.get("edges", []))
        board.description = document.get("description", "")
        batch.append(board)
        if len(batch) == BATCH:
            Board.objects.bulk_update(batch, ["node_count", "edge_count", "description"])
            batch = []
    Board.objects.bulk_update(batch, ["node_count", "edge_count", "description"])


class Migration(migrations.Migration):
    dependencies = [("boards", "0004_board_document_json_on_postgresql")]

    operations = [
        migrations.AddField(model_name="board", name="node_count", field=models.PositiveIntegerField(null=True)),
        migrations.AddField(model_name="board", name="edge_count", field=models.PositiveIntegerField(null=True)),
        migrations.AddField(model_name="board", name="description", field=models.TextField(blank=True, default="")),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
