"""SPARQL 1.1 Protocol details, content negotiation, CORS and the query page (real server)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph

from tests.example_data import SCRIPT_TITLE, make_example_store
from tests.support import BACKEND, LiveServer, live_server

SELECT = "SELECT ?s ?t WHERE { ?s <http://purl.org/dc/terms/title> ?t } ORDER BY ?s LIMIT 5"
CONSTRUCT = "CONSTRUCT { ?s <http://purl.org/dc/terms/title> ?t } WHERE { ?s <http://purl.org/dc/terms/title> ?t } LIMIT 5"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = make_example_store(tmp_path_factory.mktemp("endpoint") / "store")
    with live_server(store) as live:
        yield live


def get(server: LiveServer, query: str | None = None, **kwargs: object) -> httpx.Response:
    params = dict(kwargs.pop("params", {}) or {})  # type: ignore[arg-type]
    if query is not None:
        params["query"] = query
    return httpx.get(server.url + "/sparql", params=params, timeout=20, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.4, application/sparql-results+xml;q=0.6", "application/sparql-results+xml"),
    ],
)
def test_select_in_each_results_format(server: LiveServer, accept: str, media_type: str) -> None:
    response = get(server, SELECT, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["vary"] == "Accept"
    if media_type == "text/csv":  # pyoxigraph does not read CSV results back (they lose types)
        assert len(response.text.strip().splitlines()) == 6
        return
    parsed = ox.parse_query_results(
        io.BytesIO(response.content), format=ox.QueryResultsFormat.from_media_type(media_type)
    )
    assert len(list(parsed)) == 5


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-quads", "application/n-quads"),
        ("application/trig", "application/trig"),
    ],
)
def test_construct_in_each_rdf_format(server: LiveServer, accept: str, media_type: str) -> None:
    response = get(server, CONSTRUCT, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    triples = list(ox.parse(response.content, format=ox.RdfFormat.from_media_type(media_type)))
    assert len(triples) == 5


def test_describe_and_ask(server: LiveServer) -> None:
    described = get(
        server, "DESCRIBE <https://example.org/thing/1>", headers={"Accept": "text/turtle"}
    )
    assert "Ding 1" in described.text
    asked = get(server, "ASK { ?s a <https://example.org/Thing> }")
    assert asked.json() == {"head": {}, "boolean": True}


def test_format_parameter_overrides_accept(server: LiveServer) -> None:
    response = get(server, SELECT, params={"format": "csv"}, headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("s,t")


def test_unacceptable_type_is_406(server: LiveServer) -> None:
    response = get(server, SELECT, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "available" in response.json()["detail"]


def test_malformed_query_is_400_with_position(server: LiveServer) -> None:
    response = get(server, "SELECT * WHERE {\n  ?s ?p \n}")
    assert response.status_code == 400
    problem = response.json()
    assert problem["title"] == "Malformed query"
    assert problem["line"] == 3 and problem["column"] >= 1, problem
    assert "line 3" in problem["detail"]


def test_oversize_query_is_413(server: LiveServer) -> None:
    body = ("SELECT * { ?s ?p ?o } #" + "x" * 200_000).encode()
    response = httpx.post(
        server.url + "/sparql", content=body, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_wrong_or_missing_media_type_is_415(server: LiveServer, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = httpx.post(server.url + "/sparql", content=b"ASK {}", headers=headers)
    assert response.status_code == 415


def test_update_is_refused_and_data_unchanged(server: LiveServer) -> None:
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    before = get(server, count).json()
    for request in (
        {"content": b"CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
        {"data": {"update": "DROP ALL"}},
        {"content": b"DROP ALL", "headers": {"Content-Type": "application/sparql-query"}},
    ):
        response = httpx.post(server.url + "/sparql", **request)  # type: ignore[arg-type]
        assert response.status_code in (400, 403)
    assert get(server, count, params={"update": ""}).status_code == 403
    assert get(server, count).json() == before


@pytest.mark.skipif(
    BACKEND == "virtuoso",
    reason="Virtuoso's default graph also holds its own graphs (virtrdf#, ldp#, URIQA: ~2,500 "
    "triples no DROP ALL removes), so the union is larger than the data (docs/remote-store.md)",
)
def test_default_graph_is_the_union_and_dataset_parameters_restrict_it(server: LiveServer) -> None:
    query = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    union = int(get(server, query).json()["results"]["bindings"][0]["n"]["value"])
    assert union > 1000
    named = get(
        server, query, params={"default-graph-uri": "https://example.org/graph/test/things"}
    )
    assert int(named.json()["results"]["bindings"][0]["n"]["value"]) == union
    missing = get(server, query, params={"default-graph-uri": "https://example.org/graph/none"})
    assert missing.json()["results"]["bindings"][0]["n"]["value"] == "0"


def test_cors_for_reads(server: LiveServer) -> None:
    response = get(server, "ASK {}", headers={"Origin": "https://researcher.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = httpx.options(
        server.url + "/sparql",
        headers={
            "Origin": "https://researcher.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["access-control-allow-methods"]
    with_auth = httpx.options(
        server.url + "/sparql",
        headers={
            "Origin": "https://x.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert "access-control-allow-origin" not in with_auth.headers


def test_large_results_stream(server: LiveServer) -> None:
    query = "SELECT * { ?s ?p ?o . ?t <https://example.org/number> ?n } LIMIT 30000"
    with httpx.stream(
        "GET",
        server.url + "/sparql",
        params={"query": query},
        headers={"Accept": "text/tab-separated-values"},
        timeout=60,  # a remote engine on a busy 2-core machine may take more than httpx's 5 s
    ) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # chunked, not one buffer
        lines = sum(chunk.count(b"\n") for chunk in response.iter_bytes())
    assert lines == 30001


def test_small_results_carry_an_etag_and_revalidate(server: LiveServer) -> None:
    first = get(server, SELECT)
    etag = first.headers["etag"]
    again = get(server, SELECT, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other_format = get(server, SELECT, headers={"Accept": "text/csv", "If-None-Match": etag})
    assert other_format.status_code == 200 and other_format.headers["etag"] != etag
    uncached = get(server, "SELECT (NOW() AS ?t) {}")
    assert "etag" not in uncached.headers


def test_repeated_queries_answer_like_the_first(server: LiveServer) -> None:
    """The second request is a cache hit (fast path): same body, type and ETag; with an
    ``Origin`` it still carries the CORS headers."""
    query = "SELECT ?t { <https://example.org/thing/1> <http://purl.org/dc/terms/title> ?t }"
    for accept in ("application/sparql-results+json", "text/csv", "*/*"):
        first, second = (get(server, query, headers={"Accept": accept}) for _ in range(2))
        assert first.status_code == second.status_code == 200
        assert first.content == second.content and "Ding 1" in second.text
        for header in ("content-type", "etag", "vary", "content-length"):
            assert first.headers[header] == second.headers[header], header
    cross_origin = get(server, query, headers={"Origin": "https://researcher.example"})
    assert cross_origin.headers["access-control-allow-origin"] == "*"
    assert cross_origin.headers["etag"] == second.headers["etag"]


# -- the query page -------------------------------------------------------------------------

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_query_page_has_editor_prefixes_and_no_cdn(server: LiveServer) -> None:
    response = get(server, headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert (
        "<textarea" in html and "PREFIX sg: &lt;https://w3id.org/sozialgraph/ontology#&gt;" in html
    )
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == [], "the page must work offline"
    assert httpx.get(server.url + "/static/style.css").status_code == 200


def test_query_page_renders_results_as_table_with_downloads(server: LiveServer) -> None:
    response = get(server, SELECT, headers=BROWSER)
    assert "<table>" in response.text
    assert "Ding 1" in response.text
    assert "format=csv" in response.text


def test_stored_script_shows_as_text(server: LiveServer) -> None:
    query = "SELECT ?t { <https://example.org/thing/script> <http://purl.org/dc/terms/title> ?t }"
    html = get(server, query, headers=BROWSER).text
    assert SCRIPT_TITLE not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_query_page_shows_errors(server: LiveServer) -> None:
    response = get(server, "SELECT * WHERE {", headers=BROWSER)
    assert response.status_code == 400
    assert 'role="alert"' in response.text


def test_service_description_by_default_for_machines(server: LiveServer) -> None:
    response = get(server)
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    assert len(graph) > 10
    as_jsonld = get(server, headers={"Accept": "application/ld+json"})
    assert json.loads(as_jsonld.text)


def test_access_log_on_by_default_and_off_on_request(
    server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    marker = "SELECT ?access_log_marker {}"
    assert get(server, marker).status_code == 200
    assert "/sparql?query=SELECT" in server.log.read_text(errors="replace")
    store = make_example_store(tmp_path_factory.mktemp("quiet-store"))
    with live_server(store, env={"SOZIALGRAPH_ACCESS_LOG": "false"}) as quiet:
        assert get(quiet, marker).status_code == 200
        log = quiet.log.read_text(errors="replace")
    assert "Uvicorn running" in log and "/sparql?query=" not in log
