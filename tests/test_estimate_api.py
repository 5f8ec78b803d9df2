"""The estimate over the REST API: GET /api/boards/{id}/estimate, POST /api/estimate, the palette's
defaults and the OpenAPI description (SPEC sections 4 and 8)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.builders import board as build_board
from tests.builders import edge, node
from whiteboard.boards.models import Board
from whiteboard.boards.services import board_replace
from whiteboard.domain.estimate import defaults_for, estimate_board

pytestmark = pytest.mark.django_db


def loaded_board(rps: float = 40) -> dict[str, Any]:
    return build_board(
        [
            node("web", "browser", props={"rps": rps, "slo_p99_ms": 500}),
            node("lb", "load_balancer"),
            node("api", props={"latency_ms": 20, "concurrency": 2}),
        ],
        [edge("e1", "web", "lb"), edge("e2", "lb", "api")],
        name="Loaded",
    )


@pytest.fixture
def loaded(board: Board, owner: Any) -> Board:
    """The shared test board (viewer and collaborator included) with load on it."""
    board_replace(board=board, version=board.version, document=loaded_board(), user=owner)
    board.refresh_from_db()
    return board


@pytest.mark.parametrize("who", ["owner_api", "collaborator_api", "viewer_api"])
def test_members_get_the_estimate_of_the_stored_board(loaded: Board, who: str, request: Any) -> None:
    response = request.getfixturevalue(who).get(f"/api/boards/{loaded.pk}/estimate")
    assert response.status_code == 200
    assert response.json() == estimate_board(loaded.document, version=loaded.version)
    assert response.json()["version"] == loaded.version
    assert response.json()["nodes"]["api"]["utilisation"] == pytest.approx(0.4)


def test_the_scale_multiplies_the_load(loaded: Board, owner_api: Any) -> None:
    doubled = owner_api.get(f"/api/boards/{loaded.pk}/estimate?scale=2").json()
    assert doubled["scale"] == 2
    assert doubled["nodes"]["api"]["rate"] == pytest.approx(80)


@pytest.mark.parametrize("scale", ["abc", "-1", "nan", "inf", "2000000", ""])
def test_a_bad_scale_is_a_located_422(loaded: Board, owner_api: Any, scale: str) -> None:
    for response in (
        owner_api.get(f"/api/boards/{loaded.pk}/estimate?scale={scale}"),
        owner_api.post(f"/api/estimate?scale={scale}", loaded_board()),
    ):
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"loc": "scale", "msg": f"must be a number from 0 to 1,000,000, not {scale!r}"}
        ]


def test_the_estimate_of_a_board_is_404_to_an_outsider_and_401_without_a_token(
    loaded: Board, outsider_api: Any, anonymous_api: Any
) -> None:
    assert outsider_api.get(f"/api/boards/{loaded.pk}/estimate").status_code == 404
    assert outsider_api.get("/api/boards/999999/estimate").status_code == 404
    assert anonymous_api.get(f"/api/boards/{loaded.pk}/estimate").status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/boards/{board}/estimate"), ("delete", "/api/boards/{board}/estimate"), ("get", "/api/estimate")],
)
def test_wrong_methods_answer_405(loaded: Board, owner_api: Any, method: str, path: str) -> None:
    response = getattr(owner_api, method)(path.format(board=loaded.pk))
    assert response.status_code == 405
    assert "Allow" in response


def test_post_estimate_answers_for_a_document_and_stores_nothing(owner_api: Any) -> None:
    boards_before = Board.objects.count()
    response = owner_api.post("/api/estimate?scale=0.5", loaded_board())
    assert response.status_code == 200
    result = response.json()
    assert (result["board"], result["version"], result["scale"]) == ("Loaded", None, 0.5)
    assert result["nodes"]["api"]["rate"] == pytest.approx(20)
    assert Board.objects.count() == boards_before


def test_post_estimate_rejects_bad_estimate_props_with_their_place(owner_api: Any) -> None:
    document = loaded_board()
    document["nodes"][2]["props"]["concurrency"] = 0
    document["edges"][1]["props"] = {"fraction": 1.5}
    boards_before = Board.objects.count()
    response = owner_api.post("/api/estimate", document)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": "nodes[2].props.concurrency", "msg": "must be an integer from 1 to 100,000"},
        {"loc": "edges[1].props.fraction", "msg": "must be a number from 0 to 1"},
    ]
    assert Board.objects.count() == boards_before


def test_storing_a_board_with_a_bad_estimate_prop_is_refused_and_changes_nothing(loaded: Board, owner_api: Any) -> None:
    document = loaded_board()
    document["nodes"][0]["props"]["rps"] = -5
    response = owner_api.put(f"/api/boards/{loaded.pk}", {"version": loaded.version, "board": document})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": "nodes[0].props.rps", "msg": "must be a number from 0 to 10,000,000"}]
    before = loaded.document
    loaded.refresh_from_db()
    assert loaded.document == before


def test_a_stored_board_with_calls_too_rare_to_multiply_is_estimated_and_reviewed(
    board: Board, owner: Any, owner_api: Any
) -> None:
    # The chance of taking two of these edges is below the smallest float: once a 500 on every
    # estimate and review of the board.
    rare = {"calls": 1e-200}
    document = build_board(
        [node("web", "browser", props={"rps": 10}), node("api"), node("a"), node("b"), node("c")],
        [
            edge("e1", "web", "api"),
            edge("e2", "api", "a", props=rare),
            edge("e3", "api", "b", props=rare),
            edge("e4", "api", "c", props=rare),
        ],
    )
    board_replace(board=board, version=board.version, document=document, user=owner)
    estimated = owner_api.get(f"/api/boards/{board.pk}/estimate")
    assert estimated.status_code == 200
    assert estimated.json()["entries"][0]["p99_ms"] == pytest.approx(46.0517, rel=1e-5)
    assert owner_api.post("/api/review", document).status_code == 200


def test_malformed_json_is_a_400(owner_api: Any) -> None:
    response = owner_api.post("/api/estimate", raw=b"{not json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == "body"


def test_the_palette_serves_each_kinds_estimate_defaults(anonymous_api: Any) -> None:
    categories = anonymous_api.get("/api/palette").json()["categories"]
    served = {kind["id"]: kind["defaults"] for category in categories for kind in category["kinds"]}
    assert served == {kind: defaults_for(kind) for kind in served}
    assert served["llm"]["ttft_ms"] > 0


def test_openapi_describes_both_routes_and_the_estimate_it_returns(anonymous_api: Any, owner_api: Any) -> None:
    spec = anonymous_api.get("/api/openapi.json").json()
    assert "get" in spec["paths"]["/api/boards/{board_id}/estimate"]
    assert "post" in spec["paths"]["/api/estimate"]
    node_props = spec["components"]["schemas"]["Board"]["properties"]["nodes"]["items"]["properties"]["props"]
    assert node_props["properties"]["hit_ratio"] == {
        "type": "number",
        "minimum": 0,
        "maximum": 1,
        "description": "a cache's share of requests answered without going on",
    }
    result = owner_api.post("/api/estimate", loaded_board(rps=500)).json()  # over capacity: nulls included
    assert result["nodes"]["api"]["mean_ms"] is None
    schema = {**spec["components"]["schemas"]["Estimate"], "components": spec["components"]}
    jsonschema.validate(result, schema)
