"""A real headless browser for the page tests: Debian's chromium driven by Playwright.

The fixture is module-scoped on purpose: Playwright's sync API runs an event loop in the main
thread while it is open, and later tests that call ``asyncio.run`` must not find it running.
Playwright's own browser downloads are never used (``playwright install`` cannot download
here); the tests launch the system's ``/usr/bin/chromium``, which ``make test`` installs when it
is missing. Without it the tests are skipped with that reason (shown by ``-ra``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import LiveServer, live_server

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"Debian's chromium is not installed ({CHROMIUM} missing); `make test` installs it "
            "with apt-get install chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A new page in a fresh German browser context (no cookies or storage of other tests)."""
    context = browser.new_context(locale="de-DE")
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def jena_server(
    jena_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server on a copy of Jena's store, one per test module."""
    copy = tmp_path_factory.mktemp("browser-jena") / "store"
    shutil.copytree(jena_store_dir, copy, symlinks=True)
    with live_server(copy) as live:
        yield live
