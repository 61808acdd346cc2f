"""One error model: domain errors become RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sozialgraph.errors import SozialgraphError
from sozialgraph.web.languages import preferred_language

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SozialgraphError)
    async def _domain(request: Request, error: SozialgraphError) -> JSONResponse:
        return domain_problem(request, error)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        response = problem(error.status_code, _reason(error.status_code), str(error.detail))
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


def domain_problem(request: Request, error: SozialgraphError) -> JSONResponse:
    """The problem document of a domain error, in the request's language."""
    lang = preferred_language(request.headers.get("accept-language"))
    extra: dict[str, Any] = dict(error.details(lang))
    for attribute in ("line", "column", "source"):
        value = getattr(error, attribute, None)
        if value not in (None, ""):
            extra[attribute] = value
    return problem(error.status, error.title, error.localized(lang), **extra)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
