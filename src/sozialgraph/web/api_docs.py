"""The API's interactive documentation: Swagger UI served from the package, never from a CDN.

FastAPI's own ``/docs`` loads Swagger UI from cdn.jsdelivr.net (and a favicon from another
site) and starts it with an inline script. This page takes the files from
``static/vendor/swagger-ui`` (the ``swagger-ui-dist`` npm package, see its README) and starts it
from ``static/api-docs.js``, so it shares the pages' strict content security policy and has a
language, a skip link and landmarks like every page. ReDoc is not offered (``redoc_url=None``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sozialgraph.web.dependencies import Language, Templates

router = APIRouter()


@router.get("/docs", include_in_schema=False)
async def swagger_ui(request: Request, templates: Templates, lang: Language) -> Response:
    context = {"lang": lang, "openapi_url": request.app.openapi_url, "version": request.app.version}
    response: Response = templates.TemplateResponse(request, "api_docs.html", context)
    response.headers["Vary"] = "Accept-Language"
    return response
