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
an error and starts a replacement. A crashed worker costs only its query. Results are spooled
(memory up to 1 MB, then a temporary file) until the worker is done, so the status code is
always right, and then streamed to the client.

This module keeps its imports light: workers import it on start.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import re
import tempfile
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import IO, Any, cast

import pyoxigraph as ox

from sozialgraph.errors import (
    PayloadTooLarge,
    QuerySyntaxError,
    QueryTimeout,
    RdfSyntaxError,
    ResultTooLarge,
    SozialgraphError,
    StoreUnavailable,
)
from sozialgraph.querying.jobs import SPOOL_MEMORY_BYTES, ParseJob, QueryCrashed, QueryJob

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


@dataclass
class _Worker:
    process: Any
    connection: Connection
    busy: bool = False
    jobs: int = field(default=0)


class WorkerPool:
    """A fixed number of query worker processes with a deadline per query."""

    def __init__(self, size: int, timeout: float, *, isolate_network: bool = True) -> None:
        self.size = size
        self.timeout = timeout
        self.isolate_network = isolate_network
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
            args=(child, self.isolate_network),
            daemon=True,
            name="sozialgraph-query",
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    async def run(self, job: QueryJob | ParseJob) -> IO[bytes]:
        """Run ``job``; the serialised result, rewound. Raises domain errors, never hangs."""
        if self._idle is None or self._closed:
            raise StoreUnavailable("the query service is not running")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=self.timeout)
        except TimeoutError:
            raise StoreUnavailable(
                f"all {self.size} query workers stayed busy for {self.timeout:g} s; try again later"
            ) from None
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        healthy = False
        try:
            worker.connection.send(job)
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

    async def _receive(self, worker: _Worker, deadline: float) -> tuple[Any, ...]:
        loop = asyncio.get_running_loop()
        connection = worker.connection
        while not connection.poll():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise QueryTimeout(
                    f"the query did not finish within {self.timeout:g} s and was stopped"
                )
            ready: asyncio.Future[None] = loop.create_future()
            loop.add_reader(connection.fileno(), _resolve, ready)
            timer = loop.call_later(remaining, _resolve, ready)  # cheaper than wait_for's task
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
            log.warning(
                "query worker %s failed (%r), exit code %s",
                worker.process.pid,
                error,
                worker.process.exitcode,
            )
            raise QueryCrashed(
                "the query engine could not evaluate this query (it ran out of stack or memory); "
                "simplify the query"
            ) from None
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


# -- the worker process --------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class _ChunkWriter:
    """A binary file object that forwards chunks over the pipe and enforces the byte limit."""

    def __init__(self, connection: Connection, max_bytes: int) -> None:
        self.connection = connection
        self.max_bytes = max_bytes
        self.written = 0
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.written += len(data)
        if self.written > self.max_bytes:
            raise _TooLarge
        self.buffer += data
        if len(self.buffer) >= CHUNK_BYTES:
            self.connection.send(("chunk", bytes(self.buffer)))
            self.buffer.clear()
        return len(data)

    def flush(self) -> None:
        """Nothing to do: what is buffered goes out in chunks or with :meth:`done`."""

    def done(self) -> None:
        """The last bytes and the end in one message (a small result is one message)."""
        self.connection.send(("done", bytes(self.buffer)))
        self.buffer.clear()

    def as_output(self) -> IO[bytes]:
        """This writer as the output of pyoxigraph's serialisers.

        They only call ``write`` and ``flush`` on it, which this class provides; their stubs ask
        for all of ``IO[bytes]`` (seek, close, ...), hence this module's one cast.
        """
        return cast(IO[bytes], self)


def isolate_from_network() -> bool:
    """Move this process into an empty network namespace, where the kernel allows it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_NEWNET) == 0:
            return True
        return bool(libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0)
    except (OSError, AttributeError):
        return False


def worker_main(connection: Connection, isolate_network: bool) -> None:  # pragma: no cover - child
    """Loop: receive a job, run it, send chunks and a final message."""
    if isolate_network and not isolate_from_network():
        log.warning("query worker %s could not leave the network namespace", os.getpid())
    opened: tuple[str | None, ox.Store] | None = None
    while True:
        try:
            job: QueryJob | ParseJob = connection.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            if isinstance(job, ParseJob):
                _parse(job, connection)
                continue
            if opened is None or opened[0] != job.checkpoint:
                store = ox.Store.read_only(job.checkpoint) if job.checkpoint else ox.Store()
                opened = (job.checkpoint, store)
            _run(opened[1], job, connection)
        except SyntaxError as error:
            connection.send(("error", "syntax", str(error)))
        except _TooLarge:
            connection.send(("error", "too_large", ""))
        except Exception as error:  # report any engine error to the parent as this query's failure
            connection.send(("error", "failed", f"{type(error).__name__}: {error}"))


def _run(store: ox.Store, job: QueryJob, connection: Connection) -> None:
    options: dict[str, Any] = {}
    if job.default_graphs or job.named_graphs:
        # A protocol dataset is exactly what it names: no default graph named = an empty one.
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs] or [
            ox.DefaultGraph()
        ]
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    elif not job.use_dataset_clause:
        options["use_default_graph_as_union"] = True
    result = store.query(job.query, base_iri=job.base_iri, **options)
    writer = _ChunkWriter(connection, job.max_bytes)
    if isinstance(result, ox.QueryTriples):
        result.serialize(writer.as_output(), format=ox.RdfFormat.from_media_type(job.media_type))
    else:
        result.serialize(
            writer.as_output(), format=ox.QueryResultsFormat.from_media_type(job.media_type)
        )
    writer.done()


def _parse(job: ParseJob, connection: Connection) -> None:
    """Parse an upload (graph formats only) and send its triples back as N-Triples."""
    writer = _ChunkWriter(connection, job.max_bytes)
    fmt = ox.RdfFormat.from_media_type(job.media_type)
    if fmt is None:
        raise ValueError(f"unsupported media type {job.media_type}")
    quads = ox.parse(job.data, format=fmt, base_iri=None)

    def triples():  # noqa: ANN202
        for quad in quads:
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                raise SyntaxError("named graphs are not accepted here; send one graph")
            yield quad.triple

    ox.serialize(triples(), writer.as_output(), format=ox.RdfFormat.N_TRIPLES)
    writer.done()
