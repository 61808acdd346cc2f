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

import pytest

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
