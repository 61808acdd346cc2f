"""WCAG 2.1 A/AA (BITV 2.0) in a real browser: axe-core on every page type, in German and English.

axe-core (npm, ``tests/browser/package.json``; ``npm ci`` there, as ``make test`` does) runs in
Chromium on Jena's graph, with each page's scripts run and its CSP in force: the query page with
YASGUI drawn (and again with a result table), the API documentation with Swagger UI drawn (and
with an operation tried out). Every page must show 0 violations; the message lists each rule with
the elements that break it. Beside axe: the skip link is the first stop of the keyboard and leads
to the main landmark, focus is visible, and the print stylesheet leaves navigation out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.site_pages import (
    PAGES,
    RECORD_POLICY_VIOLATIONS,
    STATUS,
    axe_violations,
    describe,
    english,
    jena_server,
    open_page,
    policy_violations,
    run_yasgui_query,
    try_first_operation,
)
from tests.support import LiveServer

ENGLISH = ("start page", "measure", "cross-reference matrix", "query page")


@pytest.fixture(scope="module")
def server(jena_store_dir: Path) -> Iterator[LiveServer]:
    with jena_server(jena_store_dir) as live:
        yield live


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="de-DE")
    context.add_init_script(RECORD_POLICY_VIOLATIONS)
    try:
        yield context.new_page()
    finally:
        context.close()


def assert_accessible(page: Any, what: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{what}: {len(violations)} WCAG 2.1 A/AA rule(s) broken\n" + describe(
        violations
    )
    assert not policy_violations(page), f"{what}: {policy_violations(page)}"


@pytest.mark.parametrize("name", list(PAGES))
def test_page_in_german_has_no_wcag_violations(page: Any, server: LiveServer, name: str) -> None:
    open_page(page, server.url + PAGES[name], STATUS.get(name, 200))
    assert page.locator("html").get_attribute("lang") == "de"
    assert_accessible(page, f"{name} ({PAGES[name]})")


@pytest.mark.parametrize("name", ENGLISH)
def test_page_in_english_has_no_wcag_violations(page: Any, server: LiveServer, name: str) -> None:
    open_page(page, server.url + english(PAGES[name]), STATUS.get(name, 200))
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, f"{name} ({english(PAGES[name])})")


def test_query_page_with_a_yasgui_result_table_has_no_wcag_violations(
    page: Any, server: LiveServer
) -> None:
    open_page(page, server.url + "/sparql")
    rows = run_yasgui_query(
        page,
        "PREFIX sg: <https://w3id.org/sozialgraph/ontology#>\n"
        "SELECT ?strategy WHERE { ?strategy a sg:Strategy } ORDER BY ?strategy",
    )
    assert rows
    assert_accessible(page, "query page with YASGUI's result table")


def test_api_documentation_with_an_operation_tried_has_no_wcag_violations(
    page: Any, server: LiveServer
) -> None:
    open_page(page, server.url + "/docs")
    try_first_operation(page)
    assert_accessible(page, "API documentation with an answer shown")


@pytest.mark.parametrize("name", ["start page", "measure", "query page", "API documentation"])
def test_skip_link_is_the_first_keyboard_stop_and_leads_to_main(
    page: Any, server: LiveServer, name: str
) -> None:
    open_page(page, server.url + PAGES[name], STATUS.get(name, 200))
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => { const e = document.activeElement; const box = e.getBoundingClientRect();
           return { cls: e.className, href: e.getAttribute("href"), x: box.left, y: box.top,
                    w: box.width, outline: getComputedStyle(e).outlineStyle }; }"""
    )
    assert focused["cls"] == "skip" and focused["href"] == "#main", focused
    # visible while focused: inside the window, with an outline
    assert focused["x"] >= 0 and focused["y"] >= 0 and focused["w"] > 0, focused
    assert focused["outline"] != "none", focused
    page.keyboard.press("Enter")
    # the next stop is inside the main landmark, past the navigation
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main#main') !== null"), name


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_lang_landmarks_and_one_heading(page: Any, server: LiveServer, name: str) -> None:
    open_page(page, server.url + PAGES[name], STATUS.get(name, 200))
    assert page.locator("html[lang]").count() == 1
    assert page.locator("body > header.site nav[aria-label]").count() == 1
    assert page.locator("main#main").count() == 1
    assert page.locator("body > footer.site").count() == 1
    assert page.locator("main h1").count() == 1


def test_keyboard_focus_is_visible_on_links_buttons_and_fields(
    page: Any, server: LiveServer
) -> None:
    open_page(page, server.url + PAGES["start page"])
    seen = set()
    for _ in range(40):
        if {"A", "INPUT", "BUTTON"} <= seen:
            break
        page.keyboard.press("Tab")
        state = page.evaluate(
            """() => { const e = document.activeElement; const s = getComputedStyle(e);
               return [e.tagName, s.outlineStyle, s.outlineWidth]; }"""
        )
        tag, style, width = state
        seen.add(tag)
        assert style != "none" and width != "0px", state
    assert {"A", "INPUT", "BUTTON"} <= seen


@pytest.mark.parametrize("name", ["strategy", "cross-reference matrix", "query page"])
def test_print_leaves_out_navigation_and_keeps_the_content(
    page: Any, server: LiveServer, name: str
) -> None:
    open_page(page, server.url + PAGES[name])
    page.emulate_media(media="print")
    assert not page.locator("header.site nav").is_visible()
    assert not page.locator("a.skip").is_visible()
    assert page.locator("main h1").is_visible()


def test_query_page_without_javascript_keeps_the_plain_form(
    browser: Any, server: LiveServer
) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server.url + "/sparql")
        assert page.locator("#yasgui").is_hidden()
        with page.expect_navigation():
            page.locator("form.query-form button[type=submit]").click()
        assert page.locator(".results table tbody tr").count() >= 3
    finally:
        context.close()
