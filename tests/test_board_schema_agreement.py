"""The published JSON Schema of a board (OpenAPI `Board`, the MCP tools' input schema) and the
validator agree on every shape rule: one corpus goes to both, and each document is accepted by
both or refused by both.

Shape rules are what JSON Schema can say about one value in its place: types, lengths, ranges,
enums, required and unknown keys, item counts, a node's technology against its kind. The rules
that relate values (ids unique, edges to existing nodes, no self-loop, group nesting, policy
ids unique, a node's technology among its kind's) are the validator's alone; no document here
breaks one. Bad text (NUL, lone
surrogates) and repeated keys are refused by the JSON parser before either sees a document.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from tests.builders import sample_board
from whiteboard.domain import board as spec
from whiteboard.domain.board import BoardError, validate_board
from whiteboard.domain.board_schema import board_schema
from whiteboard.domain.estimate import ESTIMATE_PROPS
from whiteboard.domain.palette import KINDS

SCHEMA = Draft202012Validator(board_schema())


def _valid_board() -> dict[str, Any]:
    doc = sample_board()  # its groups: "edge", holding the gateway
    doc["review"] = {
        "suppress": [{"rule": "orphan-component", "target": doc["nodes"][0]["id"], "reason": "ok"}],
        "rules": {"missing-monitoring": "off"},
        "policies": [{"id": "no-db", "forbid": {"from": {"category": ["client"]}, "to": {"category": ["data"]}}}],
    }
    return validate_board(doc)


BASE = _valid_board()


def verdicts(doc: Any) -> tuple[bool, bool, str]:
    schema_ok = SCHEMA.is_valid(doc)
    try:
        validate_board(doc)
        validator_ok, why = True, ""
    except BoardError as exc:
        validator_ok, why = False, str(exc)
    return schema_ok, validator_ok, why


def assert_agree(doc: Any, what: str) -> None:
    schema_ok, validator_ok, why = verdicts(doc)
    schema_errors = [] if schema_ok else [e.message[:120] for e in SCHEMA.iter_errors(doc)][:3]
    assert schema_ok == validator_ok, (
        f"{what}: the schema {'accepts' if schema_ok else 'refuses'} it {schema_errors}, "
        f"the validator {'accepts' if validator_ok else 'refuses'} it {why[:300]}"
    )


def test_the_corpus_base_board_is_valid_for_both() -> None:
    assert verdicts(BASE)[:2] == (True, True)


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        target = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        target = doc
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


NODE, EDGE, GROUP = ("nodes", 0), ("edges", 0), ("groups", 0)
POLICY = ("review", "policies", 0)
A_TECH_OF = {kind: info.techs[0] for kind, info in KINDS.items() if info.techs}
ANOTHER_KINDS_TECH = next(
    tech
    for kind, techs in ((k, v.techs) for k, v in KINDS.items())
    for tech in techs
    if tech not in KINDS["cache"].techs
)

# Each case: a name and the change made to the valid base board. Both verdicts must agree; the
# comment says what the validator answers, for a reader of a failure.
CORPUS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("unknown top-level key", _set(("colour",), "red")),
    ("format missing", _drop(("format",))),
    ("another format", _set(("format",), "archboard/2")),
    ("name at its limit", _set(("name",), "n" * spec.MAX_NAME)),
    ("name over its limit", _set(("name",), "n" * (spec.MAX_NAME + 1))),
    ("name a number", _set(("name",), 3)),
    ("description over its limit", _set(("description",), "d" * (spec.MAX_DESCRIPTION + 1))),
    ("direction unknown", _set(("direction",), "up")),
    ("nodes missing", _drop(("nodes",))),
    ("nodes an object", _set(("nodes",), {})),
    ("groups null", _set(("groups",), None)),
    ("a node not an object", _set(("nodes", 0), "node")),
    ("a node without a kind", _drop((*NODE, "kind"))),
    ("a node of an unknown kind", _set((*NODE, "kind"), "vectordb")),
    ("a node id with a space", _set((*NODE, "id"), "bad id")),
    ("a node id of 65 characters", _set((*NODE, "id"), "i" * 65)),
    ("a node id ending in a newline", _set((*NODE, "id"), "users\n")),
    ("an empty node id", _set((*NODE, "id"), "")),
    ("a node label over its limit", _set((*NODE, "label"), "l" * (spec.MAX_LABEL + 1))),
    ("a node with an unknown key", _set((*NODE, "color"), "red")),
    ("x at its limit", _set((*NODE, "x"), spec.MAX_COORD)),
    ("x over its limit", _set((*NODE, "x"), spec.MAX_COORD * 1.5)),
    ("x a string", _set((*NODE, "x"), "10")),
    ("x a boolean", _set((*NODE, "x"), True)),
    ("a node's group null", _set((*NODE, "group"), None)),
    ("a node's group a number", _set((*NODE, "group"), 7)),
    ("props not an object", _set((*NODE, "props"), [])),
    ("a custom prop string at its limit", _set((*NODE, "props", "owner"), "o" * spec.MAX_PROP_STRING)),
    ("a custom prop string over its limit", _set((*NODE, "props", "owner"), "o" * (spec.MAX_PROP_STRING + 1))),
    ("a custom prop number at its limit", _set((*NODE, "props", "cost"), spec.MAX_PROP_NUMBER)),
    ("a custom prop number over its limit", _set((*NODE, "props", "cost"), 1e16)),
    ("a custom prop negative number over its limit", _set((*NODE, "props", "cost"), -1e16)),
    ("a custom prop an array", _set((*NODE, "props", "tags"), ["a"])),
    ("a custom prop an object", _set((*NODE, "props", "meta"), {"a": 1})),
    ("a custom prop null", _set((*NODE, "props", "owner"), None)),
    ("a prop name of 64 characters", _set((*NODE, "props", "k" * spec.MAX_PROP_KEY), 1)),
    ("a prop name of 65 characters", _set((*NODE, "props", "k" * (spec.MAX_PROP_KEY + 1)), 1)),
    ("a prop name of 100 characters", _set((*NODE, "props", "k" * 100), 1)),
    ("an empty prop name", _set((*NODE, "props", ""), 1)),
    ("too many props", _set((*NODE, "props"), {f"p{i}": i for i in range(spec.MAX_PROPS + 1)})),
    ("as many props as allowed", _set((*NODE, "props"), {f"p{i}": i for i in range(spec.MAX_PROPS)})),
    ("replicas 0", _set((*NODE, "props", "replicas"), 0)),
    ("replicas 1000", _set((*NODE, "props", "replicas"), 1000)),
    ("replicas 1001", _set((*NODE, "props", "replicas"), 1001)),
    ("replicas 2.5", _set((*NODE, "props", "replicas"), 2.5)),
    ("replicas true", _set((*NODE, "props", "replicas"), True)),
    ("an unknown protocol", _set((*EDGE, "props", "protocol"), "smtp")),
    ("async a string", _set((*EDGE, "props", "async"), "yes")),
    ("public a number", _set((*NODE, "props", "public"), 1)),
    ("an unknown write policy", _set((*NODE, "props", "write_policy"), "sometimes")),
    ("notes a number", _set((*NODE, "props", "notes"), 5)),
    ("notes over the prop string limit", _set((*NODE, "props", "notes"), "n" * (spec.MAX_PROP_STRING + 1))),
    ("an edge route unknown", _set((*EDGE, "props", "route"), "zigzag")),
    ("an edge route known", _set((*EDGE, "props", "route"), "orthogonal")),
    ("a node prop named route is a custom prop", _set((*NODE, "props", "route"), 5)),
    ("an edge prop named tech is a custom prop", _set((*EDGE, "props", "tech"), 5)),
    ("a group prop named tech is a custom prop", _set((*GROUP, "props", "tech"), 5)),
    ("a node's tech a number", _set((*NODE, "props", "tech"), 5)),
    ("an edge without a source", _drop((*EDGE, "source"))),
    ("an edge with an unknown key", _set((*EDGE, "weight"), 3)),
    ("an edge label over its limit", _set((*EDGE, "label"), "l" * (spec.MAX_LABEL + 1))),
    ("a group without an id", _drop((*GROUP, "id"))),
    ("a group parent a number", _set((*GROUP, "parent"), 3)),
    ("a group label over its limit", _set((*GROUP, "label"), "l" * (spec.MAX_LABEL + 1))),
    ("review not an object", _set(("review",), [])),
    ("review with an unknown key", _set(("review", "mute"), [])),
    ("a suppression without a rule", _drop(("review", "suppress", 0, "rule"))),
    ("a suppression of an empty rule", _set(("review", "suppress", 0, "rule"), "")),
    ("a suppression of a 64-character rule id", _set(("review", "suppress", 0, "rule"), "r" * 64)),
    ("a suppression of a 65-character rule id", _set(("review", "suppress", 0, "rule"), "r" * 65)),
    ("a suppression of a policy rule id", _set(("review", "suppress", 0, "rule"), "policy:" + "p" * 64)),
    ("a suppression of a too long policy rule id", _set(("review", "suppress", 0, "rule"), "policy:" + "p" * 65)),
    ("a suppression target null", _set(("review", "suppress", 0, "target"), None)),
    ("a suppression target not an id", _set(("review", "suppress", 0, "target"), "no such id!")),
    ("a suppression reason over its limit", _set(("review", "suppress", 0, "reason"), "r" * (spec.MAX_REASON + 1))),
    ("a suppression with an unknown key", _set(("review", "suppress", 0, "until"), "friday")),
    (
        "as many suppressions as allowed",
        _set(("review", "suppress"), [{"rule": "orphan-component"}] * spec.MAX_SUPPRESSIONS),
    ),
    (
        "too many suppressions",
        _set(("review", "suppress"), [{"rule": "orphan-component"}] * (spec.MAX_SUPPRESSIONS + 1)),
    ),
    ("a rule setting unknown", _set(("review", "rules", "orphan-component"), "loud")),
    ("a rule setting for a 65-character rule id", _set(("review", "rules", "r" * 65), "off")),
    ("a rule setting for an empty rule id", _set(("review", "rules", ""), "off")),
    ("a rule setting for a policy", _set(("review", "rules", "policy:no-db"), "error")),
    ("too many rule settings", _set(("review", "rules"), {f"r{i}": "off" for i in range(spec.MAX_RULE_SETTINGS + 1)})),
    ("a policy without an id", _drop((*POLICY, "id"))),
    ("a policy id in capitals", _set((*POLICY, "id"), "No-DB")),
    ("a policy id with a capital inside", _set((*POLICY, "id"), "no-dB-here")),
    ("a policy id of 65 characters", _set((*POLICY, "id"), "p" * 65)),
    ("a policy of an unknown severity", _set((*POLICY, "severity"), "fatal")),
    ("a policy message over its limit", _set((*POLICY, "message"), "m" * (spec.MAX_REASON + 1))),
    ("a policy of two shapes", _set((*POLICY, "limit"), {"select": {}, "min_replicas": 2})),
    ("a policy of no shape", _drop((*POLICY, "forbid"))),
    ("a policy with an unknown key", _set((*POLICY, "owner"), "me")),
    ("a forbid without a to", _drop((*POLICY, "forbid", "to"))),
    ("a forbid direct a string", _set((*POLICY, "forbid", "direct"), "no")),
    ("a selector of an unknown kind", _set((*POLICY, "forbid", "from", "kind"), ["vectordb"])),
    ("a selector of an unknown category", _set((*POLICY, "forbid", "from", "category"), ["stuff"])),
    ("a selector of an unknown tech", _set((*POLICY, "forbid", "from", "tech"), ["cobol"])),
    ("a selector with an unknown key", _set((*POLICY, "forbid", "from", "label"), ["x"])),
    ("a selector list too long", _set((*POLICY, "forbid", "from", "kind"), ["llm"] * (spec.MAX_SELECTOR_ITEMS + 1))),
    ("a selector not an object", _set((*POLICY, "forbid", "from"), ["llm"])),
    ("a limit policy", _set(POLICY, {"id": "two", "limit": {"select": {"kind": ["llm"]}, "min_replicas": 2}})),
    ("a limit of 0 replicas", _set(POLICY, {"id": "two", "limit": {"select": {}, "min_replicas": 0}})),
    ("a limit without min_replicas", _set(POLICY, {"id": "two", "limit": {"select": {}}})),
    (
        "a require policy",
        _set(
            POLICY, {"id": "gw", "require": {"from": {}, "to": {"kind": ["llm"]}, "through": {"kind": ["guardrail"]}}}
        ),
    ),
    (
        "too many policies",
        _set(
            ("review", "policies"),
            [{"id": f"p{i}", "limit": {"select": {}, "min_replicas": 1}} for i in range(spec.MAX_POLICIES + 1)],
        ),
    ),
]

# A technology for each kind that has some.
for _kind, _tech in sorted(A_TECH_OF.items()):
    CORPUS.append(
        (f"a {_kind} with its tech {_tech}", _set(NODE, {"id": "users", "kind": _kind, "props": {"tech": _tech}}))
    )
# Every estimate prop at, inside and outside its range, on its element and on the other one.
for _key, _prop in sorted(ESTIMATE_PROPS.items()):
    _place = NODE if _prop.element == "node" else EDGE
    _other = EDGE if _prop.element == "node" else NODE
    for _value in (
        _prop.low,
        _prop.high,
        _prop.high * 2 + 1,
        _prop.low - 1,
        (_prop.low + _prop.high) / 2,
        "fast",
        True,
    ):
        CORPUS.append((f"{_key} = {_value!r}", _set((*_place, "props", _key), _value)))
        CORPUS.append((f"{_key} = {_value!r} on the other element", _set((*_other, "props", _key), _value)))
    CORPUS.append((f"{_key} on a group", _set((*GROUP, "props", _key), -5)))
CORPUS.append(
    (
        "an llm's estimate props",
        _set(NODE, {"id": "users", "kind": "llm", "props": {"ttft_ms": 200, "output_tokens": 300}}),
    )
)


@pytest.mark.parametrize("case", range(len(CORPUS)), ids=[name for name, _ in CORPUS])
def test_the_published_schema_and_the_validator_agree(case: int) -> None:
    name, change = CORPUS[case]
    doc = copy.deepcopy(BASE)
    change(doc)
    assert_agree(doc, name)


# Random values in random places: every field of the base board that holds a value (ids and the
# references between elements left alone), given a value drawn from what clients send.
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**17), 10**17),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, 1000, 1001, 1e15, 1e16, -1e7, 1e7, 1e7 + 1, 0.5, 2.5]),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=5),
    st.integers(0, 3).map(lambda k: "x" * [64, 65, 200, 2001][k]),
    st.sampled_from([*sorted(KINDS), "https", "sse", "smtp", "LR", "up", "off", "loud", "redis", "orthogonal"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["a", "kind", "id"]), st.integers(), max_size=2),
)
KEYS = st.one_of(
    st.sampled_from(["label", "name", "props", "x", "y", "kind", "group", "parent", "direction", "description"]),
    st.sampled_from(["replicas", "protocol", "async", "public", "notes", "route", "write_policy", "custom"]),
    st.sampled_from(sorted(ESTIMATE_PROPS)),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=3),
    st.just("k" * 65),
)
REFERENCES = {"id", "source", "target", "group", "parent"}


def _places(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Paths to every object of the base board where a key may be set."""
    places: list[tuple[Any, ...]] = [()]
    for section in ("nodes", "edges", "groups"):
        for i, _ in enumerate(doc[section]):
            places += [(section, i), (section, i, "props")]
    places += [
        ("review",),
        ("review", "suppress", 0),
        ("review", "rules"),
        POLICY,
        (*POLICY, "forbid"),
        (*POLICY, "forbid", "from"),
    ]
    return places


PLACES = _places(BASE)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_values_in_random_places_get_the_same_verdict(data: st.DataObject) -> None:
    doc = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 3))):
        place = data.draw(st.sampled_from(PLACES))
        key = data.draw(KEYS)
        if key in REFERENCES:
            continue  # what a reference points to is the validator's alone
        target = doc
        for step in place:
            target = target[step]
        value = data.draw(VALUES)
        if not isinstance(target, dict) or (isinstance(value, float) and value.is_integer()):
            continue  # 2.0: see the next test
        target[key] = value
    assert_agree(doc, "the changed board")


def test_the_one_difference_json_schema_cannot_express_is_an_integral_float() -> None:
    """JSON Schema counts 2.0 as an integer; SPEC asks for an integer number of replicas, and the
    validator refuses 2.0 there (the schema module says so)."""
    doc = copy.deepcopy(BASE)
    doc["nodes"][1]["props"]["replicas"] = 2.0
    schema_ok, validator_ok, why = verdicts(doc)
    assert (schema_ok, validator_ok) == (True, False)
    assert why == "nodes[1].props.replicas: replicas must be an integer from 1 to 1000, not 2.0"


def test_a_technology_of_another_kind_is_the_validators_to_refuse() -> None:
    """A node's tech against its kind relates two values: the schema lists every technology, the
    validator refuses one of another kind, where it is."""
    doc = copy.deepcopy(BASE)
    doc["nodes"][0] = {"id": "users", "kind": "cache", "props": {"tech": ANOTHER_KINDS_TECH}}
    schema_ok, validator_ok, why = verdicts(doc)
    assert (schema_ok, validator_ok) == (True, False)
    assert why.startswith(f"nodes[0].props.tech: unknown tech {ANOTHER_KINDS_TECH!r} for kind 'cache'")
