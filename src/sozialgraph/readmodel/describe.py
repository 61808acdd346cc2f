"""SPARQL that describes resources (and the dataset as a whole), and how labels are chosen.

Every query is a constant; the resource is bound as ``?resource`` (a VALUES block rendered by
the store layer from an RDF term, ``QueryService.select(query, bindings=…)``), never pasted
into the text. They are plain SPARQL 1.1, so they run unchanged on the embedded store and on
any SPARQL 1.1 server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

_PREFIXES = """PREFIX sg: <https://w3id.org/sozialgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

#: Properties that name a thing, best first (docs/model.md, "Labels").
LABEL_PROPERTIES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://xmlns.com/foaf/0.1/name",
)
_LABEL_VALUES = "VALUES ?labelProperty { skos:prefLabel dcterms:title rdfs:label foaf:name }"

#: The triples about ``?resource``, with up to two levels of blank nodes below it
#: (a concise bounded description without reification).
RESOURCE_TRIPLES = (
    _PREFIXES
    + """SELECT ?s ?p ?o WHERE {
  { ?resource ?p ?o . BIND(?resource AS ?s) }
  UNION
  { ?resource ?link ?s . FILTER(isBlank(?s)) ?s ?p ?o }
  UNION
  { ?resource ?link ?b . FILTER(isBlank(?b)) ?b ?link2 ?s . FILTER(isBlank(?s)) ?s ?p ?o }
}"""
)

#: The triples of a hash namespace document (the ontology): ``?resource`` itself and every
#: subject whose IRI starts with ``?namespace`` (``…/ontology#``), with their blank nodes.
#: The filter stands at the top of the group so that it sees the bound variables.
NAMESPACE_TRIPLES = (
    _PREFIXES
    + """SELECT ?s ?p ?o WHERE {
  { ?s ?p ?o . BIND(?s AS ?t) }
  UNION
  { ?t ?link ?s . FILTER(isBlank(?s)) ?s ?p ?o }
  FILTER(isIRI(?t) && (?t = ?resource || STRSTARTS(STR(?t), ?namespace)))
}"""
)

#: Labels of every IRI next to ``?resource``: its predicates, objects, the subjects and
#: predicates that point at it, and what its blank nodes link to.
NEIGHBOUR_LABELS = (
    _PREFIXES
    + """SELECT ?x ?labelProperty ?label WHERE {
  { ?resource ?x ?any } UNION { ?resource ?any ?x }
  UNION { ?x ?any ?resource } UNION { ?any ?x ?resource }
  UNION { ?resource ?link ?b . FILTER(isBlank(?b)) ?b ?x ?y }
  UNION { ?resource ?link ?b . FILTER(isBlank(?b)) ?b ?y ?x }
  ?x ?labelProperty ?label .
  """
    + _LABEL_VALUES
    + """
  FILTER(isIRI(?x))
}"""
)

#: Resources that point at ``?resource`` ("Verweise auf diese Ressource").
BACKLINKS = (
    _PREFIXES
    + """SELECT ?x ?p WHERE {
  ?x ?p ?resource .
  FILTER(isIRI(?x))
}
ORDER BY ?p ?x
LIMIT 2000"""
)

#: The documents ``?resource`` cites in ``dcterms:source``, with title, kind and publisher.
SOURCES = (
    _PREFIXES
    + """SELECT ?source ?title ?kind ?publisher WHERE {
  ?resource dcterms:source ?source .
  OPTIONAL { ?source dcterms:title ?title }
  OPTIONAL { ?source sg:sourceKind ?kind }
  OPTIONAL { ?source dcterms:publisher ?publisher }
}"""
)

#: The fields of action of strategy ``?resource``: those of its current version (one that no
#: other version revises), and the concepts of its field scheme.
STRATEGY_FIELDS = (
    _PREFIXES
    + """SELECT ?field ?via ?notation ?label WHERE {
  {
    ?resource sg:hasVersion ?version .
    ?version sg:hasFieldOfAction ?field .
    FILTER NOT EXISTS { ?newer prov:wasRevisionOf ?version }
    BIND("version" AS ?via)
  } UNION {
    ?resource sg:hasFieldScheme ?scheme .
    ?field skos:inScheme ?scheme .
    BIND("scheme" AS ?via)
  }
  OPTIONAL { ?field skos:notation ?notation }
  OPTIONAL { ?field skos:prefLabel ?label }
}"""
)

#: The concepts of concept scheme ``?resource`` with notation, labels and definitions.
SCHEME_CONCEPTS = (
    _PREFIXES
    + """SELECT ?concept ?notation ?label ?definition WHERE {
  { ?concept skos:inScheme ?resource } UNION { ?resource skos:hasTopConcept ?concept }
  OPTIONAL { ?concept skos:notation ?notation }
  OPTIONAL { ?concept skos:prefLabel ?label }
  OPTIONAL { ?concept skos:definition|skos:scopeNote ?definition }
}"""
)

#: The strategies for the start page: each strategy, the umbrella it is part of, its current
#: version with its date, and the fields of that version (or of its field scheme).
HOME_STRATEGIES = (
    _PREFIXES
    + """SELECT ?strategy ?class ?umbrella ?version ?issued ?field ?via ?notation WHERE {
  VALUES ?class { sg:Strategy sg:UmbrellaStrategy }
  ?strategy a ?class .
  OPTIONAL { ?umbrella dcterms:hasPart ?strategy . ?umbrella a sg:UmbrellaStrategy }
  OPTIONAL {
    ?strategy sg:hasVersion ?version .
    FILTER NOT EXISTS { ?newer prov:wasRevisionOf ?version }
    OPTIONAL { ?version dcterms:issued ?issued }
  }
  OPTIONAL {
    {
      ?strategy sg:hasVersion ?current .
      ?current sg:hasFieldOfAction ?field .
      FILTER NOT EXISTS { ?newer2 prov:wasRevisionOf ?current }
      BIND("version" AS ?via)
    } UNION {
      ?strategy sg:hasFieldScheme ?scheme .
      ?field skos:inScheme ?scheme .
      BIND("scheme" AS ?via)
    }
    OPTIONAL { ?field skos:notation ?notation }
  }
}"""
)

#: Labels and descriptions of everything the start page shows.
HOME_LABELS = (
    _PREFIXES
    + """SELECT ?x ?labelProperty ?label WHERE {
  VALUES ?class { sg:Strategy sg:UmbrellaStrategy }
  { ?x a ?class }
  UNION { ?s a ?class ; sg:hasVersion ?x }
  UNION { ?s a ?class ; sg:hasVersion ?v . ?v sg:hasFieldOfAction ?x }
  UNION { ?s a ?class ; sg:hasFieldScheme ?scheme . ?x skos:inScheme ?scheme }
  ?x ?labelProperty ?label .
  VALUES ?labelProperty {
    skos:prefLabel dcterms:title rdfs:label foaf:name dcterms:description
  }
}"""
)


@dataclass(frozen=True)
class Candidate:
    """One literal that could name a resource, with the property it came from."""

    property: str
    literal: ox.Literal


def best_label(candidates: Iterable[Candidate], lang: str) -> ox.Literal | None:
    """The label to show: page language first, then German, English, untagged, anything.

    Among labels of the same language the property order of :data:`LABEL_PROPERTIES` decides,
    then the text (so the choice is stable).
    """
    ranked = sorted(
        candidates,
        key=lambda c: (
            _language_rank(c.literal.language or "", lang),
            _property_rank(c.property),
            c.literal.value,
        ),
    )
    return ranked[0].literal if ranked else None


def _language_rank(tag: str, lang: str) -> int:
    tag = tag.lower()
    order = [lang, "de", "en", ""]
    for rank, wanted in enumerate(order):
        if tag == wanted or (wanted and tag.startswith(wanted + "-")):
            return rank
    return len(order)


def _property_rank(iri: str) -> int:
    try:
        return LABEL_PROPERTIES.index(iri)
    except ValueError:
        return len(LABEL_PROPERTIES)


def in_language(literals: Iterable[ox.Literal], lang: str) -> list[ox.Literal]:
    """The literals in ``lang``, else those in the best other language (same fallback order)."""
    pool = list(literals)
    if not pool:
        return []
    best = min(_language_rank(lit.language or "", lang) for lit in pool)
    return [lit for lit in pool if _language_rank(lit.language or "", lang) == best]


# --- the dataset as a whole (catalog record, VoID) ------------------------------------------

#: Statements in the dataset: quads of every named graph (what the dumps hold).
DATASET_SIZE = "SELECT (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } }"

#: Instances per class (void:classPartition).
CLASS_PARTITIONS = """SELECT ?class (COUNT(DISTINCT ?s) AS ?entities) WHERE {
  GRAPH ?g { ?s a ?class }
}
GROUP BY ?class
ORDER BY ?class"""

#: Statements per property (void:propertyPartition).
PROPERTY_PARTITIONS = """SELECT ?property (COUNT(*) AS ?triples) WHERE {
  GRAPH ?g { ?s ?property ?o }
}
GROUP BY ?property
ORDER BY ?property"""

#: First and last build or write recorded in the metadata graph ``?meta``.
BUILD_TIMES = """PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT (MIN(?ended) AS ?first) (MAX(?ended) AS ?last) WHERE {
  GRAPH ?meta { ?activity prov:endedAtTime ?ended }
}"""

#: Earliest and latest date per date type in the data graphs (not the metadata graph, the
#: ontology, the vocabularies or the shapes, whose graphs start with ``?ontologyGraphs`` and
#: ``?shapeGraphs``).
DATE_RANGE = """PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?type (MIN(?date) AS ?earliest) (MAX(?date) AS ?latest) WHERE {
  GRAPH ?g { ?s ?p ?date }
  FILTER(isLiteral(?date))
  BIND(DATATYPE(?date) AS ?type)
  FILTER(?type IN (xsd:date, xsd:gYear, xsd:gYearMonth))
  FILTER(?g != ?meta && !STRSTARTS(STR(?g), ?ontologyGraphs) && !STRSTARTS(STR(?g), ?shapeGraphs))
}
GROUP BY ?type"""
