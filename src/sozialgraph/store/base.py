"""The ``GraphStore`` interface that the rest of the code talks to."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Protocol, TypeAlias

import pyoxigraph as ox

Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal
QueryResult: TypeAlias = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def as_term(value: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Term:
    """``value`` as a plain term: the project's graphs hold no RDF-star triple terms."""
    if isinstance(value, ox.Triple):
        raise TypeError(f"RDF-star triple terms are not supported: {value}")
    return value


class GraphStore(Protocol):
    """A quad store with named graphs; the default graph of queries is the union of all graphs."""

    def query(self, sparql: str, substitutions: Mapping[str, Term] | None = None) -> QueryResult:
        """Run a SPARQL query; ``substitutions`` bind variables to RDF terms (never pasted)."""
        ...

    def replace_graphs(
        self,
        graphs: Mapping[str, Sequence[ox.Triple]],
        metadata: Sequence[ox.Quad] = (),
    ) -> None:
        """Replace the named graphs (IRI → triples; empty = delete) and add metadata, atomically."""
        ...

    def rebuild(
        self, quads: Iterable[ox.Quad], check: Callable[[ox.Store], None] | None = None
    ) -> None:
        """Replace the whole dataset with ``quads`` atomically.

        ``check`` sees the new content in a pyoxigraph store before it is published; it may add
        quads, and raising stops the replacement.
        """
        ...

    def graph_names(self) -> list[str]:
        """IRIs of the named graphs."""
        ...

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """All quads, or the triples of one named graph as quads."""
        ...

    def dump(
        self,
        output: IO[bytes],
        fmt: ox.RdfFormat,
        graph: str | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        """Serialise the dataset (or one graph) with pyoxigraph's serialisers."""
        ...

    def version(self) -> str:
        """An opaque identifier that changes with every write (for ETags and caches)."""
        ...

    def is_empty(self) -> bool: ...

    def close(self) -> None: ...


def select_rows(store: GraphStore, query: str) -> list[dict[str, Term]]:
    """The rows of a SELECT query on ``store``, each a dict of the bound variables."""
    solutions = store.query(query)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError("select_rows() takes SELECT queries")
    names = [v.value for v in solutions.variables]
    rows: list[dict[str, Term]] = []
    for row in solutions:
        bound = {name: row[name] for name in names}
        rows.append({name: as_term(term) for name, term in bound.items() if term is not None})
    return rows


def serialize_quads(
    quads: Iterable[ox.Quad],
    output: IO[bytes],
    fmt: ox.RdfFormat,
    *,
    keep_graphs: bool = True,
    prefixes: dict[str, str] | None = None,
) -> None:
    """Write quads with pyoxigraph's serialiser; graph formats (and ``keep_graphs=False``) get
    the triples, all graphs merged."""
    if fmt.supports_datasets and keep_graphs:
        ox.serialize(quads, output, format=fmt, prefixes=prefixes)
    else:
        ox.serialize((q.triple for q in quads), output, format=fmt, prefixes=prefixes)
