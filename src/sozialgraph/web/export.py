"""The export of published measures, goals and fields as a filled import template (token)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from sozialgraph.config import Settings
from sozialgraph.errors import BadRequest
from sozialgraph.formats import XLSX
from sozialgraph.ingest.columns import SHEETS
from sozialgraph.ingest.export import export, export_csv, export_xlsx, export_zip
from sozialgraph.ingest.importer import import_graph_iri
from sozialgraph.ingest.template import allowed_values
from sozialgraph.ingest.vocabulary import vocabulary_rows
from sozialgraph.namespaces import slugify
from sozialgraph.web.dependencies import Queries, Registry, Writes
from sozialgraph.web.languages import ui_language
from sozialgraph.web.write_auth import authorize

router = APIRouter()


@router.get(
    "/export",
    summary="A graph, or a municipality's measures, goals and fields, as a filled import "
    "template (XLSX, a zip of CSV files, or one sheet as CSV; needs a token)",
    responses={200: {"content": {XLSX: {}, "application/zip": {}, "text/csv": {}}}},
)
async def export_template(
    request: Request,
    writes: Writes,
    service: Queries,
    registry: Registry,
    graph: Annotated[str | None, Query(max_length=300)] = None,
    municipality: Annotated[str | None, Query(max_length=300)] = None,
    format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx",
    sheet: Annotated[Literal["measures", "goals", "fields"] | None, Query()] = None,
) -> Response:
    authorize(request, writes)
    settings = writes.settings
    if (graph is None) == (municipality is None):
        raise BadRequest(
            "give either graph= or municipality=",
            de="bitte entweder graph= oder municipality= angeben",
        )
    lang = ui_language(request)
    rows = await vocabulary_rows(service.select, registry, settings.municipality_iri)
    target = None if graph is None else _graph(settings.base_iri, graph)
    town = None if municipality is None else _municipality(settings, municipality)
    filled = await asyncio.to_thread(
        lambda: export(
            writes.writer.store,
            registry,
            rows,
            settings.base_iri,
            graph=target,
            municipality=town,
            lang=lang,
        )
    )
    name = "sozialgraph-export-" + slugify((graph or municipality or "").rsplit("/", 1)[-1])
    headers = {"Cache-Control": "no-store"}
    if format == "xlsx":
        body = export_xlsx(filled, allowed_values(rows, settings.base_iri), lang)
        return Response(body, media_type=XLSX, headers=headers | _attachment(name + ".xlsx"))
    if sheet is None:
        body = export_zip(filled, lang)
        return Response(
            body, media_type="application/zip", headers=headers | _attachment(name + ".zip")
        )
    chosen = next(s for s in SHEETS if s.key == sheet)
    return Response(
        export_csv(filled, chosen, lang),
        media_type="text/csv; charset=utf-8",
        headers=headers | _attachment(f"{name}-{sheet}.csv"),
    )


def _graph(base_iri: str, name: str) -> str:
    """As ``/api/graphs/{name}/history``: an import's name, a path below the base, or an IRI."""
    if "/" not in name or name.startswith(("http://", "https://")):
        return import_graph_iri(base_iri, name)
    return base_iri + name


def _municipality(settings: Settings, value: str) -> str:
    """A municipality's IRI, or its slug (the configured one, else the default pattern)."""
    if value.startswith(("http://", "https://")):
        return value
    slug = slugify(value)
    if slug == slugify(settings.municipality):
        return settings.municipality_iri
    return f"{settings.base_iri}{slug}/organisation/stadt-{slug}"


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}
