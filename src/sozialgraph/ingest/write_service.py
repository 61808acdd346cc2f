"""Writing for the server: tokens, safe parsing of uploads, one write at a time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TypeVar

import pyoxigraph as ox

from sozialgraph.auth import authenticate, parse_tokens
from sozialgraph.config import Settings
from sozialgraph.errors import RdfSyntaxError, StoreUnavailable, UnsupportedMediaType
from sozialgraph.formats import FORMATS, rdf_format_for_media_type
from sozialgraph.ingest.history import History
from sozialgraph.ingest.importer import SheetImport
from sozialgraph.ingest.preview import Previews
from sozialgraph.ingest.writer import GraphWriter
from sozialgraph.querying.service import QueryService
from sozialgraph.rdf_io import reject_xml_declarations
from sozialgraph.store.base import GraphStore

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Follow-ups of writes that may wait for their turn; one more write waits for a free place.
MAX_PENDING_FOLLOW_UPS = 4


class WriteService:
    """Owns the writer; every write runs in a thread, one after the other."""

    def __init__(self, settings: Settings, store: GraphStore, queries: QueryService) -> None:
        self.settings = settings
        self.queries = queries
        self.tokens = parse_tokens(settings.write_tokens)
        self.history = History(settings.state_dir / "history")
        self.writer = GraphWriter(store, settings.base_iri, self.history, settings.validator)
        self.sheets = SheetImport(self.writer, settings.base_iri, settings.municipality)
        self.previews = Previews(self.writer, self.sheets)
        self._lock = asyncio.Lock()
        #: Follow-up work of every accepted write (e.g. recording the data version). A hook runs
        #: under the write lock and returns the rest of its work (or None), which runs after the
        #: lock is released, in the order of writes: a hook pins what it reads (a frozen copy of
        #: the store) and the next write need not wait for the slow part.
        self.after_write: list[Callable[[], Callable[[], object] | None]] = []
        self._follow_ups: set[asyncio.Task[None]] = set()
        self._last_follow_up: asyncio.Task[None] | None = None
        self._pending = asyncio.Semaphore(MAX_PENDING_FOLLOW_UPS)

    def agent(self, authorization: str | None) -> str:
        """The name of the caller's write token (401 without one, 403 for a wrong one)."""
        return authenticate(authorization, self.tokens)

    async def parse(self, data: bytes, media_type: str | None, source: str) -> list[ox.Triple]:
        """Triples of an RDF upload: DTDs refused, parsed by pyoxigraph in a worker process."""
        fmt = rdf_format_for_media_type(media_type or "")
        if fmt is None:
            known = ", ".join(sorted(f.media_type for f in FORMATS if f.rdf and not f.is_dataset))
            raise UnsupportedMediaType(
                f"send RDF as one of: {known}",
                de=f"RDF bitte als eines von: {known}",
            )
        if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
            raise UnsupportedMediaType("send one graph (Turtle, N-Triples, JSON-LD or RDF/XML)")
        if fmt == ox.RdfFormat.RDF_XML:
            reject_xml_declarations(data, source)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise RdfSyntaxError("the document is not valid UTF-8", source=source) from None
        return await self.queries.parse(data, fmt.media_type, source)

    async def run(self, work: Callable[[], T], *, after_follow_ups: bool = False) -> T:
        """Run one write in a thread, after every earlier write finished.

        The follow-up work of a write (``after_write``) starts under the write lock and goes on
        after the answer: the writer does not wait for it, the next write waits only for its
        first, pinning part (and for a free place when ``MAX_PENDING_FOLLOW_UPS`` are pending).
        ``after_follow_ups``: also wait until every earlier follow-up is done (recording a
        version outside a write must not overtake the versions of earlier writes).
        """
        await self._lock.acquire()
        try:
            if after_follow_ups:
                await self._follow_ups_done()
            result = await asyncio.to_thread(work)
            if not self.queries.backend.local:
                # The version header and the caches learn a remote store's new version here,
                # not at the next query (they never ask the server themselves).
                with contextlib.suppress(StoreUnavailable):
                    await self.queries.version()
        except BaseException:
            self._lock.release()
            raise
        if not self.after_write:
            self._lock.release()
            return result
        task = asyncio.create_task(self._follow_up(self._last_follow_up))
        self._last_follow_up = task
        self._follow_ups.add(task)
        task.add_done_callback(self._follow_ups.discard)
        return result

    async def read(self, work: Callable[[], T]) -> T:
        """Run ``work`` (a preview) in a thread between writes: it sees one state of the store,
        and, writing nothing, has no follow-up."""
        async with self._lock:
            return await asyncio.to_thread(work)

    async def _follow_up(self, previous: asyncio.Task[None] | None) -> None:
        """The follow-up of one write: the hooks under the write lock, then the rest of their
        work in the order of writes (after ``previous``, the follow-up of the write before)."""
        rest: list[Callable[[], object]] = []
        pending = False
        try:
            await self._pending.acquire()
            pending = True
            for hook in self.after_write:
                try:
                    later = await asyncio.to_thread(hook)
                except Exception:  # a failed follow-up must not stop later writes
                    log.exception("follow-up of a write failed")
                    continue
                if later is not None:
                    rest.append(later)
        finally:
            self._lock.release()
        try:
            if previous is not None:
                await asyncio.wait([previous])
            for later in rest:
                try:
                    await asyncio.to_thread(later)
                except Exception:
                    log.exception("follow-up of a write failed")
        finally:
            if pending:
                self._pending.release()

    async def _follow_ups_done(self) -> None:
        """Wait for the last follow-up (and so for every earlier one: they run in order)."""
        if self._last_follow_up is not None:
            await asyncio.wait([self._last_follow_up])

    async def settled(self) -> None:
        """Wait until every write's follow-up work is done (shutdown, tests)."""
        async with self._lock:
            await self._follow_ups_done()
