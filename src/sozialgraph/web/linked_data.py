"""Dereferencing: every IRI under the base answers at its path, negotiated by Accept or extension.

A resource is known when it is the subject of at least one triple; anything else is 404 (an HTML
page for browsers, problem details for everyone else). The HTML variant is a page in German or
English; the RDF variants hold the resource's triples (with its blank nodes).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sozialgraph.errors import NotFound
from sozialgraph.formats import RDF_TYPES as RDF_FORMATS
from sozialgraph.readmodel.describe import resource_triples
from sozialgraph.web import negotiation as media
from sozialgraph.web import pages
from sozialgraph.web.dependencies import Queries, Registry, SettingsDep
from sozialgraph.web.iri_paths import DOCUMENT_EXTENSIONS, iri_for_path, split_extension
from sozialgraph.web.rdf_output import (
    CONTEXT_PATH,
    alternates_header,
    jsonld_context,
    rdf_response,
)

router = APIRouter(tags=["Linked data"])
#: The IRI catch-all; app.py includes it after every other route.
catch_all = APIRouter(tags=["Linked data"])

OFFERED = (media.HTML, *RDF_FORMATS)


@router.api_route(
    CONTEXT_PATH,
    methods=["GET", "HEAD"],
    summary="The JSON-LD @context of this graph's JSON-LD documents",
)
async def context() -> JSONResponse:
    return JSONResponse(
        jsonld_context(),
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@catch_all.api_route(
    "/{path:path}",
    methods=["GET", "HEAD"],
    summary="Dereference an IRI of the graph (HTML, Turtle, N-Triples, JSON-LD, RDF/XML)",
)
async def dereference(
    request: Request, path: str, settings: SettingsDep, service: Queries, registry: Registry
) -> Response:
    document, extension = split_extension(path)
    iri = iri_for_path(document, settings.base_iri)
    format_name = extension or request.query_params.get("format")
    accept = request.headers.get("accept")
    wants_html = (format_name or "").lower() == "html" or (
        format_name is None and media.prefers_html(accept)
    )
    triples = await resource_triples(service, registry, iri)
    if not triples:
        if wants_html:
            return pages.render_not_found(request, iri)
        raise NotFound(
            f"There is no resource with the IRI {iri}.",
            de=f"Es gibt keine Ressource mit der IRI {iri}.",
        )
    headers = {"Link": alternates_header("/" + document, OFFERED)}
    if extension is None:
        headers["Vary"] = "Accept, Accept-Language"
    elif extension == "html":
        headers["Vary"] = "Accept-Language"
    if wants_html:
        response = await pages.render_resource(request, iri, triples)
        chosen = media.HTML
    else:
        chosen = media.negotiate(accept, RDF_FORMATS, format_name)
        response = rdf_response(triples, chosen)
    if extension is None:
        headers["Content-Location"] = f"/{document}.{media.suffix(chosen)}"
    response.headers.update(headers)
    return response


__all__ = ["DOCUMENT_EXTENSIONS", "catch_all", "router"]
