"""The event stream ``/ldes`` (root node) and its pages ``/ldes/{k}`` in Turtle, JSON-LD and
N-Triples. Complete pages are immutable (a year of caching); the root and the newest page
are short-lived. Serialised pages are kept per journal version in the app's
``app.state.ldes_cache`` (publishing/stream_cache.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from email.utils import format_datetime

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from sozialgraph.errors import NotFound
from sozialgraph.formats import with_charset
from sozialgraph.publishing.ldes import (
    PREFIXES,
    Page,
    page_members,
    page_triples,
    paginate,
    root_triples,
)
from sozialgraph.publishing.stream_cache import Artefact, VersionedCache
from sozialgraph.publishing.versions import VersionJournal
from sozialgraph.web import negotiation as media
from sozialgraph.web.rdf_output import serialize
from sozialgraph.web.versions import current_journal

router = APIRouter(tags=["Catalog"])

OFFERED = (media.TURTLE, media.JSON_LD, media.N_TRIPLES)
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=10, must-revalidate"


def stream_urls(request: Request) -> tuple[str, str, str]:
    """The stream's IRI, its root node and the page URL pattern on this server."""
    root = str(request.base_url).rstrip("/") + "/ldes"
    return root + "#stream", root, root + "/{index}"


def pages_of(request: Request, journal: VersionJournal) -> list[Page]:
    settings = request.app.state.settings
    records = journal.records()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.ldes_retention_days)
    rows = [(r.number, r.created_at, r.members) for r in records]
    return paginate(rows, settings.ldes_page_size, since)


def _serialise(triples: list[ox.Triple], media_type: str) -> bytes:
    if media_type == media.TURTLE:
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
    return serialize(triples, media_type)


async def _cached(
    request: Request, version: int | None, key: tuple[str, ...], make: Callable[[], bytes]
) -> Artefact:
    """A page of ``version`` from the app's cache; a miss is made in a thread. A complete page
    (``version`` None) never changes: it is kept across versions, in a cache of its own."""
    if version is None:
        cache: VersionedCache[Artefact] = request.app.state.ldes_complete_cache
        version = 0
    else:
        cache = request.app.state.ldes_cache
    found = cache.peek(version, key)
    if found is not None:
        return found
    return await asyncio.to_thread(cache.get, version, key, lambda: Artefact.of(make()))


def _answer(request: Request, found: Artefact, media_type: str, cache_control: str) -> Response:
    body, etag = found.body, found.etag
    headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Accept"}
    if etag in {
        t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")
    }:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=with_charset(media_type), headers=headers)


@router.get("/ldes", summary="The Linked Data Event Stream: description and root node")
async def stream_root(request: Request) -> Response:
    journal = await current_journal(request)
    media_type = media.negotiate(request.headers.get("accept"), OFFERED)
    stream, root, page_url = stream_urls(request)
    latest = journal.latest()
    version = latest.number if latest else 0
    key = ("root", root, media_type)
    settings = request.app.state.settings
    catalog = str(request.base_url).rstrip("/") + "/catalog"

    def make() -> bytes:
        pages = pages_of(request, journal)
        triples = root_triples(stream, root, pages, page_url, settings.ldes_retention_days, catalog)
        return _serialise(triples, media_type)

    body = await _cached(request, version, key, make)
    response = _answer(request, body, media_type, SHORT)
    if latest is not None:
        response.headers["Last-Modified"] = format_datetime(latest.created_at, usegmt=True)
    return response


@router.get("/ldes/{index}", summary="One page of the event stream (members of whole versions)")
async def stream_page(request: Request, index: str) -> Response:
    if not index.isdigit() or len(index) > 9:
        raise NotFound(f"no page {index!r} of the event stream")
    journal = await current_journal(request)
    media_type = media.negotiate(request.headers.get("accept"), OFFERED)
    stream, _, page_url = stream_urls(request)
    pages = {p.index: p for p in pages_of(request, journal)}
    page = pages.get(int(index))
    if page is None:
        raise NotFound(f"no page {index} of the event stream", de=f"Keine Seite {index}")
    url = page_url.format(index=page.index)
    key = ("page", url, media_type, page.key)

    def count(number: int) -> int:
        record = journal.get(number)
        return record.members if record is not None else 0

    def make() -> bytes:
        members = page_members(page, journal.members, count)
        return _serialise(page_triples(stream, url, page, members), media_type)

    latest = journal.latest()
    version = None if page.complete else latest.number if latest else 0
    body = await _cached(request, version, key, make)
    return _answer(request, body, media_type, IMMUTABLE if page.complete else SHORT)
