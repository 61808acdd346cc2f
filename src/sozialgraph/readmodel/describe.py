"""The RDF description of an IRI: what its linked-data document holds.

A document IRI with hash IRIs under it (``…/ontology`` for ``…/ontology#Measure``, ``…/shapes``
for ``…/shapes#MeasureShape``) holds every ``{iri}#term`` with its blank nodes; any other IRI its
own triples and two levels of blank nodes below it (``queries/resource-triples.rq``).
"""

from __future__ import annotations

import pyoxigraph as ox

from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.querying.service import QueryService


async def resource_triples(
    service: QueryService, registry: QueryRegistry, iri: str
) -> list[ox.Triple]:
    """The triples of ``iri``'s document, without duplicates; none for a text that is no IRI."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:  # a path that is no IRI (``/a b``) names no resource
        return []
    if node in await hash_documents(service, registry):
        rows = await service.select(
            registry.text("namespace-triples"),
            bindings={"resource": node, "namespace": ox.Literal(iri + "#")},
        )
    else:
        rows = await service.select(registry.text("resource-triples"), bindings={"resource": node})
    triples = []
    seen = set()
    for row in rows:
        s, p, o = row.get("s"), row.get("p"), row.get("o")
        if isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode) and o:
            triple = ox.Triple(s, p, o)
            if triple not in seen:
                seen.add(triple)
                triples.append(triple)
    return triples


async def hash_documents(service: QueryService, registry: QueryRegistry) -> set[ox.NamedNode]:
    """Every IRI that some subject's IRI extends with ``#…`` (one scan per store version: the
    query service caches the table)."""
    rows = await service.select(registry.text("hash-documents"))
    return {d for row in rows if isinstance(d := row.get("document"), ox.NamedNode)}
