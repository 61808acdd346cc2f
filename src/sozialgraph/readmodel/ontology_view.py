"""The ontology page: its metadata, then every class and property with definition and anchor."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from sozialgraph.namespaces import DCT_NS as DCT
from sozialgraph.namespaces import OWL_NS as OWL
from sozialgraph.namespaces import RDF_TYPE
from sozialgraph.namespaces import RDFS_NS as RDFS
from sozialgraph.namespaces import SKOS_NS as SKOS
from sozialgraph.readmodel.labels import in_language
from sozialgraph.readmodel.resource_view import Labels
from sozialgraph.store.base import Term

CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
PROPERTY_TYPES = {
    OWL + "ObjectProperty",
    OWL + "DatatypeProperty",
    OWL + "AnnotationProperty",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
}


@dataclass
class TermLink:
    text: str
    href: str | None
    iri: str


@dataclass
class TermView:
    anchor: str
    iri: str
    label: str
    label_lang: str | None
    other_label: str | None
    definitions: list[ox.Literal]
    comments: list[ox.Literal]
    parents: list[TermLink] = field(default_factory=list)
    domains: list[TermLink] = field(default_factory=list)
    ranges: list[TermLink] = field(default_factory=list)
    kinds: list[TermLink] = field(default_factory=list)
    is_class: bool = False


@dataclass
class OntologyView:
    iri: str
    title: str
    descriptions: list[ox.Literal]
    version: str | None
    license: TermLink | None
    classes: list[TermView]
    properties: list[TermView]


def build_ontology_view(
    iri: str, triples: Sequence[ox.Triple], lang: str, link: Callable[[str], str | None]
) -> OntologyView:
    """Classes and properties of the ontology ``iri``, from the triples of its document."""
    about: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    labels = Labels(lang)
    for t in triples:
        if isinstance(t.subject, ox.NamedNode) and not isinstance(t.object, ox.Triple):
            about[t.subject.value][t.predicate.value].append(t.object)
            if t.predicate.value == RDFS + "label" and isinstance(t.object, ox.Literal):
                labels.add(t.subject.value, t.predicate.value, t.object)
            if t.predicate.value == DCT + "title" and isinstance(t.object, ox.Literal):
                labels.add(t.subject.value, t.predicate.value, t.object)

    def links(objects: list[Term]) -> list[TermLink]:
        return [
            TermLink(labels.name(o.value), link(o.value), o.value)
            for o in objects
            if isinstance(o, ox.NamedNode)
        ]

    classes, properties = [], []
    for term, props in about.items():
        if term == iri or not term.startswith(iri + "#"):
            continue
        kinds = {o.value for o in props.get(RDF_TYPE, []) if isinstance(o, ox.NamedNode)}
        chosen = labels.literal(term)
        other = in_language(
            [o for o in props.get(RDFS + "label", []) if isinstance(o, ox.Literal)],
            "en" if lang == "de" else "de",
        )
        view = TermView(
            anchor=term[len(iri) + 1 :],
            iri=term,
            label=chosen.value if chosen is not None else term[len(iri) + 1 :],
            label_lang=chosen.language if chosen is not None else None,
            other_label=other[0].value if other else None,
            definitions=in_language(_literals(props.get(SKOS + "definition", [])), lang),
            comments=in_language(_literals(props.get(RDFS + "comment", [])), lang),
            parents=links(
                props.get(RDFS + "subClassOf", []) + props.get(RDFS + "subPropertyOf", [])
            ),
            domains=links(props.get(RDFS + "domain", [])),
            ranges=links(props.get(RDFS + "range", [])),
            kinds=links(props.get(RDF_TYPE, [])),
        )
        if kinds & CLASS_TYPES:
            view.is_class = True
            classes.append(view)
        elif kinds & PROPERTY_TYPES:
            properties.append(view)
    own = about.get(iri, {})
    title = labels.literal(iri)
    versions = _literals(own.get(OWL + "versionInfo", []))
    licenses = links(own.get(DCT + "license", []))
    return OntologyView(
        iri=iri,
        title=title.value if title is not None else iri,
        descriptions=in_language(_literals(own.get(DCT + "description", [])), lang),
        version=versions[0].value if versions else None,
        license=licenses[0] if licenses else None,
        classes=sorted(classes, key=lambda v: v.label.lower()),
        properties=sorted(properties, key=lambda v: v.label.lower()),
    )


def _literals(objects: list[Term]) -> list[ox.Literal]:
    return [o for o in objects if isinstance(o, ox.Literal)]
