"""Render RDF terms as SPARQL text: for INSERT DATA blocks and VALUES bindings.

Terms are written by pyoxigraph's own N-Triples/N-Quads serialiser, so escaping is the
library's, not ours.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

from sozialgraph.errors import BadRequest
from sozialgraph.store.base import Term
from sozialgraph.store.sparql_scan import scan_query


def named_node(iri: str) -> ox.NamedNode:
    """``iri`` as a term; pyoxigraph checks it, a caller's bad IRI is a 400, not a 500."""
    try:
        return ox.NamedNode(iri)
    except ValueError as error:
        raise BadRequest(
            f"{iri!r} is not a valid IRI: {error}", de=f"{iri!r} ist keine gültige IRI: {error}"
        ) from None


def iri_text(iri: str) -> str:
    """``<iri>`` for SPARQL text: validated and written as a term, never spliced in raw."""
    return str(named_node(iri))


def term_text(term: Term) -> str:
    """The SPARQL (= N-Triples) form of one term."""
    if isinstance(term, ox.BlankNode):
        raise ValueError("blank nodes cannot be bound into a query")
    return str(term)


def insert_data_block(quads: Iterable[ox.Quad]) -> str:
    """``INSERT DATA { GRAPH <g> { … } … }`` for quads in named graphs."""
    by_graph: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        if not isinstance(quad.graph_name, ox.NamedNode):
            raise ValueError("only named graphs are written")
        by_graph.setdefault(str(quad.graph_name), []).append(quad)
    blocks = []
    for graph, members in by_graph.items():
        buffer = io.BytesIO()
        ox.serialize((q.triple for q in members), buffer, format=ox.RdfFormat.N_TRIPLES)
        blocks.append(f"GRAPH {graph} {{\n{buffer.getvalue().decode('utf-8')}}}")
    return "INSERT DATA {\n" + "\n".join(blocks) + "\n}"


def bind_values(query: str, bindings: Mapping[str, Term | Sequence[Term]]) -> str:
    """``query`` with a ``VALUES`` block for ``bindings`` at the start of its WHERE clause.

    Works on any SPARQL 1.1 server (no engine-specific substitution API). The position is found
    by the lexical scan, which skips IRIs, strings and comments.
    """
    if not bindings:
        return query
    where = scan_query(query).where_brace
    if where is None:
        raise ValueError("the query has no WHERE clause to bind values in")
    return f"{query[: where + 1]}\n  {values_block(bindings)}\n{query[where + 1 :]}"


def values_block(bindings: Mapping[str, Term | Sequence[Term]]) -> str:
    """``VALUES`` clauses that bind each variable to its term (or to each of several terms)."""
    blocks = []
    for name, bound in bindings.items():
        terms = [bound] if isinstance(bound, ox.NamedNode | ox.BlankNode | ox.Literal) else bound
        blocks.append(f"VALUES ?{name} {{ {' '.join(term_text(term) for term in terms)} }}")
    return " ".join(blocks)
