"""Pages in a real browser: follow links from the start page down to a measure, by clicking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest

from tests.fixtures import crossref
from tests.support import LiveServer, live_server

DE_TITLES = (
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
)


def title(iri: str, lang: str = "de") -> str:
    """The fixture's own title of ``iri`` in ``lang``."""
    for triple in crossref.crossref_triples():
        if (
            triple.subject == ox.NamedNode(iri)
            and triple.predicate.value in DE_TITLES
            and isinstance(triple.object, ox.Literal)
            and triple.object.language == lang
        ):
            return triple.object.value
    raise AssertionError(f"no {lang} title for {iri}")


def path_of(iri: str) -> str:
    return "/" + iri.removeprefix(crossref.EX)


@pytest.fixture(scope="module")
def crossref_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = crossref.write_crossref_store(tmp_path_factory.mktemp("crossref") / "store")
    with live_server(store, env={"SOZIALGRAPH_BASE_IRI": crossref.EX}) as live:
        yield live


def click(page: Any, href: str) -> None:
    """Click the first link to ``href`` in the main content and wait for the next page."""
    link = page.locator(f'main a[href="{href}"]').first
    with page.expect_navigation():
        link.click()


def heading(page: Any) -> str:
    assert page.locator("h1").count() == 1
    return page.locator("h1").inner_text().strip()


def test_start_page_to_strategy_to_field_to_measure(page: Any, crossref_server: LiveServer) -> None:
    page.goto(crossref_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("main").count() == 1
    click(page, path_of(crossref.ARMUT))
    assert heading(page) == title(crossref.ARMUT)
    assert page.url.endswith(path_of(crossref.ARMUT))
    click(page, path_of(crossref.FIELD_BILDUNG))
    assert heading(page) == title(crossref.FIELD_BILDUNG)
    click(page, path_of(crossref.CROSS_MEASURE))
    assert heading(page) == title(crossref.CROSS_MEASURE)
    # the measure serves fields of two strategies: both are linked by their labels
    for field in (crossref.FIELD_BILDUNG, crossref.FIELD_SPRACHE):
        assert page.locator(f'main a[href="{path_of(field)}"]').first.inner_text() == title(field)


def test_language_switch_keeps_english_while_clicking(
    page: Any, crossref_server: LiveServer
) -> None:
    page.goto(crossref_server.url + path_of(crossref.ARMUT))
    with page.expect_navigation():
        page.locator("header a.lang").click()
    assert page.locator("html").get_attribute("lang") == "en"
    click(page, path_of(crossref.FIELD_BILDUNG) + "?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert heading(page) == title(crossref.FIELD_BILDUNG, "en")


def test_jena_start_page_to_poverty_strategy_to_a_field(page: Any, jena_server: LiveServer) -> None:
    page.goto(jena_server.url + "/")
    click(page, "/jena/strategie/armutspraeventionsstrategie")
    assert heading(page) == "Armutspräventionsstrategie der Stadt Jena"
    click(page, "/jena/handlungsfeld/armutspraeventionsstrategie/bildung")
    assert heading(page) == "Bildung"
    assert page.locator("main").get_by_text("Handlungsfeld", exact=True).count() >= 1


def test_pages_work_without_javascript(browser: Any, jena_server: LiveServer) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(jena_server.url + "/")
        click(page, "/jena/strategie/10-punkte-aktionsplan-gegen-rassismus")
        assert heading(page) == "10-Punkte-Aktionsplan gegen Rassismus"
        click(page, "/jena/massnahme/antidiskriminierungsstelle")
        assert heading(page) == "Einrichtung der Antidiskriminierungsstelle der Stadt Jena"
        click(page, "/vocab/eccar/3")
        assert heading(page).startswith("Bessere Unterstützung")
    finally:
        context.close()
