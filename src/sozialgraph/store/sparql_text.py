"""Render RDF terms as SPARQL text: for INSERT DATA blocks and VALUES bindings.

Terms are written by pyoxigraph's own N-Triples/N-Quads serialiser, so escaping is the
library's, not ours.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

from sozialgraph.store.base import Term


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
        by_graph.setdefault(quad.graph_name.value, []).append(quad)
    blocks = []
    for graph, members in by_graph.items():
        buffer = io.BytesIO()
        ox.serialize((q.triple for q in members), buffer, format=ox.RdfFormat.N_TRIPLES)
        blocks.append(f"GRAPH <{graph}> {{\n{buffer.getvalue().decode('utf-8')}}}")
    return "INSERT DATA {\n" + "\n".join(blocks) + "\n}"


def bind_values(query: str, bindings: Mapping[str, Term | Sequence[Term]]) -> str:
    """``query`` with a ``VALUES`` block for ``bindings`` at the start of its WHERE clause.

    Works on any SPARQL 1.1 server (no engine-specific substitution API). The position is found
    by the guard's scanner, which skips IRIs, strings and comments.
    """
    if not bindings:
        return query
    from sozialgraph.querying.guard import check_query

    where = check_query(query, max_bytes=len(query.encode("utf-8")) + 1).where_brace
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
