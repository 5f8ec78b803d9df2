"""Bad text, everywhere text enters (SPEC sections 1 and 11): a lone surrogate, a NUL character or
a repeated JSON key gets a clear, located 4xx on every JSON route, form, socket and command, and
nothing stored changes."""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DataError, connection, transaction
from django.test import Client

from tests.builders import sample_board
from tests.conftest import Api
from whiteboard.boards.models import Board, BoardOp, Snapshot
from whiteboard.reviews.models import Comment, ReviewEvent, Thread
from whiteboard.reviews.services import thread_create

LONE = "\\ud800"  # as JSON text: the escape of a lone surrogate
NUL = "\\u0000"


def _doc(label: str) -> str:
    """The sample board as JSON text with `label` (raw JSON string content) on its first node."""
    text = json.dumps(sample_board())
    return text.replace('"label": "Users"', f'"label": "{label}"', 1)


def _stored(board: Board) -> tuple[Any, ...]:
    board.refresh_from_db()
    return (
        board.version,
        json.dumps(board.document, sort_keys=True),
        BoardOp.objects.filter(board=board).count(),
        Snapshot.objects.filter(board=board).count(),
        Thread.objects.filter(board=board).count(),
        Comment.objects.filter(thread__board=board).count(),
        ReviewEvent.objects.filter(board=board).count(),
    )


# Each JSON route that takes text: (method, path, JSON text with a hole for the bad string).
ROUTES: list[tuple[str, str, Callable[[str], str]]] = [
    ("post", "/api/boards", _doc),
    ("put", "/api/boards/{id}", lambda bad: f'{{"version": 1, "board": {_doc(bad)}}}'),
    ("post", "/api/render?format=svg", _doc),
    ("post", "/api/review", _doc),
    ("post", "/api/boards/{id}/comments", lambda bad: f'{{"target": "node:gw", "text": "hi {bad}"}}'),
    ("post", "/api/boards/{id}/versions", lambda bad: f'{{"name": "v1 {bad}"}}'),
    ("post", "/api/boards/{id}/review/status", lambda bad: f'{{"status": "in_review", "note": "{bad}"}}'),
    ("post", "/api/boards/{id}/comments/{thread}/replies", lambda bad: f'{{"text": "hi {bad}"}}'),
    ("post", "/api/estimate", _doc),
    ("post", "/api/import?format=archboard", _doc),
    ("post", "/api/boards/{id}/paste", _doc),
]


def _path(path: str, board: Board) -> str:
    if "{thread}" not in path:
        return path.format(id=board.pk)
    thread = thread_create(board=board, user=board.owner, target="node:gw", body="a first comment")
    return path.format(id=board.pk, thread=thread.pk)


def test_the_list_holds_every_route_the_api_publishes_with_a_body() -> None:
    """Derived from the published document: a new route that takes a body joins the list."""
    from whiteboard.api import openapi_document

    published = {
        (method, path.replace("{board_id}", "{id}").replace("{thread_id}", "{thread}"))
        for path, operations in openapi_document()["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and "requestBody" in operation
    }
    listed = {(method, path.split("?")[0]) for method, path, _ in ROUTES}
    assert published - listed == set()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [LONE, NUL], ids=["lone-surrogate", "nul"])
@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_every_json_route_refuses_bad_text_with_a_located_error(
    board: Board, owner_api: Api, method: str, path: str, body: Callable[[str], str], bad: str
) -> None:
    where = _path(path, board)
    before = _stored(board)
    boards_before = Board.objects.count()
    response = getattr(owner_api, method)(where, raw=body(bad))
    assert response.status_code in (400, 422), response.content[:300]
    errors = response.json()["errors"]
    assert errors and errors[0]["msg"].startswith("invalid text:")
    assert errors[0]["loc"] not in ("", "body")
    assert _stored(board) == before and Board.objects.count() == boards_before


@pytest.mark.django_db
def test_the_error_names_the_place_of_the_bad_text(owner_api: Api) -> None:
    response = owner_api.post("/api/boards", raw=_doc(LONE))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "loc": "nodes[0].label",
            "msg": "invalid text: a lone UTF-16 surrogate (\\ud800) at character 1 is not Unicode",
        }
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_every_json_route_refuses_a_repeated_key(
    board: Board, owner_api: Api, method: str, path: str, body: Callable[[str], str]
) -> None:
    where = _path(path, board)
    before = _stored(board)
    raw = body("ok")
    repeated = raw[:-1] + ', "' + next(iter(json.loads(raw))) + '": 1}'
    response = getattr(owner_api, method)(where, raw=repeated)
    assert response.status_code in (400, 422)
    assert response.json()["errors"][0]["msg"].startswith("repeated key")
    assert _stored(board) == before


@pytest.mark.django_db
def test_a_repeated_key_deep_in_a_board_is_refused_where_it_is(owner_api: Api) -> None:
    raw = _doc("Users").replace('"kind": "api_gateway"', '"kind": "api_gateway", "kind": "llm"', 1)
    response = owner_api.post("/api/boards", raw=raw)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": "nodes[1]", "msg": 'repeated key "kind": an object may name each key once'}
    ]
    assert Board.objects.count() == 0


@pytest.mark.django_db
def test_a_body_that_is_not_utf8_is_a_malformed_body(owner_api: Api) -> None:
    response = owner_api.post("/api/boards", raw=_doc("x").encode().replace(b'"x"', b'"\xed\xa0\x80"'))
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == "body"


@pytest.mark.django_db
def test_forms_and_query_strings_refuse_nul_and_name_the_field(owner: Any, board: Board) -> None:
    client = Client()
    client.force_login(owner)
    boards_before = Board.objects.count()
    created = client.post("/boards/new", {"name": "evil\x00name"})
    assert created.status_code == 400
    assert b"form.name: invalid text: a NUL character" in created.content
    assert Board.objects.count() == boards_before
    renamed = client.post(f"/boards/{board.pk}/rename", {"name": "x\x00"})
    assert renamed.status_code == 400
    board.refresh_from_db()
    assert board.name == "Sample"
    searched = client.get("/", {"q": "\x00"})
    assert searched.status_code == 400 and b"query.q" in searched.content
    api = client.get("/api/boards", {"q": "a\x00"})
    assert api.status_code == 400 and api.json()["errors"][0]["loc"] == "query.q"
    assert client.get("/", {"q": "Sample"}).status_code == 200


@pytest.mark.django_db
def test_the_command_line_refuses_bad_text_in_files_and_arguments(tmp_path: Any, owner: Any) -> None:
    path = tmp_path / "bad.json"
    path.write_text(_doc(LONE))
    with pytest.raises(CommandError) as caught:
        call_command("validate", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert caught.value.returncode == 2
    assert "nodes[0].label: invalid text: a lone UTF-16 surrogate" in str(caught.value)
    with pytest.raises(CommandError) as caught:
        call_command("create_token", "bad\udcffname", "--create", stdout=io.StringIO(), stderr=io.StringIO())
    assert caught.value.returncode == 2 and "USERNAME: invalid text" in str(caught.value)
    with pytest.raises(CommandError) as caught:
        call_command("import_board", str(path), "--owner", "x\x00", stdout=io.StringIO(), stderr=io.StringIO())
    assert caught.value.returncode == 2
    assert Board.objects.count() == 0


@pytest.mark.django_db
def test_the_migration_repairs_a_board_stored_with_a_lone_surrogate(owner: Any, owner_api: Api) -> None:
    created = owner_api.post("/api/boards", sample_board()).json()
    poisoned = sample_board()
    poisoned["nodes"][0]["label"] = "bad \ud800 label"
    poisoned["name"] = "name\x00"
    # As a board stored before the parser was strict: written straight to the table.
    Board.objects.filter(pk=created["id"]).update(document=poisoned)
    # PostgreSQL keeps documents as `json` text, which takes them, but the op log as `jsonb`,
    # which refuses NUL and lone surrogates itself: there, no op ever held one.
    op_log_takes_it = connection.vendor != "postgresql"
    if op_log_takes_it:
        BoardOp.objects.filter(board_id=created["id"]).update(op={"action": "replace", "board": poisoned})
    else:
        with pytest.raises(DataError), transaction.atomic():
            BoardOp.objects.filter(board_id=created["id"]).update(op={"action": "replace", "board": poisoned})
    migration = importlib.import_module("whiteboard.boards.migrations.0006_repair_invalid_text")
    migration.repair(apps, None)
    board = Board.objects.get(pk=created["id"])
    assert board.document["nodes"][0]["label"] == "bad \ufffd label"
    assert board.name == "name\ufffd" and board.document["name"] == "name\ufffd"
    if op_log_takes_it:
        assert BoardOp.objects.get(board=board).op["board"]["nodes"][0]["label"] == "bad \ufffd label"
    exported = owner_api.get(f"/api/boards/{board.pk}/export.svg")
    assert exported.status_code == 200
    assert "bad \ufffd label" in exported.content.decode()
