"""One error model: domain errors become RFC 9457 problem details (an HTML page for browsers)."""

from __future__ import annotations

import html
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sozialgraph.errors import SozialgraphError
from sozialgraph.web.languages import preferred_language
from sozialgraph.web.negotiation import prefers_html

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SozialgraphError)
    async def _domain(request: Request, error: SozialgraphError) -> Response:
        return domain_problem(request, error)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        title, detail = _reason(error.status_code), str(error.detail)
        response: Response
        if prefers_html(request.headers.get("accept")):
            response = html_problem(error.status_code, title, detail, "en")
        else:
            response = problem(error.status_code, title, detail)
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": list(e.get("loc", ())), "message": e.get("msg", "")}
            for e in error.errors()
        ]
        detail = "; ".join(f"{'.'.join(map(str, e['location']))}: {e['message']}" for e in errors)
        return problem(400, "Invalid parameters", detail, errors=errors)


def domain_problem(request: Request, error: SozialgraphError) -> Response:
    """The problem document of a domain error, in the request's language; an HTML page for a
    browser. Overload answers (503, 429) carry ``Retry-After``."""
    lang = preferred_language(request.headers.get("accept-language"))
    response: Response
    if prefers_html(request.headers.get("accept")):
        response = html_problem(error.status, error.title, error.localized(lang), lang)
    else:
        extra: dict[str, Any] = dict(error.details(lang))
        for attribute in ("line", "column", "source"):
            value = getattr(error, attribute, None)
            if value not in (None, ""):
                extra[attribute] = value
        response = problem(error.status, error.title, error.localized(lang), **extra)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def html_problem(status: int, title: str, detail: str, lang: str) -> HTMLResponse:
    """A small error page for browsers (no script, the site's style sheet)."""
    back = "Zur Startseite" if lang == "de" else "Home"
    body = (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{status} {html.escape(title)} – sozialgraph</title>\n"
        '<link rel="stylesheet" href="/static/style.css">\n</head>\n<body>\n<main>\n'
        f"<h1>{status} {html.escape(title)}</h1>\n<p>{html.escape(detail)}</p>\n"
        f'<p><a href="/">{back}</a> · <a href="/sparql">SPARQL</a></p>\n'
        "</main>\n</body>\n</html>\n"
    )
    return HTMLResponse(body, status_code=status)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
