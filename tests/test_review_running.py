"""The review service: large boards are reviewed with the process's long-lived objects set aside
from the cyclic garbage collector (frozen), small ones as they are, and the collector always runs."""

from __future__ import annotations

import dataclasses
import gc
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from whiteboard.domain.review import RULES, BoardGraph, Finding, review_board
from whiteboard.reviews.running import SET_ASIDE_FROM, review_document, sparing_the_collector


def chain_of(n: int) -> dict[str, Any]:
    nodes = [{"id": f"n{i}", "kind": "service", "label": "", "props": {}} for i in range(n)]
    edges = [{"id": f"e{i}", "source": f"n{i}", "target": f"n{i + 1}", "label": "", "props": {}} for i in range(n - 1)]
    return {"format": "archboard/1", "name": "chain", "nodes": nodes, "edges": edges, "groups": []}


def watch(monkeypatch: pytest.MonkeyPatch, then: Callable[[], object] = lambda: None) -> list[tuple[bool, int]]:
    """Make one rule note the collector's state (enabled, objects frozen) while it runs."""
    seen: list[tuple[bool, int]] = []
    rule = RULES["orphan-component"]

    def check(g: BoardGraph) -> Iterable[Finding]:
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        then()
        return rule.check(g)

    monkeypatch.setitem(RULES, rule.id, dataclasses.replace(rule, check=check))
    return seen


def test_a_large_board_is_reviewed_with_the_long_lived_objects_frozen_and_the_collector_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = watch(monkeypatch)
    review_document(document=chain_of(SET_ASIDE_FROM))
    [(enabled, frozen)] = seen
    assert enabled and frozen > 0
    assert gc.get_freeze_count() == 0


def test_a_small_board_is_reviewed_with_the_collector_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = watch(monkeypatch)
    review_document(document=chain_of(SET_ASIDE_FROM - 1))
    assert seen == [(True, 0)]


def test_a_failing_review_still_puts_the_objects_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail() -> None:
        raise RuntimeError("rule bug")

    watch(monkeypatch, then=fail)
    with pytest.raises(RuntimeError, match="rule bug"):
        review_document(document=chain_of(SET_ASIDE_FROM))
    assert gc.get_freeze_count() == 0


def test_the_objects_come_back_when_the_last_of_overlapping_large_reviews_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    inner_started, outer_may_finish = threading.Event(), threading.Event()
    after_outer: list[int] = []

    def hold() -> None:
        if threading.current_thread() is not threading.main_thread():
            inner_started.set()
            outer_may_finish.wait(10)

    watch(monkeypatch, then=hold)
    other = threading.Thread(target=review_document, kwargs={"document": chain_of(SET_ASIDE_FROM)})
    with sparing_the_collector(chain_of(SET_ASIDE_FROM)):
        other.start()
        assert inner_started.wait(10)
    after_outer.append(gc.get_freeze_count())  # the other review still runs: still set aside
    outer_may_finish.set()
    other.join(10)
    assert after_outer[0] > 0
    assert gc.get_freeze_count() == 0


def test_the_review_service_gives_the_domains_findings() -> None:
    doc = chain_of(SET_ASIDE_FROM)
    assert review_document(document=doc, version=3) == review_board(doc, version=3)


@pytest.mark.django_db
def test_a_stored_board_is_reviewed_once_per_version_however_many_ask(
    owner: Any, owner_api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test import Client

    from tests.builders import sample_board
    from whiteboard.reviews import running

    runs: list[int | None] = []
    real = running.review_board

    def counted(document: dict[str, Any], version: int | None = None) -> dict[str, Any]:
        runs.append(version)
        return real(document, version=version)

    monkeypatch.setattr(running, "review_board", counted)
    board_id = owner_api.post("/api/boards", sample_board()).json()["id"]
    first = owner_api.get(f"/api/boards/{board_id}/review").json()
    assert owner_api.get(f"/api/boards/{board_id}/review").json() == first
    browser = Client()
    browser.force_login(owner)
    assert browser.get(f"/boards/{board_id}/review").status_code == 200  # the editor's review panel
    assert runs == [1]
    changed = sample_board()
    changed["nodes"].append({"id": "extra", "kind": "cache", "label": "Extra cache"})
    assert owner_api.put(f"/api/boards/{board_id}", {"version": 1, "board": changed}).status_code == 200
    second = owner_api.get(f"/api/boards/{board_id}/review").json()
    assert runs == [1, 2] and second["version"] == 2
    assert any("extra" in f["nodes"] for f in second["findings"])


def test_a_board_that_took_a_deleted_boards_id_gets_its_own_review() -> None:
    from datetime import UTC, datetime

    from whiteboard.reviews.running import stored_board_review

    lonely = chain_of(1)
    pair = chain_of(2)
    then, now = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    before = stored_board_review(board_id=999_999, version=3, created_at=then, document=lonely)
    after = stored_board_review(board_id=999_999, version=3, created_at=now, document=pair)
    assert before["findings"] != after["findings"]


def test_the_cache_holds_reviews_by_their_findings_and_forgets_the_oldest(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from whiteboard.reviews import running

    monkeypatch.setattr(running, "_reviews", running.OrderedDict())
    monkeypatch.setattr(running, "_reviews_held", 0)
    monkeypatch.setattr(running, "REVIEW_CACHE_FINDINGS", 40)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    orphans = chain_of(1) | {"nodes": [{"id": f"n{i}", "kind": "service", "label": "", "props": {}} for i in range(12)]}
    weight = len(review_document(document=orphans)["findings"]) + 1
    assert 10 < weight <= 40
    for version in range(1, 5):
        running.stored_board_review(board_id=1, version=version, created_at=when, document=orphans)
    assert running._reviews_held <= 40
    assert list(running._reviews) == [(1, v, when) for v in range(5 - 40 // weight, 5)]
