"""The cockpit's lists (issue 16, part A): the measure list with its downloads, ECCAR coverage,
the documentation status and the municipality switcher, in-process on real stores.

Each page must say what its JSON twin says: the measure list the rows of ``/api/measures`` for
the same filters, ECCAR coverage the numbers of ``/api/commitments``, the documentation status
those of ``/api/documentation-status`` (Jena: the Integrationskonzept names 0 of 8 fields).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from bench.generate import generate, ontology_quads
from sozialgraph.config import Settings
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.readmodel.measure_export import to_csv, to_xlsx
from sozialgraph.resources import queries_dir
from sozialgraph.store.embedded import EmbeddedStore
from tests.inprocess import app_client

JENA = "https://w3id.org/sozialgraph/jena/"
PLAN = "jena/strategie/10-punkte-aktionsplan-gegen-rassismus"
IK_2025 = JENA + "strategie/integrationskonzept/fassung/2025"
PLAN_2021 = JENA + PLAN.removeprefix("jena/") + "/fassung/2021"
EX = "https://example.org/"
TOWNS = 2

#: Filters of the measure list as a person picks them (ids or IRIs, as the API takes them).
JENA_FILTERS: list[dict[str, str]] = [
    {},
    {"strategy": PLAN},
    {"strategy": "jena/strategie/integrationskonzept"},
    {"commitment": "vocab/eccar/3"},
    {"status": "vocab/status/geplant"},
    {"body": "jena/organisation/buero-fuer-migration-und-integration"},
    {"target_group": "vocab/zielgruppe/von-rassismus-oder-diskriminierung-betroffene-menschen"},
    {"q": "rassismus"},
    {"municipality": "jena/organisation/stadt-jena", "strategy": PLAN, "q": "Rassismus"},
]


class Tags(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    def having(self, attribute: str, tag: str | None = None) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if attribute in a and (tag is None or t == tag)]

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jena(jena_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    copy = tmp_path_factory.mktemp("cockpit-jena") / "store"
    shutil.copytree(jena_store_dir, copy, symlinks=True)
    with app_client(Settings(store=str(copy))) as client:
        yield client


@pytest.fixture(scope="module")
def towns_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cockpit-towns") / "store"
    store = EmbeddedStore(path)
    store.rebuild([*ontology_quads(EX), *generate(TOWNS, measures_per_strategy=8)])
    store.close()
    return path


@pytest.fixture(scope="module")
def towns(towns_store: Path) -> Iterator[TestClient]:
    with app_client(Settings(store=str(towns_store), base_iri=EX)) as client:
        yield client


def town(number: int) -> str:
    return f"{EX}gemeinde-{number}/organisation/stadt"


def page(client: TestClient, path: str, **params: str) -> Tags:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return Tags(response.text)


def listed(client: TestClient, **params: str) -> list[str]:
    """The measures of the list page (every row: limit 500), in page order."""
    found = page(client, "/massnahmen", limit="500", **params)
    return [str(a["data-iri"]) for a in found.having("data-iri", "tr")]


def api_measures(client: TestClient, **params: str) -> list[str]:
    response = client.get("/api/measures", params={"limit": "500", **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return [item["iri"] for item in body["items"]]


# -- the measure list ----------------------------------------------------------------------------


@pytest.mark.parametrize("filters", JENA_FILTERS, ids=lambda f: "&".join(f) or "none")
def test_measure_list_shows_the_rows_of_the_api(jena: TestClient, filters: dict[str, str]) -> None:
    expected = api_measures(jena, **filters)
    assert sorted(listed(jena, **filters)) == sorted(expected)


def test_filters_select_something_and_differ(jena: TestClient) -> None:
    """The filters above are not all the whole list (a filter that ignored its value would pass)."""
    everything = set(api_measures(jena))
    sizes = {tuple(sorted(f)): len(api_measures(jena, **f)) for f in JENA_FILTERS[1:]}
    assert all(0 < n < len(everything) for n in sizes.values()), sizes


def test_identifier_order_pages_like_the_api(jena: TestClient) -> None:
    shown = listed(jena, sort="id")
    assert shown == api_measures(jena)
    found = page(jena, "/massnahmen", sort="id", limit="5", offset="5")
    rows = [a["data-iri"] for a in found.having("data-iri", "tr")]
    api = jena.get("/api/measures", params={"limit": "5", "offset": "5"}).json()
    assert rows == [item["iri"] for item in api["items"]]
    assert found.having("rel", "a") and {a["rel"] for a in found.having("rel", "a")} == {
        "prev",
        "next",
    }


def test_sorting_by_title_and_deadline(jena: TestClient) -> None:
    by_iri = {
        m["iri"]: m for m in jena.get("/api/measures", params={"limit": "500"}).json()["items"]
    }
    titles = [by_iri[iri]["labels"]["de"].casefold() for iri in listed(jena, sort="title")]
    assert titles == sorted(titles)
    assert listed(jena, sort="-title") == listed(jena, sort="title")[::-1]
    deadlines = [by_iri[iri]["deadline"] for iri in listed(jena, sort="deadline")]
    dated = [d for d in deadlines if d]
    assert dated and dated == sorted(dated)
    assert deadlines[: len(dated)] == dated  # measures without a deadline come last


def test_status_is_a_badge_with_words(jena: TestClient) -> None:
    found = page(jena, "/massnahmen", status="vocab/status/geplant")
    badges = [a for a in found.having("class", "span") if "status-badge" in str(a["class"])]
    assert badges and all("status-geplant" in str(a["class"]) for a in badges)
    assert "geplant" in found.text


def test_the_form_keeps_the_selection(jena: TestClient) -> None:
    found = page(jena, "/massnahmen", status="vocab/status/geplant", field="https://example.org/x")
    selected = {str(a["value"]) for t, a in found.tags if t == "option" and "selected" in a}
    assert {"vocab/status/geplant", "https://example.org/x", "title", "25"} == selected
    assert not found.having("data-iri", "tr")  # a field no measure serves: nothing matches


@pytest.mark.parametrize("filters", [{}, {"strategy": PLAN}, {"commitment": "vocab/eccar/3"}])
def test_csv_download_has_the_rows_of_the_selection(
    jena: TestClient, filters: dict[str, str]
) -> None:
    response = jena.get("/massnahmen.csv", params=filters)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["IRI", "Titel", "Status"]
    assert sorted(r[0] for r in rows[1:]) == sorted(api_measures(jena, **filters))


def test_xlsx_download_has_the_rows_of_the_selection(jena: TestClient) -> None:
    response = jena.get("/massnahmen.xlsx", params={"strategy": PLAN, "lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["IRI", "Title", "Status"]
    assert sorted(str(r[0]) for r in rows[1:]) == sorted(api_measures(jena, strategy=PLAN))


def test_download_links_carry_the_filters(jena: TestClient) -> None:
    found = page(jena, "/massnahmen", strategy=PLAN, sort="-deadline", offset="0")
    links = {str(a["href"]) for a in found.having("href", "a")}
    assert any(h.startswith("/massnahmen.csv?") and "strategy=" in h and "sort=-deadline" in h
               for h in links)  # fmt: skip
    assert any(h.startswith("/massnahmen.xlsx?") and "strategy=" in h for h in links)


def test_spreadsheet_text_is_never_a_formula() -> None:
    rows = [["IRI", "Titel"], ["https://example.org/m", '=HYPERLINK("http://x")']]
    text = to_csv(rows).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(rows, "Maßnahmen"))).active
    assert sheet is not None
    assert sheet["B2"].value == '=HYPERLINK("http://x")' and sheet["B2"].data_type == "s"


# -- ECCAR coverage --------------------------------------------------------------------------------


def eccar_numbers(found: Tags) -> dict[str, int]:
    return {
        str(a["data-commitment"]): int(str(a["data-count"])) for a in found.having("data-count")
    }


def test_eccar_page_shows_the_numbers_of_the_api(jena: TestClient) -> None:
    api = {c["iri"]: c["measure_count"] for c in jena.get("/api/commitments").json()}
    found = page(jena, "/eccar")
    assert eccar_numbers(found) == api and len(api) == 10
    gaps = [iri for iri, n in api.items() if n == 0]
    assert gaps and found.text.count("Lücke: keine Maßnahme") == len(gaps)
    gap_rows = [a for t, a in found.tags if t == "tr" and a.get("class") == "gap"]
    assert len(gap_rows) == len(gaps)  # marked by more than colour: words, ⚠ and a pattern
    assert found.having("fill", "rect") and "url(#gap-hatch)" in {
        a["fill"] for a in found.having("fill", "rect")
    }


def test_each_eccar_bar_links_to_its_measures(jena: TestClient) -> None:
    found = page(jena, "/eccar")
    links = [str(a["href"]) for a in found.having("class", "a") if a["class"] == "bar-link"]
    assert len(links) == 10
    covered = next(c for c in jena.get("/api/commitments").json() if c["measure_count"] > 0)
    link = next(h for h in links if h.endswith("commitment=" + covered["id"].replace("/", "%2F")))
    rows = Tags(jena.get(link).text).having("data-iri", "tr")
    assert len(rows) == covered["measure_count"]
    assert {a["data-iri"] for a in rows} == set(api_measures(jena, commitment=covered["iri"]))


# -- the documentation status --------------------------------------------------------------------


def test_documentation_status_of_jena(jena: TestClient) -> None:
    status = jena.get("/api/documentation-status").json()
    versions = {v["version"]["iri"]: (s, v) for s in status["strategies"] for v in s["versions"]}
    _, ik = versions[IK_2025]
    assert ik["fields_named"] == 0
    assert [(c["counted"], c["stated"]) for c in ik["stated"]] == [("fields", 8)]
    assert ik["stated"][0]["sources"] == ["https://familie-jugend-soziales.jena.de/de/node/1054"]
    plan, plan_2021 = versions[PLAN_2021]
    assert [(c["counted"], c["stated"]) for c in plan_2021["stated"]] == [("measures", 46)]
    assert plan["measures_known"] == len(api_measures(jena, strategy=PLAN))
    assert set(plan["sources_by_kind"]) <= {
        "official", "press", "partisan", "aggregator", "network", "other"
    }  # fmt: skip
    found = page(jena, "/dokumentationsstand")
    row = found.text.split("Aktualisierung 2024 (beschlossen 2025)")[1][:80]
    assert "0 von 8" in row
    stated = {str(a["data-version"]) for a in found.having("data-version", "tr")}
    assert {IK_2025, PLAN_2021} <= stated
    cells = [a for a in found.having("data-stated", "td") if a["data-stated"] == "46"]
    assert len(cells) == 1


def test_documentation_status_in_english(jena: TestClient) -> None:
    found = page(jena, "/dokumentationsstand", lang="en")
    assert "Documentation status" in found.text and "0 of 8" in found.text
    assert found.tags[0] == ("html", {"lang": "en"})


# -- several municipalities ----------------------------------------------------------------------


def test_no_switcher_for_one_municipality(jena: TestClient) -> None:
    for path in ("/eccar", "/dokumentationsstand", "/massnahmen"):
        found = page(jena, path)
        assert not [a for a in found.having("name", "select") if a["name"] == "municipality"]


@pytest.mark.parametrize("path", ["/eccar", "/dokumentationsstand", "/massnahmen"])
def test_switcher_lists_the_towns(towns: TestClient, path: str) -> None:
    found = page(towns, path)
    selects = [a for a in found.having("name", "select") if a["name"] == "municipality"]
    assert len(selects) == 1
    values = {a["value"] for a in found.having("value", "option")}
    assert {town(n).removeprefix(EX) for n in (1, 2)} <= values  # ids below the base IRI


@pytest.mark.parametrize("number", range(1, TOWNS + 1))
def test_municipality_filter_keeps_one_town(towns: TestClient, number: int) -> None:
    mine = listed(towns, municipality=town(number))
    assert mine and sorted(mine) == sorted(api_measures(towns, municipality=town(number)))
    assert all(iri.startswith(f"{EX}gemeinde-{number}/") for iri in mine)
    api = {c["iri"]: c["measure_count"] for c in towns.get(
        "/api/commitments", params={"municipality": town(number)}).json()}  # fmt: skip
    assert eccar_numbers(page(towns, "/eccar", municipality=town(number))) == api
    status = towns.get("/api/documentation-status", params={"municipality": town(number)}).json()
    assert status["strategies"] and {s["municipality"]["iri"] for s in status["strategies"]} == {
        town(number)
    }
    found = page(towns, "/dokumentationsstand", municipality=town(number))
    shown = {str(a["data-strategy"]) for a in found.having("data-strategy")}
    assert shown == {s["strategy"]["iri"] for s in status["strategies"]}


def test_towns_together_are_the_whole(towns: TestClient) -> None:
    everything = api_measures(towns)
    parts = [listed(towns, municipality=town(n)) for n in range(1, TOWNS + 1)]
    assert sorted(everything) == sorted(iri for part in parts for iri in part)
    whole = towns.get("/api/documentation-status").json()["strategies"]
    assert sum(s["measures_known"] for s in whole) == sum(
        s["measures_known"]
        for n in range(1, TOWNS + 1)
        for s in towns.get("/api/documentation-status", params={"municipality": town(n)}).json()[
            "strategies"
        ]
    )
    municipalities = towns.get("/api/municipalities").json()
    assert [m["iri"] for m in municipalities if m["iri"] in (town(1), town(2))]
    assert {m["iri"] for m in municipalities} == {town(n) for n in range(1, TOWNS + 1)}


# -- bad input, English ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/massnahmen", {"strategy": "not an iri"}),
        ("/massnahmen", {"municipality": "<x>"}),
        ("/massnahmen", {"sort": "price"}),
        ("/massnahmen", {"limit": "0"}),
        ("/massnahmen", {"limit": "100000"}),
        ("/massnahmen", {"offset": "-1"}),
        ("/massnahmen", {"q": "x" * 201}),
        ("/massnahmen.csv", {"commitment": "eccar 3"}),
        ("/massnahmen.pdf", {}),
        ("/eccar", {"municipality": "a b"}),
        ("/dokumentationsstand", {"municipality": "https://example.org/{x}"}),
        ("/api/documentation-status", {"municipality": "a b"}),
    ],
)
def test_bad_values_are_a_4xx_with_a_reason(
    jena: TestClient, path: str, params: dict[str, str]
) -> None:
    response = jena.get(path, params=params)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if response.status_code != 404:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"]


NASTY = ["\x00", "ä ö", "https://", "http://x/\u2028", "<script>", "%ZZ", "a" * 1999, "-1", "💥"]


@pytest.mark.parametrize(
    "path", ["/massnahmen", "/massnahmen.xlsx", "/eccar", "/dokumentationsstand"]
)
def test_no_value_makes_a_server_error(jena: TestClient, path: str) -> None:
    names = ["municipality", "strategy", "field", "commitment", "status", "body", "target_group",
             "q", "sort", "limit", "offset"]  # fmt: skip
    for name in names:
        for value in NASTY:
            response = jena.get(path, params={name: value})
            assert response.status_code < 500, (name, value, response.text)
            if response.headers["content-type"].startswith("text/html"):
                assert "<script>" not in response.text  # every value reaches a page escaped


def test_english_pages(jena: TestClient) -> None:
    found = page(jena, "/massnahmen", lang="en")
    assert found.tags[0] == ("html", {"lang": "en"}) and "Measures" in found.text
    assert "Filters" in found.text and "Download the selection" in found.text
    by_header = jena.get("/eccar", headers={"Accept-Language": "en"})
    assert "ECCAR: commitments and their measures" in Tags(by_header.text).text
    switch = page(jena, "/massnahmen", lang="en", q="Rassismus").having("hreflang", "a")
    assert [a["href"] for a in switch] == ["?lang=de&q=Rassismus"]  # the selection stays


def test_navigation_and_start_page_link_the_cockpit(jena: TestClient) -> None:
    for path in ("/", "/massnahmen"):
        response = jena.get(path, headers={"Accept": "text/html"})
        hrefs = {str(a["href"]) for a in Tags(response.text).having("href", "a")}
        assert {"/massnahmen", "/verflechtung", "/eccar", "/dokumentationsstand"} <= hrefs


# -- the named queries behind the pages ----------------------------------------------------------


def _rows(store: EmbeddedStore, text: str) -> list[dict[str, Any]]:
    result = store.query(text)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("documentation-status", "strategy"),
        ("strategy-contents", "strategy"),
        ("stated-counts", "strategy"),
        ("source-kinds", "strategy"),
        ("measure-sort-keys", "measure"),
        ("measure-facets", None),
    ],
)
def test_scoped_query_is_the_towns_part(towns_store: Path, name: str, column: str | None) -> None:
    registry = QueryRegistry(queries_dir())
    query = registry.get(name)
    store = EmbeddedStore(towns_store, read_only=True)
    try:
        everything = _rows(store, query.bind({}))
        for number in range(1, TOWNS + 1):
            scoped = _rows(store, query.bind({"municipality": town(number)}))
            if column is None:  # facets: every value of the town belongs to it or is shared
                assert scoped and all(
                    r["value"].startswith((f"{EX}gemeinde-{number}/", "https://w3id.org/"))
                    for r in scoped
                )
                continue
            mine = [r for r in everything if r[column].startswith(f"{EX}gemeinde-{number}/")]
            assert sorted(map(repr, scoped)) == sorted(map(repr, mine)), name
    finally:
        store.close()
