"""The worker pool on its own (no guard): crashes, timeouts and limits cost only their query."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from sozialgraph.errors import QuerySyntaxError, QueryTimeout, ResultTooLarge
from sozialgraph.querying.workers import QueryCrashed, QueryJob, WorkerPool
from sozialgraph.store.embedded import EmbeddedStore
from tests.example_data import make_example_store

JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = make_example_store(tmp_path_factory.mktemp("pool") / "store")
    made = EmbeddedStore(path).checkpoint()
    assert made is not None
    return str(made)


def _run(pool_size: int, timeout: float, jobs: list[QueryJob]) -> list[object]:
    async def main() -> list[object]:
        pool = WorkerPool(pool_size, timeout)
        await pool.start()
        try:
            results: list[object] = []
            for job in jobs:
                try:
                    spool = await pool.run(job)
                    results.append(spool.read())
                except Exception as error:  # collected for the assertions
                    results.append(error)
            return results
        finally:
            await pool.close()

    # In a thread of its own: a browser test's event loop may still be set on the main thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, main()).result()


def test_a_crashing_query_costs_only_itself(checkpoint: str) -> None:
    crash = QueryJob("SELECT * " + "{" * 5000 + "}" * 5000, JSON, checkpoint)
    ask = QueryJob("ASK { ?s ?p ?o }", JSON, checkpoint)
    crashed, answered = _run(1, 20, [crash, ask])
    assert isinstance(crashed, QueryCrashed)
    assert bool(ox.parse_query_results(io.BytesIO(answered), format=ox.QueryResultsFormat.JSON))


def test_timeout_kills_the_worker_and_a_fresh_one_answers(checkpoint: str) -> None:
    slow = QueryJob("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", JSON, checkpoint)
    started = time.monotonic()
    timed_out, answered = _run(1, 1.0, [slow, QueryJob("ASK {}", JSON, checkpoint)])
    assert isinstance(timed_out, QueryTimeout)
    assert time.monotonic() - started < 10
    assert isinstance(answered, bytes)


def test_result_size_limit(checkpoint: str) -> None:
    big = QueryJob("SELECT * { ?s ?p ?o }", JSON, checkpoint, max_bytes=10_000)
    (result,) = _run(1, 20, [big])
    assert isinstance(result, ResultTooLarge)


def test_syntax_error_has_position(checkpoint: str) -> None:
    (result,) = _run(1, 20, [QueryJob("SELECT * WHERE { ?s ?p }", JSON, checkpoint)])
    assert isinstance(result, QuerySyntaxError)
    assert (result.line, result.column) == (1, 25)  # the closing brace


def test_workers_cannot_reach_the_network(checkpoint: str, tmp_path: Path) -> None:
    """Even without the guard, a worker in its own network namespace cannot connect."""
    from tests.listener import ConnectionCounter

    with ConnectionCounter() as listener:
        job = QueryJob(f"SELECT * {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}", JSON, checkpoint)
        (result,) = _run(1, 5, [job])
        time.sleep(0.2)
        assert listener.connections == 0
        assert isinstance(result, Exception)
