"""Whole JSON API responses, cached per store version and served with ETags.

The API's answers change only when the store does, so a successful ``GET /api/…`` is kept under
the store's version, the path, the query string and the request headers that choose the answer
(``Accept``, ``Accept-Language``). A write bumps the version and so makes every entry
unreachable. Imports and graph histories are not cached (they are about files beside the store);
neither is anything on a remote store (reading its version costs a request).
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sozialgraph.web.result_cache import MAX_ENTRY_BYTES, ResultCache, etag_for

UNCACHED_PREFIXES = ("/api/import", "/api/graphs")
KEPT_HEADERS = {b"content-type", b"content-language", b"vary", b"content-disposition"}


class ApiResponseCache:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cache = ResultCache()
        self.headers: dict[str, list[tuple[bytes, bytes]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        etag = etag_for(key).encode()
        request_headers = Headers(scope=scope)
        body = self.cache.get(key)
        headers = self.headers.get(key)
        if body is not None and headers is not None:
            common = [(b"etag", etag), (b"cache-control", b"no-cache")]
            if request_headers.get("if-none-match") == etag.decode():
                await send({"type": "http.response.start", "status": 304, "headers": common})
                await send({"type": "http.response.body", "body": b""})
                return
            length = (b"content-length", str(len(body)).encode())
            start = {"type": "http.response.start", "status": 200}
            await send({**start, "headers": [*headers, length, *common]})
            await send({"type": "http.response.body", "body": body})
            return
        await self._fill(key, etag, scope, receive, send)

    async def _fill(
        self, key: str, etag: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Answer through the API and keep a copy of a complete, small, successful answer."""
        kept: list[tuple[bytes, bytes]] = []
        parts: list[bytes] = []
        state = {"cacheable": False, "size": 0}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["cacheable"] = message["status"] == 200
                if state["cacheable"]:
                    kept.extend((k, v) for k, v in message["headers"] if k.lower() in KEPT_HEADERS)
                    extra = [(b"etag", etag), (b"cache-control", b"no-cache")]
                    message = {**message, "headers": [*message["headers"], *extra]}
            elif message["type"] == "http.response.body" and state["cacheable"]:
                chunk = message.get("body", b"")
                state["size"] += len(chunk)
                if state["size"] > MAX_ENTRY_BYTES:
                    state["cacheable"] = False
                    parts.clear()
                else:
                    parts.append(chunk)
                if not message.get("more_body", False) and state["cacheable"]:
                    self.cache.put(key, b"".join(parts))
                    self.headers[key] = kept
                    self._forget_dropped()
            await send(message)

        await self.app(scope, receive, capture)

    def _forget_dropped(self) -> None:
        if len(self.headers) > 2 * len(self.cache):
            self.headers = {k: v for k, v in self.headers.items() if k in self.cache}

    @staticmethod
    def _key(scope: Scope) -> str | None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        path: str = scope["path"]
        if not path.startswith("/api/") or path.startswith(UNCACHED_PREFIXES):
            return None
        service = scope["app"].state.query_service
        if service.settings.is_remote:
            return None
        headers = Headers(scope=scope)
        parts = [
            "api",
            service.store.version(),
            path,
            scope["query_string"].decode("latin-1"),
            headers.get("accept", ""),
            headers.get("accept-language", ""),
        ]
        return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()
