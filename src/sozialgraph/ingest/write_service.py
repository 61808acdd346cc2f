"""Writing for the server: tokens, safe parsing of uploads, one write at a time."""

from __future__ import annotations

import asyncio
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
        """Run one write in a thread, after every earlier write has finished."""
        async with self._lock:
            result = await asyncio.to_thread(work)
            for hook in self.after_write:
                await asyncio.to_thread(hook)
            return result
