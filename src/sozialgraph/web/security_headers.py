"""Headers every answer carries: no sniffing, a referrer policy, and a strict CSP on HTML.

The pages load scripts and styles only from ``/static`` (no inline script, style or handler),
so their policy allows nothing else. FastAPI's API docs (``/docs``, ``/redoc``) load Swagger UI
and ReDoc from a CDN with an inline start script: those paths get a policy that allows exactly
that, until their assets are served from here (docs/operations.md).
"""

from __future__ import annotations

from starlette.types import Message, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
API_DOCS_CDN = "https://cdn.jsdelivr.net"
API_DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {API_DOCS_CDN}; "
    f"style-src 'self' 'unsafe-inline' {API_DOCS_CDN} https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; "
    f"img-src 'self' data: https://fastapi.tiangolo.com {API_DOCS_CDN}; "
    f"worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
API_DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")

_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
_PAGE = [
    (b"content-security-policy", PAGE_POLICY.encode("ascii")),
    (b"x-frame-options", b"DENY"),
]
_API_DOCS = [
    (b"content-security-policy", API_DOCS_POLICY.encode("ascii")),
    (b"x-frame-options", b"DENY"),
]


def with_security_headers(scope: Scope, send: Send) -> Send:
    """``send`` that adds the headers to the start of an HTTP answer."""
    html_headers = _API_DOCS if scope.get("path") in API_DOCS_PATHS else _PAGE

    async def send_secured(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            names = {name.lower() for name, _ in headers}
            added = [h for h in _ALWAYS if h[0] not in names]
            if any(
                name.lower() == b"content-type" and value.lower().startswith(b"text/html")
                for name, value in headers
            ):
                added += [h for h in html_headers if h[0] not in names]
            message = {**message, "headers": headers + added}
        await send(message)

    return send_secured
