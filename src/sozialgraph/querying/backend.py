"""The seam between the query service and where queries run: embedded workers or a SPARQL server.

The query service, and everything above it, talks to a :class:`QueryBackend` and never asks which
kind it has; this module is the one place that chooses.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import IO, Protocol

from sozialgraph.config import Settings
from sozialgraph.querying.jobs import QueryJob
from sozialgraph.querying.remote import RemoteQueryRunner
from sozialgraph.querying.workers import WorkerPool
from sozialgraph.store.base import GraphStore


class QueryBackend(Protocol):
    """Runs guarded read queries on the store and tells its version."""

    #: Whether the whole dataset is cheap to read here: artefacts (dumps) are made at start.
    local: bool

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def run(self, job: QueryJob, *, public: bool = False) -> IO[bytes]:
        """The serialised result of ``job``, rewound. Raises domain errors, never hangs.

        ``public``: a query of the public endpoint, run where the project's own queries (pages,
        API, writes) do not have to wait for it.
        """
        ...

    async def version(self) -> str:
        """The store's version (changes with every write)."""
        ...

    async def dialect(self) -> str | None:
        """Whose texts of named queries run here (``QueryRegistry.get``): None for the standard
        ones, ``virtuoso`` for Virtuoso's (``queries/virtuoso/``)."""
        ...

    def known_version(self) -> str | None:
        """The version when reading it costs nothing (no request, no thread); else None."""
        ...

    async def snapshot(self) -> str | None:
        """A read-only copy of the store at its current version, if this backend makes one."""
        ...


class EmbeddedBackend:
    """Killable worker processes over read-only checkpoints of the embedded store: public
    queries in ``public_pool``, the project's own in ``pool``."""

    local = True

    def __init__(self, store: GraphStore, pool: WorkerPool, public_pool: WorkerPool) -> None:
        self.store = store
        self.pool = pool
        self.public_pool = public_pool
        self._lock = asyncio.Lock()
        self._checkpoint_of: tuple[str, str | None] | None = None  # (store version, path)

    async def start(self) -> None:
        """Nothing of its own: the pool is started by its owner (it also parses uploads)."""

    async def close(self) -> None:
        """Nothing of its own: see :meth:`start`."""

    async def run(self, job: QueryJob, *, public: bool = False) -> IO[bytes]:
        pool = self.public_pool if public else self.pool
        return await pool.run(dataclasses.replace(job, checkpoint=await self.snapshot()))

    async def version(self) -> str:
        return self.store.version()  # no system call (``store.version_file``)

    async def dialect(self) -> str | None:
        return None  # pyoxigraph: the standard texts, written for its planner

    def known_version(self) -> str | None:
        return self.store.version()

    async def snapshot(self) -> str | None:
        """The checkpoint of the store's current version (made once per version)."""
        make = getattr(self.store, "checkpoint", None)
        if make is None:
            return None
        version = self.store.version()
        known = self._checkpoint_of
        if known is not None and known[0] == version:
            return known[1]
        async with self._lock:
            path = await asyncio.to_thread(make)
        found = str(path) if path is not None else None
        self._checkpoint_of = (version, found)
        return found


class RemoteBackend:
    """Queries sent to the SPARQL server that holds the data (guarded, with a deadline)."""

    local = False

    def __init__(self, settings: Settings, store: GraphStore) -> None:
        self.store = store
        self.runner = RemoteQueryRunner(settings)

    async def start(self) -> None:
        await self.runner.start()

    async def close(self) -> None:
        await self.runner.close()

    async def run(self, job: QueryJob, *, public: bool = False) -> IO[bytes]:
        return await self.runner.run(job)  # the public share is bounded by the query service

    async def version(self) -> str:
        return await asyncio.to_thread(self.store.version)  # a request to the server

    async def dialect(self) -> str | None:
        return await self.runner.dialect()

    def known_version(self) -> str | None:
        return None

    async def snapshot(self) -> str | None:
        return None


def query_backend(
    settings: Settings, store: GraphStore, pool: WorkerPool, public_pool: WorkerPool
) -> QueryBackend:
    """The backend for the store the settings name."""
    if settings.is_remote:
        return RemoteBackend(settings, store)
    return EmbeddedBackend(store, pool, public_pool)
