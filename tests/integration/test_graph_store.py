"""Authenticated writes over HTTP: Graph Store Protocol, sheet uploads, atomicity, hardening.

A real server (``sozialgraph serve``) on a store with the project's ontology and shapes and a
generated example town (example.org), with two write tokens.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.listener import ConnectionCounter
from tests.stores import EXAMPLE_BASE, build_example_store, measure_rows, sheet_csv
from tests.support import BACKEND, LiveServer, live_server

TOKEN = "s3cret-officer-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENV = {
    "SOZIALGRAPH_BASE_IRI": EXAMPLE_BASE,
    "SOZIALGRAPH_MUNICIPALITY": "beispielstadt",
    "SOZIALGRAPH_WRITE_TOKENS": f"officer:{TOKEN},second:another-long-write-token",
    "SOZIALGRAPH_MAX_UPLOAD_BYTES": "5000000",
    "SOZIALGRAPH_QUERY_TIMEOUT": "8",
}
GRAPH = EXAMPLE_BASE + "graph/import/test"
MEASURE = """@prefix sg: <https://w3id.org/sozialgraph/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://example.org/beispielstadt/massnahme/gsp-{n}> a sg:Measure ;
    dcterms:title "Maßnahme über den Graph Store {n}"@de ;
    sg:belongsToStrategy <https://example.org/beispielstadt/strategie/armutspraevention> ;
    dcterms:source <https://example.org/quellen/gsp> .
"""


@pytest.fixture(scope="module")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example_store(tmp_path_factory.mktemp("gsp-source") / "store")


@pytest.fixture
def server(example_store: Path, tmp_path: Path) -> Iterator[LiveServer]:
    copy = tmp_path / "store"
    shutil.copytree(example_store, copy)
    with live_server(copy, env=ENV) as live:
        yield live


def count(server: LiveServer, graph: str | None = None) -> int:
    query = (
        "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
        if graph is None
        else f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    )
    response = httpx.get(server.url + "/sparql", params={"query": query}, timeout=20)
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def put(
    server: LiveServer,
    body: str | bytes,
    *,
    graph: str = GRAPH,
    headers: dict[str, str] | None = None,
    content_type: str = "text/turtle",
) -> httpx.Response:
    data = body.encode() if isinstance(body, str) else body
    return httpx.put(
        server.url + "/graph-store",
        params={"graph": graph},
        content=data,
        headers={"Content-Type": content_type, **(headers if headers is not None else AUTH)},
        timeout=60,
    )


def test_put_needs_a_token_and_the_right_one(server: LiveServer) -> None:
    before = count(server)
    assert put(server, MEASURE.format(n=1), headers={}).status_code == 401
    wrong = put(server, MEASURE.format(n=1), headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and wrong.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert count(server) == before


def data_count(server: LiveServer) -> int:
    """Triples outside the metadata graph (which grows with every write's provenance record)."""
    query = f"SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{EXAMPLE_BASE}graph/meta>) }}"
    response = httpx.get(server.url + "/sparql", params={"query": query}, timeout=20)
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_put_get_delete_restores_the_count(server: LiveServer) -> None:
    before = data_count(server)
    created = put(server, MEASURE.format(n=2))
    assert created.status_code == 201
    assert created.headers["location"] == GRAPH
    assert count(server, GRAPH) == 4
    got = httpx.get(
        server.url + "/graph-store",
        params={"graph": GRAPH},
        headers={"Accept": "application/n-triples"},
    )
    assert got.status_code == 200 and len(got.text.strip().splitlines()) == 4
    assert put(server, MEASURE.format(n=3)).status_code == 204
    deleted = httpx.delete(server.url + "/graph-store", params={"graph": GRAPH}, headers=AUTH)
    assert deleted.status_code == 204
    assert data_count(server) == before
    assert httpx.get(server.url + "/graph-store", params={"graph": GRAPH}).status_code == 404
    versions = httpx.get(server.url + "/api/graphs/test/history").json()["versions"]
    assert [v["kind"] for v in versions] == ["delete", "graph-store", "graph-store"]


def test_invalid_data_is_422_with_the_report_and_changes_nothing(server: LiveServer) -> None:
    assert put(server, MEASURE.format(n=4)).status_code == 201
    before_graph, before = count(server, GRAPH), count(server)
    invalid = MEASURE.format(n=5).replace(
        'dcterms:title "Maßnahme über den Graph Store 5"@de ;', ""
    )
    response = put(server, invalid)
    assert response.status_code == 422
    problem = response.json()
    assert any(
        r["path"] == "http://purl.org/dc/terms/title" and r["focusNode"].endswith("gsp-5")
        for r in problem["results"]
    )
    assert "Titel" in problem["detail"]
    assert (count(server, GRAPH), count(server)) == (before_graph, before)


def test_syntax_error_is_400_with_the_line(server: LiveServer) -> None:
    broken = MEASURE.format(n=6) + '\n<https://example.org/x> <https://example.org/p> "open .\n'
    response = put(server, broken)
    assert response.status_code == 400
    assert response.json()["line"] == 8
    assert count(server, GRAPH) == 0


def test_default_graph_writes_are_refused(server: LiveServer) -> None:
    response = httpx.put(
        server.url + "/graph-store?default",
        content=MEASURE.format(n=7).encode(),
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert response.status_code == 405


@pytest.mark.parametrize(
    "graph",
    [
        GRAPH + "> ; DROP ALL ; DROP SILENT GRAPH <" + GRAPH + "-x",
        GRAPH + ">;DROP ALL",
        GRAPH + " with a space",
    ],
    ids=["second-update", "short", "space"],
)
def test_a_graph_name_that_is_not_an_iri_is_400_and_changes_nothing(
    server: LiveServer, graph: str
) -> None:
    before = count(server)
    for method in ("PUT", "POST", "DELETE", "GET"):
        response = httpx.request(
            method,
            server.url + "/graph-store",
            params={"graph": graph},
            content=MEASURE.format(n=9).encode() if method in ("PUT", "POST") else None,
            headers={"Content-Type": "text/turtle", **AUTH},
            timeout=60,
        )
        assert response.status_code == 400, (method, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert (
            "not a valid IRI" in response.json()["detail"]
            or "keine gültige IRI" in (response.json()["detail"])
        )
    assert count(server) == before


def test_file_graphs_are_not_writable(server: LiveServer) -> None:
    response = put(
        server, MEASURE.format(n=8), graph=EXAMPLE_BASE + "graph/data/beispielstadt/beispielstadt"
    )
    assert response.status_code == 403


def test_oversize_upload_is_413(server: LiveServer) -> None:
    response = put(server, b"#" + b"x" * 6_000_000)
    assert response.status_code == 413


def test_rdf_xml_with_an_external_entity_leaks_nothing(server: LiveServer, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    xxe = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY leak SYSTEM "file://{secret}">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="https://example.org/leak"><dc:title>&leak;</dc:title></rdf:Description>
</rdf:RDF>"""
    response = put(server, xxe, content_type="application/rdf+xml")
    assert response.status_code == 400
    assert "TOP-SECRET" not in response.text
    assert count(server, GRAPH) == 0
    everything = httpx.get(
        server.url + "/sparql",
        params={"query": 'ASK { ?s ?p ?o FILTER(CONTAINS(STR(?o), "TOP-SECRET")) }'},
    ).json()
    assert everything["boolean"] is False


def test_entity_bomb_is_refused_quickly(server: LiveServer) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY a{i} "{"&a;" * 10 if i == 0 else f"&a{i - 1};" * 10}">' for i in range(9)
        )
        + ']><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    )
    started = time.monotonic()
    response = put(server, bomb, content_type="application/rdf+xml")
    assert response.status_code == 400 and time.monotonic() - started < 2


@pytest.mark.parametrize(
    "context", ["http://127.0.0.1:{port}/context.jsonld", "file:///etc/passwd"]
)
def test_remote_and_file_jsonld_contexts_are_not_fetched(server: LiveServer, context: str) -> None:
    with ConnectionCounter() as listener:
        document = json.dumps(
            {
                "@context": context.format(port=listener.port),
                "@id": "https://example.org/x",
                "title": "x",
            }
        )
        response = put(server, document, content_type="application/ld+json")
        time.sleep(0.2)
        assert response.status_code == 400
        assert listener.connections == 0
        assert "root:" not in response.text


def test_owl_imports_stays_a_plain_triple(server: LiveServer) -> None:
    with ConnectionCounter() as listener:
        body = f"<https://example.org/o> <http://www.w3.org/2002/07/owl#imports> <{listener.url}> ."
        response = put(server, body, content_type="application/n-triples")
        time.sleep(0.2)
        assert response.status_code == 201
        assert listener.connections == 0


NESTED = 100_000


@pytest.mark.parametrize(
    ("content_type", "body", "accepted"),
    [
        (
            "application/ld+json",
            '{"@id": "https://example.org/s", "https://example.org/p": '
            + '{"https://example.org/p": ' * NESTED
            + '"x"'
            + "}" * NESTED
            + "}",
            False,
        ),
        (
            "application/rdf+xml",
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="https://example.org/"><rdf:Description>'
            + "<e:p><rdf:Description>" * NESTED
            + "</rdf:Description></e:p>" * NESTED
            + "</rdf:Description></rdf:RDF>",
            False,
        ),
        (
            "text/turtle",
            "<https://example.org/s> <https://example.org/p> " + "(" * NESTED + ")" * NESTED + " .",
            True,
        ),
    ],
    ids=["jsonld", "rdfxml", "turtle-collections"],
)
def test_deep_nesting_costs_only_the_upload(
    server: LiveServer, content_type: str, body: str, accepted: bool
) -> None:
    """JSON-LD nesting is refused by the parser, RDF/XML nesting (slow to parse) by the time
    limit; Turtle parses nested collections in linear time, so they are valid data."""
    if accepted and BACKEND == "virtuoso":
        pytest.skip(
            "Virtuoso 7.2 takes no connected blank-node structure of 200,000 triples in one "
            "write: an INSERT template of 4,000 fails (SP031 'generated SQL text has exceeded "
            "10000 lines'), one of 40,000 'memory exhausted', and its LOAD refuses 25 MB "
            "('RDFXX Content length … is over the limit 20971520')"
        )
    pid = server.pid
    started = time.monotonic()
    response = put(server, body, content_type=content_type, graph=f"{GRAPH}-nested")
    if accepted:
        assert response.status_code == 201
    else:
        assert 400 <= response.status_code < 500 or response.status_code == 503
        assert time.monotonic() - started < 8 + 5  # the time limit, and a margin
    assert server.alive() and server.pid == pid
    assert httpx.get(server.url + "/sparql", params={"query": "ASK {}"}).status_code == 200


def test_huge_multiline_literal_is_fast(server: LiveServer) -> None:
    if BACKEND == "virtuoso":
        pytest.skip(
            "Virtuoso applies MaxQueryExecutionTime (here the module's 8 s) to updates too, and "
            "takes 2.6-4.5 s itself to write this 1.2 MB literal (measured at load 7); on the "
            "loaded machine over 8 s: 'SR171: Transaction timed out', 503"
        )
    literal = "Zeile\\n" * 200_000
    body = f'<https://example.org/s> <https://example.org/p> "{literal}" .'
    started = time.monotonic()
    response = put(server, body, content_type="application/n-triples")
    assert response.status_code == 201, response.text
    assert time.monotonic() - started < 5


# -- sheet uploads over HTTP ---------------------------------------------------------------------


def test_sheet_upload_and_history(server: LiveServer) -> None:
    files = {"file": ("massnahmen.csv", sheet_csv(measure_rows(30)), "text/csv")}
    response = httpx.post(
        server.url + "/api/import",
        files=files,
        data={"graph": "massnahmen"},
        headers=AUTH,
        timeout=60,
    )
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["graph"] == EXAMPLE_BASE + "graph/import/massnahmen"
    rows = measure_rows(30)
    rows[0][9], rows[0][10] = "Daueraufgabe", "01.10.2025"
    files = {"file": ("massnahmen.csv", sheet_csv(rows), "text/csv")}
    second = httpx.post(
        server.url + "/api/import",
        files=files,
        data={"graph": "massnahmen"},
        headers=AUTH,
        timeout=60,
    )
    assert second.status_code == 201
    history = httpx.get(
        server.url + "/api/graphs/massnahmen/history", params={"from": report["activity"]}
    ).json()
    assert [v["agent"] for v in history["versions"]] == ["officer", "officer"]
    changes = history["diff"]["status_changes"]
    assert changes == [
        {
            "measure": EXAMPLE_BASE + "beispielstadt/massnahme/gen-001",
            "before": "https://w3id.org/sozialgraph/vocab/status/in-umsetzung",
            "after": "https://w3id.org/sozialgraph/vocab/status/daueraufgabe",
        }
    ]


def test_sheet_errors_come_back_by_row_and_column_in_the_asked_language(server: LiveServer) -> None:
    rows = measure_rows(6)
    rows[3][9] = "fertig"
    files = {"file": ("fehler.csv", sheet_csv(rows), "text/csv")}
    german = httpx.post(
        server.url + "/api/import", files=files, data={"graph": "fehler"}, headers=AUTH
    )
    assert german.status_code == 422
    assert german.json()["problems"][0]["text"].startswith(
        "Maßnahmen, Zeile 5, Spalte Status: „fertig“ ist kein erlaubter Wert"
    )
    english = httpx.post(
        server.url + "/api/import",
        files=files,
        data={"graph": "fehler"},
        headers={**AUTH, "Accept-Language": "en"},
    )
    assert english.json()["problems"][0]["text"].startswith(
        "Maßnahmen, row 5, column Status: 'fertig' is not an allowed value"
    )
    assert httpx.get(server.url + "/api/graphs/fehler/history").status_code == 404


def test_template_downloads(server: LiveServer) -> None:
    csv_template = httpx.get(server.url + "/api/import/template")
    assert csv_template.headers["content-type"].startswith("text/csv")
    assert csv_template.text.lstrip("\ufeff").startswith("Kennung *;Titel *")
    xlsx = httpx.get(server.url + "/api/import/template", params={"format": "xlsx"})
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    values = httpx.get(server.url + "/api/import/template", params={"sheet": "values"})
    assert "in Umsetzung" in values.text


# -- atomicity under concurrency -------------------------------------------------------------------


def _big_graph(n: int, tag: str) -> str:
    return "\n".join(
        f'<https://example.org/big/{i}> <https://example.org/p> "{tag} {i}" .' for i in range(n)
    )


def test_readers_only_see_old_or_new_counts_while_a_graph_is_replaced_five_times(
    server: LiveServer,
) -> None:
    sizes = [5000, 9000, 2000, 12000, 7000]
    seen: set[int] = set()
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            seen.add(count(server, GRAPH))

    reader = threading.Thread(target=poll)
    reader.start()
    for n in sizes:
        assert put(
            server, _big_graph(n, f"v{n}"), content_type="application/n-triples"
        ).status_code in (201, 204)
    time.sleep(0.3)
    stop.set()
    reader.join()
    assert seen <= {0, *sizes}
    assert len(seen) >= 3


def test_two_writes_at_once_are_serialised(server: LiveServer) -> None:
    """Two large writes sent at the same moment both succeed, one after the other: a reader
    polling all the while sees each graph empty or complete, never a part of it."""
    size = 20_000
    graphs = [f"{GRAPH}-{n}" for n in range(2)]
    results: list[int] = []
    seen: list[tuple[int, int]] = []
    stop = threading.Event()

    def write(graph: str) -> None:
        response = put(
            server, _big_graph(size, graph), graph=graph, content_type="application/n-triples"
        )
        results.append(response.status_code)

    def poll() -> None:
        while not stop.is_set():
            seen.append((count(server, graphs[0]), count(server, graphs[1])))

    reader = threading.Thread(target=poll)
    reader.start()
    writers = [threading.Thread(target=write, args=(graph,)) for graph in graphs]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    time.sleep(0.3)
    stop.set()
    reader.join()
    assert results == [201, 201]
    assert seen, "the reader observed nothing"
    assert {n for pair in seen for n in pair} <= {0, size}, sorted(set(seen))
    assert [count(server, graph) for graph in graphs] == [size, size]
    for n in range(2):
        history = httpx.get(server.url + f"/api/graphs/test-{n}/history", timeout=10)
        assert history.status_code == 200, history.text
        versions = history.json()["versions"]
        assert [(v["kind"], v["agent"], v["triples"]) for v in versions] == [
            ("graph-store", "officer", size)
        ]


def test_api_answers_follow_every_write(server: LiveServer) -> None:
    """API answers are cached per store version: a write is visible at once, a delete too."""
    url = server.url + "/api/measures"
    params = {"q": "Graph Store 77"}
    before = httpx.get(url, params=params, timeout=20)
    assert before.status_code == 200
    assert before.json()["total"] == 0
    assert put(server, MEASURE.format(n=77)).status_code in (200, 201, 204)
    after = httpx.get(url, params=params, timeout=20)
    assert after.json()["total"] == 1
    assert httpx.delete(
        server.url + "/graph-store", params={"graph": GRAPH}, headers=AUTH
    ).is_success
    assert httpx.get(url, params=params, timeout=20).json()["total"] == 0


def test_default_graph_read_points_to_the_dumps_instead_of_serialising_everything(
    server: LiveServer,
) -> None:
    for method in ("GET", "HEAD"):
        response = httpx.request(
            method, server.url + "/graph-store?default", headers={"Accept": "text/turtle"}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/dumps/sozialgraph.ttl"
    nt = httpx.get(server.url + "/graph-store?default", headers={"Accept": "application/n-triples"})
    assert nt.headers["location"] == "/dumps/sozialgraph.nt"
    dump = httpx.get(server.url + "/graph-store?default", follow_redirects=True, timeout=60)
    assert dump.status_code == 200
    assert dump.headers["content-type"].startswith("text/turtle")


def test_head_of_a_named_graph_answers_without_serialising_it(server: LiveServer) -> None:
    put(server, MEASURE.format(n=7))
    head = httpx.head(server.url + "/graph-store", params={"graph": GRAPH})
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/turtle")
    assert "content-length" not in head.headers
    missing = httpx.head(server.url + "/graph-store", params={"graph": GRAPH + "-none"})
    assert missing.status_code == 404
