"""Citable versions: ``/versionen`` (list), ``/versionen/{n}`` (page or JSON) and the version's
dump ``/versionen/{n}/sozialgraph.nq.gz``; the ``Sozialgraph-Version`` header on every read.

The journal records the store's version after every accepted write (a hook of the write
service: a frozen copy pinned inside its lock, the version recorded from it after the answer,
in the order of writes), at startup and whenever a request finds an unrecorded version (a
build by the command line; after the pending follow-ups of writes).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import multiprocessing
import os
import shutil
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.types import Scope

from sozialgraph.errors import BadRequest, NotFound, SozialgraphError
from sozialgraph.formats import GZIP
from sozialgraph.ingest.write_service import WriteService
from sozialgraph.publishing.change_catalog import version_iri
from sozialgraph.publishing.stream_cache import Artefact, VersionedCache
from sozialgraph.publishing.versions import (
    VersionJournal,
    VersionRecord,
    record_from_copy,
    versions_folder,
)
from sozialgraph.store.base import GraphStore
from sozialgraph.web import negotiation as media
from sozialgraph.web.languages import ui_language

VERSION_HEADER = "Sozialgraph-Version"


class Gone(SozialgraphError):
    status = 410
    title = "Gone"


def record_current(journal: VersionJournal, store: GraphStore) -> VersionRecord | None:
    """Record the store's current version unless it is recorded (a write between reading the
    version and the quads: read again)."""
    for _ in range(3):
        version = store.version()
        if journal.number_of(version) is not None:
            return None
        quads = list(store.quads())
        if store.version() == version:
            return journal.record(version, quads)
    return None


def pin_current(journal: VersionJournal, store: GraphStore) -> Callable[[], object] | None:
    """The follow-up of a write, under the write lock: the store's current version and a frozen
    copy of its data, and the recording from that copy to run later, in a process of its own
    (the next write need not wait for it; ``WriteService.after_write``). A store without frozen
    copies (remote) records here, under the lock."""
    version = store.version()
    if journal.number_of(version) is not None:
        return None
    freeze: Callable[[], Path | None] | None = getattr(store, "frozen_copy", None)
    copy = freeze() if freeze is not None else None
    if copy is None:
        record_current(journal, store)
        return None
    frozen = copy

    def record() -> VersionRecord | None:
        arguments = {
            "folder": str(journal.folder),
            "base_iri": journal.base_iri,
            "keep_days": journal.keep_days,
            "keep_monthly": journal.keep_monthly,
        }
        try:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(1, mp_context=context) as process:
                recorded = process.submit(
                    record_from_copy, arguments, version, str(frozen), os.getpid()
                ).result()
        finally:
            shutil.rmtree(frozen, ignore_errors=True)
        if recorded is not None:
            journal.adopt(recorded)
        return recorded

    return record


async def current_journal(request: Request) -> VersionJournal:
    """The journal, with the store's current version recorded (serialised with writes)."""
    journal: VersionJournal = request.app.state.journal
    store: GraphStore = request.app.state.store
    if journal.number_of(await asyncio.to_thread(store.version)) is None:
        writes: WriteService = request.app.state.writes
        await writes.run(lambda: record_current(journal, store), after_follow_ups=True)
    return journal


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    journal = VersionJournal(
        versions_folder(settings.state_dir, settings.versions_dir),
        settings.base_iri,
        keep_days=settings.versions_keep_days,
        keep_monthly=settings.versions_keep_monthly,
    )
    app.state.journal = journal
    # the serialised feeds and stream pages of the journal's newest version (no module state)
    app.state.feed_cache = VersionedCache[Artefact]()
    app.state.ldes_cache = VersionedCache[Artefact]()
    app.state.ldes_complete_cache = VersionedCache[Artefact]()  # immutable pages
    store: GraphStore = app.state.store
    writes: WriteService = app.state.writes
    writes.after_write.append(lambda: pin_current(journal, store))
    task = asyncio.create_task(writes.run(lambda: record_current(journal, store)))
    try:
        yield
    finally:
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


router = APIRouter(tags=["Versions"], lifespan=lifespan)

ModifiedSince = Annotated[
    str | None,
    Query(
        description="ISO 8601 time (e.g. 2026-01-31T12:00:00Z): only items changed after it; "
        "removed items are listed in 'deleted' (as OParl does).",
        max_length=64,
    ),
]


@dataclass(frozen=True)
class Changes:
    modified: set[str]
    deleted: dict[str, list[str]]

    def deleted_of(self, type_iri: str) -> list[str]:
        return [iri for iri, types in self.deleted.items() if type_iri in types]


def parse_since(text: str) -> dt.datetime:
    """An ISO 8601 time (UTC when it names no zone); 400 for anything else."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(
            f"modified_since: {text!r} is not an ISO 8601 time (e.g. 2026-01-31T12:00:00Z)",
            de=f"modified_since: {text!r} ist keine ISO-8601-Zeit (z. B. 2026-01-31T12:00:00Z)",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


async def changes_since(request: Request, text: str | None) -> Changes | None:
    """What changed after ``text`` (``None`` when no time is given)."""
    if text is None:
        return None
    since = parse_since(text)
    journal = await current_journal(request)
    modified, deleted = await asyncio.to_thread(journal.modified_since, since)
    return Changes(modified, deleted)


@router.get("/api/changes", summary="IRIs of the resources changed and removed after a time")
async def list_changes(
    request: Request, modified_since: Annotated[str, Query(max_length=64)]
) -> dict[str, Any]:
    changes = await changes_since(request, modified_since)
    assert changes is not None
    return {
        "modified": sorted(changes.modified),
        "deleted": [{"iri": iri, "types": types} for iri, types in sorted(changes.deleted.items())],
    }


def version_url(request: Request, number: int) -> str:
    return str(request.base_url).rstrip("/") + f"/versionen/{number}"


def _number(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise NotFound(f"no version {text!r}", de=f"Keine Version {text!r}")
    return int(text)


def version_document(
    request: Request, journal: VersionJournal, record: VersionRecord
) -> dict[str, Any]:
    url = version_url(request, record.number)
    iri = version_iri(request.app.state.settings.base_iri, record.number)
    dump = journal.dump_path(record.number)
    return {
        "number": record.number,
        "iri": iri,
        "page": url,
        "created": record.created,
        "activities": [a.__dict__ for a in record.activities],
        "triples": record.triples,
        "sha256": record.sha256,
        "canonical": record.canonical,
        "new": record.new,
        "changed": record.changed,
        "deleted": record.deleted,
        "dump": f"{url}/sozialgraph.nq.gz" if dump else None,
        "changes": [c.__dict__ for c in journal.changes(record.number)[:500]],
        "cite": f"sozialgraph, Datenversion {record.number} vom {record.created[:10]}, {iri}",
    }


@router.get("/versionen", summary="Every citable data version (newest first)")
async def list_versions(request: Request) -> Response:
    journal = await current_journal(request)
    rows = [
        {
            "number": r.number,
            "iri": version_url(request, r.number),
            "created": r.created,
            "triples": r.triples,
            "sha256": r.sha256,
            "dump": journal.dump_path(r.number) is not None,
        }
        for r in reversed(journal.records())
    ]
    if media.prefers_html(request.headers.get("accept")):
        return _page(request, "versions.html", versions=rows)
    return JSONResponse(rows)


@router.get("/versionen/{number}", summary="One data version: date, activity, changes, checksum")
async def get_version(request: Request, number: str) -> Response:
    journal = await current_journal(request)
    record = journal.get(_number(number))
    if record is None:
        raise NotFound(f"no version {number}", de=f"Keine Version {number}")
    document = version_document(request, journal, record)
    headers = {"Cache-Control": "public, max-age=300"}
    if media.prefers_html(request.headers.get("accept")):
        response = _page(request, "version.html", version=document)
        response.headers.update(headers)
        return response
    return JSONResponse(document, headers=headers)


@router.api_route(
    "/versionen/{number}/sozialgraph.nq.gz",
    methods=["GET", "HEAD"],
    summary="The version's dump: canonical N-Quads, gzip-compressed",
)
async def version_dump(request: Request, number: str) -> Response:
    journal = await current_journal(request)
    record = journal.get(_number(number))
    if record is None:
        raise NotFound(f"no version {number}", de=f"Keine Version {number}")
    path = journal.dump_path(record.number)
    if path is None:
        raise Gone(
            f"the dump of version {number} is no longer kept (retention policy)",
            de=f"Der Abzug der Version {number} wird nicht mehr aufbewahrt",
        )
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",
        "ETag": f'"{record.sha256[:32]}-nq-gz"',
        "Content-Disposition": f'attachment; filename="sozialgraph-{record.number}.nq.gz"',
    }
    return FileResponse(path, media_type=GZIP, headers=headers)


def _page(request: Request, template: str, **values: Any) -> Response:
    templates = request.app.state.templates
    context = {"lang": ui_language(request), **values}
    response: Response = templates.TemplateResponse(request, template, context)
    return response


class VersionHeader:
    """Adds ``Sozialgraph-Version: n`` to every GET/HEAD answer while the store's current version
    is recorded (a dict look-up, kept for the current version)."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self._last: tuple[str, tuple[bytes, bytes]] | None = None  # a store version, its header

    def header(self, scope: Scope, version: str | None) -> tuple[bytes, bytes] | None:
        """The header for an answer to ``scope`` while the store is at ``version`` (None: the
        version the query service saw last); None for other methods or an unrecorded version."""
        if scope.get("method") not in ("GET", "HEAD"):
            return None
        last = self._last
        if last is not None and last[0] == version:  # a recorded version keeps its number
            return last[1]
        found = self._look_up(version)
        if found is not None and version is not None:
            self._last = (version, found)
        return found

    def _look_up(self, version: str | None) -> tuple[bytes, bytes] | None:
        journal: VersionJournal | None = getattr(self.state, "journal", None)
        store: GraphStore | None = getattr(self.state, "store", None)
        if journal is None or store is None:
            return None
        if version is None:
            # Never a request to a remote store here (it would block the event loop, and fail
            # when the server is away): its version as the query service last saw it.
            service = getattr(self.state, "query_service", None)
            version = service.known_version() if service is not None else None
        number = journal.number_of(version) if version is not None else None
        if number is None:
            return None
        return (_VERSION_HEADER_NAME, str(number).encode("ascii"))


_VERSION_HEADER_NAME = VERSION_HEADER.lower().encode("ascii")
