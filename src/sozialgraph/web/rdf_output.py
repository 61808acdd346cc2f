"""RDF responses: pyoxigraph's serialisers, compacted JSON-LD with the published context.

Turtle, N-Triples and RDF/XML come from pyoxigraph. JSON-LD is compacted with the project's
``@context`` (namespaces.PREFIXES and the catalog's vocabularies) by rdflib's JSON-LD
*serialiser*; rdflib only ever writes our own triples here, it never parses input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pyoxigraph as ox
from fastapi.responses import Response

from sozialgraph.formats import with_charset
from sozialgraph.namespaces import ALL_PREFIXES
from sozialgraph.rdf_io import to_rdflib
from sozialgraph.web import negotiation as media

CONTEXT_PATH = "/context.jsonld"
_PLAIN_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*|")


def jsonld_context() -> dict[str, Any]:
    """The published ``@context``: one term per prefix, e.g. ``"sg": "…/ontology#"``."""
    return {"@context": dict(ALL_PREFIXES)}


def serialize(triples: Sequence[ox.Triple], media_type: str) -> bytes:
    """``triples`` in ``media_type`` (Turtle, N-Triples, RDF/XML or compacted JSON-LD)."""
    if media_type == media.JSON_LD:
        return compact_jsonld(triples)
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise ValueError(f"not an RDF media type: {media_type}")
    prefixes = (
        used_prefixes(triples) if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    )
    return ox.serialize(triples, format=fmt, prefixes=prefixes) or b""


def compact_jsonld(triples: Iterable[ox.Triple]) -> bytes:
    """JSON-LD compacted with the published context (inlined, so no client has to fetch it)."""
    graph = to_rdflib(triples)
    text = graph.serialize(format="json-ld", context=jsonld_context()["@context"], indent=2)
    document = json.loads(text)
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def used_prefixes(triples: Iterable[ox.Triple]) -> dict[str, str]:
    """The prefixes whose namespace occurs, so documents stay short.

    A prefix is left out when one of its IRIs would need an escaped local name (``sgv:eccar/3``
    would be written ``sgv:eccar\\/3``): the full IRI reads better.
    """
    used: set[str] = set()
    unreadable: set[str] = set()
    namespaces = sorted(ALL_PREFIXES.items(), key=lambda item: -len(item[1]))
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            iri = term.value if isinstance(term, ox.NamedNode) else None
            if isinstance(term, ox.Literal):
                iri = term.datatype.value
            if iri is None:
                continue
            for prefix, namespace in namespaces:
                if iri.startswith(namespace):
                    used.add(prefix)
                    if not _PLAIN_LOCAL.fullmatch(iri[len(namespace) :]):
                        unreadable.add(prefix)
                    break
    return {prefix: ALL_PREFIXES[prefix] for prefix in sorted(used - unreadable)}


def alternates_header(document_path: str, offered: Sequence[str]) -> str:
    """``Link`` header values: one ``rel="alternate"`` per format, at its extension URL."""
    links = [
        f'<{document_path}.{media.suffix(media_type)}>; rel="alternate"; type="{media_type}"'
        for media_type in offered
    ]
    return ", ".join(links)


def rdf_response(
    triples: Sequence[ox.Triple],
    media_type: str,
    *,
    headers: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return Response(
        serialize(triples, media_type),
        status_code=status_code,
        media_type=with_charset(media_type),
        headers=headers,
    )
