"""Whole JSON API responses and cockpit pages, cached per store version and served with ETags.

The API's answers and the cockpit's pages (``COCKPIT_PATHS``: measure list, matrix, ECCAR
coverage, documentation status, timelines, with their downloads) change only when the store
does, so a successful ``GET`` of them is kept under the store's version, the path, the query
string and the request headers that choose the answer (``Accept``, ``Accept-Language``). A
write bumps the version and so makes every entry unreachable. Imports and graph histories are
not cached (they are about files beside the store); neither is anything on a remote store
(reading its version costs a request).
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sozialgraph.querying.result_cache import MAX_ENTRY_BYTES, RawHeaders, ResultCache, etag_for

# /api/search: fast on its index, and an answer of the scan (no index yet) must not stay
UNCACHED_PREFIXES = ("/api/import", "/api/export", "/api/graphs", "/api/search")
#: The cockpit's pages (issue 16): a path equal to one of these, or below it (``/…/x``, ``.csv``)
COCKPIT_PATHS = ("/massnahmen", "/verflechtung", "/eccar", "/dokumentationsstand", "/verlauf")
KEPT_HEADERS = {b"content-type", b"content-language", b"vary", b"content-disposition"}


class ApiResponseCache:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cache = ResultCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        etag = etag_for(key)
        common = [(b"etag", etag.encode()), (b"cache-control", b"no-cache")]
        cached = self.cache.entry(key)
        if cached is not None:
            body, headers = cached
            if Headers(scope=scope).get("if-none-match") == etag:
                await send({"type": "http.response.start", "status": 304, "headers": common})
                await send({"type": "http.response.body", "body": b""})
                return
            length = (b"content-length", str(len(body)).encode())
            start = {"type": "http.response.start", "status": 200}
            await send({**start, "headers": [*headers, length, *common]})
            await send({"type": "http.response.body", "body": body})
            return
        await self._fill(key, common, scope, receive, send)

    async def _fill(
        self, key: str, common: RawHeaders, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Answer through the API and keep a copy of a complete, small, successful answer."""
        kept: RawHeaders = []
        parts: list[bytes] = []
        state = {"cacheable": False, "size": 0}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["cacheable"] = message["status"] == 200
                if state["cacheable"]:
                    kept.extend((k, v) for k, v in message["headers"] if k.lower() in KEPT_HEADERS)
                    message = {**message, "headers": [*message["headers"], *common]}
            elif message["type"] == "http.response.body" and state["cacheable"]:
                chunk = message.get("body", b"")
                state["size"] += len(chunk)
                if state["size"] > MAX_ENTRY_BYTES:
                    state["cacheable"] = False
                    parts.clear()
                else:
                    parts.append(chunk)
                if not message.get("more_body", False) and state["cacheable"]:
                    self.cache.put(key, b"".join(parts), kept)
            await send(message)

        await self.app(scope, receive, capture)

    @staticmethod
    def _key(scope: Scope) -> str | None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        path: str = scope["path"]
        if path.startswith("/api/"):
            if path.startswith(UNCACHED_PREFIXES):
                return None
        elif not _is_cockpit(path):
            return None
        version = scope["app"].state.query_service.backend.known_version()
        if version is None:  # a remote store: its version costs a request
            return None
        headers = Headers(scope=scope)
        parts = [
            "api",
            version,
            path,
            scope["query_string"].decode("latin-1"),
            headers.get("accept", ""),
            headers.get("accept-language", ""),
        ]
        return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def _is_cockpit(path: str) -> bool:
    return any(path == p or path.startswith((p + "/", p + ".")) for p in COCKPIT_PATHS)
