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
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from whiteboard.domain.review import review_board

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
