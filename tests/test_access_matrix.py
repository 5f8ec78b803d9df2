"""The access-control matrix: every URL pattern of the URL conf against anonymous, outsider,
viewer, editor and owner, with the status each must get.

The list of patterns comes from the URL conf itself: a route added without a row here fails
`test_every_route_is_in_the_matrix`. The WebSocket has its own matrix, built the same way from the
protocol's message types: tests/test_access_matrix_ws.py (the handshake and every client message
type against the same callers, plus link holders and callers who lose access while connected).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from whiteboard.accounts.services import token_create
from whiteboard.boards import history, sharing
from whiteboard.boards.models import Board
from whiteboard.boards.services import board_rename
from whiteboard.reviews.services import thread_create

ROLES = ("anonymous", "outsider", "viewer", "editor", "owner")


@dataclass(frozen=True)
class Probe:
    method: str
    path: str  # with {board}, {thread}, {snapshot}, {link}, {token_id} filled in per test
    expect: tuple[int, int, int, int, int]  # anonymous, outsider, viewer, editor, owner
    data: Any = None
    json: bool = False  # an API route: bearer token and a JSON body


# Pages that need a log-in: anonymous is sent to the log-in page (302).
PAGE_VIEW = (302, 404, 200, 200, 200)
API_VIEW = (401, 404, 200, 200, 200)
API_EDIT = (401, 404, 403, 200, 200)

MATRIX: dict[str, list[Probe]] = {
    "board_list": [Probe("GET", "/", (302, 200, 200, 200, 200))],
    "healthz": [Probe("GET", "/healthz", (200, 200, 200, 200, 200))],
    "board_create": [Probe("POST", "/boards/new", (302, 302, 302, 302, 302), {"name": "n"})],
    "board_detail": [Probe("GET", "/boards/{board}/", PAGE_VIEW)],
    "board_layout": [Probe("GET", "/boards/{board}/layout", (302, 404, 403, 200, 200))],
    "board_rename": [Probe("POST", "/boards/{board}/rename", (302, 404, 403, 302, 302), {"name": "Renamed"})],
    "board_duplicate": [Probe("POST", "/boards/{board}/duplicate", (302, 404, 302, 302, 302))],
    "board_delete": [Probe("POST", "/boards/{board}/delete", (302, 404, 403, 403, 302))],
    "board_share": [
        Probe("GET", "/boards/{board}/share", PAGE_VIEW),
        Probe("POST", "/boards/{board}/share", (302, 404, 403, 403, 200), {"action": "link"}),
    ],
    "board_history": [Probe("GET", "/boards/{board}/history", PAGE_VIEW)],
    "version_save": [Probe("POST", "/boards/{board}/history/save", (302, 404, 403, 302, 302), {"name": "v"})],
    # The editor forgets the name first, so the owner then finds nothing to forget.
    "version_forget": [Probe("POST", "/boards/{board}/history/{snapshot}/forget", (302, 404, 403, 302, 404))],
    "version_detail": [Probe("GET", "/boards/{board}/versions/1/", PAGE_VIEW)],
    "version_restore": [
        Probe("GET", "/boards/{board}/versions/1/restore", (302, 404, 403, 200, 200)),
        Probe("POST", "/boards/{board}/versions/1/restore", (302, 404, 403, 302, 302)),
    ],
    # Also served to holders of a read-only link, so it answers anonymous callers 404, not a log-in redirect.
    "version_image": [Probe("GET", "/boards/{board}/versions/1/image.svg", (404, 404, 200, 200, 200))],
    "board_diff": [Probe("GET", "/boards/{board}/diff?from=1&to=2", PAGE_VIEW)],
    "board_activity": [Probe("GET", "/boards/{board}/activity", PAGE_VIEW)],
    "comments": [
        Probe("GET", "/boards/{board}/comments", PAGE_VIEW),
        Probe("POST", "/boards/{board}/comments", (302, 404, 302, 302, 302), {"target": "board", "text": "hi"}),
    ],
    "comment_reply": [
        Probe("POST", "/boards/{board}/comments/{thread}/reply", (302, 404, 302, 302, 302), {"text": "re"})
    ],
    "comment_resolve": [Probe("POST", "/boards/{board}/comments/{thread}/resolve", (302, 404, 403, 302, 302))],
    "review_status": [
        Probe("GET", "/boards/{board}/review/status", PAGE_VIEW),
        # Editors pass the access check and reach validation (in review needs named reviewers: 422).
        Probe("POST", "/boards/{board}/review/status", (302, 404, 403, 422, 422), {"status": "in_review"}),
    ],
    # A live read-only link: anyone holding it sees the board, whatever their account.
    "shared_board": [Probe("GET", "/s/{link}/", (200, 200, 200, 200, 200))],
    "shared_image": [Probe("GET", "/s/{link}/image.svg", (200, 200, 200, 200, 200))],
    "review_panel": [Probe("GET", "/boards/{board}/review", PAGE_VIEW)],
    "rule_list": [Probe("GET", "/rules/", (200, 200, 200, 200, 200))],
    "rule_detail": [Probe("GET", "/rules/single-point-of-failure/", (200, 200, 200, 200, 200))],
    "palette_icon": [Probe("GET", "/palette/icons/service.png", (200, 200, 200, 200, 200))],
    "palette_tech_icon": [Probe("GET", "/palette/icons/tech/redis.png", (200, 200, 200, 200, 200))],
    "login": [Probe("GET", "/accounts/login/", (200, 200, 200, 200, 200))],
    "logout": [Probe("POST", "/accounts/logout/", (302, 302, 302, 302, 302))],
    "signup": [Probe("GET", "/accounts/signup/", (200, 302, 302, 302, 302))],
    "tokens": [Probe("GET", "/accounts/tokens/", (302, 200, 200, 200, 200))],
    # Each user revokes only their own tokens: someone else's id is a no-op redirect.
    "token_revoke": [Probe("POST", "/accounts/tokens/{token_id}/revoke", (302, 302, 302, 302, 302))],
    "openapi-json": [Probe("GET", "/api/openapi.json", (200, 200, 200, 200, 200), json=True)],
    # The page that reads the document: public, as the document is.
    "openapi-view": [Probe("GET", "/api/docs", (200, 200, 200, 200, 200))],
    # django-ninja's root of the API, which names no resource.
    "api-root": [Probe("GET", "/api/", (404, 404, 404, 404, 404), json=True)],
    "api_palette": [Probe("GET", "/api/palette", (200, 200, 200, 200, 200), json=True)],
    "api_rules": [Probe("GET", "/api/rules", (200, 200, 200, 200, 200), json=True)],
    "api_boards": [
        Probe("GET", "/api/boards", (401, 200, 200, 200, 200), json=True),
        Probe(
            "POST", "/api/boards", (401, 201, 201, 201, 201), {"format": "archboard/1", "nodes": [], "edges": []}, True
        ),
    ],
    "api_board": [
        Probe("GET", "/api/boards/{board}", API_VIEW, json=True),
        Probe(
            "PUT",
            "/api/boards/{board}",
            (401, 404, 403, 409, 409),
            {"version": 0, "board": {"format": "archboard/1", "nodes": [], "edges": []}},
            True,
        ),
        Probe("DELETE", "/api/boards/{board}", (401, 404, 403, 403, 204), json=True),
    ],
    "api_board_review": [Probe("GET", "/api/boards/{board}/review", API_VIEW, json=True)],
    "api_board_estimate": [Probe("GET", "/api/boards/{board}/estimate", API_VIEW, json=True)],
    "api_board_export": [
        Probe("GET", "/api/boards/{board}/export.json", API_VIEW, json=True),
        Probe("GET", "/api/boards/{board}/export.compose.yaml", API_VIEW, json=True),
    ],
    # Pasted text becomes an op only an editor may send; nothing is stored.
    "api_board_paste": [
        Probe(
            "POST",
            "/api/boards/{board}/paste?x=0&y=0",
            API_EDIT,
            {"format": "archboard/1", "nodes": [{"id": "p", "kind": "cache"}], "edges": []},
            True,
        )
    ],
    "api_board_versions": [
        Probe("GET", "/api/boards/{board}/versions", API_VIEW, json=True),
        Probe("POST", "/api/boards/{board}/versions", (401, 404, 403, 201, 201), {"name": "v"}, True),
    ],
    "api_board_version": [Probe("GET", "/api/boards/{board}/versions/1", API_VIEW, json=True)],
    "api_board_version_restore": [Probe("POST", "/api/boards/{board}/versions/1/restore", API_EDIT, json=True)],
    "api_board_diff": [Probe("GET", "/api/boards/{board}/diff?from=1&to=2", API_VIEW, json=True)],
    "api_board_diff_image": [Probe("GET", "/api/boards/{board}/diff.svg?from=1&to=2", API_VIEW, json=True)],
    "api_board_activity": [Probe("GET", "/api/boards/{board}/activity", API_VIEW, json=True)],
    "api_comments": [
        Probe("GET", "/api/boards/{board}/comments", API_VIEW, json=True),
        Probe(
            "POST", "/api/boards/{board}/comments", (401, 404, 201, 201, 201), {"target": "board", "text": "x"}, True
        ),
    ],
    "api_comment_markers": [Probe("GET", "/api/boards/{board}/comments/markers", API_VIEW, json=True)],
    "api_thread": [Probe("GET", "/api/boards/{board}/comments/{thread}", API_VIEW, json=True)],
    "api_thread_action": [
        Probe("POST", "/api/boards/{board}/comments/{thread}/replies", (401, 404, 201, 201, 201), {"text": "r"}, True),
        Probe("POST", "/api/boards/{board}/comments/{thread}/resolve", (401, 404, 403, 200, 200), json=True),
    ],
    "api_review_status": [
        Probe("GET", "/api/boards/{board}/review/status", API_VIEW, json=True),
        Probe("POST", "/api/boards/{board}/review/status", (401, 404, 403, 422, 422), {"status": "in_review"}, True),
    ],
    "api_review": [
        Probe(
            "POST", "/api/review", (401, 200, 200, 200, 200), {"format": "archboard/1", "nodes": [], "edges": []}, True
        )
    ],
    "api_import": [
        Probe(
            "POST", "/api/import", (401, 200, 200, 200, 200), {"format": "archboard/1", "nodes": [], "edges": []}, True
        )
    ],
    "api_estimate": [
        Probe(
            "POST",
            "/api/estimate",
            (401, 200, 200, 200, 200),
            {"format": "archboard/1", "nodes": [], "edges": []},
            True,
        )
    ],
    "api_render": [
        Probe(
            "POST",
            "/api/render?format=dot",
            (401, 200, 200, 200, 200),
            {"format": "archboard/1", "nodes": [], "edges": []},
            True,
        )
    ],
}


def _route_names(patterns: list[Any], prefix: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _route_names(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append((pattern.name or "", prefix + str(pattern.pattern)))
    return found


ROUTES = _route_names(get_resolver().url_patterns)


def test_every_route_is_in_the_matrix() -> None:
    missing = [f"{name or '(unnamed)'}: {route}" for name, route in ROUTES if name not in MATRIX]
    assert not missing, f"routes with no access-matrix row: {missing}"
    stale = sorted(set(MATRIX) - {name for name, _ in ROUTES})
    assert not stale, f"matrix rows for routes that no longer exist: {stale}"


@pytest.fixture
def world(board: Board, owner: Any, collaborator: Any, viewer: Any, outsider: Any) -> dict[str, Any]:
    board_rename(board=board, name="Second version", user=owner)
    board.refresh_from_db()
    thread = thread_create(board=board, user=owner, target="board", body="first")
    snapshot = history.snapshot_create(board=board, name="named", user=owner)
    _, link = sharing.link_create(board=board, user=owner)
    users = {"outsider": outsider, "viewer": viewer, "editor": collaborator, "owner": owner}
    tokens = {role: token_create(user=user, name="matrix") for role, user in users.items()}
    return {
        "users": users,
        "tokens": tokens,
        "fill": {"board": board.pk, "thread": thread.pk, "snapshot": snapshot.pk, "link": link},
    }


def _call(world: dict[str, Any], role: str, probe: Probe) -> int:
    fill = dict(world["fill"])
    fill["token_id"] = world["tokens"]["owner"][0].pk  # the owner's token: only the owner may revoke it
    path = probe.path.format(**fill)
    client = Client()
    kwargs: dict[str, Any] = {}
    if probe.json:
        import json

        if role != "anonymous":
            kwargs["headers"] = {"Authorization": f"Bearer {world['tokens'][role][1]}"}
        if probe.data is not None:
            kwargs.update(data=json.dumps(probe.data), content_type="application/json")
    else:
        if role != "anonymous":
            client.force_login(world["users"][role])
        if probe.data is not None:
            kwargs["data"] = probe.data
    return int(getattr(client, probe.method.lower())(path, **kwargs).status_code)


PROBES = [(name, i, probe) for name, probes in MATRIX.items() for i, probe in enumerate(probes)]


@pytest.mark.parametrize(("name", "index", "probe"), PROBES, ids=[f"{n}-{p.method}" for n, _, p in PROBES])
def test_each_role_gets_the_expected_status(world: dict[str, Any], name: str, index: int, probe: Probe) -> None:
    # From the fewest rights to the most, so a write that succeeds comes last.
    got = tuple(_call(world, role, probe) for role in ROLES)
    assert got == probe.expect, f"{probe.method} {probe.path}: got {dict(zip(ROLES, got, strict=True))}"
