"""The formats over HTTP: POST /api/import, the export routes, the paste endpoint and the board
list's import form; each with its wrong method, no access and effect."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client

from tests.builders import sample_board
from whiteboard.boards.models import Board
from whiteboard.domain.board import validate_board
from whiteboard.domain.formats import import_board
from whiteboard.domain.ops import apply_op

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "formats"
EXPORTS = {
    "mmd": ("text/vnd.mermaid; charset=utf-8", "mermaid"),
    "drawio": ("application/vnd.jgraph.mxfile; charset=utf-8", "drawio"),
    "compose.yaml": ("application/yaml; charset=utf-8", "compose"),
}


def post_raw(api: Any, path: str, body: bytes, content_type: str = "text/plain") -> Any:
    return api.client.post(path, data=body, content_type=content_type, headers=api.headers)


def test_import_answers_the_board_and_its_warnings_and_stores_nothing(owner_api: Any) -> None:
    before = Board.objects.count()
    response = post_raw(owner_api, "/api/import?format=mermaid", (DATA / "mermaid" / "architecture.mmd").read_bytes())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"board", "warnings"}
    assert validate_board(body["board"]) == body["board"]
    assert {n["label"] for n in body["board"]["nodes"]} >= {"Gateway", "Postgres", "Session cache"}
    assert {"loc": "line 13", "msg": "'mystery': nothing says what it is, read as a service"} in body["warnings"]
    assert Board.objects.count() == before


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("diagrams/clustered_web.py", "diagrams"), ("drawio/plain.drawio", "drawio"), ("compose/shop.yaml", "compose")],
)
def test_import_tells_the_format_from_the_content(owner_api: Any, name: str, fmt: str) -> None:
    raw = (DATA / name).read_bytes()
    response = post_raw(owner_api, "/api/import", raw, "application/octet-stream")
    assert response.status_code == 200, response.content
    assert response.json()["board"] == import_board(raw, fmt=fmt).board


def test_import_reads_an_archboard_document_unchanged(owner_api: Any) -> None:
    response = post_raw(owner_api, "/api/import", json.dumps(sample_board()).encode(), "application/json")
    assert response.status_code == 200
    assert response.json() == {"board": validate_board(sample_board()), "warnings": []}


def test_a_file_it_cannot_read_is_refused_with_its_line_in_the_api_error_shape(owner_api: Any) -> None:
    response = post_raw(owner_api, "/api/import?format=mermaid", (DATA / "mermaid" / "broken_label.mmd").read_bytes())
    assert response.status_code == 422
    assert response.json() == {
        "detail": "invalid input",
        "errors": [{"loc": "line 3", "msg": "a label's quote is never closed"}],
    }
    undecodable = post_raw(owner_api, "/api/import", b"\xff\xfe\x00garbage")
    assert undecodable.status_code == 400 and undecodable.json()["errors"][0]["loc"] == "body"
    unknown = post_raw(owner_api, "/api/import?format=visio", b"x")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == "format"
    kubernetes = post_raw(owner_api, "/api/import?filename=app.k8s.yaml", b"apiVersion: v1\nkind: Service\n")
    assert kubernetes.status_code == 400 and "export only" in kubernetes.json()["errors"][0]["msg"]


def test_import_needs_a_post_and_a_caller(owner_api: Any, anonymous_api: Any) -> None:
    assert owner_api.get("/api/import").status_code == 405
    assert post_raw(anonymous_api, "/api/import", b"flowchart LR\n a --> b").status_code == 401


@pytest.mark.parametrize("fmt", sorted(EXPORTS))
def test_each_export_route_answers_the_format_that_imports_back(board: Board, viewer_api: Any, fmt: str) -> None:
    response = viewer_api.get(f"/api/boards/{board.pk}/export.{fmt}")
    assert response.status_code == 200
    media_type, importer = EXPORTS[fmt]
    assert response["Content-Type"] == media_type
    assert response["Content-Disposition"] == f'attachment; filename="sample.{fmt}"'
    back = import_board(response.content, fmt=importer).board
    assert sorted(n["label"] for n in back["nodes"]) == sorted(n["label"] for n in board.document["nodes"])
    assert len(back["edges"]) == len(board.document["edges"])


def test_the_kubernetes_export_route_answers_manifests(board: Board, viewer_api: Any) -> None:
    response = viewer_api.get(f"/api/boards/{board.pk}/export.k8s.yaml")
    assert response.status_code == 200 and response["Content-Type"] == "application/yaml; charset=utf-8"
    kinds = [m["kind"] for m in yaml.safe_load_all(response.content) if m]
    assert kinds.count("Service") == 5  # every component but the users


def test_the_mermaid_export_answers_a_flowchart_on_request(board: Board, owner_api: Any) -> None:
    flowchart = owner_api.get(f"/api/boards/{board.pk}/export.mmd?syntax=flowchart")
    assert flowchart.status_code == 200 and b"flowchart LR" in flowchart.content
    assert owner_api.get(f"/api/boards/{board.pk}/export.mmd?syntax=sequence").status_code == 400


def test_export_routes_hide_a_board_from_outsiders_and_need_a_caller(
    board: Board, outsider_api: Any, anonymous_api: Any, owner_api: Any
) -> None:
    for fmt in ("mmd", "drawio", "compose.yaml", "k8s.yaml"):
        assert outsider_api.get(f"/api/boards/{board.pk}/export.{fmt}").status_code == 404
        assert anonymous_api.get(f"/api/boards/{board.pk}/export.{fmt}").status_code == 401
        assert owner_api.post(f"/api/boards/{board.pk}/export.{fmt}").status_code == 405


def test_render_writes_the_text_formats_of_an_unstored_board(owner_api: Any) -> None:
    response = owner_api.post("/api/render?format=compose.yaml", sample_board())
    assert response.status_code == 200
    assert "services" in yaml.safe_load(response.content)


def test_paste_answers_a_batch_op_that_adds_the_pasted_elements_without_clashes(
    board: Board, collaborator_api: Any
) -> None:
    text = b"flowchart LR\n  gw[API gateway] -->|HTTPS| db[(Orders DB)]\n"
    response = post_raw(collaborator_api, f"/api/boards/{board.pk}/paste?x=1000&y=500", text)
    assert response.status_code == 200, response.content
    body = response.json()
    op = body["op"]
    assert op["action"] == "batch" and [o["action"] for o in op["ops"]] == ["add_node", "add_node", "add_edge"]
    added = [o["node"] for o in op["ops"] if o["action"] == "add_node"]
    assert added[0]["id"] == "gw-2"  # `gw` is taken on the sample board
    assert (added[0]["x"] + added[1]["x"]) / 2 == 1000 and (added[0]["y"] + added[1]["y"]) / 2 == 500
    after = apply_op(board.document, op)  # the op applies to the board as it is
    assert len(after["nodes"]) == len(board.document["nodes"]) + 2
    board.refresh_from_db()
    assert board.version == 1  # nothing stored
    assert any("read as" in w["msg"] for w in body["warnings"])


def test_paste_is_for_editors_only_and_refuses_what_it_cannot_read(
    board: Board, viewer_api: Any, outsider_api: Any, anonymous_api: Any, owner_api: Any
) -> None:
    text = b"flowchart LR\n a --> b\n"
    assert post_raw(viewer_api, f"/api/boards/{board.pk}/paste", text).status_code == 403
    assert post_raw(outsider_api, f"/api/boards/{board.pk}/paste", text).status_code == 404
    assert post_raw(anonymous_api, f"/api/boards/{board.pk}/paste", text).status_code == 401
    assert owner_api.get(f"/api/boards/{board.pk}/paste").status_code == 405
    bad = post_raw(owner_api, f"/api/boards/{board.pk}/paste?x=nope", text)
    assert bad.status_code == 400 and "x must be a number" in bad.json()["detail"]
    broken = post_raw(owner_api, f"/api/boards/{board.pk}/paste", b"flowchart LR\n a[oops --> b\n")
    assert broken.status_code == 422


def test_the_openapi_document_describes_the_import_paste_and_new_exports(anonymous_api: Any) -> None:
    paths = anonymous_api.get("/api/openapi.json").json()["paths"]
    assert "post" in paths["/api/import"] and "post" in paths["/api/boards/{board_id}/paste"]
    export = {p["name"]: p for p in paths["/api/boards/{board_id}/export.{fmt}"]["get"]["parameters"]}
    assert {"mmd", "drawio", "compose.yaml", "k8s.yaml"} <= set(export["fmt"]["schema"]["enum"])
    imports = {p["name"]: p for p in paths["/api/import"]["post"]["parameters"]}
    import_formats = imports["format"]["schema"]["enum"]
    assert import_formats == ["auto", "archboard", "diagrams", "mermaid", "drawio", "compose"]


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_board_list_imports_an_uploaded_file_and_shows_the_warnings_in_place(owner: Any) -> None:
    upload = io.BytesIO((DATA / "drawio" / "plain.drawio").read_bytes())
    upload.name = "payments.drawio"
    response = logged_in(owner).post(
        "/boards/new", {"document": upload, "format": "auto"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    board = Board.objects.get(owner=owner)
    assert board.name == "Payments" and len(board.document["nodes"]) == 9
    assert f'href="/boards/{board.pk}/"' in html
    assert "<code>cell &#x27;box&#x27;</code>: nothing says what it is: read as a service" in html


def test_the_board_list_imports_pasted_text_and_opens_the_board_without_javascript(owner: Any) -> None:
    text = (DATA / "compose" / "shop.yaml").read_text()
    response = logged_in(owner).post("/boards/new", {"text": text, "format": "compose"}, follow=True)
    board = Board.objects.get(owner=owner)
    assert response.redirect_chain[-1][0] == f"/boards/{board.pk}/"
    assert "Imported with 4 warning(s)" in response.content.decode()


def test_the_board_list_shows_why_a_file_cannot_be_imported_and_stores_nothing(owner: Any) -> None:
    text = (DATA / "hostile" / "alias_bomb.yaml").read_text()
    response = logged_in(owner).post("/boards/new", {"text": text}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Could not import the file" in response.content.decode()
    assert "expands to more than" in response.content.decode()
    assert Board.objects.count() == 0


def test_the_board_list_offers_every_importable_format(owner: Any) -> None:
    html = logged_in(owner).get("/").content.decode()
    for value in ("auto", "archboard", "diagrams", "mermaid", "drawio", "compose"):
        assert f'<option value="{value}">' in html
    assert 'name="text"' in html and 'hx-target="#import-result"' in html
