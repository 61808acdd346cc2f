"""The remote store and the ``/sparql`` runner on a real Virtuoso 7 (docs/remote-store.md).

What Virtuoso does differently (measured in ``tests/virtuoso_server.py`` and here): queries only
form-encoded, no blank nodes in ``INSERT DATA``, its own graphs in every listing, blank nodes as
``nodeID://…`` in JSON results, and ``ResultSetMaxRows`` cuts silently (``X-SPARQL-MaxRows``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from sozialgraph.build import build
from sozialgraph.config import Settings
from sozialgraph.errors import ResultTooLarge
from sozialgraph.store.remote import RemoteStore
from tests.support import live_server
from tests.virtuoso_server import VirtuosoServer, virtuoso_installed

pytestmark = pytest.mark.skipif(not virtuoso_installed(), reason="Virtuoso is not installed")

SYSTEM_GRAPH = "http://www.openlinksw.com/schemas/virtrdf#"
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")


def _settings(server: VirtuosoServer) -> Settings:
    return Settings(
        store=server.query_url, update_url=server.update_url, graph_store_url=server.store_url
    )


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    with VirtuosoServer(tmp_path_factory.mktemp("virtuoso") / "db", max_rows=5000) as server:
        yield server


def _has_blank(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def test_build_writes_blank_nodes_and_lists_only_sozialgraphs_graphs(
    virtuoso: VirtuosoServer,
) -> None:
    settings = _settings(virtuoso)
    store = RemoteStore(settings)
    # Virtuoso's own graphs are there from the start, yet the store counts as empty.
    assert store.query(f"ASK {{ GRAPH <{SYSTEM_GRAPH}> {{ ?s ?p ?o }} }}")
    assert store.is_empty() and store.graph_names() == [] and store.version() == "empty"
    result = build(store, settings.base_iri)
    assert result.report.conforms
    meta = settings.base_iri + "graph/meta"
    assert store.graph_names() == sorted([g.graph for g in result.graphs] + [meta])
    assert not store.is_empty()
    blank_nodes = 0
    for loaded in result.graphs:
        remote_triples = [q.triple for q in store.quads(loaded.graph)]
        assert len(remote_triples) == len(loaded.triples), loaded.graph
        assert {str(t) for t in remote_triples if not _has_blank(t)} == {
            str(t) for t in loaded.triples if not _has_blank(t)
        }, loaded.graph
        blank_nodes += sum(map(_has_blank, remote_triples))
    assert blank_nodes > 0  # written with INSERT {…} WHERE {}, which Virtuoso takes
    everything = list(store.quads())
    assert all(q.graph_name.value.startswith(settings.base_iri) for q in everything)  # type: ignore[union-attr]
    assert store.triple_count() == len(everything) + 1  # + the write marker
    # Blank nodes come back from SELECT (Virtuoso writes them as nodeID://…)
    rows = store.query("SELECT ?b WHERE { GRAPH ?g { ?s ?p ?b } FILTER(isBlank(?b)) } LIMIT 3")
    assert [type(row["b"]) for row in rows] == [ox.BlankNode] * 3  # type: ignore[index]
    store.close()


def test_version_follows_writes(virtuoso: VirtuosoServer) -> None:
    store = RemoteStore(_settings(virtuoso))
    graph = Settings().base_iri + "graph/data/probe"
    thing = ox.Triple(ox.NamedNode("https://example.org/probe"), TITLE, ox.Literal("Probe"))
    before = store.version()
    store.replace_graphs({graph: [thing]})
    middle = store.version()
    store.replace_graphs({graph: []})
    assert len({before, middle, store.version()}) == 3
    assert graph not in store.graph_names()
    store.close()


def test_a_result_cut_at_the_row_limit_is_an_error(tmp_path: Path) -> None:
    with VirtuosoServer(tmp_path / "small", max_rows=3) as server:
        store = RemoteStore(_settings(server))
        two = store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 2")
        assert len(list(two)) == 2  # type: ignore[arg-type]
        with pytest.raises(ResultTooLarge) as cut:
            store.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 10")
        assert "first 3 rows" in cut.value.message
        # A Graph Store GET is cut without any mark: the store counts the graph to notice it.
        graph = Settings().base_iri + "graph/data/five"
        five = [
            ox.Triple(ox.NamedNode(f"https://example.org/{i}"), TITLE, ox.Literal(str(i)))
            for i in range(5)
        ]
        store.replace_graphs({graph: five})
        with pytest.raises(ResultTooLarge) as silent:
            list(store.quads(graph))
        assert f"<{graph}>" in silent.value.message
        store.close()
        with live_server(server.query_url, env=server.env()) as served:
            small = httpx.get(
                served.url + "/sparql",
                params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=30,
            )
            assert small.status_code == 200, small.text
            assert len(small.json()["results"]["bindings"]) == 2
            big = httpx.get(
                served.url + "/sparql",
                params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 10"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=30,
            )
            assert big.status_code == 413, big.text


def test_a_store_holding_other_data_is_not_empty(tmp_path: Path) -> None:
    """`serve` builds an empty store (`DROP ALL` first): someone else's graphs must not look
    empty; they are listed as on other engines (Virtuoso's own graphs don't count)."""
    with VirtuosoServer(tmp_path / "db") as server:
        store = RemoteStore(_settings(server))
        assert store.is_empty()
        other = (
            "INSERT DATA { GRAPH <https://example.org/graph/other> "
            "{ <https://example.org/a> <https://example.org/p> 1 } }"
        )
        response = httpx.post(server.update_url, data={"update": other}, timeout=30)
        assert response.is_success, response.text
        assert store.graph_names() == ["https://example.org/graph/other"]
        assert not store.is_empty()
        store.close()
