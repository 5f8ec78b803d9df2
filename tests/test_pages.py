"""Server-rendered pages: accounts, tokens, the board list and its actions, a board, sharing."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.builders import board as build_board
from tests.builders import node, sample_board
from whiteboard.accounts.models import ApiToken
from whiteboard.boards.models import Board, Membership
from whiteboard.boards.services import board_create

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_need_a_login():
    response = Client().get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_sign_up_logs_in_and_shows_an_empty_list():
    client = Client()
    response = client.post(
        "/accounts/signup/", {"username": "newuser", "password1": "a-Strong-pass-42", "password2": "a-Strong-pass-42"}
    )
    assert response.status_code == 302
    page = client.get("/")
    assert "No boards yet" in page.content.decode()
    assert get_user_model().objects.filter(username="newuser").exists()


def test_log_in_and_log_out(owner):
    client = Client()
    response = client.post("/accounts/login/", {"username": "olivia", "password": "pw-olivia-123"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_refused(owner):
    response = Client().post("/accounts/login/", {"username": "olivia", "password": "nope"})
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()


def test_the_list_shows_own_and_shared_boards_but_not_others(board, collaborator, outsider):
    assert "Sample" in logged_in(collaborator).get("/").content.decode()
    assert "Sample" not in logged_in(outsider).get("/").content.decode()


def test_search_filters_the_list_and_answers_htmx_with_rows_only(owner):
    board_create(owner=owner, document=sample_board("Payments"))
    board_create(owner=owner, document=sample_board("Chat"))
    client = logged_in(owner)
    page = client.get("/?q=pay").content.decode()
    # The board rows only: the page's templates (the demo boards) may mention anything.
    rows = page[page.index('<section id="board-rows"') :]
    rows = rows[: rows.index("</section>")]
    assert "Payments" in rows and "Chat" not in rows
    partial = client.get("/?q=chat", headers={"HX-Request": "true", "HX-Target": "board-rows"}).content.decode()
    assert "Chat" in partial and "<html" not in partial


def test_create_an_empty_board(owner):
    response = logged_in(owner).post("/boards/new", {"name": "Fresh"})
    created = Board.objects.get(name="Fresh")
    assert response["Location"] == f"/boards/{created.pk}/"
    assert created.document["nodes"] == [] and created.version == 1


def test_import_a_board_document(owner):
    upload = io.BytesIO(json.dumps(sample_board("Uploaded")).encode())
    upload.name = "b.json"
    logged_in(owner).post("/boards/new", {"document": upload})
    assert Board.objects.filter(name="Uploaded", owner=owner).exists()


def test_importing_a_bad_document_shows_the_error_and_stores_nothing(owner):
    upload = io.BytesIO(json.dumps(build_board([node("a", "vectordb")], [])).encode())
    upload.name = "b.json"
    page = logged_in(owner).post("/boards/new", {"document": upload}, follow=True).content.decode()
    assert "unknown kind" in page and "nodes[0].kind" in page
    assert Board.objects.count() == 0


def test_rename_goes_through_the_op_log(board, collaborator):
    response = logged_in(collaborator).post(
        f"/boards/{board.pk}/rename", {"name": "Renamed"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "Renamed" in response.content.decode()
    board.refresh_from_db()
    assert board.name == "Renamed" and board.document["name"] == "Renamed" and board.version == 2


def test_a_viewer_cannot_rename_or_delete(board, viewer):
    client = logged_in(viewer)
    assert client.post(f"/boards/{board.pk}/rename", {"name": "x"}).status_code == 403
    assert client.post(f"/boards/{board.pk}/delete").status_code == 403
    board.refresh_from_db()
    assert board.name == "Sample" and board.version == 1


def test_duplicate_makes_a_copy_owned_by_the_caller(board, viewer):
    logged_in(viewer).post(f"/boards/{board.pk}/duplicate")
    copy = Board.objects.get(owner=viewer)
    assert copy.name == "Sample (copy)"
    assert copy.document["nodes"] == board.document["nodes"]


def test_the_owner_deletes_a_board(board, owner):
    logged_in(owner).post(f"/boards/{board.pk}/delete")
    assert not Board.objects.filter(pk=board.pk).exists()


def test_an_outsider_gets_404_on_every_board_page(board, outsider):
    client = logged_in(outsider)
    for path in ("/", "/rename", "/duplicate", "/delete", "/share"):
        method = client.get if path in ("/", "/share") else client.post
        assert method(f"/boards/{board.pk}{path}").status_code == 404


def test_the_board_page_shows_the_board_read_only(board, viewer):
    page = logged_in(viewer).get(f"/boards/{board.pk}/").content.decode()
    assert "Super Agent" in page and "API Gateway" in page and "viewer" in page


def test_labels_are_escaped_everywhere(owner):
    evil = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    doc = build_board([node("a", "llm", label=evil)], [], name=evil, description=evil)
    created = board_create(owner=owner, document=doc)
    client = logged_in(owner)
    for page in (client.get("/").content.decode(), client.get(f"/boards/{created.pk}/").content.decode()):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_the_owner_shares_changes_and_revokes_roles(board, owner, outsider):
    client = logged_in(owner)
    client.post(f"/boards/{board.pk}/share", {"username": "oscar", "role": "viewer"})
    assert Membership.objects.get(board=board, user=outsider).role == "viewer"
    client.post(f"/boards/{board.pk}/share", {"username": "oscar", "role": "editor"})
    assert Membership.objects.get(board=board, user=outsider).role == "editor"
    client.post(f"/boards/{board.pk}/share", {"action": "remove", "user_id": outsider.pk})
    assert not Membership.objects.filter(board=board, user=outsider).exists()


def test_sharing_with_an_unknown_user_or_role_is_refused(board, owner, outsider):
    client = logged_in(owner)
    page = client.post(f"/boards/{board.pk}/share", {"username": "ghost", "role": "viewer"}, follow=True)
    assert "No user named" in page.content.decode()
    client.post(f"/boards/{board.pk}/share", {"username": "oscar", "role": "admin"})
    assert not Membership.objects.filter(user=outsider).exists()


def test_an_editor_cannot_share(board, collaborator, outsider):
    response = logged_in(collaborator).post(f"/boards/{board.pk}/share", {"username": "oscar", "role": "editor"})
    assert response.status_code == 403
    assert not Membership.objects.filter(user=outsider).exists()


def test_the_token_page_creates_shows_once_and_revokes(owner):
    client = logged_in(owner)
    page = client.post("/accounts/tokens/", {"name": "ci"}).content.decode()
    raw = re.search(r'<pre class="token">([^<]+)</pre>', page).group(1)
    token = ApiToken.objects.get(user=owner)
    assert token.name == "ci" and raw.startswith(token.prefix)
    assert token.digest not in page
    later = client.get("/accounts/tokens/").content.decode()
    assert raw not in later and token.prefix in later
    client.post(f"/accounts/tokens/{token.pk}/revoke")
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_a_revoked_token_no_longer_works(board, owner, owner_api):
    assert owner_api.get(f"/api/boards/{board.pk}").status_code == 200
    ApiToken.objects.filter(user=owner).delete()
    assert owner_api.get(f"/api/boards/{board.pk}").status_code == 401


def test_another_user_cannot_revoke_my_token(owner, outsider):
    logged_in(owner).post("/accounts/tokens/", {"name": "mine"})
    token = ApiToken.objects.get(user=owner)
    logged_in(outsider).post(f"/accounts/tokens/{token.pk}/revoke")
    assert ApiToken.objects.filter(pk=token.pk).exists()
