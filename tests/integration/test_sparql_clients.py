"""Real SPARQL clients against a real server: SPARQLWrapper, rdflib's SPARQLStore, curl-style."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, POST, POSTDIRECTLY, TURTLE, URLENCODED, XML, SPARQLWrapper

from tests.example_data import make_example_store
from tests.support import LiveServer, live_server

QUERY = "SELECT ?s ?t WHERE { ?s <http://purl.org/dc/terms/title> ?t } ORDER BY ?s LIMIT 3"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = make_example_store(tmp_path_factory.mktemp("clients") / "store")
    with live_server(store) as live:
        yield live


def _wrapper(
    server: LiveServer, method: str, fmt: str, request_method: str = URLENCODED
) -> SPARQLWrapper:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setMethod(method)
    client.setRequestMethod(request_method)
    client.setReturnFormat(fmt)
    client.setQuery(QUERY)
    return client


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_json(server: LiveServer, method: str) -> None:
    result = _wrapper(server, method, JSON).queryAndConvert()
    assert [b["t"]["value"] for b in result["results"]["bindings"]] == [
        "Ding 0",
        "Ding 1",
        "Ding 10",
    ]
    assert result["results"]["bindings"][0]["t"]["xml:lang"] == "de"


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_xml(server: LiveServer, method: str) -> None:
    document = _wrapper(server, method, XML).queryAndConvert()
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert literals == ["Ding 0", "Ding 1", "Ding 10"]


def test_sparqlwrapper_post_directly_and_csv(server: LiveServer) -> None:
    text = _wrapper(server, POST, CSV, POSTDIRECTLY).queryAndConvert().decode()
    assert text.splitlines()[0] == "s,t"


def test_sparqlwrapper_construct_as_graph(server: LiveServer) -> None:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery("CONSTRUCT WHERE { <https://example.org/thing/2> ?p ?o }")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")
    assert len(graph) == 3


def test_rdflib_sparqlstore(server: LiveServer) -> None:
    graph = Graph(store=SPARQLStore(server.url + "/sparql", returnFormat="json"))
    rows = list(graph.query(QUERY))
    assert [str(r.t) for r in rows] == ["Ding 0", "Ding 1", "Ding 10"]
    assert (URIRef("https://example.org/thing/5"), None, None) in graph
