"""The text index follows every write: real servers, Graph Store writes with a token.

With ``SOZIALGRAPH_TEST_BACKEND=oxigraph`` the first two tests run on a real Oxigraph server
too; the last one always does: a write made by a second sozialgraph process on the same remote
store shows up in the first one's search within the version check interval.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.stores import EXAMPLE_BASE, build_example_store
from tests.support import REMOTE_BACKEND, LiveServer, live_server

TOKEN = "s3cret-search-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GRAPH = EXAMPLE_BASE + "graph/import/search"
MEASURE = """@prefix sg: <https://w3id.org/sozialgraph/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://example.org/beispielstadt/massnahme/umbenannt> a sg:Measure ;
    dcterms:title "{title}"@de ;
    sg:belongsToStrategy <https://example.org/beispielstadt/strategie/armutspraevention> ;
    dcterms:source <https://example.org/quellen/gsp> .
"""


def environment(index_dir: Path) -> dict[str, str]:
    return {
        "SOZIALGRAPH_BASE_IRI": EXAMPLE_BASE,
        "SOZIALGRAPH_MUNICIPALITY": "beispielstadt",
        "SOZIALGRAPH_WRITE_TOKENS": f"officer:{TOKEN}",
        "SOZIALGRAPH_SEARCH_INDEX_DIR": str(index_dir),
        "SOZIALGRAPH_SEARCH_INDEX_WAIT": "30",
    }


@pytest.fixture(scope="module")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example_store(tmp_path_factory.mktemp("search-source") / "store")


@pytest.fixture
def server(example_store: Path, tmp_path: Path) -> Iterator[LiveServer]:
    copy = tmp_path / "store"
    shutil.copytree(example_store, copy)
    with live_server(copy, env=environment(tmp_path / "index")) as live:
        yield live


def put(base_url: str, body: str) -> httpx.Response:
    return httpx.put(
        base_url + "/graph-store",
        params={"graph": GRAPH},
        content=body.encode(),
        headers={"Content-Type": "text/turtle", **AUTH},
        timeout=60,
    )


def found(base_url: str, q: str) -> list[str]:
    response = httpx.get(base_url + "/api/search", params={"q": q}, timeout=60)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["engine"] == "index"
    return [hit["iri"] for hit in body["hits"]]


MEASURE_IRI = EXAMPLE_BASE + "beispielstadt/massnahme/umbenannt"


def test_a_renamed_measure_is_found_by_its_new_title_only(server: LiveServer) -> None:
    assert put(server.url, MEASURE.format(title="Quartierskompass")).status_code in (200, 201)
    assert found(server.url, "Quartierskompass") == [MEASURE_IRI]
    assert put(server.url, MEASURE.format(title="Nachbarschaftsatlas")).status_code in (200, 204)
    assert found(server.url, "Nachbarschaftsatlas") == [MEASURE_IRI]
    assert found(server.url, "Quartierskompass") == []


def test_a_rejected_write_changes_nothing_in_the_search(server: LiveServer) -> None:
    assert put(server.url, MEASURE.format(title="Quartierskompass")).status_code in (200, 201)
    before = found(server.url, "Quartierskompass")
    invalid = MEASURE.format(title="Nachbarschaftsatlas").replace(
        "    sg:belongsToStrategy <https://example.org/beispielstadt/strategie/armutspraevention> ;\n",
        "",
    )
    assert put(server.url, invalid).status_code == 422
    assert found(server.url, "Quartierskompass") == before == [MEASURE_IRI]
    assert found(server.url, "Nachbarschaftsatlas") == []


def test_a_write_by_a_second_process_on_a_remote_store_shows_up(
    example_store: Path, tmp_path: Path
) -> None:
    from tests.oxigraph_server import OxigraphServer
    from tests.support import _load_into, _sozialgraph_server

    index_dir = tmp_path / "index"
    with OxigraphServer(tmp_path / "oxigraph") as oxigraph:
        _load_into(example_store, oxigraph.store_url)
        env = environment(index_dir)
        with (
            _sozialgraph_server(oxigraph.query_url, env=env) as reader,
            _sozialgraph_server(oxigraph.query_url, env=env) as writer,
        ):
            assert found(reader.url, "Quartierskompass") == []
            assert put(writer.url, MEASURE.format(title="Quartierskompass")).status_code in (
                200,
                201,
            )
            deadline = time.monotonic() + 5  # the remote version is read at most once a second
            hits: list[str] = []
            while time.monotonic() < deadline and not hits:
                hits = found(reader.url, "Quartierskompass")
                time.sleep(0.2)
            assert hits == [MEASURE_IRI]
            assert put(writer.url, MEASURE.format(title="Nachbarschaftsatlas")).status_code in (
                200,
                204,
            )
            time.sleep(1.2)
            assert found(reader.url, "Nachbarschaftsatlas") == [MEASURE_IRI]
            assert found(reader.url, "Quartierskompass") == []


LINKED = EXAMPLE_BASE + "beispielstadt/massnahme/verlinkt"
FIRST = EXAMPLE_BASE + "beispielstadt/strategie/armutspraevention"
STRATEGY = EXAMPLE_BASE + "beispielstadt/strategie/aktionsplan-gegen-rassismus"
TEXTS = """@prefix sg: <https://w3id.org/sozialgraph/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{iri}> a sg:Measure ;
    dcterms:title "Wolkenleiter"@de, "Cloud ladder"@en ;
    sg:belongsToStrategy <{first}> ;
    dcterms:source <https://example.org/quellen/gsp> .
"""
LINK = """@prefix sg: <https://w3id.org/sozialgraph/ontology#> .
<{iri}> sg:belongsToStrategy <{strategy}> .
"""


def filtered(base_url: str, q: str, **filters: str) -> tuple[list[str], list[str]]:
    """The hits with the filters, and the strategies facet of the unfiltered search."""
    hits = httpx.get(base_url + "/api/search", params={"q": q, **filters}, timeout=60).json()
    every = httpx.get(base_url + "/api/search", params={"q": q}, timeout=60).json()
    assert hits["engine"] == every["engine"] == "index"
    return [h["iri"] for h in hits["hits"]], sorted(s["iri"] for s in every["strategies"])


@pytest.mark.skipif(
    REMOTE_BACKEND,
    reason="the full rebuild is made by a second server on the same store folder; on a remote "
    "backend each server gets its own copy in its own SPARQL server",
)
def test_a_link_written_in_another_graph_renews_the_filters_as_a_full_rebuild_does(
    example_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    shutil.copytree(example_store, store)

    def write(base_url: str, name: str, body: str) -> None:
        response = httpx.put(
            base_url + "/graph-store",
            params={"graph": EXAMPLE_BASE + f"graph/import/{name}"},
            content=body.encode(),
            headers={"Content-Type": "text/turtle", **AUTH},
            timeout=60,
        )
        assert response.status_code in (200, 201, 204), response.text

    with live_server(store, env=environment(tmp_path / "index")) as server:
        write(server.url, "texte", TEXTS.format(iri=LINKED, first=FIRST))
        assert filtered(server.url, "Wolkenleiter", strategy=STRATEGY) == ([], [FIRST])
        # the texts stay in graph "texte"; a second strategy is written in graph "links"
        write(server.url, "links", LINK.format(iri=LINKED, strategy=STRATEGY))
        renewed = filtered(server.url, "Wolkenleiter", strategy=STRATEGY)
        assert renewed == ([LINKED], sorted([FIRST, STRATEGY]))

    # a full rebuild of the same store (a fresh index folder) gives the same answers
    with live_server(store, env=environment(tmp_path / "index-rebuilt")) as rebuilt:
        assert filtered(rebuilt.url, "Wolkenleiter", strategy=STRATEGY) == renewed
