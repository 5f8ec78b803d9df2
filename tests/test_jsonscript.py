"""whiteboard.jsonscript: the element Django's `json_script` writes, from parts encoded apart."""

from __future__ import annotations

from typing import Any

from django.utils.html import json_script as django_json_script
from hypothesis import given
from hypothesis import strategies as st

from whiteboard.jsonscript import encoded_members, json_script

# Text that could end the element or open a comment, and what JSON escapes or keeps as it is.
TEXT = st.text(alphabet=st.sampled_from([*"<>&/'\"\\ a\u00e9\u2028\u2029\x00", "\U0001f600"]), max_size=12)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)
MEMBERS = st.dictionaries(TEXT, VALUES, max_size=5)


@given(MEMBERS, st.lists(MEMBERS, max_size=3))
def test_it_writes_what_django_writes_for_the_members_together(
    own: dict[str, Any], parts: list[dict[str, Any]]
) -> None:
    merged = dict(own)
    unique = []
    for part in parts:
        part = {key: value for key, value in part.items() if key not in merged}
        merged.update(part)
        unique.append(part)
    expected = django_json_script(merged, "the-id")
    assert json_script("the-id", own, *(encoded_members(part) for part in unique)) == expected


def test_no_text_in_the_data_ends_the_element_or_the_id() -> None:
    element = json_script('x"><script>', {"a": "</script><script>alert(1)</script>"}, encoded_members({"b": "<!--&"}))
    assert element.count("<script") == 1 and element.count("</script>") == 1
    assert element.startswith('<script id="x&quot;&gt;&lt;script&gt;" type="application/json">{"a": "\\u003C/script')
    assert '"b": "\\u003C!--\\u0026"' in element
