"""Runs read queries for the web layer: guarded, bounded, in worker processes (or remotely)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping, Sequence
from typing import IO

import pyoxigraph as ox

from sozialgraph.config import Settings
from sozialgraph.query_workers import QueryJob, WorkerPool
from sozialgraph.sparql_guard import GuardedQuery, check_query
from sozialgraph.store.base import GraphStore, Term
from sozialgraph.store.sparql_text import term_text
from sozialgraph.web.negotiation import SPARQL_JSON


class QueryService:
    """The web process's only way to read: every query passes the guard and runs in a worker."""

    def __init__(self, settings: Settings, store: GraphStore) -> None:
        self.settings = settings
        self.store = store
        self.pool = WorkerPool(settings.query_workers, settings.query_timeout)
        self._checkpoint_lock = asyncio.Lock()

    async def start(self) -> None:
        await self.pool.start()

    async def close(self) -> None:
        await self.pool.close()

    def guard(self, query: str) -> GuardedQuery:
        return check_query(query, max_bytes=self.settings.max_query_bytes)

    async def checkpoint(self) -> str | None:
        make = getattr(self.store, "checkpoint", None)
        if make is None:
            return None
        async with self._checkpoint_lock:
            path = await asyncio.to_thread(make)
        return str(path) if path is not None else None

    async def execute(
        self,
        guarded: GuardedQuery,
        media_type: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        substitutions: Mapping[str, Term] | None = None,
        base_iri: str | None = None,
    ) -> IO[bytes]:
        """The serialised result of a guarded query, rewound, ready to stream."""
        job = QueryJob(
            query=guarded.text,
            media_type=media_type,
            checkpoint=await self.checkpoint(),
            default_graphs=tuple(default_graphs),
            named_graphs=tuple(named_graphs),
            use_dataset_clause=guarded.has_dataset_clause,
            substitutions=tuple((k, term_text(v)) for k, v in (substitutions or {}).items()),
            max_bytes=self.settings.max_result_bytes,
            base_iri=base_iri,
        )
        return await self.pool.run(job)

    async def select(
        self, query: str, substitutions: Mapping[str, Term] | None = None
    ) -> list[dict[str, Term]]:
        """Rows of a trusted SELECT query (named queries, pages), parsed back into terms."""
        spool = await self.execute(self.guard(query), SPARQL_JSON, substitutions=substitutions)
        with spool:
            data = spool.read()
        solutions = ox.parse_query_results(io.BytesIO(data), format=ox.QueryResultsFormat.JSON)
        if isinstance(solutions, ox.QueryBoolean):
            return [{"boolean": ox.Literal(str(bool(solutions)).lower())}]
        names = [v.value for v in solutions.variables]
        return [{name: row[name] for name in names if row[name] is not None} for row in solutions]

    async def ask(self, query: str) -> bool:
        spool = await self.execute(self.guard(query), SPARQL_JSON)
        with spool:
            result = ox.parse_query_results(
                io.BytesIO(spool.read()), format=ox.QueryResultsFormat.JSON
            )
        return bool(result)
