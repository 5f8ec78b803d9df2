from __future__ import annotations

import json
import os
from typing import Any

import pytest
from asgiref.sync import SyncToAsync
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client

from tests.builders import sample_board
from whiteboard.accounts.services import token_create
from whiteboard.boards.models import Board
from whiteboard.boards.services import board_create, board_share

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test about one database (SQLite's WAL mode, a PostgreSQL connection killed mid-op) runs
    in the pass of scripts/run-tests.sh on that database and is deselected in the other: it is
    not a missing service, so it is never reported as skipped."""
    from django.db import connection

    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("database")
        (drop if marker is not None and marker.args[0] != connection.vendor else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def require(available: bool, what: str) -> None:
    """Skip with a clear reason when a service is missing; fail instead under REQUIRE_SERVICES=1."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {what}")
    pytest.skip(what)


class Api:
    """A JSON API client that authenticates with a bearer token (or not at all)."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _send(self, method: str, path: str, body: Any = None, raw: bytes | str | None = None) -> Any:
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"headers": self.headers}
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path: str) -> Any:
        return self._send("get", path)

    def post(self, path: str, body: Any = None, raw: bytes | str | None = None) -> Any:
        return self._send("post", path, body, raw)

    def put(self, path: str, body: Any = None, raw: bytes | str | None = None) -> Any:
        return self._send("put", path, body, raw)

    def delete(self, path: str) -> Any:
        return self._send("delete", path)


@pytest.fixture
def owner(db: None) -> Any:
    return get_user_model().objects.create_user("olivia", password="pw-olivia-123")


@pytest.fixture
def collaborator(db: None) -> Any:
    return get_user_model().objects.create_user("carlos", password="pw-carlos-123")


@pytest.fixture
def viewer(db: None) -> Any:
    return get_user_model().objects.create_user("vera", password="pw-vera-123")


@pytest.fixture
def outsider(db: None) -> Any:
    return get_user_model().objects.create_user("oscar", password="pw-oscar-123")


@pytest.fixture
def board(owner: Any, collaborator: Any, viewer: Any) -> Board:
    """The sample board, owned by `owner`, `collaborator` as editor and `viewer` as viewer."""
    created = board_create(owner=owner, document=sample_board())
    board_share(board=created, user=collaborator, role="editor")
    board_share(board=created, user=viewer, role="viewer")
    return created


def _api_for(user: Any) -> Api:
    _, raw = token_create(user=user, name="test")
    return Api(raw)


@pytest.fixture
def owner_api(owner: Any) -> Api:
    return _api_for(owner)


@pytest.fixture
def collaborator_api(collaborator: Any) -> Api:
    return _api_for(collaborator)


@pytest.fixture
def viewer_api(viewer: Any) -> Api:
    return _api_for(viewer)


@pytest.fixture
def outsider_api(outsider: Any) -> Api:
    return _api_for(outsider)


@pytest.fixture
def anonymous_api(db: None) -> Api:
    return Api(None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> Any:
    """pytest-django's test databases, and before they are dropped, the connection that async
    tests leave in asgiref's thread for `database_sync_to_async`: with PostgreSQL's persistent
    connections (CONN_MAX_AGE) it stays open, and PostgreSQL refuses to drop a database in use."""
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Any:
    """Rate-limit counters live in the cache: each test starts with none counted."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
