"""The export of published measures, goals and fields as a filled import template (token)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from sozialgraph.config import Settings
from sozialgraph.errors import BadRequest
from sozialgraph.formats import XLSX
from sozialgraph.ingest.importer import import_graph_iri
from sozialgraph.ingest.upload_flow import export_file
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
    target = None if graph is None else _graph(settings.base_iri, graph)
    town = None if municipality is None else _municipality(settings, municipality)
    body, media_type, name = await export_file(
        writes,
        service,
        registry,
        graph=target,
        municipality=town,
        format=format,
        sheet=sheet,
        lang=ui_language(request),
    )
    headers = {"Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media_type, headers=headers)


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
