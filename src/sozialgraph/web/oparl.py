"""``POST /api/import/oparl``: council decisions from an OParl system (needs a write token)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.formparsers import MultiPartException, MultiPartParser

from sozialgraph.errors import BadRequest
from sozialgraph.ingest import oparl_import
from sozialgraph.ingest.importer import import_graph_iri
from sozialgraph.web.dependencies import Queries, Registry, Writes
from sozialgraph.web.languages import ui_language
from sozialgraph.web.uploads import read_body
from sozialgraph.web.write_auth import authorize

router = APIRouter(prefix="/api", tags=["Import"])

#: The form is a few short fields; anything longer is not an OParl import.
FORM_LIMIT = 16 * 1024
FIELDS = ("url", "modified_since", "preview", "hash", "graph")

OPARL_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            media: {
                "schema": {
                    "type": "object",
                    "required": ["url"],
                    "properties": {
                        "url": {
                            "type": "string",
                            "description": "URL of an OParl system, body or paper (its host "
                            "must be on SOZIALGRAPH_OPARL_HOSTS)",
                        },
                        "modified_since": {
                            "type": "string",
                            "description": "Only papers changed since (YYYY-MM-DD or ISO "
                            "date-time); the graph keeps the other papers",
                        },
                        "preview": {
                            "type": "string",
                            "description": "1: show what would change and the SHACL report; "
                            "write nothing",
                        },
                        "hash": {
                            "type": "string",
                            "maxLength": 100,
                            "description": "Publish only what this preview showed (its hash, "
                            'or If-Match: "HASH"); 409 if the graph or the OParl data changed',
                        },
                        "graph": {
                            "type": "string",
                            "maxLength": 200,
                            "description": "Name of the graph (default 'oparl')",
                        },
                    },
                }
            }
            for media in ("application/x-www-form-urlencoded", "multipart/form-data")
        },
    }
}


@router.post(
    "/import/oparl",
    summary="Import council decisions from OParl, or preview them (needs a token)",
    responses={
        403: {"description": "The OParl host is not on SOZIALGRAPH_OPARL_HOSTS"},
        409: {"description": "The preview's hash no longer fits: preview again"},
        422: {"description": "A malformed OParl object (URL and field), or the SHACL report"},
        502: {"description": "The OParl server was too slow, too large or unreachable"},
    },
    openapi_extra=OPARL_FORM,
)
async def import_oparl(
    request: Request, writes: Writes, service: Queries, registry: Registry
) -> JSONResponse:
    # The token first: no form is read and no OParl server is asked for a caller who may not write.
    agent = authorize(request, writes)
    form = await _form(request)
    url = form.get("url", "").strip()
    if not url:
        raise BadRequest("the form needs the field 'url'", de="Feld 'url' fehlt")
    graph = import_graph_iri(writes.settings.base_iri, form.get("graph") or "oparl")
    since = oparl_import.parse_since(form.get("modified_since"))
    run = await oparl_import.prepare(writes.settings, service.select, registry, url, graph, since)
    summary = run.summary()
    lang = ui_language(request)
    if form.get("preview", "") in ("1", "true", "on", "yes"):
        shown = await writes.read(
            lambda: oparl_import.preview(writes.previews, registry, run, lang)
        )
        return JSONResponse(
            {**summary, **shown.document(lang)}, headers={"Cache-Control": "no-store"}
        )
    expected = form.get("hash") or request.headers.get("if-match", "").strip('" ') or None
    result = await writes.run(
        lambda: oparl_import.publish(writes.writer, run, agent=agent, expected_hash=expected)
    )
    return JSONResponse(
        {
            **summary,
            "activity": result.activity_id,
            "triples_written": result.triples,
            "previous_triples": result.previous_triples,
            "warnings": [w.message(lang) for w in result.warnings],
        },
        status_code=201,
    )


async def _form(request: Request) -> dict[str, str]:
    """The form's fields (URL-encoded or multipart), within ``FORM_LIMIT`` bytes."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, FORM_LIMIT)
    if media == "application/x-www-form-urlencoded":
        try:
            parsed = parse_qs(body.decode("utf-8"), max_num_fields=10, strict_parsing=False)
        except (UnicodeDecodeError, ValueError) as error:
            raise BadRequest(f"the form is malformed: {error}") from None
        return {k: v[0] for k, v in parsed.items() if k in FIELDS and v}
    if media == "multipart/form-data":

        async def stream() -> AsyncGenerator[bytes, None]:
            yield body

        try:
            form = await MultiPartParser(
                request.headers, stream(), max_files=0, max_fields=10
            ).parse()
        except MultiPartException as error:
            raise BadRequest(f"the multipart body is malformed: {error.message}") from None
        return {k: v for k, v in form.items() if k in FIELDS and isinstance(v, str)}
    raise BadRequest(
        "send the form as application/x-www-form-urlencoded or multipart/form-data",
        de="Formular bitte als application/x-www-form-urlencoded oder multipart/form-data",
    )
