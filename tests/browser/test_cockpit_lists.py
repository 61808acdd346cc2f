"""The cockpit's lists in Chromium: the measure list's filter form, ECCAR coverage and the
documentation status on Jena's real data, each also with JavaScript switched off."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import LiveServer

JENA = "https://w3id.org/sozialgraph/jena/"
PLAN = "jena/strategie/10-punkte-aktionsplan-gegen-rassismus"
IK_2025 = JENA + "strategie/integrationskonzept/fassung/2025"
PLAN_2021 = JENA + "strategie/10-punkte-aktionsplan-gegen-rassismus/fassung/2021"


def api_measures(server: LiveServer, **params: str) -> list[str]:
    body = httpx.get(server.url + "/api/measures", params={"limit": "500", **params}).json()
    return [item["iri"] for item in body["items"]]


def shown_rows(page: Any) -> list[str]:
    return [str(r.get_attribute("data-iri")) for r in page.locator("tbody tr[data-iri]").all()]


def test_filter_form_gives_the_rows_of_the_api(page: Any, jena_server: LiveServer) -> None:
    page.goto(jena_server.url + "/massnahmen")
    everything = shown_rows(page)
    assert sorted(everything) == sorted(api_measures(jena_server))
    page.select_option("#f-strategy", PLAN)
    with page.expect_navigation():
        page.get_by_role("button", name="Filtern").click()
    assert "strategy=" in page.url
    chosen = shown_rows(page)
    assert chosen and sorted(chosen) == sorted(api_measures(jena_server, strategy=PLAN))
    assert len(chosen) < len(everything)
    page.fill("#f-q", "Antidiskriminierung")
    with page.expect_navigation():
        page.locator("#f-q").press("Enter")
    narrowed = shown_rows(page)
    expected = api_measures(jena_server, strategy=PLAN, q="Antidiskriminierung")
    assert sorted(narrowed) == sorted(expected) and 0 < len(narrowed) < len(chosen)
    assert page.locator("#f-strategy").input_value() == PLAN  # the form keeps the selection


def test_sorting_by_a_column_header(page: Any, jena_server: LiveServer) -> None:
    page.goto(jena_server.url + "/massnahmen")
    first = shown_rows(page)
    with page.expect_navigation():
        page.locator("thead th a", has_text="Maßnahme").click()
    assert page.locator("thead th[aria-sort]").get_attribute("aria-sort") == "descending"
    assert shown_rows(page) == first[::-1]


def test_eccar_view_agrees_with_the_api(page: Any, jena_server: LiveServer) -> None:
    api = httpx.get(jena_server.url + "/api/commitments").json()
    page.goto(jena_server.url + "/eccar")
    rows = page.locator("tbody tr[data-commitment]")
    shown = {
        str(r.get_attribute("data-commitment")): int(str(r.get_attribute("data-count")))
        for r in rows.all()
    }
    assert shown == {c["iri"]: c["measure_count"] for c in api}
    gaps = [c for c in api if c["measure_count"] == 0]
    assert page.locator("tr.gap").count() == len(gaps) > 0
    assert page.get_by_text("Lücke: keine Maßnahme").count() == len(gaps)
    covered = next(c for c in api if c["measure_count"] > 0)
    with page.expect_navigation():
        page.locator(f'tr[data-commitment="{covered["iri"]}"] a.bar-link').click()
    assert page.url.split("?")[0].endswith("/massnahmen")
    assert sorted(shown_rows(page)) == sorted(api_measures(jena_server, commitment=covered["iri"]))
    assert len(shown_rows(page)) == covered["measure_count"]


def test_documentation_view_shows_0_of_8(page: Any, jena_server: LiveServer) -> None:
    page.goto(jena_server.url + "/dokumentationsstand")
    fields = page.locator(f'tr[data-version="{IK_2025}"] td.fields')
    assert fields.inner_text().strip().endswith("0 von 8")
    measures = page.locator(f'tr[data-version="{PLAN_2021}"] td.measures')
    assert "von 46" in measures.inner_text()


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/massnahmen", "tbody tr[data-iri]"),
        ("/eccar", "tbody tr[data-commitment]"),
        ("/dokumentationsstand", "tr[data-version]"),
    ],
)
def test_pages_show_their_content_without_javascript(
    browser: Any, jena_server: LiveServer, path: str, content: str
) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(jena_server.url + path)
        assert page.locator("h1").count() == 1 and page.locator("h1").is_visible()
        assert page.locator(content).count() > 0
        assert page.locator(content).first.is_visible()
    finally:
        context.close()


def test_filter_form_works_without_javascript(browser: Any, jena_server: LiveServer) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(jena_server.url + "/massnahmen")
        page.select_option("#f-commitment", "vocab/eccar/3")
        with page.expect_navigation():
            page.get_by_role("button", name="Filtern").click()
        expected = api_measures(jena_server, commitment="vocab/eccar/3")
        assert expected and sorted(shown_rows(page)) == sorted(expected)
    finally:
        context.close()
