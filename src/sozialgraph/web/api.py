"""The JSON API: routes over the read model (``sozialgraph.readmodel``).

Every answer comes from a query in ``queries/`` (run through the query service: guarded,
bounded, cached per store version); the read model shapes rows into documents, this module only
maps HTTP parameters onto it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from sozialgraph.errors import NotFound
from sozialgraph.readmodel import crossref as crossref_model
from sozialgraph.readmodel import measures as measure_model
from sozialgraph.readmodel import strategies as strategy_model
from sozialgraph.readmodel import timeline as timeline_model
from sozialgraph.readmodel.context import check_parameters
from sozialgraph.readmodel.documents import (
    Commitment,
    Crossref,
    Decision,
    FieldOfAction,
    Measure,
    MeasureDetail,
    Page,
    QueryInfo,
    QueryResult,
    Strategy,
    StrategyDetail,
    StrategyTimeline,
)
from sozialgraph.readmodel.named_queries import query_info, query_result
from sozialgraph.web import negotiation as media
from sozialgraph.web.dependencies import Reader
from sozialgraph.web.versions import ModifiedSince, changes_since

router = APIRouter(prefix="/api", tags=["API"])
MEASURE_TYPE = "https://w3id.org/sozialgraph/ontology#Measure"

IriFilter = Annotated[str | None, Query(description="IRI to filter by.", max_length=2000)]
MunicipalityFilter = Annotated[
    str | None,
    Query(
        description="IRI (or id) of a municipality: only what belongs to the strategies it "
        "publishes (dcterms:publisher).",
        max_length=2000,
    ),
]
_PROBLEM = {"model": dict[str, Any], "description": "Problem details (RFC 9457)"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _PROBLEM,
    404: _PROBLEM,
    406: _PROBLEM,
    503: _PROBLEM,
}


# -- named queries ---------------------------------------------------------------------------------


@router.get("/queries", summary="List the named queries", responses=ERRORS)
async def list_queries(ctx: Reader) -> list[QueryInfo]:
    return [query_info(named, ctx.lang) for named in ctx.registry]


@router.get(
    "/queries/{name}",
    summary="Run a named query (JSON; CSV with Accept: text/csv)",
    responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
    response_model=QueryResult,
)
async def run_query(
    request: Request, ctx: Reader, name: Annotated[str, Path(max_length=100)]
) -> QueryResult | Response:
    named = ctx.registry.get(name, await ctx.service.dialect())  # the text for its engine
    text = named.bind(check_parameters(named, dict(request.query_params)))
    media_type = media.negotiate(request.headers.get("accept"), ("application/json", media.CSV))
    if media_type == media.CSV:
        spool = await ctx.service.execute(ctx.service.guard(text), media.CSV)

        def chunks() -> Iterable[bytes]:
            with spool:
                while data := spool.read(65536):
                    yield data

        return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8")
    return await query_result(ctx, name, text)


# -- strategies and fields -------------------------------------------------------------------------


@router.get("/strategies", summary="Strategies with their versions", responses=ERRORS)
async def list_strategies(
    request: Request,
    ctx: Reader,
    municipality: MunicipalityFilter = None,
    modified_since: ModifiedSince = None,
) -> list[Strategy]:
    changes = await changes_since(request, modified_since)
    found = await strategy_model.strategies(ctx, municipality=ctx.optional_iri(municipality))
    return found if changes is None else [s for s in found if s.iri in changes.modified]


@router.get(
    "/strategies/{id:path}", summary="One strategy with versions and fields", responses=ERRORS
)
async def get_strategy(ctx: Reader, id: Annotated[str, Path(max_length=500)]) -> StrategyDetail:
    iri = ctx.iri_of(id)
    found = await strategy_model.strategies(ctx, strategy=iri)
    if not found:
        raise NotFound(f"no strategy {iri}", de=f"Keine Strategie {iri}")
    fields = await strategy_model.fields_of_action(ctx, strategy=iri)
    return StrategyDetail(**found[0].model_dump(), fields=fields)


@router.get(
    "/timeline/{id:path}",
    summary="A strategy's versions, council decisions and committee steps in date order",
    responses=ERRORS,
)
async def get_timeline(ctx: Reader, id: Annotated[str, Path(max_length=500)]) -> StrategyTimeline:
    """The document of the page ``/verlauf/{id}``."""
    iri = ctx.iri_of(id)
    found = await timeline_model.strategy_timeline(ctx, iri)
    if found is None:
        raise NotFound(f"no strategy {iri}", de=f"Keine Strategie {iri}")
    return found


@router.get("/fields", summary="Fields of action, per strategy", responses=ERRORS)
async def list_fields(
    request: Request,
    ctx: Reader,
    strategy: IriFilter = None,
    modified_since: ModifiedSince = None,
) -> list[FieldOfAction]:
    changes = await changes_since(request, modified_since)
    found = await strategy_model.fields_of_action(ctx, strategy=ctx.optional_iri(strategy))
    return found if changes is None else [f for f in found if f.iri in changes.modified]


# -- measures ------------------------------------------------------------------------------------


@router.get("/measures", summary="Measures, filtered and paginated", responses=ERRORS)
async def list_measures(
    request: Request,
    ctx: Reader,
    municipality: MunicipalityFilter = None,
    strategy: IriFilter = None,
    field: IriFilter = None,
    commitment: IriFilter = None,
    status: IriFilter = None,
    body: IriFilter = None,
    target_group: IriFilter = None,
    q: Annotated[
        str | None, Query(description="Words in title or description.", max_length=200)
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    modified_since: ModifiedSince = None,
) -> Page[Measure]:
    changes = await changes_since(request, modified_since)
    found = await measure_model.measure_ids(
        ctx,
        q=q,
        municipality=municipality,
        strategy=strategy,
        field=field,
        commitment=commitment,
        status=status,
        body=body,
        target_group=target_group,
    )
    deleted = None
    if changes is not None:
        found = [iri for iri in found if iri in changes.modified]
        deleted = sorted(changes.deleted_of(MEASURE_TYPE))
    page = await measure_model.measures(ctx, found[offset : offset + limit])
    return Page[Measure](items=page, total=len(found), limit=limit, offset=offset, deleted=deleted)


@router.get("/measures/{id:path}", summary="One measure with its status history", responses=ERRORS)
async def get_measure(ctx: Reader, id: Annotated[str, Path(max_length=500)]) -> MeasureDetail:
    iri = ctx.iri_of(id)
    found = await measure_model.measure_detail(ctx, iri)
    if found is None:
        raise NotFound(f"no measure {iri}", de=f"Keine Maßnahme {iri}")
    return found


# -- decisions, commitments, cross-references ------------------------------------------------------


@router.get("/decisions", summary="Council decisions", responses=ERRORS)
async def list_decisions(
    request: Request, ctx: Reader, modified_since: ModifiedSince = None
) -> list[Decision]:
    changes = await changes_since(request, modified_since)
    found = await crossref_model.decisions(ctx)
    return found if changes is None else [d for d in found if d.iri in changes.modified]


@router.get("/commitments", summary="ECCAR commitments with coverage counts", responses=ERRORS)
async def list_commitments(
    ctx: Reader, municipality: MunicipalityFilter = None
) -> list[Commitment]:
    return await crossref_model.commitments(ctx, municipality=ctx.optional_iri(municipality))


@router.get("/crossref", summary="Measures × strategies and ECCAR commitments", responses=ERRORS)
async def crossref(
    ctx: Reader,
    municipality: MunicipalityFilter = None,
    strategy: IriFilter = None,
    limit: Annotated[
        int | None, Query(ge=1, le=500, description="Measures per page (default: all).")
    ] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Crossref:
    """The document of the matrix page (``/verflechtung``): one page of it with ``limit``."""
    return await crossref_model.crossref(
        ctx,
        municipality=ctx.optional_iri(municipality),
        strategy=ctx.optional_iri(strategy),
        limit=limit,
        offset=offset,
    )
