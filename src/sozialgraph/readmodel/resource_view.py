"""What a resource page shows: labels picked for the page language, values linked by label.

The view is built from the rows of the page queries (``queries/neighbour-labels.rq``,
``backlinks.rq``, ``resource-sources.rq``); templates only print it (autoescaped).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from sozialgraph.namespaces import DCT_NS as DCT
from sozialgraph.namespaces import RDF_TYPE, compact_iri
from sozialgraph.namespaces import SKOS_NS as SKOS
from sozialgraph.namespaces import XSD_NS as XSD
from sozialgraph.readmodel.labels import LABEL_PROPERTIES, Candidate, best_label, in_language
from sozialgraph.readmodel.page_text import reused_label, source_kind_label
from sozialgraph.store.base import Term

SOURCE = DCT + "source"
EDITORIAL_NOTE = SKOS + "editorialNote"
DESCRIPTIONS = (DCT + "description", SKOS + "definition")
SHOWN_ELSEWHERE = {RDF_TYPE, SOURCE, EDITORIAL_NOTE}

#: Properties shown first, in this order; the others follow by label.
PROPERTY_ORDER = (
    SKOS + "prefLabel",
    DCT + "title",
    "http://www.w3.org/2000/01/rdf-schema#label",
    SKOS + "altLabel",
    SKOS + "notation",
    DCT + "identifier",
    DCT + "description",
    SKOS + "definition",
    SKOS + "scopeNote",
    SKOS + "note",
)

Linker = Callable[[str], str | None]


@dataclass
class Labels:
    """Label candidates of many IRIs; ``name`` picks one for the page language."""

    lang: str
    candidates: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))

    def add(self, iri: str, prop: str, literal: ox.Literal) -> None:
        self.candidates[iri].append(Candidate(prop, literal))

    def add_rows(self, rows: Iterable[Mapping[str, Term]]) -> None:
        for row in rows:
            x, prop, label = row.get("x"), row.get("labelProperty"), row.get("label")
            if isinstance(x, ox.NamedNode) and isinstance(label, ox.Literal) and prop is not None:
                self.add(x.value, prop.value, label)

    def literal(self, iri: str) -> ox.Literal | None:
        return best_label(self.candidates.get(iri, ()), self.lang)

    def name(self, iri: str) -> str:
        """The label in the page language, else the reused-term label, else a short IRI."""
        found = self.literal(iri)
        if found is not None:
            return found.value
        return reused_label(iri, self.lang) or compact_iri(iri)


@dataclass
class Value:
    kind: str  # "iri", "literal", "bnode"
    text: str
    href: str | None = None  # None: not a linkable IRI (shown as text)
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    datetime: str | None = None
    nested: list[PropertyRow] = field(default_factory=list)


@dataclass
class PropertyRow:
    iri: str
    label: str
    href: str | None
    values: list[Value]


@dataclass
class SourceView:
    iri: str
    href: str | None
    title: str
    title_lang: str | None
    kind: str | None
    kind_label: str | None
    publisher: str | None


@dataclass
class ResourceView:
    iri: str
    title: str
    title_lang: str | None
    descriptions: list[ox.Literal]
    types: list[Value]
    type_iris: set[str]
    notes: list[ox.Literal]
    properties: list[PropertyRow]
    backlinks: list[PropertyRow]
    sources: list[SourceView]


def build_resource_view(
    iri: str,
    triples: Sequence[ox.Triple],
    labels: Labels,
    backlink_rows: Iterable[Mapping[str, Term]],
    source_rows: Iterable[Mapping[str, Term]],
    link: Linker,
) -> ResourceView:
    """The page of ``iri`` from its triples, its neighbours' labels, backlinks and sources."""
    lang = labels.lang
    own = [t for t in triples if isinstance(t.subject, ox.NamedNode) and t.subject.value == iri]
    for t in own:
        if t.predicate.value in LABEL_PROPERTIES and isinstance(t.object, ox.Literal):
            labels.add(iri, t.predicate.value, t.object)
    blank = _blank_node_rows(triples, labels, link)
    title = labels.literal(iri)
    by_predicate: dict[str, list[Term]] = defaultdict(list)
    for t in own:
        if not isinstance(t.object, ox.Triple):
            by_predicate[t.predicate.value].append(t.object)
    descriptions: list[ox.Literal] = []
    for prop in DESCRIPTIONS:
        literals = [o for o in by_predicate.get(prop, []) if isinstance(o, ox.Literal)]
        if literals:
            descriptions = in_language(literals, lang)
            break
    notes = in_language(
        [o for o in by_predicate.get(EDITORIAL_NOTE, []) if isinstance(o, ox.Literal)], lang
    )
    types = [_value(o, labels, link, blank) for o in by_predicate.get(RDF_TYPE, [])]
    rows = [
        PropertyRow(prop, labels.name(prop), link(prop), _values(objects, labels, link, blank))
        for prop, objects in by_predicate.items()
        if prop not in SHOWN_ELSEWHERE
    ]
    return ResourceView(
        iri=iri,
        title=title.value if title is not None else _fallback_title(iri),
        title_lang=title.language if title is not None else None,
        descriptions=descriptions,
        types=sorted(types, key=lambda v: v.text.lower()),
        type_iris={o.value for o in by_predicate.get(RDF_TYPE, []) if isinstance(o, ox.NamedNode)},
        notes=notes,
        properties=sorted(rows, key=_property_key),
        backlinks=backlink_view(backlink_rows, labels, link),
        sources=source_view(source_rows, lang, link),
    )


def backlink_view(
    rows: Iterable[Mapping[str, Term]], labels: Labels, link: Linker
) -> list[PropertyRow]:
    grouped: dict[str, list[Term]] = defaultdict(list)
    for row in rows:
        subject, prop = row.get("x"), row.get("p")
        if isinstance(subject, ox.NamedNode) and isinstance(prop, ox.NamedNode):
            grouped[prop.value].append(subject)
    result = [
        PropertyRow(prop, labels.name(prop), link(prop), _values(subjects, labels, link, {}))
        for prop, subjects in grouped.items()
    ]
    return sorted(result, key=lambda row: row.label.lower())


def source_view(rows: Iterable[Mapping[str, Term]], lang: str, link: Linker) -> list[SourceView]:
    titles: dict[str, list[ox.Literal]] = defaultdict(list)
    kinds: dict[str, str] = {}
    publishers: dict[str, str] = {}
    for row in rows:
        source = row.get("source")
        if not isinstance(source, ox.NamedNode):
            continue
        titles.setdefault(source.value, [])
        if isinstance(title := row.get("title"), ox.Literal):
            titles[source.value].append(title)
        if isinstance(kind_literal := row.get("kind"), ox.Literal):
            kinds[source.value] = kind_literal.value
        if isinstance(publisher := row.get("publisher"), ox.Literal):
            publishers[source.value] = publisher.value
    result = []
    for iri, found in titles.items():
        chosen = best_label((Candidate(DCT + "title", t) for t in found), lang)
        kind = kinds.get(iri)
        result.append(
            SourceView(
                iri=iri,
                href=link(iri),
                title=chosen.value if chosen is not None else iri,
                title_lang=chosen.language if chosen is not None else None,
                kind=kind,
                kind_label=source_kind_label(kind, lang) if kind else None,
                publisher=publishers.get(iri),
            )
        )
    return sorted(result, key=lambda s: (s.kind != "official", s.title.lower()))


def _blank_node_rows(
    triples: Sequence[ox.Triple], labels: Labels, link: Linker
) -> dict[str, list[PropertyRow]]:
    """Property rows of each blank node (one level, shown nested under the value)."""
    grouped: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        if isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.Triple):
            grouped[t.subject.value][t.predicate.value].append(t.object)
    return {
        node: sorted(
            (
                PropertyRow(p, labels.name(p), link(p), _values(objects, labels, link, {}))
                for p, objects in props.items()
            ),
            key=_property_key,
        )
        for node, props in grouped.items()
    }


def _values(
    objects: Iterable[Term], labels: Labels, link: Linker, blank: Mapping[str, list[PropertyRow]]
) -> list[Value]:
    values = [_value(o, labels, link, blank) for o in objects]
    page = labels.lang
    return sorted(
        values,
        key=lambda v: (v.kind != "literal" or (v.lang or page) != page, v.text.lower()),
    )


def _value(
    term: Term, labels: Labels, link: Linker, blank: Mapping[str, list[PropertyRow]]
) -> Value:
    if isinstance(term, ox.NamedNode):
        return Value("iri", labels.name(term.value), href=link(term.value), iri=term.value)
    if isinstance(term, ox.BlankNode):
        return Value("bnode", "", nested=list(blank.get(term.value, [])))
    datatype = term.datatype.value if term.datatype else None
    shown_type = None
    if not term.language and datatype and datatype not in (XSD + "string",):
        shown_type = compact_iri(datatype)
    moment = term.value if datatype in (XSD + "date", XSD + "gYear", XSD + "gYearMonth") else None
    return Value(
        "literal",
        _format_literal(term, labels.lang),
        lang=term.language or None,
        datatype=shown_type,
        datetime=moment,
    )


def format_date(text: str, lang: str) -> str:
    """29.10.2025 in German pages, the ISO date in English ones."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if lang == "de" and match:
        return f"{match[3]}.{match[2]}.{match[1]}"
    return text


def _format_literal(term: ox.Literal, lang: str) -> str:
    """Dates as people write them (29.10.2025 in German); everything else as it is."""
    if term.datatype and term.datatype.value == XSD + "date":
        return format_date(term.value, lang)
    return term.value


def _property_key(row: PropertyRow) -> tuple[int, str]:
    try:
        return (PROPERTY_ORDER.index(row.iri), "")
    except ValueError:
        return (len(PROPERTY_ORDER), row.label.lower())


def _fallback_title(iri: str) -> str:
    tail = iri.rstrip("/").rsplit("/", 1)[-1].split("#")[-1]
    return tail or iri
