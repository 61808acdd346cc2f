"""The cockpit pages' shared rules (issue 16): one municipality switcher and one answer to an
unknown municipality on every page, and whole answers kept per store version, so that a write
shows at once on every page.

In-process on real stores: the Musterstadt fixture (one town, written to through the graph
store protocol) and two generated towns (``bench/generate.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bench.generate import generate, ontology_quads
from sozialgraph.config import Settings
from sozialgraph.store.embedded import EmbeddedStore
from tests.fixtures import crossref as town
from tests.inprocess import app_client

EX = "https://example.org/"
#: The cockpit pages that take ``?municipality=``, with a download of each that has one.
PAGES = ("/massnahmen", "/verflechtung", "/eccar", "/dokumentationsstand")
DOWNLOADS = ("/massnahmen.csv", "/massnahmen.xlsx", "/verflechtung.csv", "/verflechtung.svg")
TIMELINE = "/verlauf/musterstadt/strategie/armutspraevention"


def town_iri(number: int) -> str:
    return f"{EX}gemeinde-{number}/organisation/stadt"


@pytest.fixture(scope="module")
def towns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("cockpit-cache-towns") / "store"
    store = EmbeddedStore(path)
    store.rebuild([*ontology_quads(EX), *generate(2, measures_per_strategy=6)])
    store.close()
    with app_client(Settings(store=str(path), base_iri=EX)) as client:
        yield client


@pytest.fixture(scope="module")
def musterstadt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = town.write_crossref_store(tmp_path_factory.mktemp("cockpit-cache-one") / "store")
    with app_client(Settings(store=str(store), base_iri=EX)) as client:
        yield client


def switchers(html: str) -> list[str]:
    """The municipality switchers of a page: each form that holds a ``municipality`` select."""
    return re.findall(r'<form class="municipality-switch"[^>]*>.*?</form>', html, re.S)


# -- one switcher --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_cockpit_page_has_the_one_switcher(towns: TestClient, path: str) -> None:
    html = towns.get(path, params={"municipality": town_iri(2)}).text
    (form,) = switchers(html)
    assert f'action="{path}"' in form
    assert re.findall(r'<select[^>]*name="municipality"', html) == [
        '<select id="municipality-switch" name="municipality"'
    ]  # no page has a second municipality select of its own
    options = re.findall(r'<option value="([^"]*)"( selected)?>', form)
    assert options == [
        ("", ""),
        ("gemeinde-1/organisation/stadt", ""),
        ("gemeinde-2/organisation/stadt", " selected"),
    ]


@pytest.mark.parametrize("path", ["/massnahmen", "/verflechtung"])
def test_a_pages_own_filters_keep_the_chosen_town(towns: TestClient, path: str) -> None:
    html = towns.get(path, params={"municipality": town_iri(1)}).text
    kept = f'<input type="hidden" name="municipality" value="{town_iri(1)}">'
    assert html.count(kept) == 1  # in the page's own filter form, not in the switcher
    assert kept not in switchers(html)[0]


@pytest.mark.parametrize("path", PAGES)
def test_one_municipality_has_no_switcher(musterstadt: TestClient, path: str) -> None:
    html = musterstadt.get(path).text
    assert switchers(html) == [] and 'name="municipality"' not in html


# -- an unknown municipality -----------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES + DOWNLOADS)
@pytest.mark.parametrize("value", [EX + "gemeinde-9/organisation/stadt", "gemeinde-1/strategie"])
def test_a_town_the_store_does_not_hold_is_404_naming_the_parameter(
    towns: TestClient, path: str, value: str
) -> None:
    response = towns.get(path, params={"municipality": value})
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "municipality" in response.json()["detail"]
    html = towns.get(path, params={"municipality": value}, headers={"Accept": "text/html"})
    assert html.status_code == 404 and "municipality" in html.text


@pytest.mark.parametrize("path", PAGES)
def test_what_is_no_iri_is_400(towns: TestClient, path: str) -> None:
    response = towns.get(path, params={"municipality": "https://example.org/a b"})
    assert response.status_code == 400, response.text
    assert "municipality" in response.json()["detail"]


def test_the_json_api_keeps_answering_an_empty_list(towns: TestClient) -> None:
    response = towns.get("/api/measures", params={"municipality": EX + "gemeinde-9/x"})
    assert response.status_code == 200 and response.json()["items"] == []


# -- whole answers per store version -----------------------------------------------------------


TOKEN = "cockpit-cache-token-0123456789"
NEW_MEASURE = town.CITY + "massnahme/lesepaten"
NEW_VERSION = town.ARMUT + "/fassung/2030"
WRITTEN = f"""
@prefix sg: <https://w3id.org/sozialgraph/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{NEW_MEASURE}> a sg:Measure ;
    dcterms:title "Lesepatenschaften"@de , "Reading mentors"@en ;
    sg:belongsToStrategy <{town.ARMUT}> ;
    sg:servesField <{town.FIELD_BILDUNG}> ;
    sg:implementsCommitment <{town.ECCAR}7> ;
    dcterms:source <{town.SOURCE}> .
<{NEW_VERSION}> a sg:StrategyVersion ;
    dcterms:title "Armutspräventionsstrategie, Fassung 2030"@de ,
        "Poverty prevention strategy, 2030 version"@en ;
    sg:versionOf <{town.ARMUT}> ;
    dcterms:issued "2030"^^xsd:gYear ;
    dcterms:source <{town.SOURCE}> .
"""


def test_a_write_shows_at_once_on_every_cockpit_page(tmp_path: Path) -> None:
    store = town.write_crossref_store(tmp_path / "store")
    settings = Settings(store=str(store), base_iri=EX, write_tokens=f"officer:{TOKEN}")
    paths = [*PAGES, *DOWNLOADS, TIMELINE]
    with app_client(settings) as client:
        before = {}
        for path in paths:
            first = client.get(path)
            again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
            assert first.status_code == 200 and again.status_code == 304, path  # kept
            before[path] = (first.headers["etag"], first.content)
        eccar_7 = _eccar_count(client.get("/eccar").text)
        written = client.put(
            "/graph-store",
            params={"graph": EX + "graph/import/lesepaten"},
            content=WRITTEN.encode(),
            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
        )
        assert written.status_code in (200, 201, 204), written.text
        for path in paths:
            after = client.get(path)
            assert after.status_code == 200, path
            assert after.headers["etag"] != before[path][0], path
            assert after.content != before[path][1], path
        assert NEW_MEASURE in client.get("/massnahmen").text
        assert NEW_MEASURE in client.get("/verflechtung.csv").text
        assert _eccar_count(client.get("/eccar").text) == eccar_7 + 1
        assert "Fassung 2030" in client.get("/dokumentationsstand").text
        assert "Fassung 2030" in client.get(TIMELINE).text


def _eccar_count(html: str) -> int:
    found = re.search(r'data-commitment="[^"]*/eccar/7" data-count="(\d+)"', html)
    assert found, "ECCAR commitment 7 is not on the page"
    return int(found.group(1))
