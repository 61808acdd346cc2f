"""The officer pages' session cookie, CSRF checks and form reading (``sozialgraph.auth_session``).

The cookie is ``HttpOnly``, ``SameSite=Strict``, limited to ``/verwaltung`` and ``Secure`` on
HTTPS; every form post must come from this site (``Sec-Fetch-Site``/``Origin``) and carry the
session's CSRF token. The sign-in form, which has no session yet, carries a nonce that must equal
a cookie set with the form (double submit). Tokens are read from the form body only, never from
a URL, and are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser

from sozialgraph.auth_session import Session, SessionStore, is_cross_site, same_secret
from sozialgraph.config import Settings
from sozialgraph.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized
from sozialgraph.ingest.write_service import WriteService
from sozialgraph.web.uploads import read_body
from sozialgraph.web.write_auth import FailedAuthThrottle

logger = logging.getLogger("uvicorn.error")

COOKIE = "sozialgraph_session"
SIGN_IN_COOKIE = "sozialgraph_sign_in"
COOKIE_PATH = "/verwaltung"
#: Room for the framing and the small fields of a form around its file.
FORM_OVERHEAD = 64 * 1024
SMALL_FORM = 16 * 1024


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    app.state.officer_sessions = SessionStore(
        settings.state_dir / "sessions", settings.session_minutes * 60.0
    )
    yield


def sessions(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.officer_sessions
    return store


def current(request: Request) -> Session | None:
    return sessions(request).get(request.cookies.get(COOKIE))


def require(request: Request) -> Session:
    """The signed-in officer's session; 401 without one."""
    session = current(request)
    if session is None:
        raise Unauthorized(
            "please sign in at /verwaltung/anmelden", de="Bitte unter /verwaltung/anmelden anmelden"
        )
    return session


def check_same_site(request: Request) -> None:
    """403 for a form post from another site (before its body is read)."""
    own = str(request.base_url).rstrip("/")
    if is_cross_site(request.headers.get("origin"), request.headers.get("sec-fetch-site"), own):
        logger.warning("cross-site form post to %s refused", request.url.path)
        raise Forbidden(
            "this form may only be sent from this site's own pages",
            de="Dieses Formular darf nur von den Seiten dieses Dienstes gesendet werden",
        )


def check_csrf(offered: str | None, expected: str) -> None:
    if not same_secret(offered, expected):
        raise Forbidden(
            "the form's security token is missing or wrong; please reload the page",
            de="Das Sicherheitsmerkmal des Formulars fehlt oder ist falsch; "
            "bitte die Seite neu laden",
        )


def secure(request: Request, settings: Settings) -> bool:
    if settings.session_cookie_secure == "auto":
        return request.url.scheme == "https"
    return settings.session_cookie_secure == "always"


def set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int, settings: Settings
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=secure(request, settings),
        httponly=True,
        samesite="strict",
    )


def clear_cookie(response: Response, request: Request, name: str, settings: Settings) -> None:
    response.delete_cookie(
        name, path=COOKIE_PATH, secure=secure(request, settings), httponly=True, samesite="strict"
    )


def sign_in_agent(request: Request, writes: WriteService, token: str) -> str:
    """The name of the write token given in the sign-in form; failures count for the throttle."""
    throttle: FailedAuthThrottle = request.app.state.auth_throttle
    client = request.client.host if request.client else "unknown"
    throttle.check(client)
    try:
        return writes.agent(f"Bearer {token.strip()}" if token.strip() else None)
    except (Unauthorized, Forbidden) as error:
        throttle.failed(client)
        logger.warning("officer sign-in failed for %s: %s", client, error.title)
        raise


@dataclass(frozen=True)
class Form:
    fields: dict[str, str]
    filename: str | None = None
    data: bytes | None = None


async def read_form(request: Request, file_limit: int = 0) -> Form:
    """The fields of a form post (URL-encoded, or multipart with at most one file of
    ``file_limit`` bytes), read within its size limit."""
    kind = request.headers.get("content-type", "").lower()
    multipart = kind.startswith("multipart/form-data")
    if not multipart and not kind.startswith("application/x-www-form-urlencoded"):
        raise BadRequest("send the form as a browser does", de="Bitte das Formular senden")
    body = await read_body(request, file_limit + FORM_OVERHEAD if multipart else SMALL_FORM)

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        if multipart:
            parsed = await MultiPartParser(
                request.headers, stream(), max_files=1 if file_limit else 0, max_fields=10
            ).parse()
        else:
            parsed = await FormParser(request.headers, stream()).parse()
    except MultiPartException as error:
        raise BadRequest(f"the form is malformed: {error.message}") from None
    try:
        fields = {k: v for k, v in parsed.multi_items() if isinstance(v, str)}
        upload = next((v for v in parsed.values() if isinstance(v, UploadFile)), None)
        if upload is None:
            return Form(fields)
        data = await upload.read(file_limit + 1)
        if len(data) > file_limit:
            raise PayloadTooLarge(
                f"the file is larger than {file_limit} bytes",
                de=f"Die Datei ist größer als {file_limit} Bytes",
            )
        return Form(fields, upload.filename or "upload", data)
    finally:
        await parsed.close()
