"""The strict screen in front of the MCP SDK (whiteboard/mcp/screen.py): pure, no server."""

from __future__ import annotations

import json

from whiteboard.mcp.screen import refusal, screen

LIMIT = 10_000


def tool_call(arguments: str, params_extra: str = "") -> bytes:
    return f'{{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{{"name":"x"{params_extra},"arguments":{arguments}}}}}'.encode()


def test_a_clean_message_goes_on_unchanged():
    message = tool_call('{"label": "Überweisung ✓", "n": 1}')
    screened = screen(message, limit=LIMIT)
    assert screened.text is message and screened.held == [] and screened.refused == []


def test_a_tool_call_with_bad_arguments_goes_on_without_them_and_its_problems_are_held():
    screened = screen(tool_call('{"a": {"b": "x\\u0000", "c": 1, "c": 2}}'), limit=LIMIT)
    assert screened.text is not None
    assert json.loads(screened.text)["params"] == {"name": "x", "arguments": {}}
    assert screened.request_id == 5
    assert screened.held == [
        {"loc": "a", "msg": 'repeated key "c": an object may name each key once'},
        {"loc": "a.b", "msg": "invalid text: a NUL character (\\u0000) at character 2 is not allowed"},
    ]


def test_a_tool_call_over_the_size_limit_is_held_as_a_whole():
    screened = screen(tool_call(json.dumps({"text": "x" * LIMIT})), limit=LIMIT)
    assert screened.text is not None and json.loads(screened.text)["params"]["arguments"] == {}
    [problem] = screened.held
    assert (
        problem["loc"] == ""
        and problem["msg"].startswith("message is ")
        and "the limit is 10000 bytes" in problem["msg"]
    )


def test_bad_text_outside_a_tool_calls_arguments_refuses_the_message():
    screened = screen(tool_call("{}", params_extra=',"name":"y"'), limit=LIMIT)
    assert screened.text is None
    assert refusal(screened) == {
        "jsonrpc": "2.0",
        "id": 5,
        "error": {
            "code": -32600,
            "message": 'invalid request: params: repeated key "name": an object may name each key once',
            "data": {"errors": [{"loc": "params", "msg": 'repeated key "name": an object may name each key once'}]},
        },
    }


def test_text_that_is_not_json_is_left_to_the_sdks_parse_error():
    for raw in (b"{not json", b"[" * 5000 + b"]" * 5000, b"\xff\xfe"):
        assert screen(raw, limit=LIMIT).text is raw
