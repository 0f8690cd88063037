"""Playwright with Debian's chromium (never `playwright install`), against pytest-django's live_server.

A plugin of the root conftest (`pytest_plugins`), so every folder's browser tests share one browser per session:
importing these fixtures into a test module would start a second Playwright in the same thread, which fails."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium); browser tests need it"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run there unless told it's safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_context(browser: Any) -> Iterator[Any]:
    """A fresh context per test (no cookies, no kept-alive connections); axe-core is loaded into every document.

    Closing the context at the end of each test closes its HTTP connections while the live server still runs, so no
    request thread of the live server is left to touch the test database after the server has stopped sharing it.

    The init script goes in through the DevTools protocol, so the page's strict CSP does not block it (a script tag
    would be) and the CSP is still enforced for everything the page itself does.
    """
    assert AXE_JS.is_file(), f"{AXE_JS} is missing: run `npm ci` (make install) first"
    context = browser.new_context(locale="nl-NL")
    context.add_init_script(path=str(AXE_JS))
    yield context
    context.close()


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    """A fresh tab per test that records console messages and page errors."""
    tab = browser_context.new_page()
    tab.console_messages_seen = []
    tab.on("console", lambda message: tab.console_messages_seen.append(message.text))
    tab.on("pageerror", lambda error: tab.console_messages_seen.append(str(error)))
    yield tab
    tab.close()
