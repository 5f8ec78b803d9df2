"""Template filters for the review pages."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from whiteboard.reviews.services import find_mentions

register = template.Library()

# CommonMark with raw HTML off: any tag in the text comes out escaped, and links to javascript:
# and other unsafe schemes are refused by the parser. No images: a rule page loads nothing.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable("image")


@register.filter
def markdown(text: str) -> SafeString:
    """Documentation written in Markdown (the review rules' docstrings) as HTML."""
    html: str = _MARKDOWN.render(text or "")
    return mark_safe(html)  # noqa: S308 - raw HTML is off: the output is escaped


@register.filter
def comment_html(comment: Any) -> SafeString:
    """A comment's text, escaped, with its @mentions of members marked and line breaks kept.

    The text is escaped first; only the mention spans and <br> are added after, and a username
    cannot contain a character that escaping changes, so nothing the author typed becomes markup.
    """
    mentioned = {u.get_username().lower() for u in comment.mentions.all()}
    text: str = escape(comment.body)
    parts, done = [], 0
    for start, end, name in find_mentions(text):
        if name.lower() in mentioned:
            parts += [text[done:start], f'<span class="mention">@{name}</span>']
            done = end
    parts.append(text[done:])
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308 - escaped above


@register.simple_tag
def diff_value(change: dict[str, Any], side: str) -> str:
    """One side of a field change for display: the JSON value, or "(absent)"."""
    if side not in change:
        return "(absent)"
    return json.dumps(change[side], ensure_ascii=False)[:300]
