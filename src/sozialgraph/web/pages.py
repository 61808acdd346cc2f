"""HTML pages of the graph: the start page, resource pages, the ontology and concept schemes.

German first, English with ``?lang=en`` or ``Accept-Language``. Pages work without JavaScript;
every value reaches the page through the autoescaping templates.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from sozialgraph.namespaces import DCT_NS, ONTOLOGY_IRI
from sozialgraph.namespaces import SKOS_NS as SKOS
from sozialgraph.readmodel.labels import Candidate, best_label, in_language
from sozialgraph.readmodel.ontology_view import build_ontology_view
from sozialgraph.readmodel.page_text import TEXT
from sozialgraph.readmodel.resource_view import Labels, Linker, build_resource_view, format_date
from sozialgraph.readmodel.timeline import status_timeline
from sozialgraph.store.base import Term
from sozialgraph.web import negotiation as media
from sozialgraph.web.dependencies import Language, Templates, get_reader
from sozialgraph.web.feeds import feed_path
from sozialgraph.web.iri_paths import link_target, path_for_iri
from sozialgraph.web.languages import ui_language

router = APIRouter(tags=["Linked data"])

SG = ONTOLOGY_IRI + "#"
STRATEGY_TYPES = {SG + "Strategy", SG + "UmbrellaStrategy"}
SCHEME_TYPE = SKOS + "ConceptScheme"
DESCRIPTION = DCT_NS + "description"

Row = Mapping[str, Term]


@dataclass
class LinkItem:
    href: str | None
    label: str
    notation: str | None = None
    lang: str | None = None
    extra: str | None = None
    extra_text: str | None = None


@dataclass
class StrategyCard:
    iri: str
    href: str | None
    title: str
    lang: str | None
    description: str | None
    is_umbrella: bool
    version: LinkItem | None = None
    fields: list[LinkItem] = field(default_factory=list)
    fields_via: str | None = None
    parts: list[StrategyCard] = field(default_factory=list)


def linker(request: Request) -> Linker:
    """IRI → link: our path (keeping ``?lang``), a web IRI, or None (shown as text)."""
    base = request.app.state.settings.base_iri
    chosen = request.query_params.get("lang")
    keep = chosen if chosen in ("de", "en") else None

    def link(iri: str) -> str | None:
        return link_target(iri, base, keep)

    return link


async def select(
    request: Request, name: str, **terms: ox.NamedNode | ox.Literal
) -> list[dict[str, Term]]:
    """Rows of the named query ``name`` (``queries/``), ``terms`` bound in its VALUES block."""
    service = request.app.state.query_service
    named = request.app.state.registry.get(name, await service.dialect())
    rows: list[dict[str, Term]] = await service.select(named.bind_terms(terms))
    return rows


def page_context(request: Request, **values: Any) -> dict[str, Any]:
    lang = ui_language(request)
    return {"lang": lang, "t": TEXT[lang], **values}


@router.api_route(
    "/", methods=["GET", "HEAD"], summary="Start page (HTML); RDF clients are sent to the catalog"
)
async def home(request: Request, lang: Language, templates: Templates) -> Response:
    if not media.prefers_html(request.headers.get("accept")):
        return RedirectResponse("/catalog", status_code=303, headers={"Vary": "Accept"})
    rows, field_rows, label_rows = await asyncio.gather(
        select(request, "home-strategies"),
        select(request, "fields-of-action"),
        select(request, "home-labels"),
    )
    labels = Labels(lang)
    descriptions: dict[str, list[ox.Literal]] = defaultdict(list)
    for row in label_rows:
        prop, x, label = row.get("labelProperty"), row.get("x"), row.get("label")
        if prop is not None and prop.value == DESCRIPTION and isinstance(label, ox.Literal):
            descriptions[x.value].append(label)  # type: ignore[union-attr]
    labels.add_rows(r for r in label_rows if r["labelProperty"].value != DESCRIPTION)
    umbrellas, others = home_cards(rows, field_rows, labels, descriptions, linker(request))
    context = page_context(request, umbrellas=umbrellas, others=others)
    response = templates.TemplateResponse(request, "home.html", context)
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


def home_cards(
    rows: Sequence[Row],
    field_rows: Sequence[Row],
    labels: Labels,
    descriptions: Mapping[str, list[ox.Literal]],
    link: Linker,
) -> tuple[list[StrategyCard], list[StrategyCard]]:
    """Umbrella strategies with their parts, and strategies that belong to no umbrella.

    ``rows`` are those of ``home-strategies``, ``field_rows`` those of ``fields-of-action``.
    """
    cards: dict[str, StrategyCard] = {}
    umbrella_of: dict[str, str] = {}
    for row in rows:
        strategy = row["strategy"].value
        if strategy not in cards:
            title = labels.literal(strategy)
            text = in_language(descriptions.get(strategy, []), labels.lang)
            cards[strategy] = StrategyCard(
                iri=strategy,
                href=link(strategy),
                title=title.value if title is not None else labels.name(strategy),
                lang=title.language if title is not None else None,
                description=text[0].value if text else None,
                is_umbrella=False,
            )
        card = cards[strategy]
        if row["class"].value == SG + "UmbrellaStrategy":
            card.is_umbrella = True
        if "umbrella" in row:
            umbrella_of[strategy] = row["umbrella"].value
        if "version" in row and card.version is None:
            version = row["version"].value
            issued = row.get("issued")
            card.version = LinkItem(
                link(version),
                labels.name(version),
                extra=issued.value if issued else None,
                extra_text=format_date(issued.value, labels.lang) if issued else None,
            )
    for strategy, (via, shown) in shown_fields(field_rows).items():
        if strategy not in cards:
            continue
        items: dict[str, LinkItem] = {}
        for row in shown:
            iri, notation = row["field"].value, row.get("notation")
            items[iri] = LinkItem(link(iri), labels.name(iri), notation.value if notation else None)
        cards[strategy].fields_via = via
        cards[strategy].fields = sorted(items.values(), key=_notation_key)
    for strategy, umbrella in umbrella_of.items():
        if umbrella in cards:
            cards[umbrella].is_umbrella = True
            cards[umbrella].parts.append(cards[strategy])
    for card in cards.values():
        card.parts.sort(key=lambda c: c.title.lower())
    umbrellas = sorted((c for c in cards.values() if c.is_umbrella), key=lambda c: c.title)
    others = sorted(
        (c for c in cards.values() if not c.is_umbrella and c.iri not in umbrella_of),
        key=lambda c: c.title.lower(),
    )
    return umbrellas, others


async def render_resource(request: Request, iri: str, triples: Sequence[ox.Triple]) -> Response:
    """The page of a known resource (the ontology and concept schemes have their own)."""
    lang = ui_language(request)
    link = linker(request)
    templates = request.app.state.templates
    alternates = _alternates(request, iri)
    if iri == ONTOLOGY_IRI:
        ontology = build_ontology_view(iri, triples, lang, link)
        context = page_context(request, view=ontology, iri=iri, alternates=alternates)
        return templates.TemplateResponse(request, "ontology.html", context)
    node = ox.NamedNode(iri)
    label_rows, backlink_rows, source_rows = await asyncio.gather(
        select(request, "neighbour-labels", resource=node),
        select(request, "backlinks", resource=node),
        select(request, "resource-sources", resource=node),
    )
    labels = Labels(lang)
    labels.add_rows(label_rows)
    view = build_resource_view(iri, triples, labels, backlink_rows, source_rows, link)
    context = page_context(request, view=view, iri=iri, alternates=alternates)
    context["feed_url"] = feed_path(iri, request.app.state.settings.base_iri, view.type_iris)
    if view.type_iris & STRATEGY_TYPES:
        rows = await select(request, "fields-of-action", strategy=node)
        context["fields"], context["fields_via"] = _strategy_fields(rows, lang, link)
        strategy_path = path_for_iri(iri, request.app.state.settings.base_iri)
        context["timeline_path"] = "/verlauf" + strategy_path if strategy_path else None
    if SG + "Measure" in view.type_iris:
        context["status_history"] = await status_timeline(await get_reader(request), iri)
    if SCHEME_TYPE in view.type_iris:
        rows = await select(request, "scheme-concepts", scheme=node)
        context["concepts"] = _concepts(rows, lang, link)
        hidden = {SKOS + "hasTopConcept"}
        view.properties = [p for p in view.properties if p.iri not in hidden]
        view.backlinks = [b for b in view.backlinks if not b.iri.startswith(SKOS)]
        return templates.TemplateResponse(request, "scheme.html", context)
    return templates.TemplateResponse(request, "resource.html", context)


def render_not_found(request: Request, iri: str) -> Response:
    context = page_context(request, iri=iri)
    response: Response = request.app.state.templates.TemplateResponse(
        request, "not_found.html", context, status_code=404
    )
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


def _alternates(request: Request, iri: str) -> list[tuple[str, str, str]]:
    path = path_for_iri(iri, request.app.state.settings.base_iri) or ""
    return [
        ("Turtle", media.TURTLE, f"{path}.ttl"),
        ("JSON-LD", media.JSON_LD, f"{path}.jsonld"),
        ("N-Triples", media.N_TRIPLES, f"{path}.nt"),
        ("RDF/XML", media.RDF_XML, f"{path}.rdf"),
    ]


def shown_fields(rows: Sequence[Row]) -> dict[str, tuple[str, list[Row]]]:
    """Per strategy, the fields a page shows, from the rows of ``fields-of-action`` (the one
    definition of the current version, as in ``/api/fields``): those of its current version
    (``"version"``), else every field of its scheme (``"scheme"``)."""
    found: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if "field" in row:
            found[row["strategy"].value].append(row)
    shown = {}
    for strategy, candidates in found.items():
        current = [r for r in candidates if _is_true(r.get("in_current_version"))]
        shown[strategy] = ("version", current) if current else ("scheme", candidates)
    return shown


def _is_true(term: Term | None) -> bool:
    return isinstance(term, ox.Literal) and term.value in ("true", "1")


def _strategy_fields(
    rows: Sequence[Row], lang: str, link: Linker
) -> tuple[list[LinkItem], str | None]:
    """The fields of one strategy's page (rows of ``fields-of-action`` for that strategy)."""
    shown = shown_fields(rows)
    if not shown:
        return [], None
    via, field_rows = next(iter(shown.values()))
    labels: dict[str, list[Candidate]] = defaultdict(list)
    notations: dict[str, str] = {}
    for row in field_rows:
        iri = row["field"].value
        candidates = labels[iri]
        for column in ("label_de", "label_en"):
            label = row.get(column)
            if (
                isinstance(label, ox.Literal)
                and Candidate(SKOS + "prefLabel", label) not in candidates
            ):
                candidates.append(Candidate(SKOS + "prefLabel", label))
        if "notation" in row:
            notations[iri] = row["notation"].value
    items = []
    for iri, candidates in labels.items():
        chosen = best_label(candidates, lang)
        items.append(
            LinkItem(
                link(iri),
                chosen.value if chosen is not None else iri,
                notations.get(iri),
                lang=chosen.language if chosen is not None else None,
            )
        )
    return sorted(items, key=_notation_key), via


def _concepts(rows: Sequence[Row], lang: str, link: Linker) -> list[dict[str, Any]]:
    labels: dict[str, list[Candidate]] = defaultdict(list)
    definitions: dict[str, list[ox.Literal]] = defaultdict(list)
    notations: dict[str, str] = {}
    for row in rows:
        iri = row["concept"].value
        labels.setdefault(iri, [])
        if isinstance(label := row.get("label"), ox.Literal):
            labels[iri].append(Candidate(SKOS + "prefLabel", label))
        definition = row.get("definition")
        if isinstance(definition, ox.Literal) and definition not in definitions[iri]:
            definitions[iri].append(definition)
        if "notation" in row:
            notations[iri] = row["notation"].value
    concepts = []
    for iri, candidates in labels.items():
        chosen = best_label(candidates, lang)
        texts = in_language(definitions.get(iri, []), lang)
        concepts.append(
            {
                "href": link(iri),
                "iri": iri,
                "notation": notations.get(iri),
                "label": chosen.value if chosen is not None else iri,
                "label_lang": chosen.language if chosen is not None else None,
                "definition": texts[0] if texts else None,
            }
        )
    return sorted(
        concepts,
        key=lambda c: _notation_key(LinkItem("", c["label"], c["notation"])),
    )


def _notation_key(item: LinkItem) -> tuple[int, int, str, str]:
    notation = item.notation or ""
    if notation.isdigit():
        return (0, int(notation), "", item.label.lower())
    return (1 if notation else 2, 0, notation, item.label.lower())
