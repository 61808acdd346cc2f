"""Full-text search on the text index: Jena's data and generated towns, in-process.

The app runs on a private copy of the store (``tests.inprocess.app_client``); the index is made
at start-up in the state folder and renewed when a test writes to the store directly.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import generate, ontology_quads
from sozialgraph.config import Settings
from sozialgraph.store.embedded import EmbeddedStore
from tests.inprocess import app_client

JENA = "https://w3id.org/sozialgraph/jena/"
SG = "https://w3id.org/sozialgraph/ontology#"
DCT = "http://purl.org/dc/terms/"
EX = "https://example.org/"
DECISION = JENA + "beschluss/25-0529-bv"


@pytest.fixture(scope="module")
def jena(jena_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    copy = tmp_path_factory.mktemp("search-jena") / "store"
    shutil.copytree(jena_store_dir, copy, symlinks=True)
    with app_client(Settings(store=str(copy), search_index_wait=60)) as client:
        yield client


@pytest.fixture(scope="module")
def towns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, EmbeddedStore]]:
    path = tmp_path_factory.mktemp("search-towns") / "store"
    store = EmbeddedStore(path)
    store.rebuild([*ontology_quads(EX), *generate(3, measures_per_strategy=6)])
    settings = Settings(store=str(path), base_iri=EX, search_index_wait=60)
    with app_client(settings, store=store) as client:
        yield client, store
    store.close()


def search(client: TestClient, q: str, **params: object) -> dict:
    response = client.get("/api/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["engine"] == "index"
    return body


def iris(body: dict) -> list[str]:
    return [hit["iri"] for hit in body["hits"]]


# -- analysis: folding and stemming ------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["Armutsprävention", "Armutspraevention", "Armutspravention", "ARMUTSPRÄVENTION"]
)
def test_umlauts_are_found_however_they_are_written(jena: TestClient, written: str) -> None:
    reference = search(jena, "Armutsprävention", limit=100)
    body = search(jena, written, limit=100)
    assert body["total"] == reference["total"] > 0
    assert set(iris(body)) == set(iris(reference))


@pytest.mark.parametrize("written", ["Maßnahme", "Massnahme", "Massnahmen", "Maßnahmen"])
def test_sharp_s_and_plural_find_the_same_measures(jena: TestClient, written: str) -> None:
    reference = search(jena, "Maßnahme", limit=100)
    body = search(jena, written, limit=100)
    assert body["total"] == reference["total"] > 50
    assert set(iris(body)) == set(iris(reference))


def test_german_stemming_finds_the_singular_from_the_plural(jena: TestClient) -> None:
    body = search(jena, "Kampagnen")
    assert JENA + "massnahme/kampagne-jenaschauhin" in iris(body)
    assert body["hits"][0]["iri"] == JENA + "massnahme/kampagne-jenaschauhin"


def test_english_stemming(jena: TestClient) -> None:
    body = search(jena, "strategies", lang="en", limit=50)
    assert body["total"] > 0
    assert any("<mark>strateg" in (h["snippet"] or "").lower() for h in body["hits"])


def test_a_decision_number_finds_the_decision_first(jena: TestClient) -> None:
    body = search(jena, "25/0529-BV")
    assert body["hits"][0]["iri"] == DECISION
    assert body["hits"][0]["type"] == SG + "CouncilDecision"
    assert body["hits"][0]["snippet"] == "<mark>25/0529-BV</mark>"


def test_a_quoted_phrase_needs_the_words_in_that_order(jena: TestClient) -> None:
    phrase = search(jena, '"Stadt Jena"', limit=100)
    reversed_words = search(jena, '"Jena Stadt"', limit=100)
    loose = search(jena, "Stadt Jena", limit=100)
    assert 0 < phrase["total"] < loose["total"]
    assert reversed_words["total"] < phrase["total"]
    assert JENA + "organisation/stadt-jena" in iris(phrase)


def test_one_typo_is_tolerated_in_long_words(jena: TestClient) -> None:
    body = search(jena, "Antidiskriminirung")  # one letter missing
    assert body["total"] > 0
    assert "https://w3id.org/sozialgraph/vocab/thema/antidiskriminierung" in iris(body)
    assert search(jena, "Kampagme")["total"] > 0  # a wrong letter


def test_the_last_word_is_a_prefix_as_you_type(jena: TestClient) -> None:
    body = search(jena, "Antidiskr")
    assert JENA + "organisation/antidiskriminierungsstelle" in iris(body)


def test_filters_by_type(jena: TestClient) -> None:
    body = search(jena, "Maßnahme", type=SG + "Measure", limit=100)
    assert body["total"] > 0
    assert all(SG + "Measure" in hit["types"] for hit in body["hits"])
    assert body["types"][0]["iri"] == SG + "Measure"


def test_filter_by_strategy_and_the_facets(jena: TestClient) -> None:
    everything = search(jena, "Maßnahme", limit=100)
    strategies = {f["iri"]: f["count"] for f in everything["strategies"]}
    assert strategies
    strategy, count = next(iter(strategies.items()))
    body = search(jena, "Maßnahme", strategy=strategy, limit=100)
    assert body["total"] == count


def test_only_stop_words_give_an_empty_answer_with_a_note(jena: TestClient) -> None:
    body = search(jena, "und der die")
    assert body["total"] == 0 and body["hits"] == [] and "stop words" in body["note"]


def test_too_long_a_query_is_400(jena: TestClient) -> None:
    response = jena.get("/api/search", params={"q": "Armut " * 400})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '"""',
        "a AND OR NOT",
        "(((",
        "field:value",
        "title:Jena^3",
        "*",
        "~2",
        "-",
        "\\",
        "[a TO z]",
    ],
)
def test_query_syntax_is_text_not_operators(jena: TestClient, q: str) -> None:
    response = jena.get("/api/search", params={"q": q})
    assert response.status_code == 200


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.one_of(
        st.text(max_size=300),
        st.text(alphabet='"()[]{}:^~*?\\/+-!&|ANDORT ', max_size=200),
        st.text(min_size=9_000, max_size=10_000),
    )
)
def test_hostile_queries_never_get_a_server_error(jena: TestClient, q: str) -> None:
    response = jena.get("/api/search", params={"q": q})
    assert response.status_code < 500, response.text
    page = jena.get("/suche", params={"q": q})
    assert page.status_code < 500


# -- the page ----------------------------------------------------------------------------------


def test_search_page_in_german_and_english(jena: TestClient) -> None:
    page = jena.get("/suche", params={"q": "Kampagnen"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Suche</h1>" in page.text
    assert "/jena/massnahme/kampagne-jenaschauhin" in page.text
    assert "<mark>" in page.text
    assert "<script" not in page.text
    english = jena.get("/suche", params={"q": "Kampagnen", "lang": "en"})
    assert "<h1>Search</h1>" in english.text


def test_every_page_has_a_search_box(jena: TestClient) -> None:
    home = jena.get("/", headers={"Accept": "text/html"})
    assert '<form class="search-box" method="get" action="/suche"' in home.text


def test_facet_links_filter_the_page(jena: TestClient) -> None:
    page = jena.get("/suche", params={"q": "Maßnahme", "type": SG + "Measure"})
    assert 'aria-current="true"' in page.text


def test_openapi_describes_the_search(jena: TestClient) -> None:
    spec = jena.get("/openapi.json").json()
    operation = spec["paths"]["/api/search"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "type", "strategy", "municipality", "lang", "limit", "offset"} <= names
    assert "SearchResult" in spec["components"]["schemas"]


# -- generated towns: municipalities, ranking, escaping, renewal ---------------------------------


def town(number: int) -> str:
    return f"{EX}gemeinde-{number}/organisation/stadt"


def test_filter_by_municipality(towns: tuple[TestClient, EmbeddedStore]) -> None:
    client, _ = towns
    everything = search(client, "Maßnahme", limit=100)
    assert {h["iri"][len(EX) :].split("/")[0] for h in everything["hits"]} >= {
        "gemeinde-1",
        "gemeinde-2",
    }
    for number in (1, 2, 3):
        body = search(client, "Maßnahme", municipality=town(number), limit=100)
        assert body["total"] > 0
        assert all(h["iri"].startswith(f"{EX}gemeinde-{number}/") for h in body["hits"])


def _measure(graph: str, path: str, title: str, description: str) -> dict[str, list[ox.Triple]]:
    node = ox.NamedNode(EX + path)
    return {
        graph: [
            ox.Triple(
                node,
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode(SG + "Measure"),
            ),
            ox.Triple(node, ox.NamedNode(DCT + "title"), ox.Literal(title, language="de")),
            ox.Triple(
                node, ox.NamedNode(DCT + "description"), ox.Literal(description, language="de")
            ),
        ]
    }


def test_title_hit_ranks_above_description_hit_and_stored_markup_is_escaped(
    towns: tuple[TestClient, EmbeddedStore],
) -> None:
    client, store = towns
    graph = EX + "graph/import/search-test"
    store.replace_graphs(
        {
            **_measure(
                graph,
                "test/in-der-beschreibung",
                "Ein Angebot",
                "Eine Quartiersküche <script>alert(1)</script> für alle.",
            ),
        }
    )
    other = EX + "graph/import/search-test-2"
    store.replace_graphs(_measure(other, "test/im-titel", "Quartiersküche", "Kochen im Stadtteil."))
    body = search(client, "Quartiersküche")
    assert iris(body)[:2] == [EX + "test/im-titel", EX + "test/in-der-beschreibung"]
    assert body["hits"][0]["score"] > body["hits"][1]["score"]
    snippet = body["hits"][1]["snippet"]
    assert "<script>" not in snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet
    page = client.get("/suche", params={"q": "Quartiersküche"})
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)" in page.text


def test_a_write_renews_the_index_before_the_next_search(
    towns: tuple[TestClient, EmbeddedStore],
) -> None:
    client, store = towns
    graph = EX + "graph/import/rename-test"
    store.replace_graphs(_measure(graph, "test/umbenannt", "Stadtteilladen", "Ein Laden."))
    assert iris(search(client, "Stadtteilladen")) == [EX + "test/umbenannt"]
    store.replace_graphs(_measure(graph, "test/umbenannt", "Nachbarschaftscafé", "Ein Laden."))
    renamed = search(client, "Nachbarschaftscafé")
    assert iris(renamed) == [EX + "test/umbenannt"]
    assert renamed["version"] == store.version()
    assert search(client, "Stadtteilladen")["total"] == 0
    store.replace_graphs({graph: []})  # deleted: gone from the index
    assert search(client, "Nachbarschaftscafé")["total"] == 0


def test_command_line_search(jena_store_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sozialgraph.cli import app

    copy = tmp_path / "store"
    shutil.copytree(jena_store_dir, copy, symlinks=True)
    result = CliRunner().invoke(app, ["search", "25/0529-BV", "--store", str(copy), "--json"])
    assert result.exit_code == 0, result.output
    assert f'"iri": "{DECISION}"' in result.output.split('"hits"', 1)[1].split("}", 1)[0]


def test_without_an_index_the_scan_answers(jena_store_dir: Path, tmp_path: Path) -> None:
    """With the index switched off, search still works through the scan (queries/search.rq)."""
    copy = tmp_path / "store"
    shutil.copytree(jena_store_dir, copy, symlinks=True)
    with app_client(Settings(store=str(copy), search_index=False)) as client:
        response = client.get("/api/search", params={"q": "Antidiskriminierungsstelle"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["engine"] == "scan"
    assert JENA + "massnahme/antidiskriminierungsstelle" in iris(body)
