"""Killable query workers: spawned processes that run SPARQL on a read-only store checkpoint.

pyoxigraph can neither time out nor cancel a query, and some queries crash its process
(RELIABILITY.md, points 1–3). So every web query runs in a worker process:

- spawned, never forked (forking a process that holds an open store can deadlock);
- opens the newest read-only checkpoint of the store that the job names;
- cut off from the network where the kernel allows it (a new network namespace), so even a
  query that slipped past the guard cannot connect anywhere;
- serialises results with pyoxigraph's own serialisers into chunks sent over a pipe, up to a
  byte limit.

The web process holds a deadline per query; on expiry it kills the worker (SIGKILL), answers with
an error and starts a replacement. A crashed worker costs only its query. While a query runs, the
web process looks at its worker every ``WATCH_SECONDS``: over the memory limit it is stopped (503
"query used too much memory"; an allocation limit in the worker backs this up), a worker stopped
from outside (SIGSTOP) is replaced at once instead of costing the whole deadline. Before a job is
handed over, a dead or stopped idle worker is replaced. Workers die with the web process
(``PR_SET_PDEATHSIG``), also while they compute. Results are spooled
(memory up to 1 MB, then a temporary file) until the worker is done, so the status code is
always right, and then streamed to the client.

The worker process itself is in ``worker_process.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import re
import signal
import tempfile
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from sozialgraph.errors import (
    PayloadTooLarge,
    QueryOutOfMemory,
    QuerySyntaxError,
    QueryTimeout,
    RdfSyntaxError,
    ResultTooLarge,
    SozialgraphError,
    StoreUnavailable,
    WorkerLost,
)
from sozialgraph.querying.jobs import SPOOL_MEMORY_BYTES, ParseJob, QueryCrashed, QueryJob
from sozialgraph.querying.worker_process import worker_main

log = logging.getLogger(__name__)

#: How often the web process looks at a busy worker (its memory, whether it was stopped).
WATCH_SECONDS = 0.05


@dataclass
class _Worker:
    process: Any
    connection: Connection
    busy: bool = False
    jobs: int = field(default=0)
    peak_rss: int = 0  # the most memory seen while it ran its current job


class WorkerPool:
    """A fixed number of query worker processes with a deadline per query."""

    def __init__(
        self,
        size: int,
        timeout: float,
        *,
        isolate_network: bool = True,
        memory_limit: int | None = None,
    ) -> None:
        self.size = size
        self.timeout = timeout
        self.isolate_network = isolate_network
        self.memory_limit = memory_limit
        self._context = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._workers: list[_Worker] = []
        self._closed = False

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(*(asyncio.to_thread(self._spawn) for _ in range(self.size)))
        for worker in workers:
            self._workers.append(worker)
            self._idle.put_nowait(worker)

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main,
            args=(child, self.isolate_network, os.getpid(), self.memory_limit),
            daemon=True,
            name="sozialgraph-query",
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def pids(self) -> list[int]:
        """The process ids of the workers (for operations and tests)."""
        return [worker.process.pid for worker in self._workers]

    async def run(self, job: QueryJob | ParseJob) -> IO[bytes]:
        """Run ``job``; the serialised result, rewound. Raises domain errors, never hangs."""
        if self._idle is None or self._closed:
            raise StoreUnavailable("the query service is not running")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        worker = await self._acquire(deadline)
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        healthy = False
        try:
            try:
                worker.connection.send(job)
            except OSError:  # it died since the check: once more, on a fresh worker
                await self._replace(worker)
                worker = await self._acquire(deadline)
                worker.connection.send(job)
            worker.peak_rss = 0
            while True:
                message = await self._receive(worker, deadline)
                kind = message[0]
                if kind == "chunk":
                    spool.write(message[1])
                elif kind == "done":
                    healthy = True
                    spool.write(message[1])
                    spool.seek(0)
                    return spool
                else:
                    healthy = True
                    raise _worker_error(message[1], message[2], job)
        except BaseException:
            spool.close()
            raise
        finally:
            if healthy:
                self._idle.put_nowait(worker)
            else:
                await self._replace(worker)

    async def _acquire(self, deadline: float) -> _Worker:
        """An idle worker that is alive and not stopped; dead or stopped ones are replaced."""
        assert self._idle is not None
        loop = asyncio.get_running_loop()
        while True:
            try:
                worker = self._idle.get_nowait()
            except asyncio.QueueEmpty:
                try:
                    worker = await asyncio.wait_for(
                        self._idle.get(), timeout=max(0.0, deadline - loop.time())
                    )
                except TimeoutError:
                    raise StoreUnavailable(
                        f"all {self.size} query workers stayed busy for {self.timeout:g} s; "
                        "try again later"
                    ) from None
            found = process_state(worker.process.pid)
            if found is not None and found[0] not in "TtZXx":
                return worker
            if found is None and worker.process.is_alive():
                return worker  # no /proc here: trust the exit status
            log.warning(
                "query worker %s was %s while idle: replaced before it got a query",
                worker.process.pid,
                "stopped" if found is not None and found[0] in "Tt" else "dead",
            )
            await self._replace(worker)

    def _watch(self, worker: _Worker) -> None:
        """Stop a busy worker over the memory limit, or one stopped from outside."""
        found = process_state(worker.process.pid)
        if found is None:
            return  # gone: the pipe says so
        state, rss = found
        worker.peak_rss = max(worker.peak_rss, rss)
        if self.memory_limit is not None and rss > self.memory_limit:
            log.warning(
                "query worker %s used %d MB, over the limit of %d MB (SOZIALGRAPH_WORKER_MEMORY): "
                "stopped",
                worker.process.pid,
                rss >> 20,
                self.memory_limit >> 20,
            )
            raise QueryOutOfMemory(_too_much_memory(self.memory_limit))
        if state in "Tt":
            log.warning(
                "query worker %s was stopped while it ran a query: replaced", worker.process.pid
            )
            raise WorkerLost("the query worker stopped responding (a server fault); try again")

    def _lost(self, worker: _Worker, error: BaseException) -> SozialgraphError:
        """Why a busy worker's pipe closed: killed from outside, out of memory, or crashed."""
        code = worker.process.exitcode
        log.warning("query worker %s failed (%r), exit code %s", worker.process.pid, error, code)
        if code == -signal.SIGKILL:
            return WorkerLost(
                "the query worker was killed (a server fault, e.g. the system ran out of memory); "
                "try again"
            )
        limit = self.memory_limit
        if limit is not None and code == -signal.SIGABRT and worker.peak_rss * 2 >= limit:
            return QueryOutOfMemory(_too_much_memory(limit))
        return QueryCrashed(
            "the query engine could not evaluate this query (it ran out of stack or memory); "
            "simplify the query"
        )

    async def _receive(self, worker: _Worker, deadline: float) -> tuple[Any, ...]:
        loop = asyncio.get_running_loop()
        connection = worker.connection
        woken = False
        while not connection.poll():
            if woken:
                self._watch(worker)
            woken = True
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise QueryTimeout(
                    f"the query did not finish within {self.timeout:g} s and was stopped"
                )
            ready: asyncio.Future[None] = loop.create_future()
            loop.add_reader(connection.fileno(), _resolve, ready)
            # cheaper than wait_for's task; wakes to watch the worker now and then
            timer = loop.call_later(min(remaining, WATCH_SECONDS), _resolve, ready)
            try:
                await ready
            finally:
                timer.cancel()
                loop.remove_reader(connection.fileno())
                # uvloop leaves a watched descriptor non-blocking; a message longer than the
                # pipe's buffer must then be read in blocking mode, or recv() fails half-way.
                os.set_blocking(connection.fileno(), True)
        try:
            message: tuple[Any, ...] = connection.recv()
        except (EOFError, OSError) as error:
            await asyncio.to_thread(worker.process.join, 2)
            raise self._lost(worker, error) from None
        return message

    async def _replace(self, worker: _Worker) -> None:
        """Kill a worker (timed out, crashed or interrupted) and start a fresh one."""
        with contextlib.suppress(Exception):
            worker.process.kill()
        await asyncio.to_thread(worker.process.join, 5)
        with contextlib.suppress(Exception):
            worker.connection.close()
        if worker in self._workers:
            self._workers.remove(worker)
        if self._closed or self._idle is None:
            return
        fresh = await asyncio.to_thread(self._spawn)
        self._workers.append(fresh)
        self._idle.put_nowait(fresh)

    async def close(self) -> None:
        self._closed = True
        for worker in list(self._workers):
            with contextlib.suppress(Exception):
                worker.connection.close()
            with contextlib.suppress(Exception):
                worker.process.kill()
        for worker in list(self._workers):
            await asyncio.to_thread(worker.process.join, 5)
        self._workers.clear()


def process_state(pid: int) -> tuple[str, int] | None:
    """A process's state letter (R, S, T, Z …) and resident memory in bytes; None without /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0].decode(), int(fields[21]) * _PAGE_BYTES


_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _too_much_memory(limit: int) -> str:
    return (
        f"query used too much memory (more than {limit >> 20} MB) and was stopped; "
        "narrow the query (fewer unbound patterns, no ORDER BY over large results)"
    )


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _worker_error(kind: str, message: str, job: QueryJob | ParseJob) -> SozialgraphError:
    if isinstance(job, ParseJob):
        return _parse_error(kind, message, job)
    if kind == "syntax":
        position = re.search(r"(\d+):(\d+)", message)
        if position:
            line, column = int(position.group(1)), int(position.group(2))
            return QuerySyntaxError(
                f"line {line}, column {column}: {message}", line=line, column=column
            )
        return QuerySyntaxError(message)
    if kind == "too_large":
        return ResultTooLarge(
            f"the result is larger than {job.max_bytes} bytes; add LIMIT or narrow the query"
        )
    return QueryCrashed(message)


def _parse_error(kind: str, message: str, job: ParseJob) -> SozialgraphError:
    if kind == "too_large":
        return PayloadTooLarge(f"{job.source}: the document holds too many triples")
    if kind == "syntax":
        found = re.search(r"line (\d+) column (\d+)", message)
        line, column = (int(found.group(1)), int(found.group(2))) if found else (None, None)
        return RdfSyntaxError(message, source=job.source, line=line, column=column)
    return RdfSyntaxError(message, source=job.source)
