"""Browser tests: a real uvicorn server (own SQLite database) and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest

from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.liveserver import LiveServer, login, start_server

E = TypeVar("E", bound="Editor")


def _require_chromium() -> None:
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (install Debian's chromium: make test-deps)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright Python package is not installed"
    if problem is None:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {problem}")
    pytest.skip(problem)


@pytest.fixture(scope="session")
def archboard_server() -> Iterator[LiveServer]:
    _require_chromium()
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Editor:
    """One user's browser context on one board, failing the test on any dialog or page error."""

    def __init__(self, browser: Any, server: LiveServer, user: str, *, enforce_csp: bool = False) -> None:
        self.server = server
        # Playwright's polling `wait_for_function` evaluates strings in the page, which the CSP
        # forbids (no eval): the tests' own instrumentation bypasses it; tests/browser/test_csp.py
        # runs the editor under the real policy.
        self.context = browser.new_context(
            viewport={"width": 1440, "height": 900}, accept_downloads=True, bypass_csp=not enforce_csp
        )
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        login(self.page, server, user)

    def _dialog(self, dialog: Any) -> None:
        self.problems.append(f"unexpected {dialog.type} dialog: {dialog.message}")
        dialog.dismiss()

    def open(self, board_id: int) -> Editor:
        self.page.goto(f"{self.server.url}/boards/{board_id}/")
        self.page.wait_for_selector("body[data-ready='1']")
        self.page.wait_for_selector("#conn.conn-online", timeout=10_000)
        return self

    def board(self) -> dict[str, Any]:
        return self.page.evaluate("window.archboard.board()")

    def node_at(self, node_id: str) -> dict[str, float]:
        box = self.page.evaluate("id => window.archboard.rendered(id)", node_id)
        assert box is not None, f"{node_id} is not on the canvas"
        return box

    def wait_idle(self) -> None:
        """Until every local edit is confirmed by the server."""
        self.page.wait_for_function("window.archboard.sync.pending.length === 0")

    def close(self) -> None:
        self.context.close()


@contextmanager
def editors_from(open_one: Callable[..., E]) -> Iterator[Callable[..., E]]:
    """A factory of editors for a test; at its end they are closed, and any problem one saw
    (a dialog, a page error) fails the test."""
    opened: list[E] = []

    def make(*args: Any, **kwargs: Any) -> E:
        editor = open_one(*args, **kwargs)
        opened.append(editor)
        return editor

    yield make
    problems = [p for e in opened for p in e.problems]
    for editor in opened:
        editor.close()
    assert not problems, problems


@pytest.fixture
def editor_for(browser: Any, archboard_server: LiveServer) -> Iterator[Any]:
    def open_one(user: str, *, enforce_csp: bool = False) -> Editor:
        return Editor(browser, archboard_server, user, enforce_csp=enforce_csp)

    with editors_from(open_one) as make:
        yield make
