"""Schemathesis over /api/openapi.json, in process (WSGI): no 5xx, and every answer matches the
description (status code, content type, body schema, headers)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
import yaml
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.media_types import YAML_MEDIA_TYPES

from tests.builders import sample_board
from whiteboard.accounts.services import token_create
from whiteboard.boards.models import Board
from whiteboard.boards.services import board_create, board_share

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schemathesis.deserializer(*YAML_MEDIA_TYPES)
def _yaml_stream(_context: Any, response: Any) -> Any:
    """A YAML response is a stream of documents (RFC 9512): a Kubernetes export holds one
    manifest each. schemathesis reads a single document; the description says a list of them."""
    return list(yaml.safe_load_all(response.content))


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def api_world(db: None, settings: Any, owner: Any, viewer: Any) -> dict[str, Any]:
    settings.ARCHBOARD_RATE_LIMITS = {}
    _, raw = token_create(user=owner, name="fuzz")
    return {"owner": owner, "viewer": viewer, "token": raw}


def _a_board(world: dict[str, Any]) -> int:
    board = Board.objects.filter(owner=world["owner"]).first()
    if board is None:
        board = board_create(owner=world["owner"], document=sample_board())
        board_share(board=board, user=world["viewer"], role="viewer")
    return board.pk


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_answers_as_described_with_no_server_error(case: Any, api_world: dict[str, Any]) -> None:
    params = case.path_parameters or {}
    # Half the generated ids point at a real board, so the routes' real work runs too.
    if "board_id" in params and str(params["board_id"]).isdigit() and int(params["board_id"]) % 2 == 0:
        params["board_id"] = _a_board(api_world)
    case.call_and_validate(headers={"Authorization": f"Bearer {api_world['token']}"}, checks=CHECKS)
