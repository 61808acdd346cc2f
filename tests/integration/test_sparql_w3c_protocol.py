"""The W3C SPARQL 1.1 Protocol and Service Description test cases, against a real server.

The manifests (tests/w3c/, copied unchanged with their licence) are read with rdflib; every
``mf:ProtocolTest`` becomes HTTP requests. The 27 query cases must pass. The 7 update cases run
only their update request, which a read-only endpoint must refuse, leaving the store unchanged.
They use a throw-away store holding the W3C data graphs, never real data.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from sozialgraph.store.embedded import EmbeddedStore
from tests.support import LiveServer, live_server

W3C = Path(__file__).resolve().parents[1] / "w3c"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
MANIFEST_BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/"


@dataclass
class ProtocolRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None
    statuses: set[str]
    expected_format: str | None
    expected_boolean: bool | None


@dataclass
class ProtocolCase:
    name: str
    title: str
    requests: list[ProtocolRequest]

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def _load_cases() -> list[ProtocolCase]:
    graph = Graph().parse(
        W3C / "protocol" / "manifest.ttl", format="turtle", publicID=MANIFEST_BASE + "manifest.ttl"
    )
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    cases = []
    for test in Collection(graph, graph.value(manifest, MF.entries)):
        if (test, RDF.type, MF.ProtocolTest) not in graph:
            continue
        requests = []
        for request in Collection(graph, graph.value(graph.value(test, MF.action), HT.requests)):
            headers = {}
            if graph.value(request, HT.headers) is not None:
                for header in Collection(graph, graph.value(request, HT.headers)):
                    headers[str(graph.value(header, HT.fieldName))] = str(
                        graph.value(header, HT.fieldValue)
                    )
            body_node = graph.value(request, HT.body)
            response = graph.value(request, HT.resp)
            boolean = graph.value(response, MF.expectedBoolean)
            requests.append(
                ProtocolRequest(
                    method=str(graph.value(request, HT.methodName)),
                    path=str(graph.value(request, HT.absolutePath)).replace(
                        "/sparql/", "/sparql", 1
                    ),
                    headers=headers,
                    body=str(graph.value(body_node, CNT.chars)) if body_node is not None else None,
                    statuses={
                        str(s).rsplit("#", 1)[1] for s in graph.objects(response, MF.expectedStatus)
                    },
                    expected_format=str(graph.value(response, MF.expectedFormat) or "") or None,
                    expected_boolean=None if boolean is None else boolean.toPython(),
                )
            )
        cases.append(
            ProtocolCase(str(test).rsplit("#", 1)[1], str(graph.value(test, MF.name)), requests)
        )
    return cases


CASES = _load_cases()
QUERY_CASES = [c for c in CASES if not c.is_update]
UPDATE_CASES = [c for c in CASES if c.is_update]


def test_manifest_has_the_expected_cases() -> None:
    assert (len(CASES), len(QUERY_CASES), len(UPDATE_CASES)) == (34, 27, 7)


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("w3c") / "store"
    store = EmbeddedStore(path)
    quads = []
    for number in range(4):
        source = W3C / "protocol" / f"data{number}.nt"
        if source.exists():
            name = ox.NamedNode(f"http://kasei.us/2009/09/sparql/data/data{number}.rdf")
            quads += [
                ox.Quad(t.subject, t.predicate, t.object, name) for t in ox.parse(path=str(source))
            ]
    store.rebuild(quads)
    store.close()
    with live_server(path) as server:
        yield server


def _send(server: LiveServer, request: ProtocolRequest) -> httpx.Response:
    return httpx.request(
        request.method,
        server.url + request.path,
        headers=request.headers,
        content=request.body.encode("utf-8") if request.body is not None else None,
        timeout=30,
    )


def _status_class(status: int) -> str:
    return f"StatusCode{status // 100}xx"


def _check_body(response: httpx.Response, request: ProtocolRequest) -> None:
    media_type = response.headers["content-type"].split(";")[0]
    if request.expected_format in ("boolean", "tabular"):
        result = ox.parse_query_results(
            io.BytesIO(response.content), format=ox.QueryResultsFormat.from_media_type(media_type)
        )
        if request.expected_format == "boolean":
            assert isinstance(result, ox.QueryBoolean)
            if request.expected_boolean is not None:
                assert bool(result) is request.expected_boolean
        else:
            assert isinstance(result, ox.QuerySolutions)
            list(result)
    elif request.expected_format == "RDF":
        list(ox.parse(response.content, format=ox.RdfFormat.from_media_type(media_type)))


@pytest.mark.parametrize("case", QUERY_CASES, ids=[c.name for c in QUERY_CASES])
def test_query_case(w3c_server: LiveServer, case: ProtocolCase) -> None:
    for request in case.requests:
        response = _send(w3c_server, request)
        assert _status_class(response.status_code) in request.statuses, response.text
        if response.is_success:
            _check_body(response, request)
        else:
            assert response.status_code < 500


def _all_quads(server: LiveServer) -> str:
    response = httpx.get(
        server.url + "/sparql",
        params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/n-triples"},
    )
    return "\n".join(sorted(response.text.splitlines()))


@pytest.mark.parametrize("case", UPDATE_CASES, ids=[c.name for c in UPDATE_CASES])
def test_update_case_is_refused_and_changes_nothing(
    w3c_server: LiveServer, case: ProtocolCase
) -> None:
    before = _all_quads(w3c_server)
    update = case.requests[0]
    response = _send(w3c_server, update)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "read-only" in response.json()["detail"]
    assert _all_quads(w3c_server) == before


# -- Service Description ---------------------------------------------------------------------


def _service_description(server: LiveServer, accept: str = "text/turtle") -> Graph:
    response = httpx.get(server.url + "/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    fmt = {
        "text/turtle": "turtle",
        "application/rdf+xml": "xml",
        "application/ld+json": "json-ld",
        "application/n-triples": "nt",
    }[accept]
    assert response.headers["content-type"].startswith(accept)
    return Graph().parse(data=response.text, format=fmt)


def test_service_description_cases_are_listed() -> None:
    graph = Graph().parse(W3C / "service-description" / "manifest.ttl", format="turtle")
    names = sorted(
        str(graph.value(t, MF.name)) for t in graph.subjects(RDF.type, MF.ServiceDescriptionTest)
    )
    assert len(names) == 3


@pytest.mark.parametrize(
    "accept", ["text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples"]
)
def test_sd_returns_rdf(w3c_server: LiveServer, accept: str) -> None:
    assert len(_service_description(w3c_server, accept)) > 10


def test_sd_has_endpoint_triple(w3c_server: LiveServer) -> None:
    graph = _service_description(w3c_server)
    endpoint = URIRef(w3c_server.url + "/sparql")
    assert (endpoint, SD.endpoint, endpoint) in graph


def test_sd_conforms_to_schema(w3c_server: LiveServer) -> None:
    graph = _service_description(w3c_server)
    service = next(graph.subjects(RDF.type, SD.Service))
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert set(graph.objects(service, SD.resultFormat)) >= {
        URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON"),
        URIRef("http://www.w3.org/ns/formats/Turtle"),
    }
    dataset = graph.value(service, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in graph
    assert (graph.value(dataset, SD.defaultGraph), RDF.type, SD.Graph) in graph
    names = {graph.value(n, SD.name) for n in graph.objects(dataset, SD.namedGraph)}
    assert URIRef("http://kasei.us/2009/09/sparql/data/data1.rdf") in names
    for node in graph.subjects(RDF.type, SD.NamedGraph):
        assert graph.value(node, SD.name) is not None
    assert RDFS  # the schema's classes are the SD namespace's own
