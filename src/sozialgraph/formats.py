"""One registry of the formats the service reads and writes: media type, suffix, engine format.

Content negotiation (`/sparql`, linked data, the catalog, the Graph Store, the API), the dumps,
uploads and the service description all look formats up here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

W3C_FORMATS = "http://www.w3.org/ns/formats/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class Format:
    """A serialisation: how clients ask for it and how pyoxigraph writes or reads it."""

    label: str
    media_type: str
    suffix: str  # the file suffix, without the dot
    names: tuple[str, ...] = ()  # other ``format=`` values and file suffixes
    aliases: tuple[str, ...] = ()  # other media types that clients send for it
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    w3c: str | None = None  # local name in http://www.w3.org/ns/formats/
    file_type: str | None = None  # local name in the EU file-type authority

    @property
    def is_dataset(self) -> bool:
        return self.rdf is not None and self.rdf.supports_datasets


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
JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GZIP = "application/gzip"

FORMATS = (
    Format(
        "SPARQL JSON",
        SPARQL_JSON,
        "srj",
        ("json",),
        (JSON,),
        results=ox.QueryResultsFormat.JSON,
        w3c="SPARQL_Results_JSON",
    ),
    Format(
        "SPARQL XML",
        SPARQL_XML,
        "srx",
        ("xml",),
        ("application/xml", "text/xml"),
        results=ox.QueryResultsFormat.XML,
        w3c="SPARQL_Results_XML",
    ),
    Format("CSV", CSV, "csv", results=ox.QueryResultsFormat.CSV, w3c="SPARQL_Results_CSV"),
    Format("TSV", TSV, "tsv", results=ox.QueryResultsFormat.TSV, w3c="SPARQL_Results_TSV"),
    Format(
        "Turtle",
        TURTLE,
        "ttl",
        ("turtle",),
        ("application/x-turtle", "text/n3"),
        rdf=ox.RdfFormat.TURTLE,
        w3c="Turtle",
        file_type="RDF_TURTLE",
    ),
    Format(
        "N-Triples",
        N_TRIPLES,
        "nt",
        ("ntriples", "n-triples"),
        ("text/plain",),
        rdf=ox.RdfFormat.N_TRIPLES,
        w3c="N-Triples",
        file_type="RDF_N_TRIPLES",
    ),
    Format(
        "N-Quads",
        N_QUADS,
        "nq",
        ("nquads",),
        rdf=ox.RdfFormat.N_QUADS,
        w3c="N-Quads",
        file_type="RDF_N_QUADS",
    ),
    Format(
        "TriG",
        TRIG,
        "trig",
        (),
        ("application/x-trig",),
        rdf=ox.RdfFormat.TRIG,
        w3c="TriG",
        file_type="RDF_TRIG",
    ),
    Format(
        "JSON-LD",
        JSON_LD,
        "jsonld",
        ("json-ld",),
        (JSON, "application/json+ld"),
        rdf=ox.RdfFormat.JSON_LD,
        w3c="JSON-LD",
        file_type="JSON_LD",
    ),
    Format(
        "RDF/XML",
        RDF_XML,
        "rdf",
        ("rdfxml", "owl"),
        rdf=ox.RdfFormat.RDF_XML,
        w3c="RDF_XML",
        file_type="RDF_XML",
    ),
    Format("HTML", HTML, "html"),
)

BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS}

#: Offer sets: what each kind of answer can be written as (the first is the default).
RESULT_TYPES = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
GRAPH_TYPES = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML, N_QUADS, TRIG)
#: A single resource or record (the first is the default for RDF clients).
RDF_TYPES = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)


def by_name(name: str, offered: tuple[str, ...]) -> str | None:
    """The offered media type that a ``format=`` value or file suffix names, if any."""
    wanted = name.lower().lstrip(".")
    for media_type in offered:
        fmt = BY_MEDIA_TYPE.get(media_type)
        if media_type == wanted or (
            fmt is not None
            and (wanted == fmt.suffix or wanted in fmt.names or wanted in fmt.aliases)
        ):
            return media_type
    return None


def rdf_format_for_suffix(suffix: str) -> ox.RdfFormat | None:
    """The RDF format of a file suffix (``.ttl``, ``.jsonld``, ``.json``, ``.owl`` …), if any."""
    wanted = suffix.lower().lstrip(".")
    for fmt in FORMATS:
        if fmt.rdf is not None and (wanted == fmt.suffix or wanted in fmt.names):
            return fmt.rdf
    # Upload file names: plain .json is JSON-LD, plain .xml RDF/XML.
    return {"json": ox.RdfFormat.JSON_LD, "xml": ox.RdfFormat.RDF_XML}.get(wanted)


def rdf_format_for_media_type(media_type: str) -> ox.RdfFormat | None:
    """The RDF format of a media type or one of its aliases (``application/json`` = JSON-LD)."""
    wanted = media_type.split(";")[0].strip().lower()
    for fmt in FORMATS:
        if fmt.rdf is not None and (wanted == fmt.media_type or wanted in fmt.aliases):
            return fmt.rdf
    return None


def with_charset(media_type: str) -> str:
    """The ``Content-Type`` value: textual formats say they are UTF-8."""
    textual = media_type.startswith("text/") or media_type.endswith(
        ("json", "xml", "triples", "quads", "trig")
    )
    return f"{media_type}; charset=utf-8" if textual else media_type
