"""The one strict JSON parser every interface uses (whiteboard/domain/jsontext.py)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from whiteboard.domain.board import parse_board_json, validate_board
from whiteboard.domain.errors import BoardError
from whiteboard.domain.jsontext import find_problems, loads, repaired, text_problem

LIMIT = 1 << 20


def errors_of(raw: bytes | str) -> list[dict[str, str]]:
    with pytest.raises(BoardError) as caught:
        loads(raw, limit=LIMIT)
    return caught.value.errors


def test_a_lone_surrogate_escape_is_refused_where_it_is() -> None:
    raw = '{"nodes": [{"id": "a", "label": "ok"}, {"id": "b", "label": "x\\ud800y"}]}'
    assert errors_of(raw) == [
        {
            "loc": "nodes[1].label",
            "msg": "invalid text: a lone UTF-16 surrogate (\\ud800) at character 2 is not Unicode",
        }
    ]


def test_a_low_surrogate_alone_and_a_reversed_pair_are_refused() -> None:
    assert errors_of('{"a": "\\udc00"}')[0]["loc"] == "a"
    assert errors_of('{"a": "\\ude00\\ud83d"}')[0]["loc"] == "a"


def test_a_surrogate_pair_is_one_valid_character() -> None:
    assert loads('{"a": "\\ud83d\\ude00"}', limit=LIMIT) == {"a": "😀"}


def test_nul_is_refused_escaped_or_in_a_key() -> None:
    assert errors_of('{"a": ["ok", "x\\u0000"]}') == [
        {"loc": "a[1]", "msg": "invalid text: a NUL character (\\u0000) at character 2 is not allowed"}
    ]
    (problem,) = errors_of('{"props": {"k\\u0000": 1}}')
    assert problem["loc"] == "props.k\\u0000" and problem["msg"].startswith("the key has invalid text")


def test_an_error_message_never_carries_the_invalid_text_itself() -> None:
    problems = errors_of('{"\\ud800": {"\\udfff": "\\ud800"}}')
    assert len(problems) == 3
    for problem in problems:
        (problem["loc"] + problem["msg"]).encode("utf-8")  # would raise on a lone surrogate


def test_raw_utf8_encoded_surrogates_are_not_utf8() -> None:
    # json.loads would decode these bytes with "surrogatepass" into a lone surrogate.
    assert errors_of(b'{"a": "\xed\xa0\x80"}') == [{"loc": "body", "msg": "the text is not valid UTF-8 (byte 8)"}]


def test_a_repeated_key_is_refused_at_its_object() -> None:
    assert errors_of('{"nodes": [{"id": "a", "kind": "service", "kind": "llm"}]}') == [
        {"loc": "nodes[0]", "msg": 'repeated key "kind": an object may name each key once'}
    ]
    assert errors_of('{"format": "a", "format": "a"}')[0]["loc"] == ""


def test_every_repeated_key_is_named_once() -> None:
    assert [p["msg"] for p in errors_of('{"a": 1, "b": 2, "a": 3, "b": 4, "a": 5}')] == [
        'repeated key "a": an object may name each key once',
        'repeated key "b": an object may name each key once',
    ]
    assert len(find_problems(loads('{"x": {"a": 1}}', limit=LIMIT))) == 0


def test_malformed_oversized_and_non_finite_input_is_about_the_body() -> None:
    assert errors_of("{")[0]["loc"] == "body"
    assert "finite" in errors_of('{"a": NaN}')[0]["msg"]
    with pytest.raises(BoardError) as caught:
        loads(b"[" + b"1," * 600 + b"1]", limit=1000)
    assert caught.value.errors[0] == {
        "loc": "body",
        "msg": "document is 1203 bytes, the limit is 1000 bytes",
    }


def test_deep_nesting_is_refused_or_walked_without_recursion() -> None:
    assert "nested too deeply" in errors_of("[" * 100_000 + "]" * 100_000)[0]["msg"]
    deep = "[" * 500 + '"\\u0000"' + "]" * 500
    assert errors_of(deep)[0]["loc"] == "[0]" * 500


def test_a_board_with_bad_text_is_refused_whole_by_the_validator_too() -> None:
    doc = {
        "format": "archboard/1",
        "name": "n\x00",
        "nodes": [{"id": "a", "kind": "service", "label": "\ud800"}],
        "edges": [],
        "groups": [{"id": "g", "label": "ok", "props": {"k\udc80": 1, "note": "\x00"}}],
    }
    with pytest.raises(BoardError) as caught:
        validate_board(doc)
    assert [e["loc"] for e in caught.value.errors] == [
        "name",
        "nodes[0].label",
        "groups[0].props",
        "groups[0].props.note",
    ]


def test_the_board_parser_locates_text_problems_in_the_document() -> None:
    with pytest.raises(BoardError) as caught:
        parse_board_json(
            '{"format": "archboard/1", "nodes": [{"id": "a", "kind": "service", "label": "\\ud800"}], "edges": []}'
        )
    assert caught.value.errors[0]["loc"] == "nodes[0].label"


def test_repair_replaces_bad_text_everywhere_and_says_so() -> None:
    value = {"name": "a\x00", "nodes": [{"label": "\ud800b", "props": {"k\udc00": "v"}}], "n": 1}
    fixed, changed = repaired(value)
    assert changed
    assert fixed == {"name": "a\ufffd", "nodes": [{"label": "\ufffdb", "props": {"k\ufffd": "v"}}], "n": 1}
    assert repaired(fixed) == (fixed, False)
    json.dumps(fixed, ensure_ascii=False).encode("utf-8")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_json_of_valid_text_reads_as_json_loads_reads_it_and_any_nul_is_refused(value: object) -> None:
    raw = json.dumps(value, ensure_ascii=False).encode("utf-8")
    if any(text_problem(s) for s in _strings(value)):
        with pytest.raises(BoardError):
            loads(raw, limit=LIMIT)
    else:
        assert loads(raw, limit=LIMIT) == json.loads(raw)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    return []
