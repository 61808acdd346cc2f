"""The cross-reference matrix (``/verflechtung`` with its SVG, PNG and CSV) and the strategy
timelines (``/verlauf/…``): HTTP over ``readmodel.matrix``, ``matrix_svg`` and ``timeline``."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from sozialgraph.errors import NotFound
from sozialgraph.readmodel import matrix as matrix_model
from sozialgraph.readmodel.cockpit_text import LISTS_TEXT
from sozialgraph.readmodel.context import ReadContext
from sozialgraph.readmodel.matrix import MatrixView
from sozialgraph.readmodel.matrix_svg import group_key, render_png, render_svg
from sozialgraph.readmodel.municipalities import Switcher, switcher
from sozialgraph.readmodel.timeline import strategy_timeline
from sozialgraph.web.cockpit_pages import query_string
from sozialgraph.web.dependencies import Reader, Templates
from sozialgraph.web.pages import page_context

router = APIRouter(tags=["Pages"])

IriParameter = Annotated[
    str | None, Query(description="IRI (or id) to filter by; empty: all.", max_length=2000)
]
PageNumber = Annotated[int, Query(ge=1, le=100_000, description="Page of measures, from 1.")]
PerPage = Annotated[
    int, Query(ge=1, le=matrix_model.MAX_PAGE_SIZE, description="Measures per page.")
]


async def _matrix(
    ctx: ReadContext, municipality: str | None, strategy: str | None, page: int, per_page: int
) -> tuple[matrix_model.MatrixFilters, MatrixView, Switcher, str | None]:
    town, chosen = await switcher(ctx, municipality), ctx.optional_iri(strategy)
    options = await matrix_model.filters(ctx, town.chosen, chosen)
    _, view = await matrix_model.matrix(ctx, town.chosen, chosen, page, per_page)
    return options, view, town, chosen


@router.get("/verflechtung", summary="Cross-reference matrix (HTML, German or English)")
async def matrix_page(
    request: Request,
    ctx: Reader,
    templates: Templates,
    municipality: IriParameter = None,
    strategy: IriParameter = None,
    page: PageNumber = 1,
    per_page: PerPage = matrix_model.PAGE_SIZE,
) -> Response:
    return await _matrix_page(request, ctx, templates, municipality, strategy, page, per_page)


async def _matrix_page(
    request: Request,
    ctx: ReadContext,
    templates: Jinja2Templates,
    municipality: str | None,
    strategy: str | None,
    page: int,
    per_page: int,
) -> Response:
    options, view, town, chosen = await _matrix(ctx, municipality, strategy, page, per_page)
    pages = [
        (number, query_string(request, page=number if number > 1 else None))
        for number in range(1, view.pages + 1)
    ]
    context = page_context(
        request,
        view=view,
        options=options,
        svg=Markup(render_svg(view)),  # noqa: S704 - every text in it is escaped by render_svg
        keys=[group_key(i) for i in range(len(view.groups))],
        pages=pages if view.pages <= 50 else _nearby(pages, view.page),
        previous=query_string(request, page=view.page - 1 if view.page > 2 else None)
        if view.page > 1
        else None,
        next=query_string(request, page=view.page + 1) if view.page < view.pages else None,
        downloads=[
            (kind, f"/verflechtung.{kind}{query_string(request, lang=None)}")
            for kind in ("svg", "png", "csv")
        ],
        switcher=town,
        switch_words=LISTS_TEXT[ctx.lang],
        strategy=chosen,
    )
    response: Response = templates.TemplateResponse(request, "matrix.html", context)
    response.headers["Vary"] = "Accept-Language"
    return response


def _nearby(pages: list[tuple[int, str]], current: int) -> list[tuple[int, str]]:
    """First, last and the ten pages around the current one (a long list stays short)."""
    return [p for p in pages if p[0] in (1, len(pages)) or abs(p[0] - current) <= 5]


@router.get(
    "/verflechtung.{kind}",
    summary="Cross-reference matrix as SVG, PNG or CSV (the page's selection)",
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}, "text/csv": {}}}},
)
async def matrix_download(
    request: Request,
    ctx: Reader,
    kind: Annotated[str, Path(pattern="^(svg|png|csv)$")],
    municipality: IriParameter = None,
    strategy: IriParameter = None,
    page: PageNumber = 1,
    per_page: PerPage = matrix_model.PAGE_SIZE,
) -> Response:
    _, view, _, _ = await _matrix(ctx, municipality, strategy, page, per_page)
    return await _download(view, kind)


async def _download(view: MatrixView, kind: str) -> Response:
    name = f"verflechtung-{view.page}"
    if kind == "svg":
        body: bytes = render_svg(view).encode("utf-8")
        media_type = "image/svg+xml"
    elif kind == "png":
        body = await asyncio.to_thread(render_png, view)
        media_type = "image/png"
    else:
        body = matrix_model.to_csv(view).encode("utf-8")
        media_type = "text/csv; charset=utf-8"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{kind}"',
            "Vary": "Accept-Language",
        },
    )


@router.get("/verlauf/{path:path}", summary="History of a strategy (HTML)")
async def timeline_page(
    request: Request,
    ctx: Reader,
    templates: Templates,
    path: Annotated[str, Path(max_length=500)],
) -> Response:
    iri = ctx.iri_of(path)
    found = await strategy_timeline(ctx, iri)
    if found is None:
        raise NotFound(f"no strategy {iri}", de=f"Keine Strategie {iri}")
    context = page_context(request, timeline=found)
    response: Response = templates.TemplateResponse(request, "timeline.html", context)
    response.headers["Vary"] = "Accept-Language"
    return response
