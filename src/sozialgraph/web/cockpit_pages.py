"""The cockpit's lists: the measure list (``/massnahmen`` with CSV and XLSX downloads), ECCAR
coverage (``/eccar``) and the documentation status (``/dokumentationsstand``), with their JSON
twins. HTTP over ``readmodel.measure_list``, ``crossref.commitments``, ``documentation`` and
``municipalities``; the page and ``/api/measures`` choose their rows with the same functions."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from sozialgraph.readmodel import crossref as crossref_model
from sozialgraph.readmodel import measure_list as list_model
from sozialgraph.readmodel.cockpit_text import LISTS_TEXT
from sozialgraph.readmodel.context import ReadContext
from sozialgraph.readmodel.documentation import documentation_status
from sozialgraph.readmodel.documents import DocumentationStatus, Municipality
from sozialgraph.readmodel.measure_export import measure_rows, to_csv, to_xlsx
from sozialgraph.readmodel.municipalities import Switcher, municipalities, switcher
from sozialgraph.readmodel.page_text import TEXT, source_kind_label
from sozialgraph.readmodel.resource_view import format_date
from sozialgraph.web.dependencies import Reader, Templates

router = APIRouter(tags=["Pages"])

Iri = Annotated[str | None, Query(description="IRI (or id) to filter by.", max_length=2000)]
Words = Annotated[str | None, Query(description="Words in title or description.", max_length=200)]
Sort = Annotated[
    str,
    Query(
        description="title, status, deadline or id; a '-' before it sorts descending.",
        pattern=r"^-?(title|status|deadline|id)$",
    ),
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Selection:
    """The filters of the measure list (as ``/api/measures`` takes them) and the text."""

    filters: dict[str, str | None]
    q: str | None


async def selection(
    municipality: Iri = None,
    strategy: Iri = None,
    field: Iri = None,
    commitment: Iri = None,
    status: Iri = None,
    body: Iri = None,
    target_group: Iri = None,
    q: Words = None,
) -> Selection:
    given = dict(
        municipality=municipality,
        strategy=strategy,
        field=field,
        commitment=commitment,
        status=status,
        body=body,
        target_group=target_group,
    )
    return Selection({k: v or None for k, v in given.items()}, q or None)


Chosen = Annotated[Selection, Depends(selection)]


def words(lang: str) -> dict[str, str]:
    return {**TEXT[lang], **LISTS_TEXT[lang]}


def query_string(request: Request, **changes: object) -> str:
    """This request's query string with ``changes`` (None removes a parameter)."""
    params = {k: v for k, v in request.query_params.items() if v != ""}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else ""


async def _page(
    request: Request,
    templates: Templates,
    ctx: ReadContext,
    name: str,
    town: Switcher,
    **values: Any,
) -> Response:
    context = {
        "lang": ctx.lang,
        "t": words(ctx.lang),
        "switcher": town,
        "query": lambda **changes: query_string(request, **changes),
        "param": lambda ref: ref.id or ref.iri,
        "date": lambda text: format_date(text, ctx.lang),
        **values,
    }
    response = templates.TemplateResponse(request, name, context)
    response.headers["Vary"] = "Accept-Language"
    return response


# -- the measure list ----------------------------------------------------------------------------


@router.get("/massnahmen", summary="Measure list with filters (HTML, German or English)")
async def measure_list_page(
    request: Request,
    ctx: Reader,
    templates: Templates,
    chosen: Chosen,
    sort: Sort = "title",
    limit: Annotated[int, Query(ge=1, le=500)] = 25,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    town = await switcher(ctx, chosen.filters["municipality"])
    found, facets = await asyncio.gather(
        list_model.measure_list(ctx, chosen.filters, chosen.q, sort, limit, offset),
        list_model.filter_options(ctx, town.chosen),
    )
    given = {k: ctx.iri_of(v) for k, v in chosen.filters.items() if v}
    return await _page(
        request,
        templates,
        ctx,
        "measure_list.html",
        town,
        result=found,
        facets=facets,
        given=given,
        q=chosen.q or "",
        sort=sort,
        downloads=query_string(request, limit=None, offset=None),
    )


@router.get(
    "/massnahmen.{suffix}",
    summary="The measure list's selection as CSV or XLSX",
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
async def measure_list_download(
    ctx: Reader,
    chosen: Chosen,
    suffix: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    sort: Sort = "title",
) -> Response:
    await switcher(ctx, chosen.filters["municipality"])  # the pages' rule: 404 for no town
    items = await list_model.every_measure(ctx, chosen.filters, chosen.q, sort)
    rows = measure_rows(items, ctx.lang)
    name = "massnahmen" if ctx.lang == "de" else "measures"
    if suffix == "csv":
        body, media_type = to_csv(rows), "text/csv; charset=utf-8"
    else:
        body, media_type = to_xlsx(rows, LISTS_TEXT[ctx.lang]["measures_title"]), XLSX
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{suffix}"',
            "Vary": "Accept-Language",
        },
    )


# -- ECCAR coverage and the documentation status -------------------------------------------------


@router.get("/eccar", summary="ECCAR commitments with their measures (HTML bar chart)")
async def eccar_page(
    request: Request, ctx: Reader, templates: Templates, municipality: Iri = None
) -> Response:
    town = await switcher(ctx, municipality)
    found = await crossref_model.commitments(ctx, municipality=town.chosen)
    return await _page(
        request,
        templates,
        ctx,
        "eccar.html",
        town,
        commitments=found,
        largest=max([c.measure_count for c in found] + [1]),
        gaps=sum(1 for c in found if c.measure_count == 0),
    )


@router.get("/dokumentationsstand", summary="What is publicly documented, per strategy (HTML)")
async def documentation_page(
    request: Request, ctx: Reader, templates: Templates, municipality: Iri = None
) -> Response:
    town = await switcher(ctx, municipality)
    found = await documentation_status(ctx, municipality=town.chosen)
    return await _page(
        request,
        templates,
        ctx,
        "documentation_status.html",
        town,
        status=found,
        kind_label=lambda kind: source_kind_label(kind, ctx.lang),
    )


@router.get(
    "/api/documentation-status",
    tags=["API"],
    summary="Named vs. stated fields, goals and measures per strategy version; sources by kind",
)
async def api_documentation_status(ctx: Reader, municipality: Iri = None) -> DocumentationStatus:
    return await documentation_status(ctx, municipality=ctx.optional_iri(municipality))


@router.get("/api/municipalities", tags=["API"], summary="Municipalities that publish strategies")
async def api_municipalities(ctx: Reader) -> list[Municipality]:
    return await municipalities(ctx)
