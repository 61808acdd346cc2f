"""A fast path for the most common request: GET /sparql whose result is already cached.

It runs before FastAPI sees the request (see ``app.SozialgraphApp``) and answers from the result
cache (per store version) without middleware, routing, dependency injection or a worker round
trip; every other request goes on unchanged. A repeated request (same query string and headers,
same store version) is not even parsed again. The key is the one the full handler stores results
under (``sparql.result_key``), so both always agree. Cross-origin requests (``Origin``) take the
full path, which adds the CORS headers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from starlette.datastructures import URL
from starlette.types import Scope, Send

from sozialgraph.errors import SozialgraphError
from sozialgraph.web import negotiation as media
from sozialgraph.web.rdf_output import with_charset
from sozialgraph.web.result_cache import etag_for

if TYPE_CHECKING:
    from starlette.datastructures import State

    from sozialgraph.web.query_service import QueryService


MEMO_ENTRIES = 50_000

#: A known request: result key, ETag and the response headers other than Content-Length.
_Known = tuple[str, bytes, list[tuple[bytes, bytes]]]


class SparqlFastPath:
    def __init__(self, state: State) -> None:
        self.state = state
        # The raw request (store version, query string, Accept, Host, …) → what its answer needs,
        # so that a repeated request skips parsing, guarding and negotiating.
        self._memo: dict[tuple[str, ...], _Known] = {}

    async def answer(self, scope: Scope, send: Send) -> bool:
        """Answer a cached ``GET /sparql`` and return True; False for anything else."""
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/sparql":
            return False
        service: QueryService | None = getattr(self.state, "query_service", None)
        if service is None or service.settings.is_remote:
            return False  # not started yet, or a remote store (its version costs a request)
        accept = host = if_none_match = ""
        for name, value in scope["headers"]:
            if name == b"accept" and not accept:
                accept = value.decode("latin-1")
            elif name == b"host" and not host:
                host = value.decode("latin-1")
            elif name == b"if-none-match" and not if_none_match:
                if_none_match = value.decode("latin-1")
            elif name == b"origin":
                return False
        version = service.store.version()
        raw = (
            version,
            scope["query_string"].decode("latin-1"),
            accept,
            host,
            scope.get("scheme", "http"),
            scope.get("root_path", ""),
        )
        known = self._memo.get(raw)
        if known is None:
            known = self._negotiate(scope, accept, service, version)
            if known is None:
                return False
            if len(self._memo) >= MEMO_ENTRIES:
                self._memo.clear()
            self._memo[raw] = known
        key, etag, headers = known
        if if_none_match == etag.decode("latin-1"):
            await _send(send, 304, b"", headers[1:])
            return True
        body = service.results.get(key)
        if body is None:
            return False
        await _send(send, 200, body, [*headers, (b"content-length", str(len(body)).encode())])
        return True

    @staticmethod
    def _negotiate(scope: Scope, accept: str, service: QueryService, version: str) -> _Known | None:
        """What the full handler would answer a plain, deterministic GET query with; None for
        anything the full handler must see."""
        from sozialgraph.web.sparql import result_key

        params = parse_qs(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if set(params) != {"query"} or len(params["query"]) != 1:
            return None
        if media.prefers_html(accept or None):
            return None
        try:
            guarded = service.guard(params["query"][0])
            if not guarded.deterministic:
                return None
            offered = (
                media.GRAPH_TYPES
                if guarded.form in ("CONSTRUCT", "DESCRIBE")
                else media.RESULT_TYPES
            )
            media_type = media.negotiate(accept or None, offered)
        except SozialgraphError:
            return None  # the full handler answers with the right problem document
        base_iri = str(URL(scope=scope).replace(query="", fragment=""))
        key = result_key(service, guarded.text, media_type, [], [], base_iri, version)
        etag = etag_for(key).encode()
        headers = [
            (b"content-type", with_charset(media_type).encode()),
            (b"etag", etag),
            (b"vary", b"Accept"),
            (b"cache-control", b"no-cache"),
        ]
        return key, etag, headers


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
