"""A fast path for the most common request: GET /sparql whose result is already cached.

It answers from the result cache (per store version) without routing, dependency injection or
a worker round trip, and hands every other request on unchanged. A repeated request (same query
string and headers, same store version) is not even parsed again. The key is the same that the
full handler stores results under (``sparql.result_key``), so both always agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from starlette.datastructures import URL, Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from sozialgraph.errors import SozialgraphError
from sozialgraph.web import negotiation as media
from sozialgraph.web.rdf_output import with_charset
from sozialgraph.web.result_cache import etag_for

if TYPE_CHECKING:
    from sozialgraph.web.query_service import QueryService


MEMO_ENTRIES = 50_000


class SparqlFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # The raw request (store version, query string, Accept, Host) → the result key and media
        # type, so that a repeated request skips parsing, guarding and negotiating.
        self._memo: dict[tuple[str, ...], tuple[str, str]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/sparql":
            await self.app(scope, receive, send)
            return
        hit = self._lookup(scope)
        if hit is None:
            await self.app(scope, receive, send)
            return
        status, body, headers = hit
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _lookup(self, scope: Scope) -> tuple[int, bytes, list[tuple[bytes, bytes]]] | None:
        headers = Headers(scope=scope)
        service = scope["app"].state.query_service
        if service.settings.is_remote:
            return None  # a remote store's version costs a request: the full handler reads it
        version = service.store.version()
        raw = (
            version,
            scope["query_string"].decode("latin-1"),
            headers.get("accept", ""),
            headers.get("host", ""),
            scope.get("scheme", "http"),
            scope.get("root_path", ""),
        )
        known = self._memo.get(raw)
        if known is None:
            known = self._negotiate(scope, headers, service, version)
            if known is None:
                return None
            if len(self._memo) >= MEMO_ENTRIES:
                self._memo.clear()
            self._memo[raw] = known
        key, media_type = known
        etag = etag_for(key).encode()
        common = [(b"etag", etag), (b"vary", b"Accept"), (b"cache-control", b"no-cache")]
        if headers.get("if-none-match") == etag.decode():
            return 304, b"", common
        body = service.results.get(key)
        if body is None:
            return None
        content_type = with_charset(media_type).encode()
        length = str(len(body)).encode()
        return 200, body, [(b"content-type", content_type), (b"content-length", length), *common]

    @staticmethod
    def _negotiate(
        scope: Scope, headers: Headers, service: QueryService, version: str
    ) -> tuple[str, str] | None:
        """The result key and media type of a plain, deterministic GET query, as the full
        handler computes them; None for anything the full handler must see."""
        from sozialgraph.web.sparql import result_key

        params = parse_qs(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if set(params) != {"query"} or len(params["query"]) != 1:
            return None
        accept = headers.get("accept")
        if media.prefers_html(accept):
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
            media_type = media.negotiate(accept, offered)
        except SozialgraphError:
            return None  # the full handler answers with the right problem document
        base_iri = str(URL(scope=scope).replace(query="", fragment=""))
        key = result_key(service, guarded.text, media_type, [], [], base_iri, version)
        return key, media_type
