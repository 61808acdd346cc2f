"""The web side of writing: tokens, body limits, safe parsing, one write at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

import pyoxigraph as ox
from fastapi import Request

from sozialgraph.auth import authenticate, parse_tokens
from sozialgraph.config import Settings
from sozialgraph.errors import PayloadTooLarge, RdfSyntaxError, UnsupportedMediaType
from sozialgraph.ingest.history import History
from sozialgraph.ingest.importer import SheetImport
from sozialgraph.ingest.writer import GraphWriter
from sozialgraph.querying.service import QueryService
from sozialgraph.rdf_io import FORMAT_BY_MEDIA_TYPE, reject_xml_declarations
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

    def agent(self, request: Request) -> str:
        """The name of the caller's write token (401 without one, 403 for a wrong one)."""
        return authenticate(request.headers.get("authorization"), self.tokens)

    async def body(self, request: Request) -> bytes:
        """The request body, refused with 413 before it grows beyond the upload limit."""
        limit = self.settings.max_upload_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(
                f"the upload has {declared} bytes; at most {limit} are accepted",
                de=f"Die Datei hat {declared} Bytes; höchstens {limit} sind erlaubt",
            )
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > limit:
                raise PayloadTooLarge(
                    f"the upload is larger than {limit} bytes",
                    de=f"Die Datei ist größer als {limit} Bytes",
                )
        return bytes(data)

    async def parse(self, data: bytes, media_type: str | None, source: str) -> list[ox.Triple]:
        """Triples of an RDF upload: DTDs refused, parsed by pyoxigraph in a worker process."""
        fmt = FORMAT_BY_MEDIA_TYPE.get((media_type or "").split(";")[0].strip().lower())
        if fmt is None:
            known = ", ".join(
                sorted(
                    {f.media_type for f in FORMAT_BY_MEDIA_TYPE.values() if not f.supports_datasets}
                )
            )
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
            return await asyncio.to_thread(work)
