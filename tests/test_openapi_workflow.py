"""The review-workflow routes answer as /api/openapi.json says: versions, restore, diff, activity,
comment threads, markers and review status, driven with real data, every JSON body (sent and
received) checked against the schema the served document publishes for that route and status."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from whiteboard.boards.services import board_apply_op, new_op_id
from whiteboard.domain.activity import MCP_OP_PREFIX
from whiteboard.domain.board import MAX_NAME
from whiteboard.reviews.models import Thread
from whiteboard.reviews.services import MAX_BODY, MAX_NOTE, MAX_REVIEWERS

pytestmark = pytest.mark.django_db

DOCUMENT_URI = "urn:archboard:openapi"
BOARD = "/api/boards/{board_id}"

# jsonschema checks date-time only with an optional package; the views write `isoformat()`.
_FORMATS = FormatChecker()


@_FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or ("T" in value and datetime.fromisoformat(value).tzinfo is not None)


class Published:
    """The served OpenAPI document, and validators for the schemas it publishes per route."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry = Registry().with_resource(DOCUMENT_URI, DRAFT202012.create_resource(document))

    def _validator(self, *pointer: str) -> Draft202012Validator:
        escaped = "/".join(quote(part.replace("~", "~0").replace("/", "~1"), safe="") for part in pointer)
        schema = {"$ref": f"{DOCUMENT_URI}#/{escaped}"}
        return Draft202012Validator(schema, registry=self.registry, format_checker=_FORMATS)

    def operation(self, path: str, method: str) -> dict[str, Any]:
        operation: dict[str, Any] = self.document["paths"][path][method]
        return operation

    def request(self, path: str, method: str) -> Draft202012Validator:
        assert "requestBody" in self.operation(path, method), f"{method} {path} publishes no request body"
        return self._validator("paths", path, method, "requestBody", "content", "application/json", "schema")

    def check_response(self, path: str, method: str, response: Any) -> Any:
        """The response's JSON body, after checking that its status is published for the route and
        that the body matches the schema published for that status."""
        status = str(response.status_code)
        assert status in self.operation(path, method)["responses"], f"{method} {path} does not publish {status}"
        assert response["Content-Type"] == "application/json"
        body = response.json()
        validator = self._validator("paths", path, method, "responses", status, "content", "application/json", "schema")
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, f"{method.upper()} {path} {status} does not match its schema: {errors}"
        return body


class Caller:
    """A client that checks each request body it sends and each answer against the document."""

    def __init__(self, api: Any, published: Published, board_id: int) -> None:
        self.api, self.published, self.board_id = api, published, board_id

    def _url(self, path: str, **params: Any) -> str:
        return path.format(board_id=self.board_id, **params)

    def get(self, path: str, query: str = "", **params: Any) -> tuple[int, Any]:
        response = self.api.get(self._url(path, **params) + query)
        return response.status_code, self.published.check_response(path, "get", response)

    def post(self, path: str, body: Any = None, **params: Any) -> tuple[int, Any]:
        if body is not None:
            self.published.request(path, "post").validate(body)
        else:
            assert "requestBody" not in self.published.operation(path, "post")
        response = self.api.post(self._url(path, **params), body)
        return response.status_code, self.published.check_response(path, "post", response)


@pytest.fixture
def published(anonymous_api: Any) -> Published:
    return Published(anonymous_api.get("/api/openapi.json").json())


def _apply(board: Any, user: Any, op: dict[str, Any], op_id: str | None = None) -> int:
    return board_apply_op(board_id=board.pk, op=op, op_id=op_id or new_op_id("t"), user=user).version


def _caller(api: Any, published: Published, board: Any) -> Caller:
    return Caller(api, published, board.pk)


def test_versions_detail_and_restore_answer_as_published(board, owner, owner_api, viewer_api, published):
    _apply(board, owner, {"action": "update_node", "id": "gw", "set": {"label": "Edge proxy"}})
    owner_calls = _caller(owner_api, published, board)
    status, named = owner_calls.post(f"{BOARD}/versions", {"name": "  first cut ", "version": 1})
    assert status == 201 and named["name"] == "first cut" and named["version"] == 1 and named["kind"] == "named"
    assert owner_calls.post(f"{BOARD}/versions", {"name": "relabelled"})[1]["version"] == 2

    status, listed = _caller(viewer_api, published, board).get(f"{BOARD}/versions")
    assert status == 200 and listed["current"] == 2 and listed["count"] == 2
    assert [s["name"] for s in listed["items"]] == ["relabelled", "first cut"]

    status, old = owner_calls.get(f"{BOARD}/versions/{{version}}", version=1)
    assert status == 200 and old["board"]["nodes"][1]["label"] == "API Gateway"

    status, restored = owner_calls.post(f"{BOARD}/versions/{{version}}/restore", version=1)
    assert status == 200 and restored["restored"] == 1 and restored["version"] == 3
    assert _caller(viewer_api, published, board).post(f"{BOARD}/versions/{{version}}/restore", version=1)[0] == 403


def test_a_checkpoint_and_a_missing_version_answer_as_published(board, owner, owner_api, published, monkeypatch):
    monkeypatch.setattr("whiteboard.boards.history.CHECKPOINT_EVERY", 2)
    _apply(board, owner, {"action": "update_node", "id": "gw", "set": {"label": "Edge proxy"}})
    calls = _caller(owner_api, published, board)
    items = calls.get(f"{BOARD}/versions")[1]["items"]
    assert [(s["kind"], s["name"]) for s in items] == [("auto", "")]
    assert calls.get(f"{BOARD}/versions/{{version}}", version=9)[0] == 404
    assert calls.post(f"{BOARD}/versions", {"name": "later", "version": 9})[0] == 404


def test_the_diff_and_the_activity_answer_as_published(board, owner, owner_api, published):
    _apply(board, owner, {"action": "update_node", "id": "gw", "set": {"label": "Edge", "props": {"replicas": 3}}})
    _apply(board, owner, {"action": "add_node", "node": {"id": "cache", "kind": "cache", "label": "Redis"}})
    _apply(board, owner, {"action": "delete_edge", "id": "e5"})
    suppress = {"suppress": [{"rule": "single-point-of-failure", "target": "q", "reason": "a managed queue"}]}
    _apply(board, owner, {"action": "set_board", "set": {"name": "Renamed", "review": suppress}}, f"{MCP_OP_PREFIX}-1")
    calls = _caller(owner_api, published, board)

    status, diff = calls.get(f"{BOARD}/diff", "?from=1")
    assert status == 200 and diff["from"] == 1 and diff["to"] == 5
    assert [n["id"] for n in diff["nodes"]["added"]] == ["cache"]
    assert [e["id"] for e in diff["edges"]["removed"]] == ["e5"]
    assert diff["nodes"]["changed"][0]["props"] == [{"key": "replicas", "from": 2, "to": 3}]
    assert diff["board"][0] == {"field": "name", "from": "Sample", "to": "Renamed"}
    assert diff["board"][1] == {"field": "review", "to": suppress}
    assert [(f["nodes"], f["reason"]) for f in diff["findings"]["suppressed"]] == [(["q"], "a managed queue")]
    assert diff["findings"]["appeared"] or diff["findings"]["disappeared"]
    assert calls.get(f"{BOARD}/diff", "?to=2")[0] == 422
    assert calls.get(f"{BOARD}/diff", "?from=1&to=99")[0] == 404

    status, activity = calls.get(f"{BOARD}/activity")
    assert status == 200 and activity["count"] == 5 and activity["pages"] == 1
    assert [a["via"] for a in activity["items"]] == ["MCP", None, None, None, None]
    assert activity["items"][-1]["action"] == "replace"


def test_comment_threads_replies_and_markers_answer_as_published(
    board, owner, owner_api, collaborator_api, viewer_api, published
):
    owner_calls = _caller(owner_api, published, board)
    viewer_calls = _caller(viewer_api, published, board)
    status, on_gateway = viewer_calls.post(f"{BOARD}/comments", {"target": "node:gw", "text": "Why 2? @carlos"})
    assert status == 201 and on_gateway["target"] == {
        "type": "node",
        "id": "gw",
        "label": "API Gateway",
        "exists": True,
    }
    assert on_gateway["comments"][0]["mentions"] == ["carlos"] and on_gateway["status"] == "open"
    status, on_board = owner_calls.post(f"{BOARD}/comments", {"text": "Ship it?"})
    assert status == 201 and on_board["target"]["type"] == "board"
    status, on_edge = owner_calls.post(f"{BOARD}/comments", {"target": {"type": "edge", "id": "e1"}, "text": "TLS?"})
    assert status == 201 and on_edge["target"]["id"] == "e1"

    thread = "/comments/{thread_id}"
    status, replied = _caller(collaborator_api, published, board).post(
        f"{BOARD}{thread}/replies", {"text": "  for failover  "}, thread_id=on_gateway["id"]
    )
    assert status == 201 and [c["text"] for c in replied["comments"]] == ["Why 2? @carlos", "for failover"]
    status, resolved = owner_calls.post(f"{BOARD}{thread}/resolve", thread_id=on_gateway["id"])
    assert status == 200 and resolved["status"] == "resolved" and resolved["resolved_by"] == "olivia"
    assert viewer_calls.post(f"{BOARD}{thread}/reopen", thread_id=on_board["id"])[0] == 403
    status, reopened = viewer_calls.post(f"{BOARD}{thread}/reopen", thread_id=on_gateway["id"])
    assert status == 200 and reopened["status"] == "open" and reopened["resolved_at"] is None
    owner_calls.post(f"{BOARD}{thread}/resolve", thread_id=on_edge["id"])

    _apply(board, owner, {"action": "delete_node", "id": "gw"})
    status, gone = viewer_calls.get(f"{BOARD}{thread}", thread_id=on_gateway["id"])
    assert status == 200 and gone["target"] == {"type": "node", "id": "gw", "label": "API Gateway", "exists": False}
    assert viewer_calls.get(f"{BOARD}{thread}", thread_id=on_gateway["id"] + 100)[0] == 404

    status, listed = viewer_calls.get(f"{BOARD}/comments")
    assert status == 200 and listed["count"] == 3
    assert [t["id"] for t in viewer_calls.get(f"{BOARD}/comments", "?status=resolved")[1]["items"]] == [on_edge["id"]]
    assert viewer_calls.get(f"{BOARD}/comments", "?target=node:gw")[1]["count"] == 1
    assert viewer_calls.get(f"{BOARD}/comments", "?target=shape:gw")[0] == 422

    status, markers = viewer_calls.get(f"{BOARD}/comments/markers")
    assert status == 200 and markers["targets"] == {
        "node:gw": {"open": 1, "resolved": 0},
        "board": {"open": 1, "resolved": 0},
        "edge:e1": {"open": 0, "resolved": 1},
    }


def test_the_review_status_answers_as_published(board, owner, owner_api, collaborator_api, viewer_api, published):
    viewer_calls = _caller(viewer_api, published, board)
    status, draft = viewer_calls.get(f"{BOARD}/review/status")
    assert status == 200 and draft["status"] == "draft" and draft["history"] == [] and draft["updated_by"] is None
    editor_calls = _caller(collaborator_api, published, board)
    change = {"status": "in_review", "reviewers": ["olivia", "carlos"], "note": "please look"}
    status, in_review = editor_calls.post(f"{BOARD}/review/status", change)
    assert status == 200 and in_review["reviewers"] == ["carlos", "olivia"] and in_review["updated_by"] == "carlos"
    status, requested = _caller(owner_api, published, board).post(
        f"{BOARD}/review/status", {"status": "changes_requested", "reviewers": None, "note": None}
    )
    assert status == 200 and requested["status"] == "changes_requested"
    assert editor_calls.post(f"{BOARD}/review/status", {"status": "changes_requested"})[0] == 422
    assert viewer_calls.post(f"{BOARD}/review/status", {"status": "draft"})[0] == 403

    status, recorded = viewer_calls.get(f"{BOARD}/review/status")
    assert status == 200 and [(e["from"], e["to"]) for e in recorded["history"]] == [
        ("in_review", "changes_requested"),
        ("draft", "in_review"),
    ]
    assert recorded["history"][1]["note"] == "please look"


REFUSED = [
    pytest.param(f"{BOARD}/versions", {"version": 1}, id="a version without a name"),
    pytest.param(f"{BOARD}/versions", {"name": "   "}, id="a blank version name"),
    pytest.param(f"{BOARD}/versions", {"name": "n" * (MAX_NAME + 1)}, id="a version name over the limit"),
    pytest.param(f"{BOARD}/comments", {"target": "node:gw"}, id="a thread without text"),
    pytest.param(
        f"{BOARD}/comments", {"target": "node:gw", "text": "x" * (MAX_BODY + 1)}, id="a comment over the limit"
    ),
    pytest.param(f"{BOARD}/comments", {"text": " \n "}, id="a blank comment"),
    pytest.param(f"{BOARD}/comments", {"target": "node:", "text": "hi"}, id="a node target without an id"),
    pytest.param(f"{BOARD}/comments", {"target": {"type": "edge"}, "text": "hi"}, id="an edge object without an id"),
    pytest.param(f"{BOARD}/comments", {"target": "shape:gw", "text": "hi"}, id="an unknown target type"),
    pytest.param(f"{BOARD}/comments/{{thread_id}}/replies", {}, id="a reply without text"),
    pytest.param(f"{BOARD}/comments/{{thread_id}}/replies", {"text": 42}, id="a reply that is not text"),
    pytest.param(f"{BOARD}/review/status", {"reviewers": ["olivia"]}, id="a status change without a status"),
    pytest.param(f"{BOARD}/review/status", {"status": "done"}, id="an unknown status"),
    pytest.param(
        f"{BOARD}/review/status",
        {"status": "in_review", "reviewers": ["olivia"] * (MAX_REVIEWERS + 1)},
        id="too many reviewers",
    ),
    pytest.param(f"{BOARD}/review/status", {"status": "in_review", "reviewers": "olivia"}, id="reviewers not a list"),
    pytest.param(
        f"{BOARD}/review/status",
        {"status": "in_review", "reviewers": ["olivia"], "note": "n" * (MAX_NOTE + 1)},
        id="a note over the limit",
    ),
]


@pytest.mark.parametrize(("path", "body"), REFUSED)
def test_a_body_the_schema_refuses_is_refused_and_nothing_changes(board, owner, owner_api, published, path, body):
    thread = Thread.objects.create(board=board, target_type="board", version=1, created_by=owner)
    assert not published.request(path, "post").is_valid(body)
    url = path.format(board_id=board.pk, thread_id=thread.pk)
    before = (board.snapshots.count(), Thread.objects.count(), thread.comments.count(), board.review_events.count())
    response = owner_api.post(url, body)
    assert 400 <= response.status_code < 500
    published.check_response(path, "post", response)
    after = (board.snapshots.count(), Thread.objects.count(), thread.comments.count(), board.review_events.count())
    assert after == before


def test_the_workflow_bodies_and_answers_are_named_closed_schemas(published):
    """Each route's JSON answer is a named schema that lists its keys, so a key a view adds or
    drops fails the tests above instead of passing as an open `object`."""
    schemas = published.document["components"]["schemas"]
    workflow = [p for p in published.document["paths"] if "/versions" in p or "/comments" in p or "/activity" in p]
    workflow += [f"{BOARD}/diff", f"{BOARD}/review/status"]
    for path in workflow:
        for method, operation in published.document["paths"][path].items():
            if method == "parameters":
                continue
            if "requestBody" in operation:
                assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            for status, answer in operation["responses"].items():
                if status.startswith("2"):
                    name = answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                    assert schemas[name]["additionalProperties"] is False
