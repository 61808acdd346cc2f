"""Import and history endpoints for data officers: template, sheet upload, graph versions."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from sozialgraph.errors import BadRequest, NotFound, PayloadTooLarge
from sozialgraph.formats import XLSX
from sozialgraph.ingest.graph_versions import GraphVersion, graph_versions
from sozialgraph.ingest.history import diff
from sozialgraph.ingest.importer import import_graph_iri
from sozialgraph.ingest.template import allowed_values, template_csv, template_xlsx, values_csv
from sozialgraph.ingest.upload_flow import allowed_rows, preview_upload, publish_upload
from sozialgraph.ingest.writer import WriteResult
from sozialgraph.web import export
from sozialgraph.web.dependencies import Queries, Reader, Registry, Writes
from sozialgraph.web.languages import ui_language
from sozialgraph.web.uploads import read_body
from sozialgraph.web.write_auth import authorize

router = APIRouter(prefix="/api", tags=["Import"])


class ImportReport(BaseModel):
    graph: str
    activity: str
    triples: int
    previous_triples: int
    warnings: list[str] = Field(default_factory=list)


class GraphStatusChange(BaseModel):
    measure: str
    before: str | None
    after: str | None


class GraphDiff(BaseModel):
    graph: str
    from_version: str
    to_version: str
    added: list[str]
    removed: list[str]
    status_changes: list[GraphStatusChange]


class GraphHistory(BaseModel):
    graph: str
    versions: list[GraphVersion]
    diff: GraphDiff | None = None


@router.get(
    "/import/template",
    summary="The import template (CSV per sheet, or XLSX with all sheets and allowed values)",
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
async def template(
    request: Request,
    service: Queries,
    registry: Registry,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
    sheet: Annotated[Literal["measures", "goals", "fields", "values"], Query()] = "measures",
) -> Response:
    lang = ui_language(request)
    if format == "csv" and sheet != "values":
        body = template_csv(sheet, lang)
        name = f"sozialgraph-{sheet}.csv"
        return Response(body, media_type="text/csv; charset=utf-8", headers=_attachment(name))
    values = allowed_values(await allowed_rows(service, registry), service.settings.base_iri)
    if format == "csv":
        name = "sozialgraph-erlaubte-werte.csv"
        return Response(
            values_csv(values, lang),
            media_type="text/csv; charset=utf-8",
            headers=_attachment(name),
        )
    return Response(
        template_xlsx(values, lang),
        media_type=XLSX,
        headers=_attachment("sozialgraph-vorlage.xlsx"),
    )


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


#: The multipart form of an import, for the OpenAPI description (the handler reads it itself).
IMPORT_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "graph"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV, XLSX, Turtle, N-Triples, JSON-LD or RDF/XML",
                        },
                        "graph": {
                            "type": "string",
                            "maxLength": 200,
                            "description": "Name of the graph, e.g. 'massnahmen-2025'",
                        },
                        "preview": {
                            "type": "string",
                            "maxLength": 100,
                            "description": "Publish only what this preview showed: its hash "
                            '(or send If-Match: "HASH"); 409 if the graph or file changed',
                        },
                    },
                }
            }
        },
    }
}
#: Room for the multipart framing and the graph field around the file itself.
FORM_OVERHEAD = 64 * 1024


@router.post(
    "/import",
    status_code=201,
    summary="Import a sheet (CSV/XLSX) or an RDF file into a named graph (needs a token)",
    responses={
        409: {"description": "The preview's hash no longer fits: preview again"},
        422: {"description": "Problems by row and column; nothing was imported"},
    },
    openapi_extra=IMPORT_FORM,
)
async def import_file(
    request: Request, writes: Writes, service: Queries, registry: Registry
) -> ImportReport:
    # The token first: nothing of the body is read for a caller who may not write.
    agent = authorize(request, writes)
    upload = await _import_form(request, writes.settings.max_upload_bytes)
    expected = upload.preview or _if_match(request)
    target = import_graph_iri(writes.settings.base_iri, upload.graph)
    result = await publish_upload(
        writes,
        service,
        registry,
        upload.filename,
        upload.data,
        target,
        agent=agent,
        expected_hash=expected,
    )
    return _report(result)


@router.post(
    "/import/preview",
    summary="What an import would change, its warnings and problems; writes nothing (token)",
    responses={
        200: {"description": "added, removed, changed (by resource), warnings, problems, hash"},
    },
    openapi_extra=IMPORT_FORM,
)
async def preview_import(
    request: Request, writes: Writes, service: Queries, registry: Registry
) -> JSONResponse:
    authorize(request, writes)
    upload = await _import_form(request, writes.settings.max_upload_bytes)
    target = import_graph_iri(writes.settings.base_iri, upload.graph)
    lang = ui_language(request)
    preview = await preview_upload(
        writes, service, registry, upload.filename, upload.data, target, lang
    )
    return JSONResponse(preview.document(lang), headers={"Cache-Control": "no-store"})


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    graph: str
    preview: str | None  # the hash of a preview to publish exactly


def _if_match(request: Request) -> str | None:
    """The preview's hash from ``If-Match: "HASH"`` (the form field ``preview`` wins)."""
    value = request.headers.get("if-match", "").strip()
    return value.strip('"') or None


async def _import_form(request: Request, limit: int) -> Upload:
    """File, graph name and preview hash of the multipart body, streamed within ``limit``."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise BadRequest("send the file as multipart/form-data (fields 'file' and 'graph')")
    body = await read_body(request, limit + FORM_OVERHEAD)

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        form = await MultiPartParser(request.headers, stream(), max_files=1, max_fields=5).parse()
    except MultiPartException as error:
        raise BadRequest(f"the multipart body is malformed: {error.message}") from None
    try:
        upload, graph = form.get("file"), form.get("graph")
        if not isinstance(upload, StarletteUploadFile):
            raise BadRequest("the form needs a file in the field 'file'", de="Feld 'file' fehlt")
        if not isinstance(graph, str) or not graph or len(graph) > 200:
            raise BadRequest(
                "the form needs the graph's name (at most 200 characters) in the field 'graph'",
                de="Feld 'graph' fehlt oder ist länger als 200 Zeichen",
            )
        preview = form.get("preview")
        if preview is not None and (not isinstance(preview, str) or len(preview) > 100):
            raise BadRequest("the field 'preview' takes the hash of a preview")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge(f"the file is larger than {limit} bytes")
        return Upload(upload.filename or "upload", data, graph, preview or None)
    finally:
        await form.close()


def _report(result: WriteResult) -> ImportReport:
    return ImportReport(
        graph=result.graph,
        activity=result.activity_id,
        triples=result.triples,
        previous_triples=result.previous_triples,
        warnings=[w.message("de") for w in result.warnings],
    )


@router.get("/graphs/{name:path}/history", summary="Versions of a graph, and the diff of two")
async def graph_history(
    writes: Writes,
    reader: Reader,
    name: str,
    from_version: Annotated[str | None, Query(alias="from", max_length=100)] = None,
    to_version: Annotated[str | None, Query(alias="to", max_length=100)] = None,
) -> GraphHistory:
    graph = (
        import_graph_iri(writes.settings.base_iri, name)
        if "/" not in name
        else writes.settings.base_iri + name
    )
    versions = await graph_versions(reader, graph)
    result = GraphHistory(graph=graph, versions=versions)
    if from_version or to_version:
        known = {v.activity for v in versions}
        before_id = from_version or (
            versions[1].activity if len(versions) > 1 else versions[0].activity
        )
        after_id = to_version or versions[0].activity
        for wanted in (before_id, after_id):
            if wanted not in known:
                raise NotFound(
                    f"{graph} has no version {wanted}", de=f"{graph} hat keine Version {wanted}"
                )
        before = writes.history.load(graph, before_id) or []
        after = writes.history.load(graph, after_id) or []
        changes = diff(before, after)
        result.diff = GraphDiff(
            graph=graph,
            from_version=before_id,
            to_version=after_id,
            added=changes.added,
            removed=changes.removed,
            status_changes=[
                GraphStatusChange(measure=c.measure, before=c.before, after=c.after)
                for c in changes.status_changes
            ],
        )
    return result


router.include_router(export.router)
