"""The REST API of SPEC section 4: every route against owner, collaborator, viewer, outsider."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.builders import board as build_board
from tests.builders import edge, node, sample_board
from whiteboard.boards.models import Board, BoardOp
from whiteboard.domain.board import validate_board

pytestmark = pytest.mark.django_db


def stored(board: Board) -> tuple[int, dict]:
    board.refresh_from_db()
    return board.version, board.document


def test_palette_lists_every_category_with_icons(anonymous_api):
    response = anonymous_api.get("/api/palette")
    assert response.status_code == 200
    categories = response.json()["categories"]
    assert [c["id"] for c in categories] == [
        "client",
        "edge",
        "compute",
        "ai",
        "data",
        "messaging",
        "ops",
        "annotation",
    ]
    llm = next(k for c in categories for k in c["kinds"] if k["id"] == "llm")
    assert llm["icon"].endswith("/palette/icons/llm.png") and llm["name"] == "LLM"


def test_openapi_describes_every_route(anonymous_api):
    spec = anonymous_api.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/palette",
        "/api/boards",
        "/api/boards/{board_id}",
        "/api/boards/{board_id}/review",
        "/api/boards/{board_id}/export.{fmt}",
        "/api/review",
        "/api/render",
    ):
        assert path in spec["paths"]


def test_listing_shows_the_callers_boards_with_their_roles(
    board, owner_api, collaborator_api, viewer_api, outsider_api
):
    assert owner_api.get("/api/boards").json()["boards"][0] | {"updated": None} == {
        "id": board.pk,
        "name": "Sample",
        "role": "owner",
        "version": 1,
        "updated": None,
    }
    assert collaborator_api.get("/api/boards").json()["boards"][0]["role"] == "editor"
    assert viewer_api.get("/api/boards").json()["boards"][0]["role"] == "viewer"
    assert outsider_api.get("/api/boards").json()["boards"] == []


def test_no_token_answers_401(board, anonymous_api):
    for response in (
        anonymous_api.get("/api/boards"),
        anonymous_api.get(f"/api/boards/{board.pk}"),
        anonymous_api.post("/api/boards", sample_board()),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert Board.objects.count() == 1


@pytest.mark.parametrize("header", ["Bearer ab_not-a-real-token", "Bearer ", "Basic dXNlcjpwdw==", "token"])
def test_a_bad_token_answers_401(board, header):
    response = Client().get(f"/api/boards/{board.pk}", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["detail"]


def test_create_returns_201_with_the_normal_form(owner_api):
    response = owner_api.post("/api/boards", sample_board("New"))
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1
    assert body["board"] == validate_board(sample_board("New"))
    created = Board.objects.get(pk=body["id"])
    assert created.document == body["board"]
    assert list(created.ops.values_list("version", flat=True)) == [1]


def test_create_and_export_round_trip_exactly(owner_api):
    doc = validate_board(sample_board("Round trip"))
    board_id = owner_api.post("/api/boards", doc).json()["id"]
    assert owner_api.get(f"/api/boards/{board_id}").json()["board"] == doc
    exported = owner_api.get(f"/api/boards/{board_id}/export.json")
    assert exported.status_code == 200
    assert json.loads(exported.content) == doc


@pytest.mark.parametrize(
    ("raw", "status", "loc"),
    [
        ('{"format": "archboard/1", "nodes": [', 400, "body"),
        ('{"format": "archboard/1", "nodes": [{"id": "a", "kind": "llm", "x": NaN}], "edges": []}', 400, "body"),
        (json.dumps(build_board([node("a", "vectordb")], [])), 422, "nodes[0].kind"),
        (json.dumps({"format": "archboard/9", "nodes": [], "edges": []}), 422, "format"),
        (json.dumps(build_board([node("a"), node("a")], [])), 422, "nodes[1].id"),
        (json.dumps(build_board([node("a b")], [])), 422, "nodes[0].id"),
        (json.dumps(build_board([node("a")], [edge("e", "a", "zz")])), 422, "edges[0].target"),
        (json.dumps(build_board([node("a")], [edge("e", "a", "a")])), 422, "edges[0]"),
        (json.dumps(build_board([], [], groups=[{"id": "g", "parent": "g"}])), 422, "groups[0].parent"),
        (json.dumps(build_board([node("a", x=1e300)], [])), 422, "nodes[0].x"),
        (json.dumps(build_board([node("a", label="L" * 201)], [])), 422, "nodes[0].label"),
        (json.dumps(build_board([node("a", props={"replicas": "two"})], [])), 422, "nodes[0].props.replicas"),
        (json.dumps(build_board([node(f"n{i}") for i in range(5001)], [])), 422, "nodes"),
        ("[1, 2]", 422, ""),
    ],
)
def test_create_rejects_bad_input_with_the_place_and_stores_nothing(owner_api, raw, status, loc):
    response = owner_api.post("/api/boards", raw=raw)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"]
    assert body["errors"][0]["loc"] == loc
    assert Board.objects.count() == 0


def test_create_rejects_a_body_over_the_size_limit(owner_api):
    raw = json.dumps(build_board([node("a")], [], description="")) + " " * (3 * 1024 * 1024)
    response = owner_api.post("/api/boards", raw=raw)
    assert response.status_code in (400, 413)
    assert Board.objects.count() == 0


@pytest.mark.parametrize("who", ["owner_api", "collaborator_api", "viewer_api"])
def test_members_can_read_a_board(board, who, request):
    response = request.getfixturevalue(who).get(f"/api/boards/{board.pk}")
    assert response.status_code == 200
    assert response.json() == {"id": board.pk, "version": 1, "board": board.document}


def test_an_outsider_gets_404_for_every_board_route(board, outsider_api):
    before = stored(board)
    assert outsider_api.get(f"/api/boards/{board.pk}").status_code == 404
    assert outsider_api.put(f"/api/boards/{board.pk}", {"version": 1, "board": sample_board()}).status_code == 404
    assert outsider_api.delete(f"/api/boards/{board.pk}").status_code == 404
    assert outsider_api.get(f"/api/boards/{board.pk}/export.json").status_code == 404
    assert stored(board) == before


def test_a_missing_board_is_404(owner_api):
    assert owner_api.get("/api/boards/999999").status_code == 404


@pytest.mark.parametrize("who", ["owner_api", "collaborator_api"])
def test_put_replaces_the_board_and_bumps_the_version(board, who, request):
    new = sample_board("Renamed")
    response = request.getfixturevalue(who).put(f"/api/boards/{board.pk}", {"version": 1, "board": new})
    assert response.status_code == 200
    assert response.json()["version"] == 2
    version, document = stored(board)
    assert version == 2 and document == validate_board(new)
    assert board.name == "Renamed"
    op = BoardOp.objects.get(board=board, version=2)
    assert op.op == {"action": "replace", "board": validate_board(new)}


def test_put_with_a_stale_version_is_409_with_the_current_version(board, owner_api):
    owner_api.put(f"/api/boards/{board.pk}", {"version": 1, "board": sample_board("v2")})
    before = stored(board)
    response = owner_api.put(f"/api/boards/{board.pk}", {"version": 1, "board": sample_board("stale")})
    assert response.status_code == 409
    assert response.json()["version"] == 2
    assert stored(board) == before


def test_a_viewer_cannot_write(board, viewer_api):
    before = stored(board)
    response = viewer_api.put(f"/api/boards/{board.pk}", {"version": 1, "board": sample_board("hijack")})
    assert response.status_code == 403
    assert viewer_api.delete(f"/api/boards/{board.pk}").status_code == 403
    assert stored(board) == before


def test_only_the_owner_may_delete(board, collaborator_api, owner_api):
    assert collaborator_api.delete(f"/api/boards/{board.pk}").status_code == 403
    assert Board.objects.filter(pk=board.pk).exists()
    assert owner_api.delete(f"/api/boards/{board.pk}").status_code == 204
    assert not Board.objects.filter(pk=board.pk).exists()


@pytest.mark.parametrize(
    ("body", "status", "loc"),
    [
        ({"board": sample_board()}, 422, "version"),
        ({"version": 1}, 422, "board"),
        ({"version": "1", "board": sample_board()}, 422, "version"),
        ({"version": 1, "board": sample_board(), "force": True}, 422, "force"),
        ({"version": 1, "board": build_board([node("a", "vectordb")], [])}, 422, "nodes[0].kind"),
        ([1], 422, ""),
    ],
)
def test_put_rejects_bad_input_and_changes_nothing(board, owner_api, body, status, loc):
    before = stored(board)
    response = owner_api.put(f"/api/boards/{board.pk}", body)
    assert response.status_code == status
    assert response.json()["errors"][0]["loc"] == loc
    assert stored(board) == before


def test_put_rejects_malformed_json(board, owner_api):
    before = stored(board)
    response = owner_api.put(f"/api/boards/{board.pk}", raw="{nope")
    assert response.status_code == 400
    assert stored(board) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/boards/{id}"), ("delete", "/api/boards"), ("put", "/api/boards"), ("post", "/api/palette")],
)
def test_wrong_methods_answer_405(board, owner_api, method, path):
    response = getattr(owner_api, method)(path.format(id=board.pk))
    assert response.status_code == 405
    assert "Allow" in response


def test_a_session_write_needs_the_csrf_token(board, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.put(
        f"/api/boards/{board.pk}",
        json.dumps({"version": 1, "board": sample_board("x")}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert stored(board)[0] == 1


def test_a_session_can_read_without_a_token(board, owner):
    client = Client()
    client.force_login(owner)
    assert client.get(f"/api/boards/{board.pk}").status_code == 200


@pytest.mark.parametrize("who", ["owner_api", "collaborator_api", "viewer_api"])
def test_members_can_review_a_board(board, who, request):
    response = request.getfixturevalue(who).get(f"/api/boards/{board.pk}/review")
    assert response.status_code == 200
    body = response.json()
    assert body["board"] == "Sample" and body["version"] == 1
    assert set(body["summary"]) == {"error", "warning", "info"}


def test_review_and_export_are_404_for_an_outsider_and_401_without_a_token(board, outsider_api, anonymous_api):
    for path in (
        f"/api/boards/{board.pk}/review",
        f"/api/boards/{board.pk}/export.json",
        f"/api/boards/{board.pk}/export.svg",
    ):
        assert outsider_api.get(path).status_code == 404
        assert anonymous_api.get(path).status_code == 401


def test_post_review_checks_a_document_and_stores_nothing(owner_api):
    doc = build_board([node("u", "user"), node("db", "sql_db")], [edge("e1", "u", "db")])
    response = owner_api.post("/api/review", doc)
    assert response.status_code == 200
    rules = {f["rule"] for f in response.json()["findings"]}
    assert "client-to-datastore" in rules
    assert Board.objects.count() == 0


def test_post_review_rejects_an_invalid_document(owner_api):
    response = owner_api.post("/api/review", build_board([node("a", "vectordb")], []))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == "nodes[0].kind"


def test_an_unknown_export_format_is_400(board, owner_api):
    response = owner_api.get(f"/api/boards/{board.pk}/export.gif")
    assert response.status_code == 400
    assert "unknown format" in response.json()["detail"]


def test_export_svg_is_served_to_a_viewer(board, viewer_api):
    response = viewer_api.get(f"/api/boards/{board.pk}/export.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert b"Super Agent" in response.content


def test_post_render_returns_a_png_and_stores_nothing(owner_api):
    response = owner_api.post("/api/render?format=png", sample_board())
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")
    assert Board.objects.count() == 0


def test_post_render_rejects_an_unknown_format_and_a_bad_scale(owner_api):
    assert owner_api.post("/api/render?format=bmp", sample_board()).status_code == 400
    assert owner_api.post("/api/render?format=png&scale=abc", sample_board()).status_code == 400


def test_the_exported_text_keeps_the_document_key_order_on_every_database(owner_api):
    doc = validate_board(sample_board("Key order"))
    board_id = owner_api.post("/api/boards", doc).json()["id"]
    text = owner_api.get(f"/api/boards/{board_id}/export.json").content.decode()
    assert list(json.loads(text)) == ["format", "name", "description", "direction", "nodes", "edges", "groups"]
    assert list(json.loads(text)["nodes"][1]) == ["id", "kind", "label", "x", "y", "group", "props"]
    assert json.loads(text) == doc


def test_custom_props_keep_the_order_they_were_written_in_on_every_database(owner_api):
    doc = sample_board("Props order")
    doc["nodes"][0]["props"] = {"zeta": "1", "alpha": "2", "mid": "3", "replicas": 2}
    board_id = owner_api.post("/api/boards", doc).json()["id"]
    text = owner_api.get(f"/api/boards/{board_id}/export.json").content.decode()
    assert list(json.loads(text)["nodes"][0]["props"]) == list(validate_board(doc)["nodes"][0]["props"])
    assert list(Board.objects.get(pk=board_id).document["nodes"][0]["props"])[:3] == ["zeta", "alpha", "mid"]


def test_a_drawn_export_links_each_node_to_the_board_page(board, viewer_api):
    response = viewer_api.get(f"/api/boards/{board.pk}/export.svg?layout=drawn&links=1")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert 'data-layout="drawn"' in svg
    assert f'href="http://testserver/boards/{board.pk}/#node-gw"' in svg


def test_export_layouts_and_their_bad_options(board, owner_api):
    auto = owner_api.get(f"/api/boards/{board.pk}/export.svg?layout=auto")
    assert auto.status_code == 200 and b'data-layout="drawn"' not in auto.content
    for query, message in (("layout=sideways", "layout must be"), ("layout=auto&width=800", "drawn layout")):
        response = owner_api.get(f"/api/boards/{board.pk}/export.png?{query}")
        assert response.status_code == 400 and message in response.json()["detail"]


def test_a_png_too_large_for_any_image_is_a_422_saying_what_works(owner_api):
    # Two nodes 100,000 px apart: the drawn PNG would be taller than an image can be (once a 500).
    far = build_board(
        [node("a", "service", x=0, y=0, props={}), node("b", "sql_db", x=0, y=100_000, props={})],
        [edge("e", "a", "b", props={})],
    )
    board_id = owner_api.post("/api/boards", far).json()["id"]
    response = owner_api.get(f"/api/boards/{board_id}/export.png?layout=drawn")
    assert response.status_code == 422
    assert "a PNG can be at most 32,767 px on a side. Export SVG or PDF" in response.json()["detail"]
    assert owner_api.get(f"/api/boards/{board_id}/export.svg?layout=drawn").status_code == 200
    assert owner_api.post("/api/render?format=png&layout=drawn", far).status_code == 422


def test_rendering_an_unstored_document_cannot_link_to_a_board_page(owner_api):
    response = owner_api.post("/api/render?format=svg&links=1", sample_board())
    assert response.status_code == 400 and "stored board" in response.json()["detail"]
    drawn = owner_api.post("/api/render?format=png&layout=drawn&background=transparent&width=800", sample_board())
    assert drawn.status_code == 200 and drawn.content.startswith(b"\x89PNG")


@pytest.mark.parametrize("who", ["owner_api", "collaborator_api", "viewer_api"])
@pytest.mark.parametrize(
    ("path", "documents"), [("/api/boards/{id}", 1), ("/api/boards", 0), ("/api/boards/{id}/review", 1)]
)
def test_the_reads_take_a_few_queries_and_read_the_document_at_most_once(
    board, who, path, documents, request, django_assert_max_num_queries
):
    """The token, the board with the caller's role, nothing per board element: what the load bench
    asks most, kept from growing a query (each costs more to compile than to run)."""
    api = request.getfixturevalue(who)
    url = path.format(id=board.pk)
    assert api.get(url).status_code == 200  # the token's first use is recorded once, not measured
    with django_assert_max_num_queries(3) as queries:
        assert api.get(url).status_code == 200
    assert len([q for q in queries.captured_queries if '"document"' in q["sql"]]) == documents
