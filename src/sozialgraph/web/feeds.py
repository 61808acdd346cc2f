"""Atom feeds: ``/feed`` (everything) and ``/feed/{path}`` for one municipality, strategy or
measure (the path of its IRI, e.g. ``/feed/jena/massnahme/antidiskriminierungsstelle``).
``?lang=de|en`` gives one language (default: both). Made per data version, kept in the app's
``app.state.feed_cache`` (publishing/stream_cache.py)."""

from __future__ import annotations

import asyncio
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from sozialgraph.errors import NotFound
from sozialgraph.publishing.feeds import ATOM_TYPE, FeedScope, atom_feed
from sozialgraph.publishing.stream_cache import Artefact, VersionedCache
from sozialgraph.publishing.versions import VersionJournal
from sozialgraph.web.iri_paths import path_for_iri
from sozialgraph.web.versions import current_journal, version_url

router = APIRouter(tags=["Feeds"])

FEED_TYPES = {
    "https://w3id.org/sozialgraph/ontology#Measure",
    "https://w3id.org/sozialgraph/ontology#Strategy",
    "https://w3id.org/sozialgraph/ontology#UmbrellaStrategy",
    "https://w3id.org/sozialgraph/ontology#Municipality",
}
Lang = Annotated[Literal["de", "en"] | None, Query(description="One language (default: both)")]


def feed_path(iri: str, base_iri: str, types: set[str]) -> str | None:
    """The feed of a resource page, if the resource has one."""
    if not types & FEED_TYPES:
        return None
    path = path_for_iri(iri, base_iri)
    return f"/feed{path}" if path else None


async def _answer(
    request: Request, journal: VersionJournal, scope: FeedScope, lang: str | None
) -> Response:
    settings = request.app.state.settings
    base = str(request.base_url).rstrip("/")
    latest = journal.latest()
    version = latest.number if latest else 0
    key = (str(request.url.path), base, lang or "")
    cache: VersionedCache[Artefact] = request.app.state.feed_cache

    def link_of(iri: str) -> str:
        path = path_for_iri(iri, settings.base_iri)
        return base + path if path else iri

    def make() -> Artefact:
        body, updated = atom_feed(
            journal,
            scope,
            self_url=base + request.url.path + (f"?lang={lang}" if lang else ""),
            page_url=link_of(scope.iri) if scope.iri else base + "/",
            version_url=lambda n: version_url(request, n),
            link_of=link_of,
            lang=lang,
            limit=settings.feed_entries,
        )
        return Artefact.of(body, updated.timestamp() if updated else None)

    if (found := cache.peek(version, key)) is None:
        found = await asyncio.to_thread(cache.get, version, key, make)
    body, etag, updated = found.body, found.etag, found.updated
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60, must-revalidate"}
    if updated is not None:
        from datetime import UTC, datetime

        headers["Last-Modified"] = format_datetime(
            datetime.fromtimestamp(updated, UTC), usegmt=True
        )
    if _not_modified(request, etag, updated):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=f"{ATOM_TYPE}; charset=utf-8", headers=headers)


def _not_modified(request: Request, etag: str, updated: float | None) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        return etag in {t.strip().removeprefix("W/") for t in match.split(",")} or match == "*"
    since = request.headers.get("if-modified-since")
    if since and updated is not None:
        try:
            return int(updated) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


@router.get("/feed", summary="Atom feed of every change", response_class=Response)
async def feed_all(request: Request, lang: Lang = None) -> Response:
    journal = await current_journal(request)
    scope = FeedScope(None, "sozialgraph: Änderungen", "sozialgraph: changes")
    return await _answer(request, journal, scope, lang)


@router.get(
    "/feed/{path:path}",
    summary="Atom feed of one municipality, strategy or measure",
    response_class=Response,
)
async def feed_of(request: Request, path: str, lang: Lang = None) -> Response:
    journal = await current_journal(request)
    settings = request.app.state.settings
    iri = settings.base_iri + path.strip("/")
    known = await asyncio.to_thread(journal.resource, iri)
    if known is None or not set(known["types"]) & FEED_TYPES:
        raise NotFound(
            f"no feed for {iri}: feeds exist for municipalities, strategies and measures",
            de=f"Kein Feed für {iri}: Feeds gibt es für Kommunen, Strategien und Maßnahmen",
        )
    name_de = known.get("label_de") or known.get("label_en") or iri
    name_en = known.get("label_en") or name_de
    scope = FeedScope(iri, f"{name_de}: Änderungen", f"{name_en}: changes")
    return await _answer(request, journal, scope, lang)
