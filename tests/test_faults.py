"""Faults: the database connection dropped in the middle of applying an op; the render service's
working folder deleted while renders run."""

from __future__ import annotations

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.db.utils import DatabaseError

from tests.builders import sample_board
from whiteboard.boards import services
from whiteboard.boards.models import Board, BoardOp
from whiteboard.rendering.service import RenderService, RenderSettings

PNG = b"\x89PNG\r\n\x1a\n"


def _terminate_own_backend() -> None:
    """Kill this connection's PostgreSQL backend from a second connection, as a failover would."""
    import psycopg

    pid = connection.cursor().connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.services
@pytest.mark.database("postgresql")
@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_mid_op_leaves_nothing_half_applied(board: Board, owner: Any, monkeypatch: Any) -> None:
    before = (board.version, board.document, BoardOp.objects.filter(board=board).count())
    real = services.take_checkpoints

    def drop_then_continue(**kwargs: Any) -> None:
        # The op row and the new board row are written but not committed when the link goes.
        _terminate_own_backend()
        real(**kwargs)

    monkeypatch.setattr(services, "take_checkpoints", drop_then_continue)
    op = {"action": "set_board", "set": {"name": "Never half applied"}}
    with pytest.raises(DatabaseError):
        services.board_apply_op(board_id=board.pk, op=op, op_id="dropped", user=owner)
    connection.close()  # the broken connection is discarded; the next query opens a new one

    board.refresh_from_db()
    assert (board.version, board.document, BoardOp.objects.filter(board=board).count()) == before
    assert not BoardOp.objects.filter(board=board, op_id="dropped").exists()

    monkeypatch.setattr(services, "take_checkpoints", real)
    retried = services.board_apply_op(board_id=board.pk, op=op, op_id="dropped", user=owner)
    assert retried.version == before[0] + 1 and not retried.duplicate
    board.refresh_from_db()
    assert board.name == "Never half applied"


@pytest.mark.slow
def test_renders_go_on_while_the_working_folder_is_deleted_under_load() -> None:
    svc = RenderService(RenderSettings(workers=2, queue=32))
    stop = threading.Event()
    deletions = 0

    def vandal() -> None:
        nonlocal deletions
        while not stop.is_set():
            workdir = svc._icon_dir
            if workdir is not None and workdir.exists():
                shutil.rmtree(workdir, ignore_errors=True)
                deletions += 1
            stop.wait(0.25)

    def render(i: int) -> bytes:
        # Distinct names defeat the in-memory cache, so every call runs `dot` with the icons.
        return svc.render(sample_board(name=f"load {i}"), fmt="png" if i % 2 else "svg").content

    thread = threading.Thread(target=vandal)
    try:
        svc.render(sample_board(name="warm"), fmt="png")
        thread.start()
        with ThreadPoolExecutor(4) as pool:
            outputs = list(pool.map(render, range(60)))
    finally:
        stop.set()
        thread.join()
    try:
        assert deletions >= 2
        for i, out in enumerate(outputs):
            if i % 2:
                assert out.startswith(PNG) and out.endswith(b"IEND\xaeB`\x82"), i
            else:
                assert out.lstrip().startswith(b"<?xml") and b"</svg>" in out and b"data:image/png;base64," in out, i
        assert svc.render(sample_board(name="after"), fmt="png").content.startswith(PNG)
    finally:
        svc.close()
