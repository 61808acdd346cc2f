"""The dataset's own descriptions: a DCAT-AP.de catalog record and VoID, content-negotiated.

Figures (triples, partitions, dates, the last build) are counted by queries on the store, so the
record always tells the truth about the dumps it links.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from sozialgraph.config import Settings
from sozialgraph.errors import NotFound
from sozialgraph.formats import RDF_TYPES as RDF_FORMATS
from sozialgraph.namespaces import XSD_NS as XSD
from sozialgraph.namespaces import meta_graph_iri
from sozialgraph.publishing.catalog_record import (
    CatalogFacts,
    DumpFacts,
    catalog_iris,
    catalog_triples,
    void_triples,
)
from sozialgraph.publishing.change_catalog import change_triples, void_change_triples
from sozialgraph.publishing.dumps import DUMP_FORMATS, DumpSet
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.readmodel.page_text import TEXT
from sozialgraph.readmodel.resource_view import format_date
from sozialgraph.web import negotiation as media
from sozialgraph.web.dependencies import SettingsDep
from sozialgraph.web.dumps import DUMP_PATH
from sozialgraph.web.languages import ui_language
from sozialgraph.web.rdf_output import alternates_header, rdf_response
from sozialgraph.web.versions import current_journal

router = APIRouter(tags=["Catalog"])

CATALOG_PATH = "/catalog"
VOID_PATH = "/.well-known/void"


@router.api_route(
    CATALOG_PATH,
    methods=["GET", "HEAD"],
    summary="DCAT-AP.de catalog record (HTML, Turtle, JSON-LD, …)",
)
async def catalog(request: Request) -> Response:
    return await _catalog(request, request.query_params.get("format"), negotiated=True)


@router.api_route(
    CATALOG_PATH + ".{extension}",
    methods=["GET", "HEAD"],
    summary="DCAT-AP.de catalog record in one format",
)
async def catalog_file(request: Request, extension: str) -> Response:
    if extension not in ("ttl", "nt", "jsonld", "rdf", "html"):
        raise NotFound(f"no catalog format '{extension}'")
    return await _catalog(request, extension, negotiated=False)


@router.api_route(
    VOID_PATH,
    methods=["GET", "HEAD"],
    summary="VoID description of the dataset (Turtle, JSON-LD, …)",
)
async def void(request: Request, settings: SettingsDep) -> Response:
    media_type = media.negotiate(
        request.headers.get("accept"), RDF_FORMATS, request.query_params.get("format")
    )
    facts = await gather_facts(request, statistics=True)
    server = str(request.base_url).rstrip("/")
    changes = void_change_triples(catalog_iris(settings)["dataset"], server)
    response = rdf_response(void_triples(facts, settings) + changes, media_type)
    response.headers["Vary"] = "Accept"
    return response


async def _catalog(request: Request, format_name: str | None, *, negotiated: bool) -> Response:
    settings: Settings = request.app.state.settings
    accept = request.headers.get("accept")
    wants_html = (format_name or "").lower() == "html" or (
        format_name is None and media.prefers_html(accept)
    )
    facts = await gather_facts(request, statistics=False)
    triples = catalog_triples(facts, settings)
    journal = await current_journal(request)
    triples += change_triples(
        catalog_iris(settings)["dataset"],
        settings,
        str(request.base_url).rstrip("/"),
        journal.records(),
    )
    headers = {"Link": alternates_header(CATALOG_PATH, (media.HTML, *RDF_FORMATS))}
    if negotiated:
        headers["Vary"] = "Accept, Accept-Language"
    if wants_html:
        lang = ui_language(request)
        context = {"lang": lang, "t": TEXT[lang], "facts": facts, "settings": settings}
        context.update(_page_values(facts, settings, lang))
        response: Response = request.app.state.templates.TemplateResponse(
            request, "catalog.html", context
        )
    else:
        response = rdf_response(triples, media.negotiate(accept, RDF_FORMATS, format_name))
    response.headers.update(headers)
    return response


async def gather_facts(request: Request, *, statistics: bool) -> CatalogFacts:
    """What the record states, counted on the store (and the dumps' sizes, when made)."""
    settings: Settings = request.app.state.settings
    service = request.app.state.query_service
    registry: QueryRegistry = request.app.state.registry
    base = settings.base_iri
    meta = ox.NamedNode(meta_graph_iri(base))
    scope: dict[str, ox.NamedNode | ox.Literal] = {
        "meta_graph": meta,
        "ontology_graphs": ox.Literal(f"{base}graph/ontology/"),
        "shape_graphs": ox.Literal(f"{base}graph/shapes/"),
    }
    queries = [
        service.select(registry.text("dataset-size")),
        service.select(registry.get("build-times").bind_terms({"meta_graph": meta})),
        service.select(registry.get("date-range").bind_terms(scope)),
    ]
    if statistics:
        queries += [
            service.select(registry.text("class-partitions")),
            service.select(registry.text("property-partitions")),
        ]
    results = await asyncio.gather(*queries)
    size, times, dates = results[0], results[1], results[2]
    facts = CatalogFacts(
        triples=int(size[0]["triples"].value) if size else 0,
        first_build=_value(times, "first"),
        last_build=_value(times, "last"),
        earliest=_date_bound(dates, "earliest", start=True),
        latest=_date_bound(dates, "latest", start=False),
        dumps=_dump_facts(request),
    )
    if statistics:
        facts.classes = [
            (row["class"].value, int(row["entities"].value))
            for row in results[3]
            if isinstance(row.get("class"), ox.NamedNode)
        ]
        facts.properties = [
            (row["property"].value, int(row["triples"].value)) for row in results[4]
        ]
    return facts


def _dump_facts(request: Request) -> list[DumpFacts]:
    """Every dump, with its size when the current version's dumps are already made."""
    cache = getattr(request.app.state, "dumps", None)
    ready: DumpSet | None = cache.ready() if cache is not None else None
    facts = []
    for fmt in DUMP_FORMATS:
        for compressed in (False, True):
            size = ready.size(fmt, compressed) if ready is not None else None
            facts.append(DumpFacts(fmt, compressed, DUMP_PATH + fmt.filename, size))
    return facts


def _value(rows: Sequence[dict[str, Any]], name: str) -> str | None:
    if rows and name in rows[0]:
        return str(rows[0][name].value)
    return None


def _date_bound(rows: Sequence[dict[str, Any]], name: str, *, start: bool) -> dt.date | None:
    """The earliest (or latest) day over xsd:date, xsd:gYearMonth and xsd:gYear values."""
    days = []
    for row in rows:
        literal, kind = row.get(name), row.get("type")
        if literal is None or kind is None:
            continue
        day = _as_day(literal.value, kind.value, start=start)
        if day is not None:
            days.append(day)
    if not days:
        return None
    return min(days) if start else max(days)


def _as_day(text: str, datatype: str, *, start: bool) -> dt.date | None:
    try:
        if datatype == XSD + "date":
            return dt.date.fromisoformat(text[:10])
        if datatype == XSD + "gYearMonth":
            year, month = int(text[:4]), int(text[5:7])
            if start:
                return dt.date(year, month, 1)
            following = dt.date(year + month // 12, month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        if datatype == XSD + "gYear":
            year = int(text[:4])
            return dt.date(year, 1, 1) if start else dt.date(year, 12, 31)
    except ValueError:
        return None
    return None


@dataclass
class _Distribution:
    title: str
    href: str
    media_type: str
    size: str | None
    compressed: bool


def _page_values(facts: CatalogFacts, settings: Settings, lang: str) -> dict[str, Any]:
    distributions = []
    for dump in facts.dumps:
        size = _human_size(dump.size, lang) if dump.size is not None else None
        suffix = " (gzip)" if dump.compressed else ""
        distributions.append(
            _Distribution(
                title=dump.format.name + suffix,
                href=dump.path + (".gz" if dump.compressed else ""),
                media_type="application/gzip" if dump.compressed else dump.format.media_type,
                size=size,
                compressed=dump.compressed,
            )
        )
    period = tuple(
        format_date(day.isoformat(), lang) if day else "" for day in (facts.earliest, facts.latest)
    )
    return {"distributions": distributions, "period": period}


def _human_size(size: int, lang: str) -> str:
    value, unit = float(size), "B"
    for next_unit in ("kB", "MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, next_unit
    text = f"{value:.0f}" if unit == "B" else f"{value:.1f}"
    return (text.replace(".", ",") if lang == "de" else text) + f" {unit}"
