"""The JSON API: the common questions about the graph, answered by the named queries.

Every answer comes from a query in ``queries/`` (run through the query service: guarded,
bounded, cached per store version); this module only shapes rows into documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, TypeVar

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from sozialgraph.errors import BadRequest, NotFound
from sozialgraph.querying.registry import NamedQuery, QueryRegistry
from sozialgraph.querying.service import QueryService, Table
from sozialgraph.readmodel.documents import (
    Commitment,
    Crossref,
    CrossrefRow,
    Decision,
    FieldOfAction,
    Labels,
    Measure,
    MeasureDetail,
    Page,
    QueryInfo,
    QueryParameterInfo,
    QueryResult,
    Ref,
    Status,
    StatusChange,
    Strategy,
    StrategyDetail,
    Version,
)
from sozialgraph.store.base import Term
from sozialgraph.web import negotiation as media
from sozialgraph.web.dependencies import get_query_service, get_registry
from sozialgraph.web.templating import ui_language

router = APIRouter(prefix="/api", tags=["API"])

Service = Annotated[QueryService, Depends(get_query_service)]
Registry = Annotated[QueryRegistry, Depends(get_registry)]
IriFilter = Annotated[str | None, Query(description="IRI to filter by.", max_length=2000)]
MunicipalityFilter = Annotated[
    str | None,
    Query(
        description="IRI (or id) of a municipality: only what belongs to the strategies it "
        "publishes (dcterms:publisher).",
        max_length=2000,
    ),
]
XSD = "http://www.w3.org/2001/XMLSchema#"
V = TypeVar("V")
_INTEGER_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger")}
_DECIMAL_TYPES = {XSD + t for t in ("decimal", "double", "float")}
_PROBLEM = {"model": dict[str, Any], "description": "Problem details (RFC 9457)"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _PROBLEM,
    404: _PROBLEM,
    406: _PROBLEM,
    503: _PROBLEM,
}


#: IRIs per labels-of query (a VALUES block of that many rows).
LABEL_BATCH = 400


class Context:
    """What every handler needs: the query service, registry, language and base IRI."""

    def __init__(self, request: Request, service: Service, registry: Registry) -> None:
        self.service = service
        self.registry = registry
        self.lang = ui_language(request)
        self.base_iri = service.settings.base_iri

    async def run(self, name: str, **params: str | list[str] | None) -> Table:
        named = self.registry.get(name)
        given = {k: v for k, v in params.items() if v not in (None, "", [])}
        return await self.service.table(named.bind_terms(named.terms(_check(named, given))))

    async def labels(self, iris: Iterable[str]) -> dict[str, Labels]:
        """Labels of the given IRIs, looked up in batches."""
        wanted = sorted(set(iris))
        labels: dict[str, Labels] = {}
        for start in range(0, len(wanted), LABEL_BATCH):
            table = await self.run("labels-of", iri=wanted[start : start + LABEL_BATCH])
            for row in table.rows:
                labels[row["iri"].value] = Labels(
                    de=_text(row.get("label_de")), en=_text(row.get("label_en"))
                )
        return labels

    def id_of(self, iri: str) -> str | None:
        return iri[len(self.base_iri) :] if iri.startswith(self.base_iri) else None

    def iri_of(self, identifier: str) -> str:
        if identifier.startswith(("http://", "https://")):
            return identifier
        return self.base_iri + identifier.lstrip("/")

    def optional_iri(self, identifier: str | None) -> str | None:
        return self.iri_of(identifier) if identifier else None

    def pick(self, labels: Labels) -> str | None:
        return (labels.de or labels.en) if self.lang == "de" else (labels.en or labels.de)

    def ref(self, iri: str, labels: Labels | None = None) -> Ref:
        labels = labels or Labels()
        return Ref(iri=iri, id=self.id_of(iri), label=self.pick(labels), labels=labels)


async def get_context(request: Request, service: Service, registry: Registry) -> Context:
    return Context(request, service, registry)  # a coroutine: no thread pool hop


Ctx = Annotated[Context, Depends(get_context)]


def _check(named: NamedQuery, values: Mapping[str, V]) -> Mapping[str, V]:
    known = {p.name for p in named.parameters}
    unknown = sorted(set(values) - known)
    if unknown:
        raise BadRequest(
            f"unknown parameter(s) for '{named.name}': {', '.join(unknown)}",
            de=f"Unbekannte Parameter für „{named.name}“: {', '.join(unknown)}",
        )
    return values


def _text(term: Term | None) -> str | None:
    return term.value if term is not None else None


def _value(term: Term | None) -> str | int | float | bool | None:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(term.value)
            if datatype in _DECIMAL_TYPES:
                return float(term.value)
        except ValueError:
            return term.value
        if datatype == XSD + "boolean":
            return term.value in ("true", "1")
    return term.value


def _labels(row: dict[str, Term], prefix: str) -> Labels:
    return Labels(de=_text(row.get(f"{prefix}_de")), en=_text(row.get(f"{prefix}_en")))


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


# -- named queries ---------------------------------------------------------------------------------


def _query_info(named: NamedQuery, lang: str) -> QueryInfo:
    return QueryInfo(
        name=named.name,
        title=named.title(lang),
        titles=Labels(de=named.titles.get("de"), en=named.titles.get("en")),
        description=named.description(lang),
        descriptions=Labels(de=named.descriptions.get("de"), en=named.descriptions.get("en")),
        parameters=[
            QueryParameterInfo(
                name=p.name,
                type=p.type,
                example=p.example,
                required=p.required,
                description=p.description,
            )
            for p in named.parameters
        ],
        sparql=named.text,
    )


@router.get("/queries", summary="List the named queries", responses=ERRORS)
async def list_queries(ctx: Ctx) -> list[QueryInfo]:
    return [_query_info(named, ctx.lang) for named in ctx.registry]


@router.get(
    "/queries/{name}",
    summary="Run a named query (JSON; CSV with Accept: text/csv)",
    responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
    response_model=QueryResult,
)
async def run_query(
    request: Request, ctx: Ctx, name: Annotated[str, Path(max_length=100)]
) -> QueryResult | Response:
    named = ctx.registry.get(name)
    values = _check(named, dict(request.query_params))
    text = named.bind(values)
    media_type = media.negotiate(request.headers.get("accept"), ("application/json", media.CSV))
    if media_type == media.CSV:
        spool = await ctx.service.execute(ctx.service.guard(text), media.CSV)

        def chunks() -> Iterable[bytes]:
            with spool:
                while data := spool.read(65536):
                    yield data

        return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8")
    table = await ctx.service.table(text)
    rows = [{c: _value(row.get(c)) for c in table.columns} for row in table.rows]
    return QueryResult(query=name, columns=list(table.columns), rows=rows)


# -- strategies and fields -------------------------------------------------------------------------


async def _strategies(
    ctx: Context, strategy: str | None = None, municipality: str | None = None
) -> list[Strategy]:
    table = await ctx.run("strategies", strategy=strategy, municipality=municipality)
    found: dict[str, Strategy] = {}
    for row in table.rows:
        iri = row["strategy"].value
        item = found.get(iri)
        if item is None:
            labels = _labels(row, "title")
            umbrella = row.get("umbrella")
            publisher = row.get("municipality")
            item = Strategy(
                iri=iri,
                id=ctx.id_of(iri),
                label=ctx.pick(labels),
                labels=labels,
                municipality=ctx.ref(publisher.value) if publisher is not None else None,
                is_umbrella=_value(row.get("is_umbrella")) is True,
                part_of=ctx.ref(umbrella.value) if umbrella is not None else None,
            )
            found[iri] = item
        version = row.get("version")
        if version is not None and all(v.iri != version.value for v in item.versions):
            decision = row.get("decision")
            labels = Labels(de=_text(row.get("version_title_de")))
            item.versions.append(
                Version(
                    iri=version.value,
                    id=ctx.id_of(version.value),
                    label=ctx.pick(labels),
                    labels=labels,
                    issued=_text(row.get("issued")),
                    adopted_by=ctx.ref(decision.value) if decision is not None else None,
                    decision_identifier=_text(row.get("decision_identifier")),
                    decision_date=_text(row.get("decision_date")),
                )
            )
    titles = {iri: s.labels for iri, s in found.items()}
    publishers = await ctx.labels(s.municipality.iri for s in found.values() if s.municipality)
    for item in found.values():
        if item.part_of is not None:
            item.part_of = ctx.ref(item.part_of.iri, titles.get(item.part_of.iri))
        if (city := item.municipality) is not None:
            item.municipality = ctx.ref(city.iri, publishers.get(city.iri))
    return list(found.values())


async def _fields(ctx: Context, strategy: str | None = None) -> list[FieldOfAction]:
    table = await ctx.run("fields-of-action", strategy=strategy)
    fields = []
    for row in table.rows:
        if "field" not in row:
            continue
        labels = _labels(row, "label")
        fields.append(
            FieldOfAction(
                iri=row["field"].value,
                id=ctx.id_of(row["field"].value),
                label=ctx.pick(labels),
                labels=labels,
                notation=_text(row.get("notation")),
                strategy=ctx.ref(row["strategy"].value, _labels(row, "strategy_title")),
                in_current_version=_value(row.get("in_current_version")) is True,
            )
        )
    return fields


@router.get("/strategies", summary="Strategies with their versions", responses=ERRORS)
async def list_strategies(ctx: Ctx, municipality: MunicipalityFilter = None) -> list[Strategy]:
    return await _strategies(ctx, municipality=ctx.optional_iri(municipality))


@router.get(
    "/strategies/{id:path}", summary="One strategy with versions and fields", responses=ERRORS
)
async def get_strategy(ctx: Ctx, id: Annotated[str, Path(max_length=500)]) -> StrategyDetail:
    iri = ctx.iri_of(id)
    found = await _strategies(ctx, strategy=iri)
    if not found:
        raise NotFound(f"no strategy {iri}", de=f"Keine Strategie {iri}")
    return StrategyDetail(**found[0].model_dump(), fields=await _fields(ctx, strategy=iri))


@router.get("/fields", summary="Fields of action, per strategy", responses=ERRORS)
async def list_fields(ctx: Ctx, strategy: IriFilter = None) -> list[FieldOfAction]:
    return await _fields(ctx, strategy=ctx.optional_iri(strategy))


# -- measures ------------------------------------------------------------------------------------


LINK_COLUMNS = (
    "strategy",
    "field",
    "commitment",
    "status",
    "body",
    "partner",
    "target_group",
    "theme",
)


async def _measure_ids(ctx: Context, **filters: str | None) -> list[str]:
    """The IRIs of the measures that match the filters, in a stable order."""
    table = await ctx.run("measure-ids", **filters)
    return [row["item"].value for row in table.rows if "item" in row]


async def _measures(ctx: Context, measures: list[str]) -> list[Measure]:
    """The details of the given measures, in the given order, with labels of what they link."""
    if not measures:
        return []
    table = await ctx.run("measures", measure=measures)
    grouped: dict[str, list[dict[str, Term]]] = {iri: [] for iri in measures}
    for row in table.rows:
        grouped.setdefault(row["measure"].value, []).append(row)
    linked = {row[c].value for row in table.rows for c in LINK_COLUMNS if c in row}
    labels = await ctx.labels(linked)

    def refs(rows: list[dict[str, Term]], column: str) -> list[Ref]:
        return [
            ctx.ref(iri, labels.get(iri)) for iri in _unique(_text(r.get(column)) for r in rows)
        ]

    found: list[Measure] = []
    for iri, rows in grouped.items():
        if not rows:
            continue
        first = rows[0]
        title = _labels(first, "title")
        status_iri = _text(first.get("status"))
        found.append(
            Measure(
                iri=iri,
                id=ctx.id_of(iri),
                label=ctx.pick(title),
                labels=title,
                descriptions=_labels(first, "description"),
                strategies=refs(rows, "strategy"),
                fields=refs(rows, "field"),
                commitments=refs(rows, "commitment"),
                status=Status(
                    status=ctx.ref(status_iri, labels.get(status_iri)),
                    assessed_on=_text(first.get("status_date")),
                )
                if status_iri
                else None,
                responsible_bodies=refs(rows, "body"),
                partners=refs(rows, "partner"),
                target_groups=refs(rows, "target_group"),
                themes=refs(rows, "theme"),
                start=_text(first.get("start")),
                end=_text(first.get("end")),
                deadline=_text(first.get("deadline")),
            )
        )
    return found


@router.get("/measures", summary="Measures, filtered and paginated", responses=ERRORS)
async def list_measures(
    ctx: Ctx,
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
) -> Page[Measure]:
    filters = {
        "municipality": municipality,
        "strategy": strategy,
        "field": field,
        "commitment": commitment,
        "status": status,
        "body": body,
        "target_group": target_group,
    }
    iris = {k: ctx.iri_of(v) for k, v in filters.items() if v}
    found = await _measure_ids(ctx, q=q, **iris)
    page = await _measures(ctx, found[offset : offset + limit])
    return Page[Measure](items=page, total=len(found), limit=limit, offset=offset)


@router.get("/measures/{id:path}", summary="One measure with its status history", responses=ERRORS)
async def get_measure(ctx: Ctx, id: Annotated[str, Path(max_length=500)]) -> MeasureDetail:
    iri = ctx.iri_of(id)
    found = await _measures(ctx, [iri])
    if not found:
        raise NotFound(f"no measure {iri}", de=f"Keine Maßnahme {iri}")
    history = await ctx.run("status-history", measure=iri)
    changes = [
        StatusChange(
            status=ctx.ref(row["status"].value, _labels(row, "status_label")),
            assessed_on=_text(row.get("assessed_on")),
            source=_text(row.get("source")),
        )
        for row in history.rows
        if "status" in row
    ]
    return MeasureDetail(**found[0].model_dump(), status_history=changes)


# -- decisions, commitments, cross-references ------------------------------------------------------


@router.get("/decisions", summary="Council decisions", responses=ERRORS)
async def list_decisions(ctx: Ctx) -> list[Decision]:
    table = await ctx.run("decisions")
    versions = {v.iri: v.labels for s in await _strategies(ctx) for v in s.versions}
    found: dict[str, Decision] = {}
    for row in table.rows:
        iri = row["decision"].value
        item = found.get(iri)
        if item is None:
            labels = _labels(row, "title")
            body = row.get("body")
            item = Decision(
                iri=iri,
                id=ctx.id_of(iri),
                label=ctx.pick(labels),
                labels=labels,
                identifier=_text(row.get("identifier")),
                date=_text(row.get("decision_date")),
                body=ctx.ref(body.value, Labels(de=_text(row.get("body_label_de"))))
                if body is not None
                else None,
            )
            found[iri] = item
        adopts = _text(row.get("adopts"))
        if adopts and all(a.iri != adopts for a in item.adopts):
            item.adopts.append(ctx.ref(adopts, versions.get(adopts)))
    return list(found.values())


@router.get("/commitments", summary="ECCAR commitments with coverage counts", responses=ERRORS)
async def list_commitments(ctx: Ctx, municipality: MunicipalityFilter = None) -> list[Commitment]:
    table = await ctx.run("eccar-coverage", municipality=ctx.optional_iri(municipality))
    commitments = []
    for row in table.rows:
        labels = _labels(row, "label")
        count = _value(row.get("measure_count"))
        commitments.append(
            Commitment(
                iri=row["commitment"].value,
                id=ctx.id_of(row["commitment"].value),
                label=ctx.pick(labels),
                labels=labels,
                notation=row["notation"].value,
                measure_count=count if isinstance(count, int) else 0,
            )
        )
    return commitments


@router.get("/crossref", summary="Measures × strategies and ECCAR commitments", responses=ERRORS)
async def crossref(ctx: Ctx, municipality: MunicipalityFilter = None) -> Crossref:
    table = await ctx.run("crossref", municipality=ctx.optional_iri(municipality))
    commitment_labels = {c.iri: c.labels for c in await list_commitments(ctx)}
    strategy_labels = {s.iri: s.labels for s in await _strategies(ctx)}
    rows: dict[str, CrossrefRow] = {}
    for row in table.rows:
        iri = row["measure"].value
        entry = rows.setdefault(
            iri,
            CrossrefRow(measure=ctx.ref(iri, _labels(row, "title")), strategies=[], commitments=[]),
        )
        strategy, commitment = _text(row.get("strategy")), _text(row.get("commitment"))
        if strategy and strategy not in entry.strategies:
            entry.strategies.append(strategy)
        if commitment and commitment not in entry.commitments:
            entry.commitments.append(commitment)
    used_strategies = _unique(s for r in rows.values() for s in r.strategies)
    return Crossref(
        strategies=[ctx.ref(s, strategy_labels.get(s)) for s in used_strategies],
        commitments=[ctx.ref(c, label) for c, label in commitment_labels.items()],
        measures=list(rows.values()),
    )
