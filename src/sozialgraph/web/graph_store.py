"""SPARQL 1.1 Graph Store HTTP Protocol at /graph-store: reads for everyone, writes with a token.

Indirect identification (``/graph-store?graph=IRI``) and direct identification (the request
URL is the graph's IRI, ``/graph-store/…``). Writes to the default graph are refused: every
source and import is its own named graph.
"""

from __future__ import annotations

import asyncio
import io
import secrets
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from sozialgraph.errors import (
    BadRequest,
    NotAcceptable,
    NotFound,
    ResultTooLarge,
    SozialgraphError,
    UnsupportedMediaType,
)
from sozialgraph.ingest.write_service import WriteService
from sozialgraph.publishing.dumps import DUMP_FORMATS
from sozialgraph.web import negotiation as media
from sozialgraph.web.dependencies import Store, Writes
from sozialgraph.web.dumps import DUMP_PATH
from sozialgraph.web.uploads import read_body
from sozialgraph.web.write_auth import authorize

router = APIRouter(tags=["Graph Store"])


class MethodNotAllowed(SozialgraphError):
    status = 405
    title = "Method not allowed"


def _target(request: Request) -> str | None:
    """The graph IRI the request names; ``None`` for the default graph."""
    params = parse_qs(request.url.query, keep_blank_values=True)
    if request.url.path.rstrip("/") != "/graph-store":
        if params:
            raise BadRequest("direct graph identification takes no query parameters")
        return _graph_iri(str(request.url.replace(query="", fragment="")))
    graphs = params.get("graph", [])
    if "default" in params and graphs:
        raise BadRequest("use either ?graph=IRI or ?default, not both")
    if "default" in params:
        return None
    if len(graphs) != 1 or not graphs[0].startswith(("http://", "https://", "urn:")):
        raise BadRequest("name the graph with ?graph=IRI (an absolute IRI) or use ?default")
    return _graph_iri(graphs[0])


def _graph_iri(name: str) -> str:
    """``name`` if it is a valid IRI; else a 400 that says so (it would never reach SPARQL)."""
    try:
        ox.NamedNode(name)
    except ValueError as error:
        raise BadRequest(
            f"the graph name {name!r} is not a valid IRI: {error}",
            de=f"Der Graphname {name!r} ist keine gültige IRI: {error}",
        ) from None
    return name


@router.get("/graph-store", summary="Read a graph (?graph=IRI), or find the dumps (?default)")
@router.head("/graph-store", summary="Check a graph exists")
@router.get("/graph-store/{path:path}", include_in_schema=False)
@router.head("/graph-store/{path:path}", include_in_schema=False)
async def read_graph(request: Request, store: Store) -> Response:
    graph = _target(request)
    if graph is None:
        # The default graph is everything: never serialised per request, but made once per store
        # version as the dumps (streamed from files, cached, compressed).
        dump = media.negotiate(request.headers.get("accept"), DEFAULT_GRAPH_DUMPS)
        return Response(
            status_code=303,
            headers={"Location": DUMP_PATH + BY_MEDIA_TYPE[dump].filename, "Vary": "Accept"},
        )
    media_type = media.negotiate(request.headers.get("accept"), media.GRAPH_TYPES[:4])
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:  # not expected: only graph formats are offered
        raise NotAcceptable(f"cannot serialise a graph as {media_type}")
    if graph not in await asyncio.to_thread(store.graph_names):
        raise NotFound(f"there is no graph {graph}", de=f"Es gibt keinen Graphen {graph}")
    headers = {"Vary": "Accept"}
    if request.method == "HEAD":  # exists: nothing is serialised for a HEAD
        head = Response(status_code=200, media_type=f"{media_type}; charset=utf-8", headers=headers)
        del head.headers["content-length"]  # unknown without the work a GET does
        return head
    limit = request.app.state.settings.max_result_bytes

    def serialise() -> bytes:
        output = _BoundedBuffer(limit)
        try:
            store.dump(output, fmt, graph)
        except (_TooLarge, OSError) as error:
            if output.over:
                raise ResultTooLarge(
                    f"the graph is larger than {limit} bytes; download the dumps at {DUMP_PATH} "
                    "or query it at /sparql",
                    de=f"Der Graph ist größer als {limit} Bytes; bitte die Abzüge unter "
                    f"{DUMP_PATH} laden oder /sparql abfragen",
                ) from None
            raise error
        return output.getvalue()

    async with _serialisations(request):
        body = await asyncio.to_thread(serialise)
    return Response(body, media_type=f"{media_type}; charset=utf-8", headers=headers)


#: The dumps that hold the default graph (graphs flattened), by preference.
DEFAULT_GRAPH_DUMPS = (media.TURTLE, media.N_TRIPLES, media.JSON_LD)
BY_MEDIA_TYPE = {f.media_type: f for f in DUMP_FORMATS}
#: Graphs serialised at once in the web process's threads.
PARALLEL_SERIALISATIONS = 2


class _TooLarge(Exception):
    pass


class _BoundedBuffer(io.BytesIO):
    """A buffer that refuses to grow beyond ``limit`` bytes (the serialiser stops there)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.over = False

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.tell() + len(data) > self.limit:
            self.over = True
            raise _TooLarge
        return super().write(data)


def _serialisations(request: Request) -> asyncio.Semaphore:
    state = request.app.state
    if getattr(state, "graph_serialisations", None) is None:
        state.graph_serialisations = asyncio.Semaphore(PARALLEL_SERIALISATIONS)
    semaphore: asyncio.Semaphore = state.graph_serialisations
    return semaphore


@router.put("/graph-store", summary="Replace a graph (needs a token)", status_code=204)
@router.post(
    "/graph-store", summary="Add to a graph, or create one (needs a token)", status_code=204
)
@router.delete("/graph-store", summary="Delete a graph (needs a token)", status_code=204)
@router.put("/graph-store/{path:path}", include_in_schema=False)
@router.post("/graph-store/{path:path}", include_in_schema=False)
@router.delete("/graph-store/{path:path}", include_in_schema=False)
async def write_graph(request: Request, writes: Writes, store: Store) -> Response:
    agent = authorize(request, writes)
    indirect_post = request.method == "POST" and request.url.path.rstrip("/") == "/graph-store"
    if indirect_post and not request.url.query:
        graph = f"{writes.settings.base_iri}graph/import/{secrets.token_hex(8)}"
        created = True
    else:
        target = _target(request)
        if target is None:
            raise MethodNotAllowed(
                "writes to the default graph are refused: every source is its own named graph; "
                "use ?graph=IRI",
                de="In den Standardgraphen wird nicht geschrieben; bitte ?graph=IRI angeben",
            )
        graph = target
        created = graph not in await asyncio.to_thread(store.graph_names)
    writes.writer.check_writable(graph)
    if request.method == "DELETE":
        if created:
            raise NotFound(f"there is no graph {graph}", de=f"Es gibt keinen Graphen {graph}")
        await writes.run(lambda: writes.writer.delete(graph, agent=agent))
        return Response(status_code=204)
    triples, content, source = await _payload(request, writes)
    if request.method == "PUT":
        result = await writes.run(
            lambda: writes.writer.replace(
                graph, triples, agent=agent, kind="graph-store", source=source, content=content
            )
        )
    else:
        result = await writes.run(
            lambda: writes.writer.merge(
                graph, triples, agent=agent, kind="graph-store", source=source, content=content
            )
        )
    # Created is what the write found under the lock, not the look before it (two writes at once).
    if created and result.previous_triples == 0:
        return Response(status_code=201, headers={"Location": graph})
    return Response(status_code=204)


async def _payload(request: Request, writes: WriteService) -> tuple[list[ox.Triple], bytes, str]:
    """The triples of the request body (one RDF document, or several in multipart/form-data)."""
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):
        data = await read_body(request, writes.settings.max_upload_bytes)
        form = await _multipart(request, data)
        triples: list[ox.Triple] = []
        for name, (part_type, part) in form.items():
            triples += await writes.parse(part, part_type, f"part {name}")
        return triples, data, "multipart upload"
    if not content_type:
        raise UnsupportedMediaType("a Content-Type header is needed", de="Content-Type fehlt")
    data = await read_body(request, writes.settings.max_upload_bytes)
    return await writes.parse(data, content_type, "request body"), data, "request body"


async def _multipart(request: Request, data: bytes) -> dict[str, tuple[str, bytes]]:
    from starlette.datastructures import UploadFile
    from starlette.formparsers import MultiPartParser

    async def stream():  # noqa: ANN202
        yield data

    parser = MultiPartParser(request.headers, stream(), max_files=20, max_fields=20)
    form = await parser.parse()
    parts = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            parts[f"{name}:{value.filename}"] = (value.content_type or "", await value.read())
    if not parts:
        raise BadRequest("the multipart body holds no file part")
    return parts
