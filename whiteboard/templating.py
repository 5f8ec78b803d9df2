"""What every page's template may show besides its own context: the length limits of what it lets
people type, from the declarations the server checks them against, so a form's `maxlength`
cannot drift from the limit that refuses the text."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from whiteboard.accounts.models import ApiToken
from whiteboard.domain import board, drawn
from whiteboard.rendering.service import MAX_WIDTH
from whiteboard.reviews import services as reviews

LIMITS: dict[str, int] = {
    "name": board.MAX_NAME,
    "label": board.MAX_LABEL,
    "description": board.MAX_DESCRIPTION,
    "prop_key": board.MAX_PROP_KEY,
    "prop_string": board.MAX_PROP_STRING,
    "reason": board.MAX_REASON,
    "comment": reviews.MAX_BODY,
    "review_note": reviews.MAX_NOTE,
    "version_name": board.MAX_NAME,
    "token_name": ApiToken._meta.get_field("name").max_length or 0,
    # Not a length: the text size (px) a picture exported at a page width should keep.
    "readable_text_px": drawn.MIN_TEXT_PX,
    # Nor this: the widest picture `?width=` asks for.
    "max_picture_width": MAX_WIDTH,
}


def limits(request: HttpRequest) -> dict[str, Any]:
    return {"limits": LIMITS}
