"""JSON text as every interface receives it (REST bodies, WebSocket messages, files of the CLI).

One parser for all of them, stricter than `json.loads` in the three ways that let hostile text
through (SPEC section 1 and 11):
- **Invalid Unicode.** `json.loads` turns the escape `"\\ud800"` into a lone surrogate, and
  decodes raw bytes with `surrogatepass`; such a string cannot be encoded as UTF-8 again, so it
  fails later, far from its source, in every export and every socket that receives it. NUL
  (`"\\u0000"`) is refused too: PostgreSQL cannot store it in text.
- **Repeated keys.** `{"label": "a", "label": "b"}` is last-one-wins here and first-one-wins in
  other readers, so two programs would see two different boards.
- **Non-finite numbers** (`NaN`, `Infinity`) are not JSON.

Each problem is reported with its place (`nodes[3].label`), as board errors are. Well-formed
input pays for one scan of the text with a regular expression and a cheap hook per object; the
walk that locates a problem runs only when that scan or hook has found something.
"""

from __future__ import annotations

import json
import re
from typing import Any

from whiteboard.domain.errors import BoardError

# A lone surrogate or NUL in a decoded string.
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
# Escapes that may decode to one of those (a surrogate pair decodes to one valid character, so
# this only says "look closer"), or such a character itself in the text.
_SUSPECT = re.compile(r"\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)|[\x00\ud800-\udfff]")
MAX_SHOWN_KEY = 64


def text_problem(value: str) -> str | None:
    """Why `value` is not acceptable text (a lone surrogate, a NUL character), or None."""
    found = BAD_TEXT.search(value)
    if found is None:
        return None
    char, where = found.group(), found.start() + 1
    if char == "\x00":
        return f"invalid text: a NUL character (\\u0000) at character {where} is not allowed"
    return f"invalid text: a lone UTF-16 surrogate (\\u{ord(char):04x}) at character {where} is not Unicode"


def shown_key(key: str) -> str:
    """A key as it may appear in an error message: never the invalid text itself."""
    return BAD_TEXT.sub(lambda bad: f"\\u{ord(bad.group()):04x}", key[:MAX_SHOWN_KEY])


def child_loc(loc: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{loc}[{key}]"
    name = shown_key(key)
    return f"{loc}.{name}" if loc else name


class _Object(dict[str, Any]):
    """A parsed JSON object that named some key more than once (`repeated` lists them)."""

    repeated: list[str]


def _mib(size: int) -> str:
    return f" ({size // 1024 // 1024} MiB)" if size % (1024 * 1024) == 0 else ""


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON: numbers must be finite")


def loads(raw: bytes | str, *, limit: int, loc: str = "", what: str = "document") -> Any:
    """Parse JSON text strictly; BoardError on any problem.

    Problems of the text itself (too large, not UTF-8, malformed) have the location "body";
    repeated keys and invalid strings are located where they are (`loc` prefixes them).
    """
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise BoardError.one("body", f"{what} is {size} bytes, the limit is {limit} bytes{_mib(limit)}")
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BoardError.one("body", f"the text is not valid UTF-8 (byte {exc.start + 1})") from None
    else:
        text = raw
    repeated = False

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        repeated = True
        marked = _Object(obj)
        marked.repeated = []
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen and key not in marked.repeated:
                marked.repeated.append(key)
            seen.add(key)
        return marked

    try:
        value = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=_reject_constant)
    except RecursionError:
        raise BoardError.one("body", "malformed JSON: nested too deeply") from None
    except ValueError as exc:
        raise BoardError.one("body", f"malformed JSON: {exc}") from None
    if repeated or _SUSPECT.search(text):
        errors = find_problems(value, loc)
        if errors:
            raise BoardError(errors)
    return value


def find_problems(value: Any, loc: str = "", *, limit: int = 20) -> list[dict[str, str]]:
    """Repeated keys and invalid strings (keys included) anywhere in a parsed value, located.

    Iterative, so any depth the parser accepted is walked without recursion."""
    errors: list[dict[str, str]] = []
    stack: list[tuple[Any, str]] = [(value, loc)]
    while stack and len(errors) < limit:
        item, where = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                errors.append({"loc": where, "msg": problem})
        elif isinstance(item, dict):
            for key in getattr(item, "repeated", ()):
                shown = json.dumps(shown_key(key), ensure_ascii=True)
                errors.append({"loc": where, "msg": f"repeated key {shown}: an object may name each key once"})
            children = []
            for key, child in item.items():
                problem = text_problem(key)
                if problem:
                    errors.append({"loc": child_loc(where, key), "msg": f"the key has {problem}"})
                children.append((child, child_loc(where, key)))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend((child, child_loc(where, i)) for i, child in reversed(list(enumerate(item))))
    return errors[:limit]


def repaired(value: Any) -> tuple[Any, bool]:
    """`value` with every lone surrogate and NUL, in strings and keys, replaced by U+FFFD, and
    whether anything was replaced: for stored data that predates the strict parser."""
    if isinstance(value, str):
        fixed = BAD_TEXT.sub("\ufffd", value)
        return fixed, fixed != value
    if isinstance(value, list):
        items = [repaired(item) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    if isinstance(value, dict):
        changed = False
        result = {}
        for key, item in value.items():
            new_key, key_changed = repaired(key)
            new_item, item_changed = repaired(item)
            result[new_key] = new_item
            changed = changed or key_changed or item_changed
        return result, changed
    return value, False
