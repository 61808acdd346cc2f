"""The remote store and `sozialgraph serve` on a real Oxigraph server (PyPI package `oxigraph`)."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pyoxigraph as ox
import pytest

from sozialgraph.build import build
from sozialgraph.config import Settings
from sozialgraph.errors import BadRequest, QuerySyntaxError, StoreUnavailable
from sozialgraph.store.embedded import EmbeddedStore
from sozialgraph.store.remote import RemoteStore
from sozialgraph.store.sparql_protocol import derived_endpoint
from sozialgraph.validation.report import ValidationFailed
from tests.listener import ConnectionCounter
from tests.oxigraph_server import OxigraphServer
from tests.support import LiveServer, free_port, live_server

BASE = "https://example.org/"
META = BASE + "graph/meta"
THING_GRAPH = BASE + "graph/data/town/things"
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
EN = {"Accept-Language": "en"}

PROVENANCE = """
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX spdx: <http://spdx.org/rdf/terms#>
PREFIX void: <http://rdfs.org/ns/void#> PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?kind ?agent ?conforms ?graph ?source ?n ?hash WHERE { GRAPH ?meta {
  ?activity a prov:Activity ; dcterms:type ?kind ; prov:wasAssociatedWith/rdfs:label ?agent ;
            prov:generated ?report, ?version .
  ?report sh:conforms ?conforms .
  ?version prov:specializationOf ?graph ; dcterms:source ?source ; void:triples ?n ;
           spdx:checksum/spdx:checksumValue ?hash } }
"""


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    """A fresh, empty Oxigraph server for one test."""
    with OxigraphServer(tmp_path / "oxigraph") as server:
        yield server


@pytest.fixture
def remote(oxigraph: OxigraphServer) -> Iterator[RemoteStore]:
    store = RemoteStore(Settings(store=oxigraph.query_url, base_iri=BASE))
    yield store
    store.close()


def _titles(store: RemoteStore) -> list[str]:
    rows = store.query("SELECT ?t WHERE { ?s <http://purl.org/dc/terms/title> ?t }")
    return sorted(row["t"].value for row in rows)  # type: ignore[union-attr]


def _things(graph: str, count: int, tag: str) -> list[ox.Triple]:
    return [
        ox.Triple(ox.NamedNode(f"{BASE}thing/{tag}/{i}"), TITLE, ox.Literal(f"Ding {tag} {i}"))
        for i in range(count)
    ]


def _rows(store: RemoteStore | EmbeddedStore, query: str) -> list[tuple[str, ...]]:
    result = store.query(query)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return sorted(tuple(str(row[n]) for n in names) for row in result)  # type: ignore[union-attr]


# -- endpoints and configuration ---------------------------------------------------------------


def test_update_and_graph_store_urls_are_derived_from_the_query_url() -> None:
    assert derived_endpoint("http://h:7878/query", "update") == "http://h:7878/update"
    assert derived_endpoint("http://h/ds/sparql", "store") == "http://h/ds/store"
    assert derived_endpoint("http://h/endpoint", "update") is None


# -- the store on a real Oxigraph server --------------------------------------------------------


def test_build_loads_the_jena_data_into_the_remote_server(oxigraph: OxigraphServer) -> None:
    settings = Settings(store=oxigraph.query_url)
    store = RemoteStore(settings)
    assert store.is_empty() and store.version() == "empty"
    result = build(store, settings.base_iri)
    assert result.report.conforms
    meta = settings.base_iri + "graph/meta"
    assert store.graph_names() == sorted([g.graph for g in result.graphs] + [meta])
    # Every graph holds exactly what the build loaded from its file.
    for loaded in result.graphs:
        remote_triples = [q.triple for q in store.quads(loaded.graph)]
        assert len(remote_triples) == len(loaded.triples), loaded.graph
        assert {str(t) for t in remote_triples if not _has_blank(t)} == {
            str(t) for t in loaded.triples if not _has_blank(t)
        }, loaded.graph
    # The default graph of queries is the union of the named graphs, as in the embedded store.
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    union = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert 4000 < _number(store, union) <= _number(store, count)
    store.close()


def _number(store: RemoteStore, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)  # type: ignore[index,arg-type]


def _has_blank(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def test_failed_build_leaves_the_remote_store_untouched(
    mini_root: Path, remote: RemoteStore
) -> None:
    build(remote, BASE, root=mini_root)
    before_version, before = remote.version(), sorted(map(str, remote.quads()))
    (mini_root / "data/town/things.ttl").write_text(
        "<https://example.org/town/thing/3> a <https://example.org/mini#Thing> .\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed):
        build(remote, BASE, root=mini_root)
    time.sleep(1.1)  # past the version cache
    assert remote.version() == before_version
    assert sorted(map(str, remote.quads())) == before
    assert _titles(remote) == ["Erstes Ding", "Zweites Ding"]


def test_replace_graphs_is_atomic_for_a_polling_reader(
    oxigraph: OxigraphServer, remote: RemoteStore
) -> None:
    graph = BASE + "graph/test/atomic"
    sizes = [2000, 5000, 2000, 5000, 2000, 5000]  # the first fill, then 5 replacements
    remote.replace_graphs({graph: _things(graph, sizes[0], "v0")})
    reader = RemoteStore(Settings(store=oxigraph.query_url, base_iri=BASE))
    seen: Counter[int] = Counter()
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            seen[reader.triple_count(graph)] += 1

    thread = threading.Thread(target=poll)
    thread.start()
    try:
        for number, size in enumerate(sizes[1:], start=1):
            remote.replace_graphs({graph: _things(graph, size, f"v{number}")})
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(30)
    reader.close()
    assert set(seen) <= {2000, 5000}, seen
    assert sum(seen.values()) > 10
    assert remote.triple_count(graph) == 5000
    remote.replace_graphs({graph: []})
    assert graph not in remote.graph_names()


def test_version_changes_with_every_write_and_other_processes_see_it(
    oxigraph: OxigraphServer, remote: RemoteStore
) -> None:
    triple = _things(THING_GRAPH, 1, "x")
    versions = [remote.version()]
    remote.replace_graphs({THING_GRAPH: triple})
    versions.append(remote.version())
    remote.replace_graphs({THING_GRAPH: triple})  # the same content again is still a write
    versions.append(remote.version())
    remote.rebuild(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(META)) for t in triple)
    versions.append(remote.version())
    assert len(set(versions)) == len(versions), versions
    time.sleep(1.1)
    assert remote.version() == versions[-1]  # no write, no change
    other = RemoteStore(Settings(store=oxigraph.query_url, base_iri=BASE))
    seen = other.version()
    remote.replace_graphs({THING_GRAPH: []})
    time.sleep(1.1)  # the cache of another process lives about a second
    assert other.version() != seen
    other.close()


@pytest.mark.parametrize(
    "text",
    [
        'x" } ; DROP ALL ; INSERT DATA { <urn:a> <urn:b> "c" } #',
        "'} UNION { ?s ?p ?o }",
        '"""\n} } DROP ALL',
        "\\u0022 ) } SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }",
        "<https://example.org/town/thing/1>",
    ],
)
def test_bound_values_with_injection_looking_strings(
    mini_root: Path, remote: RemoteStore, text: str
) -> None:
    build(remote, BASE, root=mini_root)
    before = sorted(map(str, remote.quads()))
    literal = ox.Literal(text, language="de")
    rows = remote.query(
        "SELECT ?s ?echo WHERE { OPTIONAL { ?s <http://purl.org/dc/terms/title> ?t "
        "FILTER(?t = ?wanted) } BIND(?wanted AS ?echo) }",
        {"wanted": literal},
    )
    found = list(rows)  # type: ignore[arg-type]
    assert [row["echo"] for row in found] == [literal]
    assert found[0]["s"] is None
    hit = list(
        remote.query(  # type: ignore[arg-type]
            "SELECT ?s WHERE { ?s <http://purl.org/dc/terms/title> ?t }",
            {"t": ox.Literal("Erstes Ding", language="de")},
        )
    )
    assert [row["s"].value for row in hit] == ["https://example.org/town/thing/1"]
    assert sorted(map(str, remote.quads())) == before


def test_a_graph_name_that_is_not_an_iri_is_refused_before_any_request(
    mini_root: Path, remote: RemoteStore
) -> None:
    build(remote, BASE, root=mini_root)
    before = sorted(map(str, remote.quads()))
    injected = BASE + "graph/import/x> ; DROP ALL ; DROP SILENT GRAPH <" + BASE + "y"
    with pytest.raises(BadRequest, match="not a valid IRI"):
        remote.replace_graphs({injected: []})
    with pytest.raises(BadRequest, match="not a valid IRI"):
        list(remote.quads(injected))
    with pytest.raises(BadRequest, match="not a valid IRI"):
        remote.triple_count(injected)
    assert sorted(map(str, remote.quads())) == before


def test_same_provenance_records_as_the_embedded_store(
    mini_root: Path, remote: RemoteStore, store_dir: Path
) -> None:
    embedded = EmbeddedStore(store_dir)
    for store in (embedded, remote):
        build(store, BASE, root=mini_root)
        build(store, BASE, root=mini_root)  # a second build keeps the first one's record
    records = _rows(remote, PROVENANCE)
    assert records == _rows(embedded, PROVENANCE)
    assert len(records) == 2 * 3 and {r[0] for r in records} == {'"build"'}
    # The same statements, apart from the activities' own names and times.
    shape = Counter(q.predicate.value for q in remote.quads(META))
    assert shape == Counter(q.predicate.value for q in embedded.quads(META))
    # The write marker behind version() is in the metadata graph, but not among its records.
    marker = f"ASK {{ GRAPH <{META}> {{ <{META}> <http://purl.org/dc/terms/modified> ?m }} }}"
    assert bool(remote.query(marker))
    assert not any(q.subject == ox.NamedNode(META) for q in remote.quads(META))


def test_syntax_errors_come_back_with_their_position(remote: RemoteStore) -> None:
    with pytest.raises(QuerySyntaxError) as failure:
        remote.query("SELECT * WHERE {\n  ?s ?p \n}")
    assert failure.value.line == 3


def test_construct_and_ask_give_pyoxigraph_types(mini_root: Path, remote: RemoteStore) -> None:
    build(remote, BASE, root=mini_root)
    triples = remote.query("CONSTRUCT { ?s ?p ?t } WHERE { ?s ?p ?t FILTER(isLiteral(?t)) }")
    assert isinstance(triples, ox.QueryTriples)
    assert any(t.object == ox.Literal("Erstes Ding", language="de") for t in triples)
    assert isinstance(remote.query("ASK { ?s ?p ?o }"), ox.QueryBoolean)


def test_unreachable_server_is_a_clear_error_not_a_hang() -> None:
    port = free_port()
    store = RemoteStore(Settings(store=f"http://127.0.0.1:{port}/query", query_timeout=5))
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as failure:
        store.graph_names()
    assert time.monotonic() - started < 5
    assert f"127.0.0.1:{port}/query" in failure.value.message
    assert "not reachable" in failure.value.message


# -- protocol details, on a stand-in server ------------------------------------------------------


def _results(variables: dict[str, str]) -> bytes:
    bindings = {k: {"type": "literal", "value": v} for k, v in variables.items()}
    return json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": [bindings]}})


def _stand_in(handler: httpx.MockTransport, **settings: str | None) -> RemoteStore:
    return RemoteStore(
        Settings(store="http://sparql.example/ds/query", **settings),  # type: ignore[arg-type]
        transport=handler,
    )


def test_missing_union_default_graph_is_refused_with_the_setting_to_fix() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.content.decode("ascii")).get("query", [""])[0]
        missing = {"missing": "true"} if "?missing" in query else {"g": "x"}
        return httpx.Response(
            200,
            content=_results(missing),
            headers={"Content-Type": "application/sparql-results+json"},
        )

    store = _stand_in(httpx.MockTransport(answer))
    with pytest.raises(StoreUnavailable) as failure:
        store.graph_names()
    assert "unionDefaultGraph" in failure.value.message
    assert "http://sparql.example/ds/query" in failure.value.message


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"remote_user": "officer", "remote_password": "s3cret"}, "Basic b2ZmaWNlcjpzM2NyZXQ="),
        ({"remote_token": "t0ken"}, "Bearer t0ken"),
        ({}, None),
    ],
)
def test_basic_or_bearer_auth_is_sent(settings: dict[str, str], expected: str | None) -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(
            200,
            content=b'{"head":{},"boolean":false}',
            headers={"Content-Type": "application/sparql-results+json"},
        )

    store = _stand_in(httpx.MockTransport(answer), **settings)
    assert store.is_empty()
    assert seen == [expected]


def test_server_errors_name_the_server_and_are_503() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="RocksDB: disk full")

    store = _stand_in(httpx.MockTransport(answer))
    with pytest.raises(StoreUnavailable) as failure:
        store.is_empty()
    assert failure.value.status == 503
    assert (
        "http://sparql.example/ds/query answered 500: RocksDB: disk full" in failure.value.message
    )


# -- `sozialgraph serve` in front of an Oxigraph server --------------------------------------------


@pytest.fixture(scope="module")
def jena_oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """Oxigraph server with the Jena data; its own timeout ends abandoned slow queries."""
    location = tmp_path_factory.mktemp("remote") / "oxigraph"
    with OxigraphServer(location, timeout_s=15) as server:
        settings = Settings(store=server.query_url)
        store = RemoteStore(settings)
        build(store, settings.base_iri)
        store.close()
        yield server


@pytest.fixture(scope="module")
def served(jena_oxigraph: OxigraphServer) -> Iterator[LiveServer]:
    env = {"SOZIALGRAPH_QUERY_TIMEOUT": "2", "SOZIALGRAPH_MAX_RESULT_BYTES": "300000"}
    with live_server(jena_oxigraph.query_url, env=env) as live:
        yield live


def _get(server: LiveServer, query: str, **kwargs: object) -> httpx.Response:
    params = {"query": query, **dict(kwargs.pop("params", {}) or {})}  # type: ignore[call-overload]
    headers = {**EN, **dict(kwargs.pop("headers", {}) or {})}  # type: ignore[call-overload]
    return httpx.get(server.url + "/sparql", params=params, headers=headers, timeout=20)


@pytest.mark.parametrize(
    "media_type", ["application/sparql-results+json", "application/sparql-results+xml"]
)
def test_serve_answers_select(served: LiveServer, media_type: str) -> None:
    query = "SELECT ?s ?t WHERE { ?s <http://purl.org/dc/terms/title> ?t } ORDER BY ?s LIMIT 5"
    response = _get(served, query, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    rows = ox.parse_query_results(
        io.BytesIO(response.content), format=ox.QueryResultsFormat.from_media_type(media_type)
    )
    assert len(list(rows)) == 5  # type: ignore[arg-type]


def test_serve_answers_construct_as_turtle(served: LiveServer) -> None:
    query = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 7"
    response = _get(served, query, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert len(list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))) == 7


def test_serve_keeps_dataset_semantics(served: LiveServer) -> None:
    count = "SELECT (COUNT(*) AS ?n) {query_from} WHERE {{ ?s ?p ?o }}"

    def number(response: httpx.Response) -> int:
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    union = number(_get(served, count.format(query_from="")))
    meta = Settings().base_iri + "graph/meta"
    only_meta = number(_get(served, count.format(query_from=f"FROM <{meta}>")))
    assert 0 < only_meta < union
    assert number(
        _get(served, count.format(query_from=""), params={"default-graph-uri": meta})
    ) == (only_meta)
    relative = _get(served, "SELECT ?x WHERE { BIND(<rel> AS ?x) }").json()
    assert relative["results"]["bindings"][0]["x"]["value"] == served.url + "/rel"


def test_serve_maps_remote_syntax_errors_to_400_with_position(served: LiveServer) -> None:
    response = _get(served, "SELECT * WHERE {\n  ?s ?p \n}")
    assert response.status_code == 400
    assert response.json()["title"] == "Malformed query"
    assert response.json()["line"] == 3


def test_serve_limits_the_result_size(served: LiveServer) -> None:
    response = _get(served, "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 413
    assert response.json()["title"] == "Result too large"


def test_serve_json_api_binds_values_on_the_remote_store(served: LiveServer) -> None:
    found = httpx.get(served.url + "/api/queries/search", params={"q": "Antidiskriminierung"})
    assert found.status_code == 200, found.text
    assert found.json()["rows"]
    tricky = httpx.get(served.url + "/api/queries/search", params={"q": '"} ; DROP ALL #'})
    assert tricky.status_code == 200, tricky.text
    assert tricky.json()["rows"] == []


def test_serve_refuses_service_and_the_remote_server_never_sees_it(
    served: LiveServer, jena_oxigraph: OxigraphServer
) -> None:
    with ConnectionCounter() as listener:
        for query in (
            f"SELECT * {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
            f"select * {{ service silent <{listener.url}> {{ ?s ?p ?o }} }}",
            f"ASK {{ ?s ?p ?o FILTER EXISTS {{ SeRvIcE # x\n<{listener.url}> {{ ?s ?p ?o }} }} }}",
        ):
            response = _get(served, query)
            assert response.status_code == 400, query
            assert "SERVICE" in response.json()["detail"]
        time.sleep(0.3)
        assert listener.connections == 0
        # Control: the Oxigraph server itself does call out when it gets such a query.
        with contextlib.suppress(httpx.TimeoutException):
            httpx.post(
                jena_oxigraph.query_url,
                content=f"ASK {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}".encode(),
                headers={"Content-Type": "application/sparql-query"},
                timeout=1,
            )
        deadline = time.monotonic() + 3
        while listener.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listener.connections >= 1


def test_serve_gives_up_at_the_query_timeout_and_keeps_answering(served: LiveServer) -> None:
    outcome: dict[str, tuple[httpx.Response, float]] = {}

    def slow() -> None:
        started = time.monotonic()
        response = _get(served, CARTESIAN)
        outcome["slow"] = (response, time.monotonic() - started)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    asked = _get(served, "ASK {}")
    ask_seconds = time.monotonic() - started
    thread.join(15)
    response, seconds = outcome["slow"]
    assert response.status_code == 503
    assert response.json()["title"] == "Query timeout"
    assert seconds < 3.5
    assert asked.status_code == 200 and asked.json()["boolean"] is True
    assert ask_seconds < 1


def test_server_going_away_is_a_503_and_the_service_recovers(tmp_path: Path) -> None:
    with OxigraphServer(tmp_path / "oxigraph", timeout_s=30) as oxigraph:
        settings = Settings(store=oxigraph.query_url)
        store = RemoteStore(settings)
        build(store, settings.base_iri)
        store.close()
        env = {"SOZIALGRAPH_QUERY_TIMEOUT": "20"}
        with live_server(oxigraph.query_url, env=env) as served:
            outcome: dict[str, tuple[httpx.Response, float]] = {}

            def slow() -> None:
                started = time.monotonic()
                response = _get(served, CARTESIAN)
                outcome["slow"] = (response, time.monotonic() - started)

            thread = threading.Thread(target=slow)
            thread.start()
            time.sleep(1.0)
            oxigraph.stop()  # kill -9 while the query runs
            thread.join(30)
            response, seconds = outcome["slow"]
            assert response.status_code == 503
            assert response.json()["title"] == "Store unavailable"
            assert f"127.0.0.1:{oxigraph.port}" in response.json()["detail"]
            assert seconds < 8  # well before the 20 s query timeout: no hang

            started = time.monotonic()
            down = _get(served, "ASK {}")
            assert down.status_code == 503 and time.monotonic() - started < 5

            oxigraph.start()  # back on the same port, with the same data
            count = _get(served, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            assert count.status_code == 200
            assert int(count.json()["results"]["bindings"][0]["n"]["value"]) > 4000
