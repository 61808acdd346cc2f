"""No page asks any host but the app itself: every page type loaded in Chromium, with its scripts,
while every request to another host is blocked and recorded — none may be attempted.

A German public body's pages must not hand their visitors' addresses to a CDN or a font service,
and must keep working on an intranet that blocks them. The query page runs a query in YASGUI
(against this server's /sparql, with the outside blocked) and the API documentation tries an
operation in Swagger UI; a request the content security policy refused before it reached the
network counts as attempted too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.site_pages import (
    PAGES,
    RECORD_POLICY_VIOLATIONS,
    STATUS,
    english,
    is_outside,
    jena_server,
    open_page,
    policy_violations,
    run_yasgui_query,
    try_first_operation,
)
from tests.support import LiveServer

STRATEGIES = """PREFIX sg: <https://w3id.org/sozialgraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?title WHERE {
  ?strategy a sg:Strategy ; dcterms:title ?title .
  FILTER(LANG(?title) = "de")
}
ORDER BY ?title"""


@pytest.fixture(scope="module")
def server(jena_store_dir: Path) -> Iterator[LiveServer]:
    with jena_server(jena_store_dir) as live:
        yield live


class Guarded:
    """A browser page whose requests to other hosts are blocked and recorded."""

    def __init__(self, browser: Any, server_url: str, *, bypass_csp: bool = False) -> None:
        self.context = browser.new_context(locale="de-DE", bypass_csp=bypass_csp)
        self.context.add_init_script(RECORD_POLICY_VIOLATIONS)
        self.outside: list[str] = []
        self.answered: list[str] = []
        self.context.route("**/*", self._route)
        self.server_url = server_url
        self.page = self.context.new_page()
        self.page.on("requestfinished", lambda request: self.answered.append(request.url))

    def _route(self, route: Any) -> None:
        if is_outside(route.request.url, self.server_url):
            self.outside.append(route.request.url)
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def assert_nothing_outside(self, what: str) -> None:
        assert self.outside == [], f"{what} asked other hosts: {self.outside}"
        violations = policy_violations(self.page)
        assert violations == [], f"{what}: the content security policy refused {violations}"


@pytest.fixture
def guarded(browser: Any, server: LiveServer) -> Iterator[Guarded]:
    guard = Guarded(browser, server.url)
    try:
        yield guard
    finally:
        guard.context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_asks_no_other_host(guarded: Guarded, server: LiveServer, name: str) -> None:
    open_page(guarded.page, server.url + PAGES[name], STATUS.get(name, 200))
    # the page's own files were loaded through the same route (the guard sees every request)
    assert any("/static/" in url for url in guarded.answered), guarded.answered
    guarded.assert_nothing_outside(name)


@pytest.mark.parametrize("name", ["start page", "cross-reference matrix", "API documentation"])
def test_english_page_asks_no_other_host(guarded: Guarded, server: LiveServer, name: str) -> None:
    open_page(guarded.page, server.url + english(PAGES[name]), STATUS.get(name, 200))
    guarded.assert_nothing_outside(f"{name} in English")


def test_yasgui_runs_a_query_against_this_server_with_the_outside_blocked(
    guarded: Guarded, server: LiveServer
) -> None:
    open_page(guarded.page, server.url + "/sparql")
    assert guarded.page.locator("form.query-form").is_hidden()  # YASGUI took the form's place
    rows = run_yasgui_query(guarded.page, STRATEGIES)
    expected = httpx.get(
        server.url + "/sparql",
        params={"query": STRATEGIES},
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    # YASR shows a literal with its language tag
    titles = [f'"{b["title"]["value"]}"@{b["title"]["xml:lang"]}' for b in expected]
    assert [row["title"] for row in rows] == titles
    assert len(rows) >= 3
    assert any(url.startswith(server.url + "/sparql") for url in guarded.answered)
    guarded.assert_nothing_outside("YASGUI")


def test_yasgui_example_opens_as_a_tab_and_runs_here(guarded: Guarded, server: LiveServer) -> None:
    open_page(guarded.page, server.url + "/sparql")
    example = guarded.page.locator(".examples a[data-query]").first
    title = example.inner_text().strip()
    example.click()
    tabs = guarded.page.locator("#yasgui [role=tab]").all_inner_texts()
    assert any(title in tab for tab in tabs), tabs
    guarded.page.locator("#yasgui .tabPanel.active .yasqe_queryButton").click()
    guarded.page.locator(
        "#yasgui .tabPanel.active .yasr_response_chip, #yasgui .tabPanel.active .yasr .dataTable"
    ).first.wait_for()
    guarded.assert_nothing_outside("a YASGUI example")


def test_swagger_ui_tries_an_operation_with_the_outside_blocked(
    guarded: Guarded, server: LiveServer
) -> None:
    open_page(guarded.page, server.url + "/docs")
    assert guarded.page.locator("html").get_attribute("lang") == "de"
    try_first_operation(guarded.page)
    guarded.assert_nothing_outside("Swagger UI")


def test_the_guard_sees_a_request_to_another_host(guarded: Guarded, server: LiveServer) -> None:
    """The check above can fail: an image from another host is caught (the policy refuses it,
    and with the policy bypassed the route blocks and records it)."""
    open_page(guarded.page, server.url + "/")
    guarded.page.evaluate(
        """() => new Promise((done) => { const img = new Image(); img.onerror = done;
           img.src = "https://cdn.example.org/pixel.png"; document.body.append(img); })"""
    )
    with pytest.raises(AssertionError, match="policy refused"):
        guarded.assert_nothing_outside("a page with an outside image")


def test_the_route_records_what_the_policy_would_let_through(
    browser: Any, server: LiveServer
) -> None:
    guard = Guarded(browser, server.url, bypass_csp=True)
    try:
        open_page(guard.page, server.url + "/")
        guard.page.evaluate("() => fetch('https://cdn.example.org/lib.js').catch(() => null)")
        assert guard.outside == ["https://cdn.example.org/lib.js"]
    finally:
        guard.context.close()
