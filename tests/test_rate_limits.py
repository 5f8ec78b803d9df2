"""Rate limits: log-in per account and per address, API calls per token, board creation and
renders per user. Over the limit: 429 with Retry-After; everyone else goes on as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from tests.builders import board as build_board
from tests.builders import node
from tests.conftest import Api, _api_for
from whiteboard.boards.sharing import link_create
from whiteboard.limits import RateLimited, hit, parse_rate
from whiteboard.reviews.models import Comment


@pytest.fixture
def small_limits(settings: Any) -> dict[str, str]:
    settings.ARCHBOARD_RATE_LIMITS = {
        "login_account": "3/300",
        "login_ip": "5/300",
        "api_token": "5/60",
        "board_create": "2/60",
        "render": "2/60",
    }
    return settings.ARCHBOARD_RATE_LIMITS


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_parses_rates_and_switches_off_with_an_empty_value() -> None:
    assert parse_rate("10/60") is not None and parse_rate("10/60").count == 10  # type: ignore[union-attr]
    assert parse_rate("") is None and parse_rate(None) is None
    with pytest.raises(ValueError):
        parse_rate("ten per minute")


def test_the_defaults_are_generous(settings: Any) -> None:
    for scope, raw in settings.ARCHBOARD_RATE_LIMITS.items():
        rate = parse_rate(raw)
        assert rate is not None and rate.count / rate.seconds >= 10 / 300, scope


def test_hit_counts_per_key_and_says_when_to_come_back(small_limits: Any) -> None:
    hit("render", 1)
    hit("render", 1)
    with pytest.raises(RateLimited) as caught:
        hit("render", 1)
    assert 1 <= caught.value.retry_after <= 60
    hit("render", 2)  # another user is not affected


@pytest.mark.django_db
def test_failed_logins_are_limited_per_account_even_with_the_right_password(small_limits: Any, owner: Any) -> None:
    client = Client()
    for attempt in range(3):
        assert _login(client, "olivia", "wrong", ip=f"10.0.1.{attempt}").status_code == 200
    refused = _login(client, "olivia", "pw-olivia-123", ip="10.0.1.99")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert b"too many requests" in refused.content
    assert "_auth_user_id" not in client.session
    other = Client()
    assert _login(other, "carlos", "wrong", ip="10.0.2.1").status_code == 200  # other accounts unaffected


@pytest.mark.django_db
def test_failed_logins_are_limited_per_address_across_accounts(
    small_limits: Any, owner: Any, collaborator: Any
) -> None:
    client = Client()
    for name in ("a", "b", "c", "d", "e"):
        assert _login(client, name, "wrong", ip="10.0.3.1").status_code == 200
    assert _login(client, "carlos", "pw-carlos-123", ip="10.0.3.1").status_code == 429
    assert _login(Client(), "carlos", "pw-carlos-123", ip="10.0.3.2").status_code == 302


@pytest.mark.django_db
def test_successful_logins_do_not_count(small_limits: Any, owner: Any) -> None:
    for _ in range(6):
        assert _login(Client(), "olivia", "pw-olivia-123").status_code == 302


@pytest.mark.django_db
def test_api_calls_are_limited_per_token(small_limits: Any, owner: Any) -> None:
    api = _api_for(owner)
    for _ in range(5):
        assert api.get("/api/boards").status_code == 200
    refused = api.get("/api/boards")
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("too many requests")
    assert refused.json()["errors"] == []
    assert int(refused["Retry-After"]) > 0
    assert _api_for(owner).get("/api/boards").status_code == 200  # another token goes on


@pytest.mark.django_db
def test_board_creation_is_limited_per_user(small_limits: Any, owner_api: Api, collaborator_api: Api) -> None:
    doc = build_board([node("a")], [])
    assert owner_api.post("/api/boards", doc).status_code == 201
    assert owner_api.post("/api/boards", doc).status_code == 201
    refused = owner_api.post("/api/boards", doc)
    assert refused.status_code == 429 and "Retry-After" in refused
    assert collaborator_api.post("/api/boards", doc).status_code == 201


@pytest.mark.django_db
def test_board_creation_on_the_page_is_limited_with_a_message(small_limits: Any, owner: Any) -> None:
    client = Client()
    client.force_login(owner)
    for _ in range(2):
        assert client.post("/boards/new", {"name": "x"}).status_code == 302
    response = client.post("/boards/new", {"name": "x"}, follow=True)
    assert b"too many requests" in response.content
    assert owner.owned_boards.count() == 2


@pytest.mark.django_db
def test_renders_are_limited_per_user(small_limits: Any, owner_api: Api, collaborator_api: Api, board: Any) -> None:
    doc = build_board([node("a")], [])
    assert owner_api.post("/api/render?format=dot", doc).status_code == 200
    assert owner_api.get(f"/api/boards/{board.pk}/export.dot").status_code == 200
    refused = owner_api.post("/api/render?format=dot", doc)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert collaborator_api.get(f"/api/boards/{board.pk}/export.dot").status_code == 200


async def test_the_async_hit_for_websocket_connections_limits_per_connection(small_limits: Any) -> None:
    from whiteboard.limits import ahit

    small_limits["ws_op"] = "2/10"
    await ahit("ws_op", "conn-1")
    await ahit("ws_op", "conn-1")
    with pytest.raises(RateLimited):
        await ahit("ws_op", "conn-1")
    await ahit("ws_op", "conn-2")


@pytest.fixture
def cache_down() -> Any:
    """A Redis cache on a loopback port where nothing listens: every cache call fails at once.

    Its own override (not the `settings` fixture), so the working cache is back before the
    autouse fixture clears the counters."""
    import socket

    from django.test import override_settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    broken = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    with override_settings(CACHES={"default": broken}):
        yield


def test_the_limits_fail_open_with_a_warning_when_the_cache_is_down(
    small_limits: Any, cache_down: None, caplog: Any
) -> None:
    from whiteboard import limits

    limits._last_cache_warning = 0.0
    with caplog.at_level("WARNING", logger="whiteboard.limits"):
        for _ in range(10):  # well over api_token's 5/60: nothing counts, nothing is refused
            hit("api_token", "tok")
        limits.check("login_account", "someone")
        limits.reset("login_account", "someone")
    warnings = [r for r in caplog.records if "the cache failed" in r.getMessage()]
    assert len(warnings) == 1  # one warning, not one per request


def test_log_in_and_the_api_keep_working_while_the_cache_is_down(
    small_limits: Any, cache_down: None, owner: Any, owner_api: Api
) -> None:
    assert _login(Client(), "olivia", "pw-olivia-123").status_code == 302
    for _ in range(7):  # over api_token's limit of 5: served, not 429 and not 500
        assert owner_api.get("/api/boards").status_code == 200


@pytest.mark.django_db
def test_every_spelling_of_a_locked_account_shares_its_limit(small_limits: Any, owner: Any) -> None:
    # Django's log-in form NFKC-normalises the name: the fullwidth "ｏｌｉｖｉａ" is olivia.
    spellings = ["olivia", "ＯＬＩＶＩＡ", "ｏｌｉｖｉａ"]
    for i, spelling in enumerate(spellings):
        assert _login(Client(), spelling, "wrong", ip=f"10.0.7.{i}").status_code == 200
    for spelling in ["ｏｌｉｖｉａ", "Olivia", "olivia"]:
        refused = _login(Client(), spelling, "pw-olivia-123", ip="10.0.7.99")
        assert refused.status_code == 429, spelling


@pytest.mark.django_db
def test_sign_ups_are_limited_per_address(small_limits: Any) -> None:
    small_limits["signup_ip"] = "3/3600"
    for i in range(3):
        created = Client().post(
            "/accounts/signup/",
            {"username": f"new{i}", "password1": "a-Long-pass-phrase-9", "password2": "a-Long-pass-phrase-9"},
            REMOTE_ADDR="10.0.8.1",
        )
        assert created.status_code == 302
    fields = {"username": "new9", "password1": "a-Long-pass-phrase-9", "password2": "a-Long-pass-phrase-9"}
    refused = Client().post("/accounts/signup/", fields, REMOTE_ADDR="10.0.8.1")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert b"too many requests" in refused.content
    assert not User.objects.filter(username="new9").exists()
    assert Client().post("/accounts/signup/", fields, REMOTE_ADDR="10.0.8.2").status_code == 302


@pytest.mark.django_db
def test_sign_up_keeps_working_while_the_cache_is_down(small_limits: Any, cache_down: None) -> None:
    small_limits["signup_ip"] = "1/3600"
    for i in range(3):
        fields = {"username": f"down{i}", "password1": "a-Long-pass-phrase-9", "password2": "a-Long-pass-phrase-9"}
        assert Client().post("/accounts/signup/", fields, REMOTE_ADDR="10.0.8.3").status_code == 302


@pytest.mark.django_db
def test_comments_are_limited_per_user_on_the_api_and_the_page(
    small_limits: Any, board: Any, owner: Any, owner_api: Api, collaborator_api: Api
) -> None:
    small_limits["comment"] = "2/60"
    path = f"/api/boards/{board.pk}/comments"
    assert owner_api.post(path, {"target": "board", "text": "one"}).status_code == 201
    thread = owner_api.get(path).json()["items"][0]["id"]
    assert owner_api.post(f"{path}/{thread}/replies", {"text": "two"}).status_code == 201
    refused = owner_api.post(path, {"target": "board", "text": "three"})
    assert refused.status_code == 429 and refused.json()["detail"].startswith("too many requests")
    page = Client()
    page.force_login(owner)
    assert page.post(f"/boards/{board.pk}/comments", {"target": "board", "text": "four"}).status_code == 429
    assert page.post(f"/boards/{board.pk}/comments/{thread}/reply", {"text": "five"}).status_code == 429
    assert collaborator_api.post(path, {"target": "board", "text": "others go on"}).status_code == 201
    assert Comment.objects.filter(thread__board=board).count() == 3


@pytest.mark.django_db
def test_every_picture_and_layout_counts_against_the_render_budget(
    small_limits: Any, board: Any, owner: Any, owner_api: Api, collaborator_api: Api
) -> None:
    """Exports, diff pictures, version pictures, shared-link pictures and the auto-layout all run
    graphviz: each counts, wherever it is asked for."""
    small_limits["render"] = "1/60"
    page = Client()
    page.force_login(owner)
    _, token = link_create(board=board, user=owner)
    asks = [
        lambda: owner_api.get(f"/api/boards/{board.pk}/export.svg"),
        lambda: owner_api.get(f"/api/boards/{board.pk}/diff.svg?from=1&to=1"),
        lambda: page.get(f"/boards/{board.pk}/versions/1/image.svg"),
        lambda: page.get(f"/boards/{board.pk}/layout"),
    ]
    for first in range(len(asks)):
        cache.clear()
        assert asks[first]().status_code == 200, first
        for other, ask in enumerate(asks):
            assert ask().status_code == 429, (first, other)
    cache.clear()
    anonymous = Client()
    assert anonymous.get(f"/s/{token}/image.svg", REMOTE_ADDR="10.0.9.1").status_code == 200
    assert anonymous.get(f"/s/{token}/image.svg", REMOTE_ADDR="10.0.9.1").status_code == 429
    assert anonymous.get(f"/s/{token}/image.svg", REMOTE_ADDR="10.0.9.2").status_code == 200
    assert collaborator_api.get(f"/api/boards/{board.pk}/export.svg").status_code == 200
