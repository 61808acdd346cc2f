"""The SPARQL 1.1 Protocol endpoint: read-only, bounded, negotiated, with a query page."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Awaitable, Iterator
from typing import IO, TypeVar
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.types import Receive

from sozialgraph.errors import (
    BadRequest,
    ClientDisconnected,
    Forbidden,
    PayloadTooLarge,
    SozialgraphError,
    UnsupportedMediaType,
)
from sozialgraph.formats import with_charset
from sozialgraph.publishing.service_description import service_description
from sozialgraph.querying.guard import GuardedQuery
from sozialgraph.querying.result_cache import MAX_ENTRY_BYTES, cache_key, etag_for
from sozialgraph.querying.service import QueryService
from sozialgraph.web import negotiation as media
from sozialgraph.web.dependencies import Queries
from sozialgraph.web.query_page import render_query_page
from sozialgraph.web.sparql_fast import cache_headers, client_address, offered_types

log = logging.getLogger(__name__)
router = APIRouter(tags=["SPARQL"])

READ_ONLY = (
    "This is a read-only endpoint: SPARQL Update is refused. "
    "Data officers write through the authenticated Graph Store endpoint /graph-store."
)
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
_STREAM_CHUNK = 64 * 1024


@router.get("/sparql", summary="SPARQL 1.1 query (GET), service description, or the query page")
@router.head("/sparql", include_in_schema=False)
async def sparql_get(request: Request, service: Queries) -> Response:
    params = parse_qs(request.url.query, keep_blank_values=True)
    if "update" in params:
        raise Forbidden("SPARQL Update via GET is not allowed. " + READ_ONLY)
    return await _answer(request, service, params)


@router.post("/sparql", summary="SPARQL 1.1 query (POST form or direct)")
async def sparql_post(request: Request, service: Queries) -> Response:
    params = parse_qs(request.url.query, keep_blank_values=True)
    content_type, charset = _content_type(request)
    if content_type == SPARQL_UPDATE:
        raise Forbidden(READ_ONLY)
    if content_type not in (FORM, SPARQL_QUERY):
        raise UnsupportedMediaType(
            f"POST needs Content-Type {FORM} or {SPARQL_QUERY}"
            + (f", not {content_type}" if content_type else "")
        )
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(f"queries must be UTF-8, not {charset}")
    body = await _read_body(request, service.settings.max_query_bytes + 4096)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the request body is not valid UTF-8") from None
    if content_type == FORM:
        form = parse_qs(text, keep_blank_values=True)
        if "update" in form:
            raise Forbidden(READ_ONLY)
        for name, values in form.items():
            params.setdefault(name, []).extend(values)
    else:
        if "query" in params:
            raise BadRequest("a direct POST carries the query in its body, not in the URL as well")
        params["query"] = [text]
    if "query" not in params:
        raise BadRequest("missing 'query' parameter")
    return await _answer(request, service, params)


async def _answer(
    request: Request, service: QueryService, params: dict[str, list[str]]
) -> Response:
    queries = params.get("query", [])
    format_name = _single(params, "format")
    if not queries:
        return await _describe_service(request, service, format_name)
    if len(queries) > 1:
        raise BadRequest("exactly one 'query' parameter is allowed")
    accept = request.headers.get("accept")
    wants_html = format_name == "html" or (format_name is None and media.prefers_html(accept))
    if wants_html:
        return await render_query_page(request, service, queries[0])
    guarded = service.guard(queries[0])
    media_type = media.negotiate(accept, offered_types(guarded), format_name)
    default_graphs = params.get("default-graph-uri", [])
    named_graphs = params.get("named-graph-uri", [])
    base_iri = str(request.url.replace(query="", fragment=""))
    key = None
    if guarded.deterministic:
        version = await service.version()
        key = cache_key(version, guarded.text, media_type, default_graphs, named_graphs, base_iri)
        headers = cache_headers(key)
        if request.headers.get("if-none-match") == etag_for(key):
            return Response(status_code=304, headers=headers)
        cached = service.results.get(key)
        if cached is not None:
            return Response(cached, media_type=with_charset(media_type), headers=headers)
    return await run_query(
        service,
        guarded,
        media_type,
        key,
        base_iri,
        default_graphs,
        named_graphs,
        client=client_address(request.scope),
        receive=request.receive,
    )


async def run_query(
    service: QueryService,
    guarded: GuardedQuery,
    media_type: str,
    key: str | None,
    base_iri: str,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
    *,
    client: str = "unknown",
    receive: Receive | None = None,
) -> Response:
    """Run a public query in a worker; a small result is kept under ``key`` (None: never).

    ``client`` is the client's address (its share of the workers); with ``receive`` the query is
    stopped when the client disconnects.
    """
    work = service.execute(
        guarded,
        media_type,
        default_graphs=default_graphs or [],
        named_graphs=named_graphs or [],
        base_iri=base_iri,
        client=client,
    )
    spool = await until_disconnect(receive, work) if receive is not None else await work
    if key is None:
        return _stream(spool, media_type)
    spool.seek(0, 2)
    size = spool.tell()
    spool.seek(0)
    if size <= MAX_ENTRY_BYTES:
        with spool:
            body = spool.read()
        service.results.put(key, body)
        return Response(body, media_type=with_charset(media_type), headers=cache_headers(key))
    return _stream(spool, media_type, cache_headers(key))


async def _describe_service(
    request: Request, service: QueryService, format_name: str | None
) -> Response:
    accept = request.headers.get("accept")
    if format_name is None and media.prefers_html(accept):
        return await render_query_page(request, service, None)
    media_type = media.negotiate(accept, media.GRAPH_TYPES, format_name)
    endpoint = str(request.url.replace(query="", fragment=""))
    triples = await service_description(
        service, endpoint, request.app.state.registry.text("graph-sizes")
    )
    output = io.BytesIO()
    fmt = ox.RdfFormat.from_media_type(media_type)
    ox.serialize(
        triples, output, format=fmt, prefixes=_SD_PREFIXES if fmt == ox.RdfFormat.TURTLE else None
    )
    return Response(
        output.getvalue(), media_type=with_charset(media_type), headers={"Vary": "Accept"}
    )


_SD_PREFIXES = {
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "formats": "http://www.w3.org/ns/formats/",
    "void": "http://rdfs.org/ns/void#",
    "dcterms": "http://purl.org/dc/terms/",
}


def _stream(
    spool: IO[bytes], media_type: str, headers: dict[str, str] | None = None
) -> StreamingResponse:
    def chunks() -> Iterator[bytes]:
        with spool:
            while data := spool.read(_STREAM_CHUNK):
                yield data

    return StreamingResponse(
        chunks(),
        media_type=with_charset(media_type),
        headers={"Vary": "Accept", **(headers or {})},
    )


_T = TypeVar("_T")


async def until_disconnect(receive: Receive, work: Awaitable[_T]) -> _T:
    """``work``'s result; if the client disconnects first, ``work`` is cancelled (its worker is
    killed and replaced) and :class:`ClientDisconnected` raised."""
    task = asyncio.ensure_future(work)

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(disconnected())
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, SozialgraphError):
            await task
        log.info("the client went away: its query was stopped (499)")
        raise ClientDisconnected("the client closed the connection; its query was stopped")
    return task.result()


def _content_type(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("content-type")
    if not header:
        return None, None
    parts = [p.strip() for p in header.split(";")]
    charset = None
    for parameter in parts[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return parts[0].lower(), charset


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(
            f"the request body has {declared} bytes; at most {limit} are accepted"
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the request body is larger than {limit} bytes")
    return bytes(body)


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise BadRequest(f"at most one '{name}' parameter is allowed")
    return values[0] if values else None


__all__ = ["SozialgraphError", "router"]
