"""The worker pool on its own (no guard): crashes, timeouts and limits cost only their query."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import os
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from sozialgraph.errors import (
    QueryOutOfMemory,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    WorkerLost,
)
from sozialgraph.querying.workers import QueryCrashed, QueryJob, WorkerPool, process_state
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


# -- memory limit and worker faults (issue 14, items 1 and 8) -----------------------------------

#: Sorts the cartesian product of the store with itself three times: grows ~350 MB/s here.
MEMORY_HOG = "SELECT ?a ?d ?g WHERE {?a ?b ?c . ?d ?e ?f . ?g ?h ?i} ORDER BY ?a ?d LIMIT 1"
CARTESIAN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _with_pool(
    body: Callable[[WorkerPool], Awaitable[list[object]]],
    timeout: float = 20,
    memory_limit: int | None = None,
) -> list[object]:
    async def main() -> list[object]:
        pool = WorkerPool(1, timeout, memory_limit=memory_limit)
        await pool.start()
        try:
            return await body(pool)
        finally:
            await pool.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, main()).result()


async def _outcome(pool: WorkerPool, job: QueryJob) -> object:
    try:
        return (await pool.run(job)).read()
    except Exception as error:  # collected for the assertions
        return error


def _gone(pid: int) -> bool:
    state = process_state(pid)
    return state is None or state[0] in "ZX"


def test_a_query_over_the_memory_limit_is_stopped_and_a_fresh_worker_answers(
    checkpoint: str,
) -> None:
    async def body(pool: WorkerPool) -> list[object]:
        (first,) = pool.pids()
        started = time.monotonic()
        hog = await _outcome(pool, QueryJob(MEMORY_HOG, JSON, checkpoint))
        elapsed = time.monotonic() - started
        return [hog, elapsed, first, await _outcome(pool, QueryJob("ASK {}", JSON, checkpoint))]

    hog, elapsed, first, answered = _with_pool(body, memory_limit=300 << 20)
    assert isinstance(hog, QueryOutOfMemory)
    assert hog.status == 503
    assert "query used too much memory" in hog.message
    assert isinstance(elapsed, float) and elapsed < 5  # not the 20 s deadline
    assert isinstance(first, int) and _gone(first)
    assert isinstance(answered, bytes)


def test_a_dead_idle_worker_is_replaced_before_the_next_query(checkpoint: str) -> None:
    async def body(pool: WorkerPool) -> list[object]:
        os.kill(pool.pids()[0], signal.SIGKILL)
        await asyncio.sleep(0.3)
        return [await _outcome(pool, QueryJob("ASK {}", JSON, checkpoint))]

    (answered,) = _with_pool(body)
    assert isinstance(answered, bytes), answered


def test_a_stopped_idle_worker_costs_no_timeout(checkpoint: str) -> None:
    async def body(pool: WorkerPool) -> list[object]:
        stopped = pool.pids()[0]
        os.kill(stopped, signal.SIGSTOP)
        await asyncio.sleep(0.3)  # the signal is delivered
        started = time.monotonic()
        answered = await _outcome(pool, QueryJob("ASK {}", JSON, checkpoint))
        return [answered, time.monotonic() - started, stopped]

    answered, elapsed, stopped = _with_pool(body, timeout=10)
    assert isinstance(answered, bytes), answered
    assert isinstance(elapsed, float) and elapsed < 5  # a fresh worker's start, not 10 s
    assert isinstance(stopped, int) and _gone(stopped)


def test_a_killed_busy_worker_answers_503_not_400(checkpoint: str) -> None:
    async def body(pool: WorkerPool) -> list[object]:
        running = asyncio.ensure_future(_outcome(pool, QueryJob(CARTESIAN, JSON, checkpoint)))
        await asyncio.sleep(0.5)
        os.kill(pool.pids()[0], signal.SIGKILL)
        return [await running, await _outcome(pool, QueryJob("ASK {}", JSON, checkpoint))]

    killed, answered = _with_pool(body)
    assert isinstance(killed, WorkerLost), killed
    assert killed.status == 503
    assert isinstance(answered, bytes)


def test_a_worker_stopped_during_a_query_is_replaced_at_once(checkpoint: str) -> None:
    async def body(pool: WorkerPool) -> list[object]:
        running = asyncio.ensure_future(_outcome(pool, QueryJob(CARTESIAN, JSON, checkpoint)))
        await asyncio.sleep(0.5)
        os.kill(pool.pids()[0], signal.SIGSTOP)
        started = time.monotonic()
        return [await running, time.monotonic() - started]

    stopped, elapsed = _with_pool(body, timeout=20)
    assert isinstance(stopped, WorkerLost), stopped
    assert isinstance(elapsed, float) and elapsed < 3


def test_a_cancelled_query_kills_its_worker(checkpoint: str) -> None:
    """What a client's disconnect does: its query is cancelled and its worker stops computing."""

    async def body(pool: WorkerPool) -> list[object]:
        (busy,) = pool.pids()
        running = asyncio.ensure_future(pool.run(QueryJob(CARTESIAN, JSON, checkpoint)))
        await asyncio.sleep(0.5)
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        return [busy, await _outcome(pool, QueryJob("ASK {}", JSON, checkpoint))]

    busy, answered = _with_pool(body)
    assert isinstance(busy, int) and _gone(busy)
    assert isinstance(answered, bytes)
