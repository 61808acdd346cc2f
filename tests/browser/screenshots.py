"""Screenshots of the cockpit for the README: ``make screenshots`` (``python -m tests.browser.screenshots``).

Builds Jena's graph in a temporary folder, serves it on 127.0.0.1, and writes what a person sees
of the cross-reference matrix, ECCAR coverage and the documentation status (German, 1280 px wide,
the whole page) to ``docs/screenshots/``. A page the app does not serve is reported and left
out; the exit status is 1 then, so a missing page is not overlooked.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.site_pages import jena_server, open_page

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "docs" / "screenshots"
SHOTS = {
    "verflechtung": "/verflechtung",
    "eccar": "/eccar",
    "dokumentationsstand": "/dokumentationsstand",
}
WIDTH = 1280


def take(target: Path = TARGET, names: list[str] | None = None) -> list[str]:
    """Write one PNG per page to ``target``; returns the pages that could not be taken."""
    from playwright.sync_api import sync_playwright

    target.mkdir(parents=True, exist_ok=True)
    failed = []
    with jena_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                locale="de-DE", viewport={"width": WIDTH, "height": 900}, device_scale_factor=1
            )
            page = context.new_page()
            for name in names or list(SHOTS):
                try:
                    open_page(page, server.url + SHOTS[name])
                except AssertionError as error:
                    print(f"skipped {name}: {error}", file=sys.stderr)
                    failed.append(name)
                    continue
                path = target / f"{name}.png"
                page.screenshot(path=str(path), full_page=True, animations="disabled")
                print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        finally:
            browser.close()
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET, help="folder for the PNG files")
    parser.add_argument("pages", nargs="*", choices=[*SHOTS, []], help="which pages (default all)")
    arguments = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"Chromium is missing ({CHROMIUM}): apt-get install chromium", file=sys.stderr)
        return 2
    return 1 if take(arguments.out, arguments.pages or None) else 0


if __name__ == "__main__":
    sys.exit(main())
