"""The write marker of the remote store: ``<meta graph> dcterms:modified "…"`` in the meta graph.

Every write replaces it in the same request, so that the store's version changes with every
write (docs/remote-store.md, "version()").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pyoxigraph as ox

from sozialgraph.store.sparql_text import iri_text

MODIFIED = ox.NamedNode("http://purl.org/dc/terms/modified")
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")


def marker_removal(meta_graph: str) -> str:
    """The update operation that removes the marker."""
    meta = iri_text(meta_graph)
    return f"DELETE WHERE {{ GRAPH {meta} {{ {meta} {MODIFIED} ?modified }} }}"


def is_marker(quad: ox.Quad, meta_graph: str) -> bool:
    return (
        quad.predicate == MODIFIED
        and isinstance(quad.graph_name, ox.NamedNode)
        and quad.graph_name.value == meta_graph
        and isinstance(quad.subject, ox.NamedNode)
        and quad.subject.value == meta_graph
    )


def with_new_marker(quads: Iterable[ox.Quad], meta_graph: str) -> list[ox.Quad]:
    """``quads`` without an old marker, with a new one of this moment."""
    meta = ox.NamedNode(meta_graph)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    marker = ox.Quad(meta, MODIFIED, ox.Literal(now, datatype=XSD_DATETIME), meta)
    return [q for q in quads if not is_marker(q, meta_graph)] + [marker]
