"""The W3C SPARQL 1.1 Graph Store HTTP Protocol test cases, against a real server with a token.

The manifests (tests/w3c/graph-store-protocol, copied unchanged with their licence) are read with
rdflib; each case runs on its own throw-away store. ``/gsp`` in the manifests is this server's
``/graph-store``. One case is expected to be refused by design: ``put_get_default`` writes to the
default graph, which this service refuses (every source is its own named graph).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from sozialgraph.store.embedded import EmbeddedStore
from tests.support import LiveServer, live_server

MANIFESTS = Path(__file__).resolve().parents[1] / "w3c" / "graph-store-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = "http://www.w3.org/2011/http-statusCodes#"
STATUS = {
    "OK": {200},
    "Created": {201},
    "NoContent": {204},
    "NotFound": {404},
    "StatusCode2xx": set(range(200, 300)),
}
TOKEN = "w3c-test-write-token"
REFUSED_BY_DESIGN = {"put_get_default": 405}


@dataclass
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None
    statuses: set[int]
    location: str | None
    expected_body: str | None
    expected_type: str | None


def _load() -> list[tuple[str, list[Step]]]:
    cases = []
    for name in ("manifest-direct.ttl", "manifest-indirect.ttl"):
        graph = Graph().parse(MANIFESTS / name, format="turtle")
        manifest = next(graph.subjects(RDF.type, MF.Manifest))
        for test in Collection(graph, graph.value(manifest, MF.entries)):
            steps = []
            for request in Collection(
                graph, graph.value(graph.value(test, MF.action), HT.requests)
            ):
                headers = {}
                if graph.value(request, HT.headers) is not None:
                    for header in Collection(graph, graph.value(request, HT.headers)):
                        headers[str(graph.value(header, HT.fieldName))] = str(
                            graph.value(header, HT.fieldValue)
                        )
                response = graph.value(request, HT.resp)
                statuses = set()
                for status in graph.objects(response, MF.expectedStatus):
                    statuses |= STATUS[str(status).removeprefix(HTS)]
                body = (
                    graph.value(graph.value(request, HT.body), CNT.chars)
                    if graph.value(request, HT.body)
                    else None
                )
                expected = (
                    graph.value(graph.value(response, HT.body), CNT.chars)
                    if graph.value(response, HT.body)
                    else None
                )
                expected_type = None
                if graph.value(response, HT.headers) is not None:
                    for header in Collection(graph, graph.value(response, HT.headers)):
                        if str(graph.value(header, HT.fieldName)).lower() == "content-type":
                            expected_type = str(graph.value(header, HT.fieldValue))
                location = graph.value(response, MF.expectedLocation)
                steps.append(
                    Step(
                        str(graph.value(request, HT.methodName)),
                        str(graph.value(request, HT.absolutePath)).replace(
                            "/gsp", "/graph-store", 1
                        ),
                        headers,
                        str(body) if body is not None else None,
                        statuses,
                        str(location) if location is not None else None,
                        str(expected) if expected is not None else None,
                        expected_type,
                    )
                )
            cases.append((str(test).rsplit("#", 1)[1], steps))
    return cases


CASES = _load()


def test_all_thirteen_cases_are_read() -> None:
    assert len(CASES) == 13


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    store = EmbeddedStore(tmp_path / "store")
    seed = ox.NamedNode("urn:x-test:seed")
    store.rebuild([ox.Quad(seed, seed, ox.Literal("a throw-away store"), seed)])
    store.close()
    with live_server(tmp_path / "store", env={"SOZIALGRAPH_WRITE_TOKENS": f"w3c:{TOKEN}"}) as live:
        yield live


@pytest.mark.parametrize(("name", "steps"), CASES, ids=[c[0] for c in CASES])
def test_graph_store_case(server: LiveServer, name: str, steps: list[Step]) -> None:
    location = ""
    for step in steps:
        path = step.path.replace("$LOCATION$", location)
        body = step.body.replace("$LOCATION$", location).encode("utf-8") if step.body else None
        headers = {**step.headers, "Authorization": f"Bearer {TOKEN}"}
        response = httpx.request(
            step.method, server.url + path, headers=headers, content=body, timeout=30
        )
        if name in REFUSED_BY_DESIGN and step.method == "PUT":
            assert response.status_code == REFUSED_BY_DESIGN[name]
            assert (
                "default graph" in response.json()["detail"].lower()
                or "standardgraph" in response.json()["detail"].lower()
            )
            return
        assert response.status_code in step.statuses, (
            f"{step.method} {path}: {response.status_code} {response.text}"
        )
        if step.location is not None:
            location = response.headers["location"]
        if step.expected_type:
            assert (
                response.headers["content-type"].replace(" ", "").lower()
                == step.expected_type.replace(" ", "").lower()
            )
        if step.expected_body is not None:
            got = Graph().parse(data=response.text, format="turtle")
            want = Graph().parse(data=step.expected_body, format="turtle")
            assert isomorphic(got, want), response.text
