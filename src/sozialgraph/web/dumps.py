"""Download of the dumps: one file per format, each also gzip-compressed, with validators."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from email.utils import formatdate, parsedate_to_datetime

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, Response

from sozialgraph.errors import NotFound
from sozialgraph.formats import GZIP, with_charset
from sozialgraph.publishing.dumps import (
    BY_FILENAME,
    DUMP_FORMATS,
    DumpCache,
    dump_folder,
    make_dumps_at_start,
)
from sozialgraph.querying.service import QueryService
from sozialgraph.web.accept import accepts_encoding
from sozialgraph.web.dependencies import Dumps

DUMP_PATH = "/dumps/"


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start making the dumps at startup, without delaying it (remote stores: on first request)."""
    service: QueryService = app.state.query_service
    cache = DumpCache(dump_folder(app.state.settings), app.state.store, service.backend.snapshot)
    app.state.dumps = cache
    task = make_dumps_at_start(cache, service.backend.local)
    try:
        yield
    finally:
        if task is not None and not task.done():
            task.cancel()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


router = APIRouter(tags=["Catalog"], lifespan=lifespan)


@router.api_route(
    DUMP_PATH + "{filename}",
    methods=["GET", "HEAD"],
    summary="Download the whole dataset (Turtle, N-Triples, TriG, JSON-LD; each also as .gz)",
)
async def download(request: Request, filename: str, cache: Dumps) -> Response:
    compressed = filename.endswith(".gz")
    fmt = BY_FILENAME.get(filename.removesuffix(".gz"))
    if fmt is None:
        names = ", ".join(f.filename for f in DUMP_FORMATS)
        raise NotFound(f"no dump '{filename}'; dumps: {names} (each also .gz)")
    dumps = await cache.current()
    encode = not compressed and accepts_encoding(request.headers.get("accept-encoding"), "gzip")
    if compressed:
        path, media_type, etag = dumps.path(fmt, True), GZIP, dumps.etag(fmt, ".gz")
    elif encode:
        path, media_type, etag = dumps.path(fmt, True), fmt.media_type, dumps.etag(fmt, "-gzip")
    else:
        path, media_type, etag = dumps.path(fmt), fmt.media_type, dumps.etag(fmt)
    modified = dumps.modified(fmt)
    headers = {
        "ETag": etag,
        "Last-Modified": formatdate(modified, usegmt=True),
        "Cache-Control": "public, max-age=0, must-revalidate",
    }
    if not compressed:
        headers["Vary"] = "Accept-Encoding"
    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    if encode:
        headers["Content-Encoding"] = "gzip"
    return FileResponse(path, media_type=with_charset(media_type), headers=headers)


def _not_modified(request: Request, etag: str, modified: float) -> bool:
    """RFC 9110 §13.1: If-None-Match wins; If-Modified-Since only without it."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in wanted or etag in wanted
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return int(modified) <= since
    return False
