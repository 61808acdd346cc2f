"""Public queries under pressure (issue 14, items 1, 7, 8): memory limit, bounded queue, a share
per client, the project's own capacity, disconnects, HTML error pages. A real server each."""

from __future__ import annotations

import concurrent.futures
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.example_data import make_example_store
from tests.support import BACKEND, LiveServer, live_server

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
MEMORY_HOG = "SELECT ?a ?d ?g WHERE {?a ?b ?c . ?d ?e ?f . ?g ?h ?i} ORDER BY ?a ?d LIMIT 1"
JSON = {"Accept": "application/sparql-results+json"}

embedded_only = pytest.mark.skipif(
    BACKEND == "oxigraph", reason="query workers run only on the embedded store"
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_example_store(tmp_path_factory.mktemp("overload") / "store")


def _client(address: str = "127.0.0.1", timeout: float = 30) -> httpx.Client:
    """A client from its own loopback address (the server tells clients apart by address)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=timeout)


def _light() -> str:
    """A light query the cache has never seen (a unique comment)."""
    return f"ASK {{}} # {uuid.uuid4()}"


def _get(server: LiveServer, query: str, address: str = "127.0.0.1") -> httpx.Response:
    with _client(address) as client:
        return client.get(server.url + "/sparql", params={"query": query}, headers=JSON)


@pytest.fixture(scope="module")
def small_server(store: Path) -> Iterator[LiveServer]:
    """One public worker, one waiting place, two queries per client."""
    env = {
        "SOZIALGRAPH_QUERY_TIMEOUT": "4",
        "SOZIALGRAPH_QUERY_WORKERS": "1",
        "SOZIALGRAPH_QUERY_QUEUE": "1",
        "SOZIALGRAPH_QUERIES_PER_CLIENT": "2",
        "SOZIALGRAPH_WORKER_MEMORY": "300M",
    }
    with live_server(store, env=env) as live:
        yield live


@embedded_only
def test_a_memory_hungry_query_answers_503_query_used_too_much_memory(
    small_server: LiveServer,
) -> None:
    started = time.monotonic()
    response = _get(small_server, MEMORY_HOG)
    assert response.status_code == 503
    assert "query used too much memory" in response.json()["detail"]
    assert time.monotonic() - started < 4  # stopped by memory, not by the 4 s deadline
    assert _get(small_server, _light()).status_code == 200
    assert "over the limit" in small_server.log.read_text(errors="replace")


def test_overload_is_answered_at_once_with_503_and_retry_after(small_server: LiveServer) -> None:
    addresses = [f"127.0.0.{n}" for n in range(10, 16)]  # six clients, one query each
    with concurrent.futures.ThreadPoolExecutor(len(addresses)) as pool:
        futures = []
        for address in addresses:
            futures.append(pool.submit(_timed, small_server, CARTESIAN, address))
            time.sleep(0.1)
        answers = [future.result() for future in futures]
    overloaded = [(r, t) for r, t in answers if r.status_code == 503 and "overloaded" in r.text]
    assert len(overloaded) >= 3, [(r.status_code, r.text[:80]) for r, _ in answers]
    for response, elapsed in overloaded:
        assert int(response.headers["Retry-After"]) >= 1
        assert elapsed < 1.0  # at once, not after the deadline


def test_a_client_over_its_share_gets_429_with_retry_after(small_server: LiveServer) -> None:
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        running = [pool.submit(_timed, small_server, CARTESIAN, "127.0.0.20") for _ in range(2)]
        time.sleep(0.5)
        third, elapsed = _timed(small_server, CARTESIAN, "127.0.0.20")
        for future in running:
            future.result()
    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) >= 1
    assert elapsed < 1.0


def test_pages_and_api_keep_capacity_while_public_queries_fill_the_workers(
    small_server: LiveServer,
) -> None:
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        heavy = [
            pool.submit(_timed, small_server, CARTESIAN, f"127.0.0.{n}") for n in (30, 31)
        ]  # the public worker and the waiting place
        time.sleep(0.5)
        started = time.monotonic()
        with _client() as client:
            api = client.get(
                small_server.url + "/api/queries/backlinks",
                params={"resource": f"https://example.org/thing/{uuid.uuid4()}"},
            )
        elapsed = time.monotonic() - started
        for future in heavy:
            future.result()
    assert api.status_code == 200, api.text
    assert elapsed < 1.5, f"the API waited {elapsed:.1f} s behind public queries"


@embedded_only
def test_a_query_is_stopped_when_its_client_disconnects(store: Path) -> None:
    env = {"SOZIALGRAPH_QUERY_TIMEOUT": "30", "SOZIALGRAPH_QUERY_WORKERS": "1"}
    with live_server(store, env=env) as server:
        with pytest.raises(httpx.ReadTimeout), _client(timeout=1.0) as client:
            client.get(server.url + "/sparql", params={"query": CARTESIAN}, headers=JSON)
        started = time.monotonic()
        answer = _get(server, _light())  # the only public worker must be free again
        assert answer.status_code == 200
        assert time.monotonic() - started < 5  # a fresh worker's start, not the 30 s query
        assert "its query was stopped" in server.log.read_text(errors="replace")


def test_browsers_get_an_html_error_page(small_server: LiveServer) -> None:
    with _client() as client:
        response = client.post(
            small_server.url + "/sparql",
            content=b"ASK {}",
            headers={"Content-Type": "text/plain", "Accept": "text/html,*/*;q=0.8"},
        )
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>415 " in response.text and "application/sparql-query" in response.text


def _timed(server: LiveServer, query: str, address: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = _get(server, query, address)
    return response, time.monotonic() - started
