"""The one municipality switcher of the cockpit pages in Chromium, on two generated towns: the
same control on /massnahmen, /verflechtung, /eccar and /dokumentationsstand, usable by keyboard
alone and without JavaScript, with no WCAG 2.1 A/AA violation (axe-core); a town the store
does not hold is the 404 page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.generate import EX, generate, ontology_quads
from sozialgraph.store.embedded import EmbeddedStore
from tests.browser.site_pages import axe_violations, describe
from tests.support import LiveServer, live_server

PAGES = ("/massnahmen", "/verflechtung", "/eccar", "/dokumentationsstand")
SECOND = "gemeinde-2/organisation/stadt"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("cockpit-switcher") / "store"
    store = EmbeddedStore(path)
    store.rebuild([*ontology_quads(EX), *generate(2, measures_per_strategy=6)])
    store.close()
    with live_server(path, env={"SOZIALGRAPH_BASE_IRI": EX}) as live:
        yield live


@pytest.mark.parametrize("path", PAGES)
def test_keyboard_alone_switches_the_town(page: Any, server: LiveServer, path: str) -> None:
    page.goto(server.url + path)
    assert page.locator("select[name=municipality]").count() == 1  # one control, the same id
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "municipality-switch":
            break
    else:
        raise AssertionError("Tab never reached the municipality switcher")
    for _ in range(5):
        if page.evaluate("document.activeElement.value") == SECOND:
            break
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == SECOND
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    url = urlsplit(page.url)
    assert url.path == path and parse_qs(url.query)["municipality"] == [SECOND]
    assert page.locator("#municipality-switch").input_value() == SECOND
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_the_switcher_works_without_javascript(browser: Any, server: LiveServer) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    try:
        page = context.new_page()
        for path in PAGES:
            page.goto(server.url + path)
            page.select_option("#municipality-switch", SECOND)
            with page.expect_navigation():
                page.locator("form.municipality-switch button[type=submit]").click()
            assert parse_qs(urlsplit(page.url).query)["municipality"] == [SECOND], path
    finally:
        context.close()


def test_a_town_the_store_does_not_hold_is_the_404_page(page: Any, server: LiveServer) -> None:
    for path in PAGES:
        response = page.goto(f"{server.url}{path}?municipality=gemeinde-9/organisation/stadt")
        assert response is not None and response.status == 404, path
        assert "municipality" in page.locator("main").inner_text()
