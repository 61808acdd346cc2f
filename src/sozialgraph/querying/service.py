"""Runs read queries for the web layer: guarded, bounded, in worker processes (or remotely)."""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

import pyoxigraph as ox

from sozialgraph.config import Settings
from sozialgraph.formats import SPARQL_JSON
from sozialgraph.querying.admission import Admission
from sozialgraph.querying.backend import QueryBackend, query_backend
from sozialgraph.querying.guard import GuardedQuery, check_query
from sozialgraph.querying.inline import InlineLookups
from sozialgraph.querying.jobs import ParseJob, QueryJob
from sozialgraph.querying.result_cache import ResultCache
from sozialgraph.querying.workers import WorkerPool
from sozialgraph.store.base import GraphStore, Term
from sozialgraph.store.sparql_text import bind_values

# Tables of project queries are cached per store version, bounded by their cells (a page of the
# API needs three or four small tables: an entry budget would thrash on a walk over measures;
# the list of all measure IRIs behind /api/measures is one long column).
CACHE_CELLS = 2_000_000
CACHE_ENTRY_CELLS = 250_000
GUARDED_ENTRIES = 256


@dataclass(frozen=True)
class Table:
    """The columns and rows of a SELECT result, as pyoxigraph terms."""

    columns: tuple[str, ...]
    rows: list[dict[str, Term]]


class QueryService:
    """The web process's only way to read: every query passes the guard and runs in a worker."""

    def __init__(self, settings: Settings, store: GraphStore) -> None:
        self.settings = settings
        self.store = store
        # The project's workers (pages, API, writes; they parse uploads whatever the backend)
        # and the public endpoint's, so that public queries cannot take the site's capacity.
        memory = settings.worker_memory
        self.pool = WorkerPool(
            settings.project_workers, settings.query_timeout, memory_limit=memory
        )
        self.public_pool = WorkerPool(
            settings.query_workers, settings.query_timeout, memory_limit=memory
        )
        self.admission = Admission(
            settings.query_workers,
            settings.query_queue,
            settings.queries_per_client,
            settings.query_timeout,
        )
        self.backend: QueryBackend = query_backend(settings, store, self.pool, self.public_pool)
        self.last_version: str | None = None
        self._guarded: OrderedDict[str, GuardedQuery] = OrderedDict()
        self._cache: OrderedDict[tuple[str, str], Table] = OrderedDict()
        self._cached_cells = 0
        self.results = ResultCache()
        self.inline = InlineLookups()

    async def start(self) -> None:
        await self.pool.start()
        if not self.settings.is_remote:
            await self.public_pool.start()
        await self.backend.start()

    async def close(self) -> None:
        await self.backend.close()
        await self.public_pool.close()
        await self.pool.close()

    def guard(self, query: str) -> GuardedQuery:
        """The guard's verdict; the last few are kept (the fast path and the handler both ask)."""
        known = self._guarded.get(query)
        if known is not None:
            return known
        guarded = check_query(query, max_bytes=self.settings.max_query_bytes)
        self._guarded[query] = guarded
        if len(self._guarded) > GUARDED_ENTRIES:
            self._guarded.popitem(last=False)
        return guarded

    async def version(self) -> str:
        """The store's version (see :meth:`QueryBackend.version`)."""
        self.last_version = await self.backend.version()
        return self.last_version

    async def dialect(self) -> str | None:
        """Whose texts of named queries to run (see :meth:`QueryBackend.dialect`)."""
        return await self.backend.dialect()

    def known_version(self) -> str | None:
        """The version without a request: the embedded store's, or the last one read remotely."""
        return self.backend.known_version() or self.last_version

    async def execute(
        self,
        guarded: GuardedQuery,
        media_type: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
        client: str | None = None,
    ) -> IO[bytes]:
        """The serialised result of a guarded query, rewound, ready to stream.

        ``client``: the address of a public client (``/sparql``): the query then runs on the
        public workers, admitted by :class:`Admission` (bounded queue, share per client). Without
        it the query is the project's own (pages, API, writes) and runs on their workers.
        """
        job = QueryJob(
            query=guarded.text,
            media_type=media_type,
            default_graphs=tuple(default_graphs),
            named_graphs=tuple(named_graphs),
            use_dataset_clause=guarded.has_dataset_clause,
            max_bytes=self.settings.max_result_bytes,
            base_iri=base_iri,
        )
        if client is None:
            return await self.backend.run(job)
        if guarded.small_lookup and self.settings.inline_lookups and not job.default_graphs:
            # Provably small (querying.inline): in this process, on the version's checkpoint,
            # no worker round trip and no admission (it takes less than a queue's bookkeeping).
            checkpoint = await self.backend.snapshot() if self.backend.local else None
            if checkpoint is not None and not job.named_graphs:
                inline = self.inline.run(
                    checkpoint, guarded.text, media_type, base_iri, job.max_bytes
                )
                if inline is not None:
                    return inline
        async with self.admission.slot(client):
            return await self.backend.run(job, public=True)

    async def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> list[dict[str, Term]]:
        """Rows of a SELECT query written by the project (named queries, pages).

        ``bindings`` bind variables to RDF terms in a VALUES block (never pasted text).
        """
        return (await self.table(query, bindings)).rows

    async def table(self, query: str, bindings: Mapping[str, Term] | None = None) -> Table:
        """Columns and rows of a project SELECT query; cached per store version."""
        text = bind_values(query, bindings) if bindings else query
        key = (await self.version(), text)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        spool = await self.execute(self.guard(text), SPARQL_JSON)
        with spool:
            data = spool.read()
        solutions = ox.parse_query_results(io.BytesIO(data), format=ox.QueryResultsFormat.JSON)
        if isinstance(solutions, ox.QueryBoolean):
            result = Table(("boolean",), [{"boolean": ox.Literal(str(bool(solutions)).lower())}])
        else:
            names = tuple(v.value for v in solutions.variables)
            rows = [{n: row[n] for n in names if row[n] is not None} for row in solutions]
            result = Table(names, rows)
        if _cells(result) <= CACHE_ENTRY_CELLS and key not in self._cache:
            self._cache[key] = result
            self._cached_cells += _cells(result)
            while self._cached_cells > CACHE_CELLS:
                _, dropped = self._cache.popitem(last=False)
                self._cached_cells -= _cells(dropped)
        return result

    async def parse(self, data: bytes, media_type: str, source: str) -> list[ox.Triple]:
        """Triples of an uploaded RDF document, parsed in a worker (never in this process)."""
        job = ParseJob(data, media_type, source, max_bytes=self.settings.max_upload_bytes * 20)
        spool = await self.pool.run(job)
        with spool:
            return list(ox.parse(spool.read(), format=ox.RdfFormat.N_TRIPLES))

    async def ask(self, query: str) -> bool:
        spool = await self.execute(self.guard(query), SPARQL_JSON)
        with spool:
            result = ox.parse_query_results(
                io.BytesIO(spool.read()), format=ox.QueryResultsFormat.JSON
            )
        return bool(result)


def _cells(table: Table) -> int:
    return (len(table.rows) + 1) * max(1, len(table.columns))
