"""No route answers hostile input with a 5xx (SPEC 11): every route of the URL conf (the access
matrix's probes, so a new route is covered as soon as it has its row) called by its owner with
hostile query strings, forms and JSON bodies, and the board left as it was."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.test_access_matrix import MATRIX, Probe, world  # noqa: F401 - `world` is a fixture
from whiteboard.boards.models import Board

QUERY = (
    "from=%ED%A0%80&to=-1&page=99999999999999999999999&scale=1e309&format=%00&layout=x%00"
    "&width=-5&background=%FF&target=node%3A%00&status=%00&q=%00&version=1e99&links=%00&since=NaN"
)

JSON_BODIES: list[bytes] = [
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"1e999",
    b"{",
    b"\xff\xfe\x00",
    b'{"a": "\\ud800"}',
    b'{"a": 1, "a": 2}',
    b"[" * 50_000 + b"]" * 50_000,
    json.dumps({"name": "x" * 2_500_000}).encode(),
    json.dumps({"version": 10**400, "board": {"format": "archboard/1", "nodes": [], "edges": []}}).encode(),
]


def _hostile_json(data: Any) -> list[bytes]:
    """The probe's own body with every string made hostile, plus the generic hostile bodies."""
    if not isinstance(data, dict):
        return JSON_BODIES
    text = json.dumps(data)
    bodies = [
        text.replace('"' + value + '"', '"\\ud800' + value + '"').encode()
        for value in {v for v in data.values() if isinstance(v, str)}
    ]
    return [*bodies, text.replace("{", '{"format": 1, "format": 2, ', 1).encode(), *JSON_BODIES]


FORMS: list[dict[str, Any]] = [
    {"name": "\x00", "text": "\x00", "target": "\x00", "status": "\x00", "version": "\x00", "who": "\x00"},
    {"name": "x" * 200_000, "text": "y" * 200_000, "note": "z" * 200_000},
    {"version": "-1", "user_id": "1e99", "link_id": "abc", "role": "owner", "action": "nonsense"},
    {"target": "node:" + "a" * 5000, "text": "hi", "reviewers": ["\x00", ""]},
    {},
]


def _fill(world: dict[str, Any], probe: Probe) -> str:  # noqa: F811
    fill = dict(world["fill"])
    fill["token_id"] = world["tokens"]["owner"][0].pk
    return probe.path.format(**fill)


PROBES = [(name, probe) for name, probes in MATRIX.items() for probe in probes]


@pytest.mark.parametrize(("name", "probe"), PROBES, ids=[f"{n}-{p.method}" for n, p in PROBES])
def test_hostile_input_never_gets_a_server_error(world: dict[str, Any], name: str, probe: Probe) -> None:  # noqa: F811
    owner = world["users"]["owner"]
    before = Board.objects.values_list("version", "document").get(pk=world["fill"]["board"])
    path = _fill(world, probe)
    joiner = "&" if "?" in path else "?"
    answers: list[tuple[str, int]] = []
    if probe.json:
        client = Client(headers={"Authorization": f"Bearer {world['tokens']['owner'][1]}"})
        call = getattr(client, probe.method.lower())
        answers.append(("query", call(path + joiner + QUERY).status_code))
        if probe.method in ("POST", "PUT"):
            for body in _hostile_json(probe.data):
                answers.append(
                    (body[:40].decode("latin-1"), call(path, data=body, content_type="application/json").status_code)
                )
    else:
        client = Client()
        client.force_login(owner)
        call = getattr(client, probe.method.lower())
        answers.append(("query", call(path + joiner + QUERY).status_code))
        if probe.method == "POST":
            for form in FORMS:
                answers.append((str(form)[:40], call(path, data=form).status_code))
    failed = [(what, status) for what, status in answers if status >= 500]
    assert not failed, failed
    if probe.method == "GET":  # reads, however hostile, change nothing
        assert Board.objects.values_list("version", "document").get(pk=world["fill"]["board"]) == before
