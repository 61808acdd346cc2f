"""One content-negotiation helper for /sparql, the IRIs and the catalog (Accept with q-values)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from sozialgraph.errors import NotAcceptable

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
TRIG = "application/trig"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"
HTML = "text/html"

RESULT_TYPES = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
GRAPH_TYPES = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML, N_QUADS, TRIG)
DATASET_TYPES = (TRIG, N_QUADS, JSON_LD)

#: Other names clients use for the same formats ("application/json" means whichever JSON
#: format is on offer: SPARQL JSON for results, JSON-LD for graphs).
ALIASES = {
    "application/json": SPARQL_JSON,
    "application/xml": SPARQL_XML,
    "text/xml": SPARQL_XML,
    "application/x-turtle": TURTLE,
    "text/plain": N_TRIPLES,
    "text/n3": TURTLE,
    "application/x-trig": TRIG,
    "application/json+ld": JSON_LD,
}

#: ``format=`` values (and file extensions) that browsers and scripts use.
FORMAT_NAMES = {
    "json": SPARQL_JSON,
    "srj": SPARQL_JSON,
    "xml": SPARQL_XML,
    "srx": SPARQL_XML,
    "csv": CSV,
    "tsv": TSV,
    "ttl": TURTLE,
    "turtle": TURTLE,
    "nt": N_TRIPLES,
    "ntriples": N_TRIPLES,
    "n-triples": N_TRIPLES,
    "nq": N_QUADS,
    "nquads": N_QUADS,
    "trig": TRIG,
    "jsonld": JSON_LD,
    "json-ld": JSON_LD,
    "rdf": RDF_XML,
    "rdfxml": RDF_XML,
    "owl": RDF_XML,
    "html": HTML,
}

EXTENSIONS = {
    SPARQL_JSON: "srj",
    SPARQL_XML: "srx",
    CSV: "csv",
    TSV: "tsv",
    TURTLE: "ttl",
    N_TRIPLES: "nt",
    N_QUADS: "nq",
    TRIG: "trig",
    JSON_LD: "jsonld",
    RDF_XML: "rdf",
    HTML: "html",
}


#: Media types that stand for more than one offered type.
EQUIVALENTS = {"application/json": (SPARQL_JSON, JSON_LD)}


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int
    original: str = ""

    def matches(self, media_type: str) -> bool:
        if media_type in EQUIVALENTS.get(self.original, ()):
            return True
        kind, _, sub = media_type.partition("/")
        return (self.type in ("*", kind)) and (self.subtype in ("*", sub))

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str | None) -> list[MediaRange]:
    ranges = []
    for order, part in enumerate((header or "").split(",")):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        original = pieces[0].lower()
        media = ALIASES.get(original, original)
        kind, _, sub = media.partition("/")
        q = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(kind, sub or "*", q, order, original))
    return ranges


def negotiate(accept: str | None, offered: Sequence[str], format_name: str | None = None) -> str:
    """The best of ``offered`` (first = default) for the Accept header, or 406."""
    return _negotiate(accept, tuple(offered), format_name)


@functools.lru_cache(maxsize=1024)  # clients send few distinct Accept headers
def _negotiate(accept: str | None, offered: tuple[str, ...], format_name: str | None) -> str:
    if format_name:
        wanted = FORMAT_NAMES.get(
            format_name.lower(), ALIASES.get(format_name.lower(), format_name.lower())
        )
        if wanted in offered:
            return wanted
        raise NotAcceptable(
            f"format '{format_name}' is not available here; available: {', '.join(offered)}"
        )
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for index, media_type in enumerate(offered):
        matching = [r for r in ranges if r.matches(media_type)]
        if not matching:
            continue
        top = max(matching, key=lambda r: (r.specificity, -r.order))
        if top.q <= 0:
            continue
        key = (top.q, top.specificity, -top.order, -index)
        if best is None or key > best:
            best, chosen = key, media_type
    if chosen is None:
        raise NotAcceptable(
            f"none of the requested types ({accept}) is available; available: {', '.join(offered)}"
        )
    return chosen


def prefers_html(accept: str | None) -> bool:
    """Whether a client (a browser) asks for HTML before any RDF or results format."""
    try:
        return negotiate(accept, (HTML, *RESULT_TYPES, *GRAPH_TYPES)) == HTML and "html" in (
            accept or ""
        )
    except NotAcceptable:
        return False
