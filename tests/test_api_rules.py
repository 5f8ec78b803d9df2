"""`GET /api/rules`: the rules, the settings `review.rules` takes and the policy grammar, as the
editor reads them; and the OpenAPI description of `review.rules` and `review.policies`."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from django.test import Client

from whiteboard.domain.board import BoardError, validate_board
from whiteboard.domain.review import RULES

pytestmark = pytest.mark.django_db


def rules_json() -> dict[str, Any]:
    answer = Client().get("/api/rules")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    return answer.json()


def test_it_refuses_a_write():
    assert Client().post("/api/rules", data="{}", content_type="application/json").status_code == 405


def test_it_lists_every_rule_with_its_documentation_and_page():
    listed = {r["id"]: r for r in rules_json()["rules"]}
    assert set(listed) == set(RULES)
    guard = listed["untrusted-input-without-guardrail"]
    assert guard["category"] == "ai" and guard["severity"] == "warning" and not guard["core"]
    assert "OWASP LLM01:2025 Prompt Injection" in guard["references"]
    assert guard["why"] and guard["fix"] and guard["example"]
    assert guard["url"] == "http://testserver/rules/untrusted-input-without-guardrail/"


def test_it_gives_the_settings_and_the_policy_limits():
    body = rules_json()
    assert body["settings"] == ["off", "info", "warning", "error"]
    assert body["policies"]["max"] == 50 and body["policies"]["prefix"] == "policy:"


POLICIES = [
    ({"id": "a", "forbid": {"from": {"kind": ["agent"]}, "to": {"category": ["data"]}}}, True),
    (
        {
            "id": "b",
            "severity": "error",
            "require": {"from": {}, "to": {"kind": ["llm"]}, "through": {"kind": ["guardrail"]}},
        },
        True,
    ),
    (
        {
            "id": "c",
            "message": "HA",
            "limit": {"select": {"tech": ["postgresql"], "group": ["core"]}, "min_replicas": 2},
        },
        True,
    ),
    ({"id": "d", "forbid": {"from": {}, "to": {}, "direct": False}}, True),
    ({"id": "e", "limit": {"select": {}, "min_replicas": 2}, "forbid": {"from": {}, "to": {}}}, False),
    ({"id": "f"}, False),
    ({"id": "G", "limit": {"select": {}, "min_replicas": 2}}, False),
    ({"id": "h", "forbid": {"from": {"kind": ["vectordb"]}, "to": {}}}, False),
    ({"id": "i", "require": {"from": {}, "to": {}}}, False),
    ({"id": "j", "limit": {"select": {}, "min_replicas": 0}}, False),
    ({"id": "k", "severity": "fatal", "limit": {"select": {}, "min_replicas": 2}}, False),
]


@pytest.mark.parametrize(("policy", "valid"), POLICIES, ids=[p["id"] for p, _ in POLICIES])
def test_the_served_policy_schema_accepts_exactly_what_the_board_accepts(policy: dict[str, Any], valid: bool):
    schema = rules_json()["policies"]["schema"]
    assert jsonschema.Draft202012Validator(schema).is_valid(policy) is valid
    doc = {
        "format": "archboard/1",
        "nodes": [],
        "edges": [],
        "groups": [{"id": "core"}],
        "review": {"policies": [policy]},
    }
    try:
        validate_board(doc)
        accepted = True
    except BoardError:
        accepted = False
    assert accepted is valid


def test_the_openapi_board_describes_rule_settings_and_policies():
    document = Client().get("/api/openapi.json").json()
    review = document["components"]["schemas"]["Board"]["properties"]["review"]["properties"]
    assert review["policies"]["items"] == document["components"]["schemas"]["Policy"]
    assert review["rules"]["additionalProperties"] == {"enum": ["off", "info", "warning", "error"]}
    assert document["components"]["schemas"]["Policy"] == rules_json()["policies"]["schema"]
    assert "/api/rules" in document["paths"]
