"""The officer pages' upload → preview → publish, and the export of a graph as a filled template.

The preview is the import's preview service (``ingest/preview.py``), run between writes; the
upload waits in the officer's session (``auth_session.PendingUpload``) with the preview's hash,
and publishing writes it only if that hash still holds (else 409 and a fresh preview).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from sozialgraph.auth_session import PendingUpload, Session
from sozialgraph.errors import SozialgraphError
from sozialgraph.ingest.diff import PreviewOutdated
from sozialgraph.ingest.importer import ImportRejected, import_graph_iri
from sozialgraph.ingest.preview import Preview
from sozialgraph.ingest.upload_flow import (
    export_file,
    is_accepted,
    preview_oparl,
    preview_upload,
    publish_oparl,
    publish_upload,
)
from sozialgraph.readmodel.officer_text import OFFICER_TEXT
from sozialgraph.web import officer_session as sessions
from sozialgraph.web.dependencies import Queries, Reader, Registry, Templates, Writes
from sozialgraph.web.languages import ui_language
from sozialgraph.web.officer import desk_page, lang_query, render

router = APIRouter(prefix="/verwaltung", tags=["Officer pages"], include_in_schema=False)


async def _signed_form(request: Request, file_limit: int = 0) -> tuple[Session, sessions.Form]:
    """Site, session, then the form (within ``file_limit``) and its CSRF token."""
    sessions.check_same_site(request)
    session = sessions.require(request)
    form = await sessions.read_form(request, file_limit)
    sessions.check_csrf(form.fields.get("csrf"), session.csrf)
    return session, form


@router.post("/vorschau")
async def preview(
    request: Request,
    templates: Templates,
    writes: Writes,
    service: Queries,
    registry: Registry,
    ctx: Reader,
) -> Response:
    """The upload's preview: what would change, warnings, problems at their cells."""
    session, form = await _signed_form(request, writes.settings.max_upload_bytes)
    t = OFFICER_TEXT[ui_language(request)]
    graph = form.fields.get("graph", "").strip()
    errors: dict[str, str] = {}
    if not form.data or not form.filename:
        errors["file"] = t["file_missing"]
    elif not is_accepted(form.filename):
        errors["file"] = t["file_hint"]
    if not graph or len(graph) > 200:
        errors["graph"] = t["graph_missing"]
    if errors:
        return await desk_page(request, templates, ctx, session, errors, 400, graph)
    assert form.filename is not None and form.data is not None
    upload = PendingUpload(form.filename, form.data, graph, "")
    store = sessions.sessions(request)
    store.hold(session, None)  # only the newest preview can be published
    target = import_graph_iri(writes.settings.base_iri, graph)
    lang = ui_language(request)
    try:
        result = await preview_upload(
            writes, service, registry, upload.filename, upload.data, target, lang
        )
    except SozialgraphError as error:
        if error.status >= 500 or error.status in (401, 403, 429):
            raise
        key = "graph" if "graph name" in error.message else "file"
        message = error.localized(lang)
        return await desk_page(request, templates, ctx, session, {key: message}, 400, graph)
    if result.hash:  # the file waits in the session's folder (up to the upload limit)
        held = PendingUpload(upload.filename, upload.data, graph, result.hash)
        await asyncio.to_thread(store.hold, session, held)
    return _preview_page(request, templates, session, result, upload.filename, graph)


def _preview_page(
    request: Request, templates: Any, session: Session, result: Preview, source: str, graph: str
) -> Response:
    """The preview: problems at their cells (422), or the changes and the publish button."""
    lang = ui_language(request)
    problems = [
        {
            "id": f"problem-{number}",
            "problem": problem,
            "text": problem.text(lang),
            "message": problem.message(lang),
            "value": result.values.get((problem.sheet, problem.row or 0, problem.column or "")),
        }
        for number, problem in enumerate(result.problems, start=1)
    ]
    return render(
        request,
        templates,
        "officer_preview.html",
        422 if problems else 200,
        session,
        preview=result,
        problems=problems,
        warnings=[w.message(lang) for w in result.warnings],
        filename=source,
        graph=graph,
    )


@router.post("/oparl")
async def preview_council_papers(
    request: Request,
    templates: Templates,
    writes: Writes,
    service: Queries,
    registry: Registry,
    ctx: Reader,
) -> Response:
    """Council papers from an OParl system (allow-listed hosts), previewed like a sheet."""
    session, form = await _signed_form(request)
    t = OFFICER_TEXT[ui_language(request)]
    url = form.fields.get("url", "").strip()
    since = form.fields.get("modified_since", "").strip()
    graph = form.fields.get("graph", "").strip() or "oparl"
    if not url.startswith(("http://", "https://")) or len(url) > 2000:
        errors = {"oparl_url": t["oparl_url_missing"]}
        return await desk_page(request, templates, ctx, session, errors, 400, oparl_url=url)
    store = sessions.sessions(request)
    store.hold(session, None)
    target = import_graph_iri(writes.settings.base_iri, graph)
    try:
        result = await preview_oparl(
            writes, service, registry, url, target, since or None, ui_language(request)
        )
    except SozialgraphError as error:
        if error.status in (500, 503, 507):
            raise
        key = "oparl_since" if "modified_since" in error.message else "oparl_url"
        errors = {key: error.localized(ui_language(request))}
        return await desk_page(
            request, templates, ctx, session, errors, error.status, oparl_url=url
        )
    if result.hash:
        held = PendingUpload(url, since.encode("utf-8"), graph, result.hash, kind="oparl")
        await asyncio.to_thread(store.hold, session, held)
    return _preview_page(request, templates, session, result, url, graph)


@router.post("/veroeffentlichen")
async def publish(
    request: Request, templates: Templates, writes: Writes, service: Queries, registry: Registry
) -> Response:
    """Publish the previewed upload, bound by the preview's hash (409 when it no longer holds)."""
    session, form = await _signed_form(request)
    store = sessions.sessions(request)
    pending = await asyncio.to_thread(store.pending, session)
    lang = ui_language(request)
    t = OFFICER_TEXT[lang]
    if pending is None or form.fields.get("hash") != pending.digest:
        return render(
            request, templates, "officer_stale.html", 409, session, message=t["no_pending"]
        )
    target = import_graph_iri(writes.settings.base_iri, pending.graph)
    try:
        if pending.kind == "oparl":
            since = pending.data.decode("utf-8") or None
            result = await publish_oparl(
                writes,
                service,
                registry,
                pending.filename,
                target,
                since,
                agent=session.agent,
                expected_hash=pending.digest,
            )
        else:
            result = await publish_upload(
                writes,
                service,
                registry,
                pending.filename,
                pending.data,
                target,
                agent=session.agent,
                expected_hash=pending.digest,
            )
    except (PreviewOutdated, ImportRejected):
        store.hold(session, None)
        return render(request, templates, "officer_stale.html", 409, session, message=t["stale"])
    store.hold(session, None)
    query = lang_query(request)
    mark = ("&" if query else "?") + f"erledigt=published&bis={result.activity_id}"
    slug = target.rsplit("/", 1)[-1]
    return RedirectResponse(f"/verwaltung/graphen/{slug}{query}{mark}", status_code=303)


@router.get("/export")
async def export_graph(
    request: Request,
    writes: Writes,
    service: Queries,
    registry: Registry,
    graph: Annotated[str, Query(max_length=200)],
    format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx",
) -> Response:
    """A written graph as a filled template (XLSX, or a zip of CSV files), for the session."""
    if sessions.current(request) is None:
        return RedirectResponse("/verwaltung/anmelden" + lang_query(request), status_code=303)
    lang = ui_language(request)
    target = import_graph_iri(writes.settings.base_iri, graph)
    body, media_type, name = await export_file(
        writes, service, registry, graph=target, format=format, lang=lang
    )
    disposition = f'attachment; filename="{name}"'
    headers = {"Cache-Control": "no-store", "Content-Disposition": disposition}
    return Response(body, media_type=media_type, headers=headers)
