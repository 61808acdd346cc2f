"""CORS for public reads only: never for write paths, never with credentials (RELIABILITY.md)."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WRITE_PATHS = ("/graph-store", "/api/import")
ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
ALLOWED_HEADERS = "Accept, Accept-Language, Content-Type"
EXPOSED_HEADERS = "Content-Type, ETag, Last-Modified, Link, Location, Vary"


class ReadOnlyCORS:
    """``Access-Control-Allow-Origin: *`` on read paths; preflights for writes are refused."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        is_write_path = scope["path"].startswith(WRITE_PATHS)
        if origin is None or is_write_path:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            requested = headers.get("access-control-request-headers", "")
            if "authorization" in requested.lower():
                await PlainTextResponse("Authorization is not allowed cross-origin", 403)(
                    scope, receive, send
                )
                return
            response = PlainTextResponse(
                "",
                204,
                headers={
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Methods": ALLOWED_METHODS,
                    "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                    "Access-Control-Max-Age": "86400",
                },
            )
            await response(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers["Access-Control-Allow-Origin"] = "*"
                response_headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_cors)
