"""Resource bounds over HTTP: request body size, boards per user, render concurrency."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.test import AsyncClient, Client

from tests.builders import board as build_board
from tests.builders import node
from tests.conftest import Api
from whiteboard.accounts.services import token_create
from whiteboard.rendering import service as render_service
from whiteboard.rendering.service import RenderService, RenderSettings


@pytest.mark.django_db
def test_an_api_body_over_the_limit_gets_413_in_the_error_shape(settings: Any, owner_api: Api) -> None:
    settings.ARCHBOARD_MAX_BODY_BYTES = 1000
    doc = build_board([node(f"n{i}", label="x" * 100) for i in range(20)], [])
    response = owner_api.post("/api/boards", doc)
    assert response.status_code == 413
    body = response.json()
    assert "limit is 1000 bytes" in body["detail"]
    assert body["errors"][0]["loc"] == "body"
    assert owner_api.post("/api/boards", build_board([node("a")], [])).status_code == 201


@pytest.mark.django_db
def test_a_page_post_over_the_limit_gets_413(settings: Any, owner: Any) -> None:
    settings.ARCHBOARD_MAX_BODY_BYTES = 1000
    client = Client()
    client.force_login(owner)
    response = client.post("/boards/new", {"name": "x" * 5000})
    assert response.status_code == 413
    assert owner.owned_boards.count() == 0


@pytest.mark.django_db
def test_a_body_read_past_the_upload_limit_is_413_not_a_crash(settings: Any, owner_api: Api) -> None:
    settings.ARCHBOARD_MAX_BODY_BYTES = 10 * 1024 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    raw = json.dumps(build_board([node(f"n{i}", label="y" * 100) for i in range(30)], []))
    response = owner_api.post("/api/review", raw=raw)
    assert response.status_code == 413
    assert response.json()["detail"].startswith("request body too large")


@pytest.mark.django_db
def test_boards_per_user_are_bounded(settings: Any, owner_api: Api, collaborator_api: Api) -> None:
    settings.ARCHBOARD_MAX_BOARDS_PER_USER = 2
    doc = build_board([node("a")], [])
    assert [owner_api.post("/api/boards", doc).status_code for _ in range(3)] == [201, 201, 403]
    assert "limit of 2 boards" in owner_api.post("/api/boards", doc).json()["detail"]
    assert collaborator_api.post("/api/boards", doc).status_code == 201


@pytest.mark.django_db(transaction=True)
async def test_renders_past_the_pool_and_queue_get_503_with_retry_after(owner: Any, monkeypatch: Any) -> None:
    svc = RenderService(RenderSettings(workers=1, queue=1))
    release = threading.Event()
    real = svc._render_kw

    def slow(*args: Any) -> Any:
        release.wait(10)
        return real(*args)

    monkeypatch.setattr(svc, "_render_kw", slow)
    monkeypatch.setattr(render_service, "_default", svc)
    _, raw = await sync_to_async(token_create)(user=owner, name="t")
    client = AsyncClient()
    headers = {"Authorization": f"Bearer {raw}"}

    async def post(name: str) -> Any:
        doc = build_board([node("a")], [], name=name)
        # As the ASGI handler does per request; without it the test client shares one sync thread.
        async with ThreadSensitiveContext():
            return await client.post(
                "/api/render?format=svg", json.dumps(doc), content_type="application/json", headers=headers
            )

    # Use the token once first: its first use records `last_used_at`, and two first uses at once
    # would both write, which the test database (SQLite in memory, shared cache) refuses at once
    # with "table is locked" where a file database waits (busy timeout).
    assert (await client.get("/api/boards", headers=headers)).status_code == 200
    try:
        first, second = asyncio.ensure_future(post("one")), asyncio.ensure_future(post("two"))
        for _ in range(200):
            if svc._pending == 2:
                break
            await asyncio.sleep(0.01)
        assert svc._pending == 2
        busy = await post("three")
        assert busy.status_code == 503, busy.content
        assert busy["Retry-After"] == "5"
        assert "busy" in busy.json()["detail"]
        release.set()
        assert [(await first).status_code, (await second).status_code] == [200, 200]
        assert (await post("four")).status_code == 200
    finally:
        release.set()
        svc.close()


class _Upload:
    """An ASGI client sending a body of `size` bytes in 64 KiB chunks, counting what was read."""

    CHUNK = 64 * 1024

    def __init__(self, size: int) -> None:
        self.left = size
        self.read = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        chunk = min(self.CHUNK, self.left)
        self.left -= chunk
        self.read += chunk
        return {"type": "http.request", "body": b"x" * chunk, "more_body": self.left > 0}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    def status(self) -> int:
        return next(m["status"] for m in self.sent if m["type"] == "http.response.start")


def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }


HUGE = 256 * 1024 * 1024


@pytest.mark.django_db(transaction=True)
async def test_a_huge_declared_body_is_refused_before_a_byte_of_it_is_read(settings: Any) -> None:
    from whiteboard.asgi import application

    upload = _Upload(HUGE)
    await application(_scope("/api/boards", [(b"content-length", str(HUGE).encode())]), upload.receive, upload.send)
    assert upload.status() == 413  # not 401: the size is known before who is asking
    assert upload.read == 0
    body = json.loads(b"".join(m.get("body", b"") for m in upload.sent))
    assert body["errors"] == [
        {"loc": "body", "msg": f"request body is {HUGE} bytes; the limit is {settings.ARCHBOARD_MAX_BODY_BYTES} bytes"}
    ]


@pytest.mark.django_db(transaction=True)
async def test_a_huge_chunked_body_is_cut_at_the_limit_while_it_streams(settings: Any) -> None:
    from whiteboard.asgi import application

    upload = _Upload(HUGE)
    await application(_scope("/boards/new", [(b"transfer-encoding", b"chunked")]), upload.receive, upload.send)
    assert upload.status() == 413
    assert settings.ARCHBOARD_MAX_BODY_BYTES < upload.read <= settings.ARCHBOARD_MAX_BODY_BYTES + _Upload.CHUNK
    assert dict(upload.sent[0]["headers"])[b"connection"] == b"close"


@pytest.mark.django_db(transaction=True)
async def test_a_body_within_the_limit_reaches_the_app(settings: Any) -> None:
    from whiteboard.asgi import application

    upload = _Upload(1000)
    await application(_scope("/api/boards", [(b"content-length", b"1000")]), upload.receive, upload.send)
    assert upload.status() == 401  # read in full, then refused for want of credentials
    assert upload.read == 1000


def test_nginx_refuses_exactly_the_bodies_the_app_refuses(settings: Any) -> None:
    conf = (Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf").read_text()
    (megabytes,) = re.findall(r"client_max_body_size\s+(\d+)m;", conf)
    assert int(megabytes) * 1024 * 1024 == settings.ARCHBOARD_MAX_BODY_BYTES
