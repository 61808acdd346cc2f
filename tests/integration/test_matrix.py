"""The cross-reference matrix (``/verflechtung``): picture, table, CSV and PNG agree with
``/api/crossref``; filters, pages and bad parameters; on the Musterstadt fixture, whose
``bildungslotsen`` serves two strategies."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from defusedxml import ElementTree
from fastapi.testclient import TestClient
from PIL import Image

from sozialgraph.config import Settings
from tests.fixtures import crossref as town
from tests.inprocess import app_client

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = town.write_crossref_store(tmp_path_factory.mktemp("matrix") / "store")
    with app_client(Settings(store=str(store), base_iri=town.EX)) as client:
        yield client


class TableRows(HTMLParser):
    """The body rows of ``table.matrix``: (measure IRI, row header text, marks, cross)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self.header_cells = 0
        self._in_table = self._in_body = self._in_th = self._in_head_row = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and "matrix" in (found.get("class") or ""):
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_table and tag == "th" and found.get("scope") == "col":
            self.header_cells += 1
        elif self._in_body and tag == "tr":
            self.rows.append(
                {
                    "iri": found.get("data-measure"),
                    "cross": "cross" in (found.get("class") or ""),
                    "label": "",
                    "marks": [],
                }
            )
        elif self._in_body and tag == "th":
            self._in_th = True
        elif self._in_body and tag == "td":
            self.rows[-1]["marks"].append("marked" in (found.get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = self._in_body = False
        elif tag == "th":
            self._in_th = False

    def handle_data(self, data: str) -> None:
        if self._in_th and self.rows:
            self.rows[-1]["label"] += data


def table_of(html: str) -> TableRows:
    parser = TableRows()
    parser.feed(html)
    return parser


def svg_pairs(text: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]], set[str]]:
    """(measure, strategy) and (measure, commitment) marks and the framed rows of a picture."""
    root = ElementTree.fromstring(text)
    strategies, commitments, cross = set(), set(), set()
    for group in root.iter(SVG + "g"):
        classes = (group.get("class") or "").split()
        if "mark" in classes and "strategy" in classes:
            pair = (group.get("data-measure"), group.get("data-strategy"))
            assert pair not in strategies, f"two marks for {pair}"
            strategies.add(pair)
        elif "mark" in classes and "commitment" in classes:
            commitments.add((group.get("data-measure"), group.get("data-commitment")))
        elif "row" in classes and "cross" in classes:
            cross.add(group.get("data-measure"))
    return strategies, commitments, cross


def api_pairs(document: dict) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    rows = document["measures"]
    return (
        {(r["measure"]["iri"], s) for r in rows for s in r["strategies"]},
        {(r["measure"]["iri"], c) for r in rows for c in r["commitments"]},
    )


def test_svg_is_well_formed_with_one_mark_per_pair_of_the_api(client: TestClient) -> None:
    response = client.get("/verflechtung.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    strategies, commitments, _ = svg_pairs(response.text)
    expected_strategies, expected_commitments = api_pairs(client.get("/api/crossref").json())
    assert strategies == expected_strategies
    assert commitments == expected_commitments
    assert (town.CROSS_MEASURE, town.INTEGRATION) in strategies


def test_the_cross_strategy_measure_stands_out_under_both_strategies(client: TestClient) -> None:
    page = client.get("/verflechtung")
    assert page.status_code == 200
    strategies, _, framed = svg_pairs(
        page.text[page.text.index("<svg") : page.text.index("</svg>") + 6]
    )
    assert framed == {town.CROSS_MEASURE}
    assert {s for m, s in strategies if m == town.CROSS_MEASURE} == {town.ARMUT, town.INTEGRATION}
    rows = {r["iri"]: r for r in table_of(page.text).rows}
    cross = rows[town.CROSS_MEASURE]
    assert cross["cross"] and "2" in cross["label"] and "◆" in cross["label"]
    assert [iri for iri, row in rows.items() if row["cross"]] == [town.CROSS_MEASURE]
    # the umbrella does not make the counselling service a cross-strategy measure
    assert not rows[town.NO_FIELD_MEASURE]["cross"]
    document = client.get("/api/crossref").json()
    flags = {r["measure"]["iri"]: r["cross_strategy"] for r in document["measures"]}
    assert [iri for iri, flag in flags.items() if flag] == [town.CROSS_MEASURE]


def test_table_marks_the_cross_measure_in_columns_of_both_strategies(client: TestClient) -> None:
    rows = list(csv.reader(io.StringIO(client.get("/verflechtung.csv").text)))
    header, body = rows[0], {r[1]: r for r in rows[1:]}
    marked = [header[i] for i, cell in enumerate(body[town.CROSS_MEASURE]) if cell == "x"]
    assert marked == [
        "Armutspräventionsstrategie Musterstadt – Bildung",
        "Integrationskonzept Musterstadt – Sprache und Bildung",
    ]


def test_csv_equals_the_table(client: TestClient) -> None:
    page = table_of(client.get("/verflechtung").text)
    response = client.get("/verflechtung.csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert len(rows[0]) - 3 == page.header_cells
    assert len(rows) - 1 == len(page.rows) == len(town.MEASURES)
    for line, row in zip(rows[1:], page.rows, strict=True):
        assert line[1] == row["iri"]
        assert line[0] in row["label"]
        assert (line[2] == "ja") == row["cross"]
        assert [cell == "x" for cell in line[3:]] == row["marks"]


def test_png_is_a_png_of_the_picture(client: TestClient, tmp_path: Path) -> None:
    response = client.get("/verflechtung.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(response.content))
    root = ElementTree.fromstring(client.get("/verflechtung.svg").text)
    assert image.size == (int(root.get("width")), int(root.get("height")))


def test_strategy_filter_gives_the_measures_of_the_strategy(client: TestClient) -> None:
    response = client.get("/verflechtung.csv", params={"strategy": town.INTEGRATION})
    iris = [r[1] for r in list(csv.reader(io.StringIO(response.text)))[1:]]
    api = client.get("/api/measures", params={"strategy": town.INTEGRATION}).json()
    assert iris == sorted(m["iri"] for m in api["items"])
    assert set(iris) == {town.CROSS_MEASURE, town.ELTERNABENDE_MEASURE}
    page = client.get("/verflechtung", params={"strategy": town.INTEGRATION}).text
    assert f'<option value="{town.INTEGRATION}" selected>' in page


@pytest.fixture(scope="module")
def towns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Two generated towns (``bench/generate.py``): a store of several municipalities."""
    from bench.generate import generate, ontology_quads
    from sozialgraph.store.embedded import EmbeddedStore

    path = tmp_path_factory.mktemp("matrix-towns") / "store"
    store = EmbeddedStore(path)
    store.rebuild([*ontology_quads(town.EX), *generate(2, measures_per_strategy=8)])
    store.close()
    with app_client(Settings(store=str(path), base_iri=town.EX)) as client:
        yield client


def test_municipality_filter_keeps_the_town_and_shows_all_its_strategies(
    towns: TestClient,
) -> None:
    first = town.EX + "gemeinde-1/organisation/stadt"
    everything = towns.get("/verflechtung.csv", params={"per_page": 500}).text
    scoped = towns.get("/verflechtung.csv", params={"municipality": first, "per_page": 500})
    all_iris = [r[1] for r in list(csv.reader(io.StringIO(everything)))[1:]]
    own = [r[1] for r in list(csv.reader(io.StringIO(scoped.text)))[1:]]
    assert own == [iri for iri in all_iris if iri.startswith(town.EX + "gemeinde-1/")] != []
    document = towns.get("/api/crossref", params={"municipality": first}).json()
    assert len(document["strategies"]) == 4
    assert len(document["commitments"]) == 10
    assert all(s["iri"].startswith(town.EX + "gemeinde-1/") for s in document["strategies"])
    page = towns.get("/verflechtung", params={"municipality": first}).text
    # the cockpit's one switcher (ids below the base IRI), the town chosen
    assert '<option value="gemeinde-1/organisation/stadt" selected>' in page
    assert '<option value="gemeinde-2/organisation/stadt">' in page


def test_a_cross_strategy_measure_of_a_generated_town_is_marked_twice(towns: TestClient) -> None:
    first = town.EX + "gemeinde-1/organisation/stadt"
    document = towns.get("/api/crossref", params={"municipality": first}).json()
    umbrellas = set(document["umbrellas"])
    crossing = [r for r in document["measures"] if len(set(r["strategies"]) - umbrellas) >= 2]
    assert crossing and all(r["cross_strategy"] for r in crossing)
    strategies, _, framed = svg_pairs(
        towns.get("/verflechtung.svg", params={"municipality": first, "per_page": 500}).text
    )
    assert framed == {r["measure"]["iri"] for r in crossing}
    for row in crossing:
        assert {s for m, s in strategies if m == row["measure"]["iri"]} == set(row["strategies"])


def test_pages_split_the_measures_without_losing_one(client: TestClient) -> None:
    seen = []
    for number in (1, 2, 3):
        response = client.get("/verflechtung.csv", params={"per_page": 2, "page": number})
        seen += [r[1] for r in list(csv.reader(io.StringIO(response.text)))[1:]]
    assert seen == sorted(town.MEASURES)
    page = client.get("/verflechtung", params={"per_page": 2, "page": 2}).text
    assert "Seite 2 von 3" in page and 'aria-current="page"' in page
    assert len(table_of(page).rows) == 2
    assert client.get("/verflechtung", params={"per_page": 2, "page": 4}).status_code == 404


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"page": "0"}, 400),
        ({"page": "x"}, 400),
        ({"per_page": "501"}, 400),
        ({"municipality": "organisation/keine-stadt"}, 404),
        ({"strategy": town.EX + "strategie/gibt-es-nicht"}, 404),
        ({"strategy": "x" * 3000}, 400),
    ],
)
def test_bad_parameters_are_refused_with_4xx(client: TestClient, query: dict, status: int) -> None:
    for path in ("/verflechtung", "/verflechtung.csv"):
        response = client.get(path, params=query)
        assert response.status_code == status, (path, query, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_an_unknown_download_format_is_refused(client: TestClient) -> None:
    assert client.get("/verflechtung.gif").status_code in (400, 404)


def test_the_api_document_keeps_its_fields_and_adds_fields_of_action(client: TestClient) -> None:
    document = client.get("/api/crossref").json()
    assert {"strategies", "commitments", "measures"} <= set(document)
    assert len(document["commitments"]) == 10
    row = next(r for r in document["measures"] if r["measure"]["iri"] == town.CROSS_MEASURE)
    assert {"measure", "strategies", "commitments"} <= set(row)
    assert set(row["fields"]) == {town.FIELD_BILDUNG, town.FIELD_SPRACHE}
    owners = {f["iri"]: f["strategy"] for f in document["fields"]}
    assert owners[town.FIELD_BILDUNG] == town.ARMUT
    assert owners[town.FIELD_SPRACHE] == town.INTEGRATION


def test_english_page(client: TestClient) -> None:
    page = client.get("/verflechtung", params={"lang": "en"}).text
    assert '<html lang="en">' in page
    assert "<h1>Cross-references: measures, strategies and ECCAR commitments</h1>" in page
    assert "Education guides" in page
    assert "serves 2 strategies" in page


def test_start_page_and_strategy_pages_link_to_the_matrix(client: TestClient) -> None:
    home = client.get("/", headers={"Accept": "text/html"}).text
    assert 'href="/verflechtung"' in home
    strategy = client.get(
        "/" + town.ARMUT.removeprefix(town.EX), headers={"Accept": "text/html"}
    ).text
    link = "/verflechtung?strategy=https%3A//example.org/musterstadt/strategie/armutspraevention"
    assert f'href="{link}"' in strategy
    assert 'href="/verlauf/musterstadt/strategie/armutspraevention"' in strategy
    assert (
        "/verflechtung?"
        not in client.get(
            "/" + town.CROSS_MEASURE.removeprefix(town.EX), headers={"Accept": "text/html"}
        ).text
    )


def test_api_pages_are_the_pages_of_the_matrix(client: TestClient) -> None:
    page = client.get("/api/crossref", params={"limit": 2, "offset": 2}).json()
    assert (page["total"], page["limit"], page["offset"]) == (len(town.MEASURES), 2, 2)
    csv_rows = list(csv.reader(io.StringIO(client.get("/verflechtung.csv?per_page=2&page=2").text)))
    assert [r["measure"]["iri"] for r in page["measures"]] == [r[1] for r in csv_rows[1:]]
    assert client.get("/api/crossref", params={"limit": 0}).status_code == 400


TOKEN = "matrix-test-token-0123456789"
NEW_MEASURE = town.EX + "musterstadt/massnahme/sprachcafe"
NEW_MEASURE_TURTLE = f"""
@prefix sg: <https://w3id.org/sozialgraph/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{NEW_MEASURE}> a sg:Measure ;
    dcterms:title "Sprachcafé"@de , "Language café"@en ;
    sg:belongsToStrategy <{town.ARMUT}> ;
    sg:servesField <{town.FIELD_SPRACHE}> ;
    dcterms:source <{town.SOURCE}> .
"""


def test_a_write_changes_the_matrix_at_once(tmp_path: Path) -> None:
    store = town.write_crossref_store(tmp_path / "store")
    settings = Settings(store=str(store), base_iri=town.EX, write_tokens=f"officer:{TOKEN}")
    with app_client(settings) as client:
        before = client.get("/verflechtung.svg").text
        assert NEW_MEASURE not in before
        written = client.put(
            "/graph-store",
            params={"graph": town.EX + "graph/import/sprachcafe"},
            content=NEW_MEASURE_TURTLE.encode(),
            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
        )
        assert written.status_code in (200, 201, 204), written.text
        strategies, _, framed = svg_pairs(client.get("/verflechtung.svg").text)
        assert NEW_MEASURE in framed
        assert {s for m, s in strategies if m == NEW_MEASURE} == {town.ARMUT, town.INTEGRATION}
