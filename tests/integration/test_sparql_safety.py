"""The endpoint survives the public: no outgoing requests, bounded time, no crash.

A real server (``sozialgraph serve``) on 127.0.0.1 with a 3 s query limit, on generated data.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.example_data import make_example_store
from tests.listener import ConnectionCounter
from tests.support import REMOTE_BACKEND, LiveServer, live_server

W3C_SERVICE = Path(__file__).resolve().parents[1] / "w3c" / "service"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = make_example_store(tmp_path_factory.mktemp("safety") / "store")
    env = {"SOZIALGRAPH_QUERY_TIMEOUT": "3", "SOZIALGRAPH_MAX_QUERY_BYTES": "10000000"}
    with live_server(store, env=env) as live:
        yield live


def service_variants(endpoint: str) -> list[str]:
    return [
        f"SELECT * {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}",
        f"select * {{ service <{endpoint}> {{ ?s ?p ?o }} }}",
        f"SELECT*{{SERVICE<{endpoint}>{{?s ?p ?o}}}}",
        f"SELECT * {{ SeRvIcE # comment\n <{endpoint}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE SILENT <{endpoint}> {{ ?s ?p ?o }} }}",
        f"PREFIX remote: <{endpoint.rsplit('/', 1)[0]}/> SELECT * {{ SERVICE remote:sparql {{ ?s ?p ?o }} }}",
        f"BASE <{endpoint.rsplit('/', 1)[0]}/> SELECT * {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }} }}",
        f"ASK {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}",
    ]


def _send(server: LiveServer, method: str, query: str) -> httpx.Response:
    url = server.url + "/sparql"
    if method == "GET":
        return httpx.get(url, params={"query": query}, timeout=10)
    if method == "POST-form":
        return httpx.post(url, data={"query": query}, timeout=10)
    return httpx.post(
        url,
        content=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=10,
    )


@pytest.mark.parametrize("method", ["GET", "POST-form", "POST-direct"])
def test_service_variants_are_refused_and_nothing_connects(server: LiveServer, method: str) -> None:
    with ConnectionCounter() as listener:
        for query in service_variants(listener.url):
            response = _send(server, method, query)
            assert response.status_code == 400, query
            assert "SERVICE" in response.json()["detail"]
        time.sleep(0.3)
        assert listener.connections == 0


@pytest.mark.parametrize("path", sorted(W3C_SERVICE.glob("*.rq")), ids=lambda p: p.name)
def test_w3c_service_queries_are_refused(server: LiveServer, path: Path) -> None:
    response = _send(server, "GET", path.read_text(encoding="utf-8"))
    assert response.status_code == 400
    assert "SERVICE" in response.json()["detail"]


def test_the_listener_would_see_an_unguarded_service_call() -> None:
    """Control: pyoxigraph itself does connect, so the test above can fail."""
    with ConnectionCounter() as listener:
        script = (
            "import pyoxigraph as ox, sys;"
            "list(ox.Store().query('SELECT * { SERVICE <' + sys.argv[1] + '> { ?s ?p ?o } }'))"
        )
        process = subprocess.Popen([sys.executable, "-c", script, listener.url])
        deadline = time.monotonic() + 10
        while listener.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.kill()
        process.wait()
        assert listener.connections >= 1


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * { ?s ?p "SERVICE" } LIMIT 1',
        "SELECT ?service { ?service ?p ?o } LIMIT 1",
        "SELECT * { <http://ex.org/SERVICE> ?p ?o }",
        "PREFIX ex: <http://ex.org/> SELECT * { ?s ex:SERVICE ?o }",
        "SELECT * { ?s ?p ?o } LIMIT 1 # SERVICE <http://127.0.0.1:9/> {}",
    ],
)
def test_look_alikes_answer_200(server: LiveServer, query: str) -> None:
    assert _send(server, "GET", query).status_code == 200


def _cpu_seconds(pid: int) -> float | None:
    """CPU seconds ``pid`` has used so far; None once it is gone (or a zombie, which never runs)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in ("Z", "X"):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(root: int) -> set[int]:
    """Every process below ``root`` (the servers this test started, their query workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = set(), [root]
    while queue:
        for child in children.get(queue.pop(), []):
            if child not in found:
                found.add(child)
                queue.append(child)
    return found


def _busiest_descendant(window: float) -> tuple[int, float]:
    """The process below this test that used the most CPU in the next ``window`` seconds: the
    one computing the slow query (a query worker, or the Oxigraph server on that backend)."""
    before = {pid: _cpu_seconds(pid) for pid in _descendants(os.getpid())}
    time.sleep(window)
    used = {
        pid: after - start
        for pid, start in before.items()
        if start is not None and (after := _cpu_seconds(pid)) is not None
    }
    pid = max(used, key=used.__getitem__)
    return pid, used[pid]


def test_slow_query_is_stopped_while_others_are_answered(server: LiveServer) -> None:
    outcome: dict[str, object] = {}

    def slow() -> None:
        started = time.monotonic()
        response = httpx.get(server.url + "/sparql", params={"query": CARTESIAN}, timeout=30)
        outcome["status"], outcome["elapsed"], outcome["body"] = (
            response.status_code,
            time.monotonic() - started,
            response.json(),
        )

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    quick = httpx.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=10)
    quick_elapsed = time.monotonic() - started
    computing, used = _busiest_descendant(1.0)  # well inside the 3 s time limit
    server_processes = _descendants(server.pid)  # while the query still runs
    thread.join(30)
    assert quick.status_code == 200
    assert quick_elapsed < 0.5
    assert outcome["status"] == 503
    assert outcome["elapsed"] <= 4.0
    assert "3 s" in outcome["body"]["detail"]
    assert used > 0.1, f"nothing computed the slow query ({computing}: {used:.2f} s)"
    assert server.alive()
    if REMOTE_BACKEND:
        # The SPARQL server computes the query, and only its own time limit stops it (which
        # may lag behind the 503): nothing of sozialgraph's is left running.
        assert computing not in server_processes
        return
    # Only the worker that computed the query counts: a fresh worker's start-up is no sign
    # that the stopped query goes on. It is gone (killed), or at least idle.
    assert computing in server_processes
    before = _cpu_seconds(computing)
    time.sleep(1.0)
    after = _cpu_seconds(computing)
    if before is not None and after is not None:
        assert after - before < 0.3, f"process {computing} is still computing"
    assert server.alive()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * " + "{" * 2_500 + "}" * 2_500,
        "SELECT * " + "{" * 100_000 + "}" * 100_000,
        "SELECT * {" + " UNION ".join(["{}"] * 30_000) + "}",
        "SELECT * { ?s " + "/".join(["<http://ex.org/p>"] * 30_000) + " ?o }",
        "SELECT * {" + " ".join(["OPTIONAL { ?s ?p ?o }"] * 300) + "}",
    ],
    ids=["2500-braces", "100000-braces", "30000-union", "30000-path", "300-optional"],
)
def test_crash_queries_are_refused_and_the_same_process_answers(
    server: LiveServer, query: str
) -> None:
    pid = server.pid
    started = time.monotonic()
    response = httpx.post(
        server.url + "/sparql",
        content=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert 400 <= response.status_code < 500 or response.status_code == 503
    assert time.monotonic() - started <= 4.0
    assert server.alive() and server.pid == pid
    assert (
        httpx.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=10).status_code == 200
    )
