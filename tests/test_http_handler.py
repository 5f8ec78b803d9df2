"""The ASGI handler for HTTP (whiteboard.http_handler): one trip to a pool thread per request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.core import signals
from django.db import connection

from tests.builders import sample_board
from whiteboard.accounts.services import token_create
from whiteboard.http_handler import PooledASGIHandler

STATIC = Path(__file__).resolve().parent.parent / "static"


async def call(
    handler: PooledASGIHandler, method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")] + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    communicator = ApplicationCommunicator(handler, scope)
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await communicator.receive_output(10)
    assert start["type"] == "http.response.start"
    content = b""
    while True:
        message = await communicator.receive_output(10)
        content += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, content


@pytest.fixture
def handler() -> Iterator[PooledASGIHandler]:
    handler = PooledASGIHandler(threads=1)
    yield handler
    handler.executor.submit(lambda: connection.close()).result()
    handler.executor.shutdown()


@pytest.mark.django_db(transaction=True)
async def test_a_request_goes_through_the_whole_middleware_chain(handler: PooledASGIHandler) -> None:
    status, headers, body = await call(handler, "GET", "/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok"}
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.django_db(transaction=True)
async def test_a_static_file_is_served_whole(handler: PooledASGIHandler) -> None:
    status, headers, body = await call(handler, "GET", "/static/css/app.css")
    assert status == 200
    assert body == (STATIC / "css" / "app.css").read_bytes()
    assert int(headers["content-length"]) == len(body)


@pytest.mark.django_db(transaction=True)
async def test_a_range_of_a_static_file_is_served(handler: PooledASGIHandler) -> None:
    status, headers, body = await call(handler, "GET", "/static/css/app.css", headers={"Range": "bytes=10-19"})
    assert status == 206
    assert body == (STATIC / "css" / "app.css").read_bytes()[10:20]
    assert headers["content-range"].startswith("bytes 10-19/")


@pytest.mark.django_db(transaction=True)
async def test_a_head_request_gets_the_headers_without_a_body(handler: PooledASGIHandler) -> None:
    status, headers, body = await call(handler, "HEAD", "/static/css/app.css")
    assert status == 200
    assert body == b""
    assert int(headers["content-length"]) == len((STATIC / "css" / "app.css").read_bytes())


@pytest.mark.django_db(transaction=True)
async def test_a_post_body_reaches_the_view(handler: PooledASGIHandler, owner: Any) -> None:
    _, raw = await sync_to_async(token_create)(user=owner, name="test")
    status, _, body = await call(
        handler,
        "POST",
        "/api/review",
        headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"},
        body=json.dumps(sample_board()).encode(),
    )
    assert status == 200
    assert "findings" in json.loads(body)


@pytest.mark.django_db(transaction=True)
async def test_an_unknown_address_answers_404_in_the_api_shape(handler: PooledASGIHandler) -> None:
    status, _, body = await call(handler, "GET", "/api/no-such-thing")
    assert status == 404
    assert json.loads(body)["detail"] == "no such API route"


def test_only_async_views_take_the_async_path() -> None:
    def scope(path: str) -> dict[str, Any]:
        return {"type": "http", "path": path, "root_path": ""}

    assert PooledASGIHandler.wants_async(scope("/api/boards/1/export.png"))
    assert PooledASGIHandler.wants_async(scope("/api/render"))
    assert not PooledASGIHandler.wants_async(scope("/api/boards/1"))
    assert not PooledASGIHandler.wants_async(scope("/boards/1/"))
    assert not PooledASGIHandler.wants_async(scope("/static/css/app.css"))
    assert not PooledASGIHandler.wants_async(scope("/" + "x" * 500))


@pytest.mark.django_db(transaction=True)
async def test_an_async_view_still_answers(handler: PooledASGIHandler) -> None:
    status, headers, body = await call(handler, "GET", "/api/boards/1/export.png")
    assert status == 401
    assert headers["www-authenticate"].startswith("Bearer")
    assert "authentication required" in json.loads(body)["detail"]


@pytest.mark.django_db(transaction=True)
async def test_request_signals_run_in_the_thread_that_ran_the_view(handler: PooledASGIHandler) -> None:
    threads: dict[str, str] = {}

    def started(**kwargs: Any) -> None:
        threads["started"] = threading.current_thread().name

    def finished(**kwargs: Any) -> None:
        threads["finished"] = threading.current_thread().name

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        status, _, _ = await call(handler, "GET", "/healthz")
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert status == 200
    assert threads["started"] == threads["finished"]
    assert threads["started"].startswith("http")


@pytest.mark.django_db(transaction=True)
async def test_the_database_connection_outlives_the_request(handler: PooledASGIHandler) -> None:
    def current() -> Any:
        return connection.connection

    await call(handler, "GET", "/healthz")
    first = await handler.in_pool(current)
    await call(handler, "GET", "/healthz")
    assert first is not None
    assert await handler.in_pool(current) is first


def test_the_project_serves_http_through_it() -> None:
    from whiteboard.asgi import django_asgi_app

    assert isinstance(django_asgi_app, PooledASGIHandler)
