"""What every route of the REST API shares (whiteboard.api, whiteboard.rest): session writes need
the CSRF token and token writes do not, a wrong method is a 405 naming the right ones, a body of
the wrong shape is refused in the SPEC's error shape with each place named, and the API's docs
page reads the document from our own files."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from tests.builders import sample_board
from whiteboard.boards.models import Board
from whiteboard.reviews.models import Thread

pytestmark = pytest.mark.django_db


def _spec_shaped(body: dict[str, Any]) -> None:
    assert set(body) <= {"detail", "errors", "version", "retry_after"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert all(set(e) == {"loc", "msg"} and isinstance(e["loc"], str) and e["msg"] for e in body["errors"])


def _session(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_a_session_write_without_the_csrf_token_is_a_403_in_the_error_shape(board: Board, owner: Any) -> None:
    response = _session(owner).post(
        f"/api/boards/{board.pk}/comments", json.dumps({"text": "hi"}), content_type="application/json"
    )
    assert response.status_code == 403
    _spec_shaped(response.json())
    assert response.json() == {
        "detail": "CSRF check failed: send the X-CSRFToken header with session requests",
        "errors": [],
    }
    assert not Thread.objects.exists()


def test_a_session_write_with_the_csrf_token_goes_through(board: Board, owner: Any) -> None:
    client = _session(owner)
    client.get("/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/api/boards/{board.pk}/comments",
        json.dumps({"text": "hi"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201


def test_a_token_write_needs_no_csrf_token(owner_api: Any) -> None:
    owner_api.client = Client(enforce_csrf_checks=True)
    response = owner_api.post("/api/boards", sample_board("By token"))
    assert response.status_code == 201
    assert Board.objects.get(pk=response.json()["id"]).name == "By token"


def test_no_caller_is_a_401_that_names_the_scheme(anonymous_api: Any) -> None:
    response = anonymous_api.post("/api/boards", sample_board())
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {
        "detail": "authentication required: log in or send 'Authorization: Bearer <token>'",
        "errors": [],
    }


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("delete", "/api/boards", "GET, POST"),
        ("post", "/api/boards/{id}", "GET, PUT, DELETE"),
        ("put", "/api/boards/{id}/export.svg", "GET"),
        ("get", "/api/render", "POST"),
        ("post", "/api/openapi.json", "GET"),
        ("post", "/api/docs", "GET"),
    ],
)
def test_a_wrong_method_is_a_405_with_allow(board: Board, owner_api: Any, method: str, path: str, allow: str) -> None:
    response = getattr(owner_api, method)(path.format(id=board.pk))
    assert response.status_code == 405
    assert response["Allow"] == allow
    assert response.json() == {"detail": f"method {method.upper()} not allowed here; use {allow}", "errors": []}


@pytest.mark.parametrize(
    ("path", "body", "errors"),
    [
        (
            "/api/boards/{id}/comments/{thread}/replies",
            {"text": 42},
            [{"loc": "text", "msg": "Input should be a valid string"}],
        ),
        (
            "/api/boards/{id}/review/status",
            {"status": "in_review", "reviewers": ["olivia", 7]},
            [{"loc": "reviewers[1]", "msg": "Input should be a valid string"}],
        ),
        ("/api/boards/{id}/versions", {"version": 1}, [{"loc": "name", "msg": "is required"}]),
        (
            "/api/boards/{id}/comments",
            ["hi"],
            [{"loc": "", "msg": 'the body must be an object {"target": "node:ID", "text": "..."}'}],
        ),
    ],
)
def test_a_body_of_the_wrong_shape_is_a_located_422(
    board: Board, owner: Any, owner_api: Any, path: str, body: Any, errors: list[dict[str, str]]
) -> None:
    thread = Thread.objects.create(board=board, target_type="board", version=1, created_by=owner)
    response = owner_api.post(path.format(id=board.pk, thread=thread.pk), body)
    assert response.status_code == 422
    _spec_shaped(response.json())
    assert response.json() == {"detail": "invalid input", "errors": errors}


def test_the_board_replace_envelope_names_each_wrong_key(board: Board, owner_api: Any) -> None:
    response = owner_api.put(f"/api/boards/{board.pk}", {"version": True, "board": sample_board(), "force": 1})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": "version", "msg": "must be a non-negative integer"},
        {"loc": "force", "msg": "unknown key 'force'"},
    ]


@pytest.mark.parametrize("form", [False, True], ids=["empty JSON", "an empty form"])
def test_an_empty_body_is_a_malformed_one(board: Board, owner_api: Any, form: bool) -> None:
    path = f"/api/boards/{board.pk}/versions"
    response = owner_api.post(path) if form else owner_api.post(path, raw=b"")
    assert response.status_code == 400
    _spec_shaped(response.json())
    assert response.json()["detail"] == "malformed request body"
    assert response.json()["errors"][0]["loc"] == "body"
    assert not board.snapshots.exists()


def test_the_docs_page_reads_the_document_from_our_own_files() -> None:
    client = Client()
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html and "/api/openapi.json" in html
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", html), "the page loads something from elsewhere"
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_form_upload_that_cannot_be_parsed_is_refused_in_the_error_shape(owner_api: Any) -> None:
    body = b"--XX\r\n" + b"h" * 20_000 + b"\r\n\r\nx\r\n--XX--\r\n"
    response = owner_api.client.post(
        "/api/import", data=body, content_type="multipart/form-data; boundary=XX", headers=owner_api.headers
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["loc"] == "form"
    assert response.json()["errors"][0]["msg"].startswith("a malformed form upload")
