"""``sozialgraph serve --workers 2``: two web processes on one port and one embedded store.

A real server on 127.0.0.1; each answer names its process (``Sozialgraph-Process``). Every
connection below is new (no keep-alive), so the kernel hands them to either process.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.stores import EXAMPLE_BASE, build_example_store
from tests.support import LiveServer, _wait_until_ready, free_port

TOKEN = "s3cret-officer-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENV = {
    "SOZIALGRAPH_BASE_IRI": EXAMPLE_BASE,
    "SOZIALGRAPH_MUNICIPALITY": "beispielstadt",
    "SOZIALGRAPH_WRITE_TOKENS": f"officer:{TOKEN}",
    "SOZIALGRAPH_QUERY_WORKERS": "1",
    "SOZIALGRAPH_ACCESS_LOG": "false",
}
GRAPH = EXAMPLE_BASE + "graph/import/workers"
MEASURE = """@prefix sg: <https://w3id.org/sozialgraph/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://example.org/beispielstadt/massnahme/workers-{n}> a sg:Measure ;
    dcterms:title "Maßnahme aus Prozess {n}"@de ;
    sg:belongsToStrategy <https://example.org/beispielstadt/strategie/armutspraevention> ;
    dcterms:source <https://example.org/quellen/workers> .
"""
PROCESS = "sozialgraph-process"


@pytest.fixture(scope="module")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example_store(tmp_path_factory.mktemp("workers-source") / "store")


@contextlib.contextmanager
def serve_with_workers(store: Path, workers: int) -> Iterator[LiveServer]:
    port = free_port()
    log = store.parent / f"server-{port}.log"
    environment = {**os.environ, "SOZIALGRAPH_STORE": str(store), **ENV}
    command = [sys.executable, "-m", "sozialgraph.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_ready(server, 90)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def server(example_store: Path, tmp_path: Path) -> Iterator[LiveServer]:
    copy = tmp_path / "store"
    shutil.copytree(example_store, copy)
    with serve_with_workers(copy, 2) as live:
        yield live


def ask(server: LiveServer, n: int) -> tuple[bool, str]:
    """Whether measure ``n`` is published, on a new connection, and which process said so."""
    measure = f"https://example.org/beispielstadt/massnahme/workers-{n}"
    query = f"ASK {{ <{measure}> <http://purl.org/dc/terms/title> ?title }}"
    response = httpx.get(
        server.url + "/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"]), response.headers[PROCESS]


def clients_per_process(server: LiveServer) -> dict[str, httpx.Client]:
    """One kept-alive connection to each of the two processes."""
    found: dict[str, httpx.Client] = {}
    for _ in range(200):
        client = httpx.Client(base_url=server.url, timeout=60)
        pid = client.get("/sparql", params={"query": "ASK {}"}).headers[PROCESS]
        if pid in found:
            client.close()
        else:
            found[pid] = client
        if len(found) == 2:
            return found
    raise AssertionError(f"connections reached only the processes {sorted(found)}")


def test_two_processes_answer_and_every_read_after_a_write_sees_it(server: LiveServer) -> None:
    # The question is asked (and cached at the old version) in both processes before the write.
    before = {ask(server, 1) for _ in range(60)}
    assert {seen for seen, _ in before} == {False}
    assert len({pid for _, pid in before}) == 2, "both processes must answer reads"
    assert str(server.pid) not in {pid for _, pid in before}  # the supervisor does not serve

    written = httpx.put(
        server.url + "/graph-store",
        params={"graph": GRAPH},
        content=MEASURE.format(n=1).encode(),
        headers={"Content-Type": "text/turtle", **AUTH},
        timeout=60,
    )
    assert written.status_code == 201, written.text

    after = [ask(server, 1) for _ in range(60)]
    assert all(seen for seen, _ in after), after
    assert len({pid for _, pid in after}) == 2


def test_concurrent_writes_through_two_processes_are_serialised(server: LiveServer) -> None:
    clients = list(clients_per_process(server).values())
    answers: list[httpx.Response] = []

    def merge(client: httpx.Client, n: int) -> None:
        answers.append(
            client.post(
                "/graph-store",
                params={"graph": GRAPH},
                content=MEASURE.format(n=n).encode(),
                headers={"Content-Type": "text/turtle", **AUTH},
            )
        )

    try:
        for first in (10, 20, 30):
            threads = [
                threading.Thread(target=merge, args=(client, first + offset))
                for offset, client in enumerate(clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        # Every merge was accepted, and exactly one of them created the graph (201: what the
        # write found under the lock, not a look before it).
        codes = [a.status_code for a in answers]
        assert len(codes) == 6 and set(codes) <= {201, 204} and codes.count(201) == 1, [
            (a.status_code, a.text[:200]) for a in answers
        ]
        # Each merge read the graph as the other left it: no write lost the other's measure.
        for n in (10, 11, 20, 21, 30, 31):
            assert all(ask(server, n)[0] for _ in range(6)), n
        graph = clients[0].get(
            "/graph-store", params={"graph": GRAPH}, headers={"Accept": "application/n-triples"}
        )
        assert graph.status_code == 200
        assert len(graph.text.strip().splitlines()) == 6 * 4
    finally:
        for client in clients:
            client.close()
