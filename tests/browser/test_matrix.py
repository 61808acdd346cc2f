"""The cross-reference matrix in Chromium: reached by clicking from the start page, the
cross-strategy measure marked under both strategies in picture and table, the strategy filter
used by keyboard alone, and the page without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures import crossref
from tests.support import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = crossref.write_crossref_store(tmp_path_factory.mktemp("matrix-browser") / "store")
    with live_server(store, env={"SOZIALGRAPH_BASE_IRI": crossref.EX}) as live:
        yield live


def table_rows(page: Any) -> list[str]:
    return page.locator("table.matrix tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.measure)"
    )


def test_from_the_start_page_to_the_matrix_by_clicking(page: Any, server: LiveServer) -> None:
    page.goto(server.url + "/")
    with page.expect_navigation():
        page.locator('main a[href="/verflechtung"]').click()
    assert page.url.endswith("/verflechtung")
    assert page.locator("h1").inner_text().startswith("Verflechtung")


def test_cross_strategy_measure_is_marked_under_both_strategies(
    page: Any, server: LiveServer
) -> None:
    page.goto(server.url + "/verflechtung")
    measure = crossref.CROSS_MEASURE
    marked = page.locator(f'svg g.mark.strategy[data-measure="{measure}"]').evaluate_all(
        "marks => marks.map(m => m.dataset.strategy)"
    )
    assert sorted(marked) == sorted([crossref.ARMUT, crossref.INTEGRATION])
    assert page.locator(f'svg g.row.cross[data-measure="{measure}"] rect.cross-frame').count() == 1
    row = page.locator(f'table.matrix tr[data-measure="{measure}"]')
    assert "dient 2 Strategien" in row.locator("th").inner_text()
    # the table says the same: the marked cells sit under the two strategies' column groups
    groups = (
        page.locator("table.matrix thead tr")
        .first.locator("th")
        .evaluate_all("ths => ths.map(th => [th.innerText, th.colSpan])")
    )
    owners = [label for label, span in groups for _ in range(span)]
    cells = row.locator("td").evaluate_all("tds => tds.map(td => td.classList.contains('marked'))")
    marked_groups = {owners[i] for i, is_marked in enumerate(cells) if is_marked}
    assert any("Armutspräventionsstrategie" in g for g in marked_groups)
    assert any("Integrationskonzept" in g for g in marked_groups)
    assert len(marked_groups) == 2


def test_keyboard_only_changes_the_strategy_filter(page: Any, server: LiveServer) -> None:
    page.goto(server.url + "/verflechtung")
    before = table_rows(page)
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "matrix-strategy":
            break
    else:
        raise AssertionError("Tab never reached the strategy filter")
    wanted = page.locator("#matrix-strategy option", has_text="Integrationskonzept").get_attribute(
        "value"
    )
    for _ in range(10):
        if page.evaluate("document.activeElement.value") == wanted:
            break
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == wanted
    for _ in range(5):  # on to the form's button, then Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    assert page.evaluate("document.activeElement.closest('form').action").endswith("/verflechtung")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    after = table_rows(page)
    assert after != before
    assert sorted(after) == sorted([crossref.CROSS_MEASURE, crossref.ELTERNABENDE_MEASURE])
    assert page.locator("#matrix-strategy").input_value() == crossref.INTEGRATION


def test_the_matrix_works_without_javascript(browser: Any, server: LiveServer) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server.url + "/verflechtung")
        assert page.locator("svg.matrix-picture g.mark").count() > 0
        assert len(table_rows(page)) == len(crossref.MEASURES)
        page.select_option("#matrix-strategy", crossref.INTEGRATION)
        with page.expect_navigation():
            page.locator(".matrix-filter button[type=submit]").click()
        assert len(table_rows(page)) == 2
    finally:
        context.close()
