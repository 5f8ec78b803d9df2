"""Review status: draft -> in review -> changes requested / approved, reviewers, blocking findings."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from whiteboard.boards.services import board_apply_op, new_op_id
from whiteboard.reviews.models import ReviewEvent

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def set_status(api: Any, board: Any, status: str, **extra: Any) -> Any:
    return api.post(f"/api/boards/{board.pk}/review/status", {"status": status, **extra})


def fix_errors(board: Any, user: Any) -> None:
    """Make every error finding of the sample board go away (replicas for the single points of failure)."""
    for node in ("super", "q", "dev"):
        board_apply_op(
            board_id=board.pk,
            op={"action": "update_node", "id": node, "set": {"props": {"replicas": 2}}},
            op_id=new_op_id("fix"),
            user=user,
        )


def test_a_new_board_is_a_draft_that_members_can_see(board, viewer_api, outsider_api):
    state = viewer_api.get(f"/api/boards/{board.pk}/review/status").json()
    assert state["status"] == "draft" and state["reviewers"] == [] and state["history"] == []
    assert outsider_api.get(f"/api/boards/{board.pk}/review/status").status_code == 404


def test_a_viewer_cannot_change_the_status(board, viewer, viewer_api):
    assert set_status(viewer_api, board, "in_review", reviewers=["olivia"]).status_code == 403
    assert logged_in(viewer).post(f"/boards/{board.pk}/review/status", {"status": "in_review"}).status_code == 403
    assert not ReviewEvent.objects.exists()


def test_an_outsider_cannot_change_the_status(board, outsider_api):
    assert set_status(outsider_api, board, "in_review", reviewers=["olivia"]).status_code == 404


def test_the_whole_flow_is_recorded(board, owner, owner_api, collaborator_api):
    assert set_status(collaborator_api, board, "in_review").status_code == 422  # no reviewer named
    response = set_status(collaborator_api, board, "in_review", reviewers=["olivia"], note="please look")
    assert response.status_code == 200 and response.json()["reviewers"] == ["olivia"]
    assert set_status(collaborator_api, board, "approved").status_code == 403  # not a named reviewer
    assert set_status(owner_api, board, "changes_requested").json()["status"] == "changes_requested"
    fix_errors(board, owner)
    set_status(collaborator_api, board, "in_review")
    approved = set_status(owner_api, board, "approved").json()
    assert approved["status"] == "approved" and approved["updated_by"] == "olivia" and approved["version"] == 4
    history = owner_api.get(f"/api/boards/{board.pk}/review/status").json()["history"]
    assert [(e["actor"], e["from"], e["to"]) for e in history] == [
        ("olivia", "in_review", "approved"),
        ("carlos", "changes_requested", "in_review"),
        ("olivia", "in_review", "changes_requested"),
        ("carlos", "draft", "in_review"),
    ]
    assert history[-1]["note"] == "please look"


def test_approval_is_blocked_by_open_error_findings(board, owner_api):
    set_status(owner_api, board, "in_review", reviewers=["olivia"])
    response = set_status(owner_api, board, "approved")
    assert response.status_code == 422
    assert any("single-point-of-failure" in e["loc"] for e in response.json()["errors"])
    assert owner_api.get(f"/api/boards/{board.pk}/review/status").json()["status"] == "in_review"


def suppress(board: Any, user: Any, reason: str) -> None:
    board_apply_op(
        board_id=board.pk,
        op={
            "action": "set_board",
            "set": {"review": {"suppress": [{"rule": "single-point-of-failure", "reason": reason}]}},
        },
        op_id=new_op_id("s"),
        user=user,
    )


def test_a_suppression_needs_a_reason_to_allow_approval(board, owner, owner_api):
    set_status(owner_api, board, "in_review", reviewers=["olivia"])
    suppress(board, owner, "")
    assert set_status(owner_api, board, "approved").status_code == 422
    suppress(board, owner, "single region on purpose for the prototype")
    assert set_status(owner_api, board, "approved").status_code == 200


def test_bad_statuses_transitions_and_reviewers_are_422(board, owner_api):
    assert set_status(owner_api, board, "shipped").status_code == 422
    assert set_status(owner_api, board, "approved").status_code == 422  # draft cannot be approved
    response = set_status(owner_api, board, "in_review", reviewers=["vera", "ghost"])
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == ["reviewers[0]", "reviewers[1]"]
    assert set_status(owner_api, board, "in_review", reviewers="olivia").status_code == 422


def test_the_status_page_shows_the_panel_and_escapes_notes(board, owner, viewer):
    client = logged_in(owner)
    response = client.post(
        f"/boards/{board.pk}/review/status",
        {"status": "in_review", "reviewers": ["olivia"], "note": "<i>look</i>"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="review-status"' in html and "<html" not in html
    assert "&lt;i&gt;look&lt;/i&gt;" in html
    page = logged_in(viewer).get(f"/boards/{board.pk}/review/status").content.decode()
    assert "In review" in page and "Approve" not in page
    blocked = client.post(f"/boards/{board.pk}/review/status", {"status": "approved"})
    assert blocked.status_code == 422 and "suppress it with a reason" in blocked.content.decode()
