"""Headers every answer carries: no sniffing, a referrer policy, and a strict CSP on HTML.

Every page, the query page with YASGUI and the API documentation (Swagger UI) included, loads
scripts, styles, fonts and images only from this server (``/static``, the libraries vendored
under ``/static/vendor``) and has no inline script, style or event handler, so one policy
allows nothing else. Neither library needs ``'unsafe-eval'`` or ``'unsafe-inline'``: they set
styles through the CSSOM, which a policy does not restrict; ``data:`` images are Swagger UI's
icons. One exception, on the query page only: YASGUI's result table (column-resizer) writes two
fixed ``<style>`` elements, allowed by their SHA-256 (``tests/unit/test_vendored_assets.py``
finds both texts in the vendored bundle, so a refresh that changes them fails there). The browser
tests check that no page triggers a policy violation.
"""

from __future__ import annotations

from starlette.types import Message, Scope, Send

RawHeaders = list[tuple[bytes, bytes]]

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: The ``<style>`` texts YASGUI's column resizer adds: its table rules, and the cursor while a
#: column is dragged.
YASGUI_STYLE_HASHES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",
)
QUERY_PAGE_POLICY = PAGE_POLICY.replace(
    "style-src 'self';", f"style-src 'self' {' '.join(YASGUI_STYLE_HASHES)};"
)
QUERY_PAGE_PATH = "/sparql"

#: On every answer (the SPARQL fast path sends them itself: its answers are never HTML).
ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
_PAGE = [
    (b"content-security-policy", PAGE_POLICY.encode("ascii")),
    (b"x-frame-options", b"DENY"),
]
_QUERY_PAGE = [
    (b"content-security-policy", QUERY_PAGE_POLICY.encode("ascii")),
    (b"x-frame-options", b"DENY"),
]


def with_security_headers(scope: Scope, send: Send) -> Send:
    """``send`` that adds the headers to the start of an HTTP answer."""
    html_headers = _QUERY_PAGE if scope.get("path") == QUERY_PAGE_PATH else _PAGE

    async def send_secured(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            names = {name.lower() for name, _ in headers}
            added = [h for h in ALWAYS if h[0] not in names]
            if any(
                name.lower() == b"content-type" and value.lower().startswith(b"text/html")
                for name, value in headers
            ):
                added += [h for h in html_headers if h[0] not in names]
            message = {**message, "headers": headers + added}
        await send(message)

    return send_secured


def with_headers(send: Send, extra: RawHeaders) -> Send:
    """``send`` that appends ``extra`` to the start of an HTTP answer."""
    if not extra:
        return send

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), *extra]}
        await send(message)

    return send_with_headers
