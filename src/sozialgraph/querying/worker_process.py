"""The query worker process: receives jobs over a pipe, runs them, sends chunks back.

Spawned by :class:`sozialgraph.querying.workers.WorkerPool`; this module keeps its imports light
(the worker imports it on start). The worker leaves the network namespace where it can, dies with
the web process (``PR_SET_PDEATHSIG``), and limits its own allocations a little above the memory
limit the web process watches.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import resource
import signal
from multiprocessing.connection import Connection
from typing import IO, Any, cast

import pyoxigraph as ox

from sozialgraph.querying.jobs import ParseJob, QueryJob

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_PR_SET_PDEATHSIG = 1


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


def die_with_parent(parent_pid: int | None) -> None:
    """Be killed when the web process dies, even in the middle of a query (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(0)  # the parent died before the line above: nobody needs this worker


def limit_memory(limit: int) -> None:
    """An allocation limit a little above the watched one: it catches what grows faster than the
    web process looks (an allocation over it aborts the worker)."""
    backstop = limit + max(limit // 4, 128 << 20)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (backstop, backstop))


def worker_main(  # pragma: no cover - child
    connection: Connection,
    isolate_network: bool,
    parent_pid: int | None = None,
    memory_limit: int | None = None,
) -> None:
    """Loop: receive a job, run it, send chunks and a final message."""
    if isolate_network and not isolate_from_network():
        log.warning("query worker %s could not leave the network namespace", os.getpid())
    die_with_parent(parent_pid)
    if memory_limit is not None:
        limit_memory(memory_limit)
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
