"""Running reviews for the interfaces: the one way the API, the pages, the CLI and live editors
review a board, and how a large review is kept from paying for the rest of the process's memory.

The review engine is pure (`whiteboard.domain.review`). What it cannot decide is how Python's
cyclic garbage collector treats the process around it: a review of a large board allocates tens of
thousands of objects, enough to set off collections, and a full collection scans every object of
the process (Django, the modules, every board in memory), not just the review's. Measured in a
process with the app loaded (README, review rules): a review of 5,000 nodes took 160-250 ms of
CPU with the collector as it is and 90-120 ms with the process's objects set aside, of 1,000 nodes
15.5 ms and 11.3 ms; at 500 nodes the difference is within the noise, at 200 no collection happens.

So a review of `SET_ASIDE_FROM` nodes or more runs with the objects that existed before it
frozen (`gc.freeze`: moved to the collector's permanent generation, in constant time): the
collector keeps running for everything allocated meanwhile, by this review or any other thread,
and only stops rescanning the long-lived heap. When the last of the concurrent large reviews ends
the objects are put back (`gc.unfreeze`), so cyclic garbage among them is collected as before.
Unlike switching the collector off, this leaves no thread of the process without collection.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any

from whiteboard.domain.review import review_board

if TYPE_CHECKING:
    from whiteboard.boards.models import Board

SET_ASIDE_FROM = 500  # nodes


class _LongLivedSetAside:
    """`gc.freeze` when the first of concurrent large reviews starts, `gc.unfreeze` when the last
    one ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0

    def __enter__(self) -> None:
        with self._lock:
            if not self._active:
                gc.freeze()
            self._active += 1

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._lock:
            self._active -= 1
            if not self._active:
                gc.unfreeze()


_set_aside = _LongLivedSetAside()


@contextmanager
def sparing_the_collector(*documents: dict[str, Any]) -> Iterator[None]:
    """Review the documents inside this block with the process's long-lived objects set aside
    from the collector when one of them is large; a small board's review runs as it is."""
    if any(len(doc["nodes"]) >= SET_ASIDE_FROM for doc in documents):
        with _set_aside:
            yield
    else:
        yield


def review_document(*, document: dict[str, Any], version: int | None = None) -> dict[str, Any]:
    """The findings document of a validated board (SPEC section 3)."""
    with sparing_the_collector(document):
        return review_board(document, version=version)


# Reviews of stored boards, by (board id, version, created_at): a version names one document for
# good (every change makes a new one), and created_at tells apart a board that took the id of a
# deleted one. Live editors, the REST API and the panels of one worker share it, so a change is
# reviewed once per worker however many editors, tabs and requests look at it.
# Held by findings, not by entries: one review of a 5,000-node board can hold 10,000 of them.
REVIEW_CACHE_FINDINGS = 20_000
_reviews: OrderedDict[tuple[int, int, object], dict[str, Any]] = OrderedDict()
_reviews_held = 0
_reviews_lock = threading.Lock()


def _weight(review: dict[str, Any]) -> int:
    return len(review["findings"]) + 1


def stored_board_review(*, board_id: int, version: int, created_at: object, document: dict[str, Any]) -> dict[str, Any]:
    """The review of a stored board at `version` (SPEC section 3), computed once per worker.
    Shared between callers: read it, never change it."""
    key = (board_id, version, created_at)
    with _reviews_lock:
        cached = _reviews.get(key)
        if cached is not None:
            _reviews.move_to_end(key)
            return cached
    result = review_document(document=document, version=version)
    global _reviews_held
    with _reviews_lock:
        if key not in _reviews and _weight(result) <= REVIEW_CACHE_FINDINGS:
            _reviews[key] = result
            _reviews_held += _weight(result)
            while _reviews_held > REVIEW_CACHE_FINDINGS:
                _reviews_held -= _weight(_reviews.popitem(last=False)[1])
    return result


def review_of(board: Board) -> dict[str, Any]:
    """The review of a board row as it is stored."""
    return stored_board_review(
        board_id=board.pk, version=board.version, created_at=board.created_at, document=board.document
    )
