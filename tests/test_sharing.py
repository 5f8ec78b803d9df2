"""Sharing: invitations by username or email, roles, ownership transfer, read-only links."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from tests.builders import sample_board
from whiteboard.boards.access import get_board_for
from whiteboard.boards.models import Board, Membership, ShareLink
from whiteboard.boards.services import board_create
from whiteboard.boards.sharing import link_create, link_revoke

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_owner_invites_by_email_with_a_role(board, owner, outsider):
    outsider.email = "Oscar@Example.com"
    outsider.save()
    logged_in(owner).post(f"/boards/{board.pk}/share", {"who": "oscar@example.com", "role": "viewer"})
    assert Membership.objects.get(board=board, user=outsider).role == "viewer"


def test_an_unknown_user_or_ambiguous_email_is_refused(board, owner):
    get_user_model().objects.create_user("a1", email="same@example.com")
    get_user_model().objects.create_user("a2", email="same@example.com")
    page = logged_in(owner).post(f"/boards/{board.pk}/share", {"who": "same@example.com"}, follow=True)
    assert "No user named" in page.content.decode()
    assert Membership.objects.filter(board=board).count() == 2


def test_ownership_moves_to_a_member_and_the_old_owner_stays_an_editor(board, owner, collaborator):
    logged_in(owner).post(f"/boards/{board.pk}/share", {"action": "transfer", "who": "carlos"})
    board.refresh_from_db()
    assert board.owner == collaborator
    assert Membership.objects.get(board=board, user=owner).role == "editor"
    assert not Membership.objects.filter(board=board, user=collaborator).exists()
    assert (
        logged_in(owner).post(f"/boards/{board.pk}/share", {"action": "transfer", "who": "olivia"}).status_code == 403
    )


def test_ownership_cannot_go_to_a_stranger(board, owner, outsider):
    page = logged_in(owner).post(f"/boards/{board.pk}/share", {"action": "transfer", "who": "oscar"}, follow=True)
    assert "share the board with that user first" in page.content.decode()
    assert Board.objects.get(pk=board.pk).owner == owner


@pytest.mark.parametrize("who", ["collaborator", "viewer"])
def test_only_the_owner_changes_sharing(request, board, who):
    client = logged_in(request.getfixturevalue(who))
    for data in ({"who": "oscar", "role": "editor"}, {"action": "link"}, {"action": "transfer", "who": "carlos"}):
        assert client.post(f"/boards/{board.pk}/share", data).status_code == 403
    assert not ShareLink.objects.exists()


def test_an_outsider_sees_no_share_page(board, outsider):
    assert logged_in(outsider).get(f"/boards/{board.pk}/share").status_code == 404


def test_a_read_only_link_shows_the_board_until_it_is_revoked(board, owner):
    page = logged_in(owner).post(f"/boards/{board.pk}/share", {"action": "link"}).content.decode()
    url = re.search(r'value="(http://testserver/s/[^"]+)"', page).group(1)
    path = url.removeprefix("http://testserver")
    anonymous = Client()
    shown = anonymous.get(path)
    assert shown.status_code == 200 and "API Gateway" in shown.content.decode()
    assert shown["Referrer-Policy"] == "no-referrer"
    assert anonymous.get(path + "image.svg").status_code == 200
    link = ShareLink.objects.get()
    logged_in(owner).post(f"/boards/{board.pk}/share", {"action": "revoke_link", "link_id": link.pk})
    assert anonymous.get(path).status_code == 404
    assert anonymous.get(path + "image.svg").status_code == 404


def test_a_link_is_read_only_and_only_for_its_board(board, owner):
    _, token = link_create(board=board, user=owner)
    assert get_board_for(AnonymousUser(), board.pk, link=token)[1] == "viewer"
    with pytest.raises(PermissionDenied):
        get_board_for(AnonymousUser(), board.pk, need="edit", link=token)
    other = board_create(owner=owner, document=sample_board("Other"))
    with pytest.raises(Http404):
        get_board_for(AnonymousUser(), other.pk, link=token)
    link_revoke(board=board, link_id=ShareLink.objects.get().pk)
    with pytest.raises(Http404):
        get_board_for(AnonymousUser(), board.pk, link=token)


def test_a_link_page_does_not_open_the_editor_or_api(board, owner):
    _, token = link_create(board=board, user=owner)
    assert Client().get(f"/api/boards/{board.pk}").status_code == 401
    assert Client().get(f"/s/{token}x/").status_code == 404
    assert Client().get("/s/not-a-token/").status_code == 404


def test_names_are_escaped_on_the_shared_page(owner):
    doc = sample_board("<script>x()</script>")
    doc["nodes"][0]["label"] = "<b>u</b>"
    created = board_create(owner=owner, document=doc)
    _, token = link_create(board=created, user=owner)
    html = Client().get(f"/s/{token}/").content.decode()
    assert "<script>x()" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html
    assert "<b>u</b>" not in html
