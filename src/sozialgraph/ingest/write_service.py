"""Writing for the server: tokens, safe parsing of uploads, one write at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

import pyoxigraph as ox

from sozialgraph.auth import authenticate, parse_tokens
from sozialgraph.config import Settings
from sozialgraph.errors import RdfSyntaxError, UnsupportedMediaType
from sozialgraph.formats import FORMATS, rdf_format_for_media_type
from sozialgraph.ingest.history import History
from sozialgraph.ingest.importer import SheetImport
from sozialgraph.ingest.writer import GraphWriter
from sozialgraph.querying.service import QueryService
from sozialgraph.rdf_io import reject_xml_declarations
from sozialgraph.store.base import GraphStore

T = TypeVar("T")
log = logging.getLogger(__name__)


class WriteService:
    """Owns the writer; every write runs in a thread, one after the other."""

    def __init__(self, settings: Settings, store: GraphStore, queries: QueryService) -> None:
        self.settings = settings
        self.queries = queries
        self.tokens = parse_tokens(settings.write_tokens)
        self.history = History(settings.state_dir / "history")
        self.writer = GraphWriter(store, settings.base_iri, self.history, settings.validator)
        self.sheets = SheetImport(self.writer, settings.base_iri, settings.municipality)
        self._lock = asyncio.Lock()
        #: Run after every accepted write, still in order (e.g. recording the data version).
        self.after_write: list[Callable[[], object]] = []
        self._follow_ups: set[asyncio.Task[None]] = set()

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

    async def run(self, work: Callable[[], T]) -> T:
        """Run one write in a thread, after every earlier write (and its follow-up) finished.

        The follow-up work of a write (``after_write``: recording the data version, whose cost
        grows with the store) runs after the answer, still holding the lock: the writer does
        not wait for it, the next write does, so versions are recorded in the order of writes.
        """
        await self._lock.acquire()
        try:
            result = await asyncio.to_thread(work)
        except BaseException:
            self._lock.release()
            raise
        if not self.after_write:
            self._lock.release()
            return result
        task = asyncio.create_task(self._follow_up())
        self._follow_ups.add(task)
        task.add_done_callback(self._follow_ups.discard)
        return result

    async def _follow_up(self) -> None:
        try:
            for hook in self.after_write:
                try:
                    await asyncio.to_thread(hook)
                except Exception:  # a failed follow-up must not stop later writes
                    log.exception("follow-up of a write failed")
        finally:
            self._lock.release()

    async def settled(self) -> None:
        """Wait until every write's follow-up work is done (shutdown, tests)."""
        async with self._lock:
            pass
