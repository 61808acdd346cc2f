"""What the web process asks of a query runner: plain data, so it pickles cheaply to a worker."""

from __future__ import annotations

from dataclasses import dataclass

from sozialgraph.errors import SozialgraphError

#: Results are spooled in memory up to this size, then in a temporary file.
SPOOL_MEMORY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class QueryJob:
    """Everything a worker needs; plain data so it pickles cheaply."""

    query: str
    media_type: str  # of the serialisation to produce
    checkpoint: str | None = None  # store directory to open read-only; None = empty store
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    use_dataset_clause: bool = False  # the query has FROM / FROM NAMED: no union default graph
    max_bytes: int = 50_000_000
    base_iri: str | None = None  # for relative IRIs in the query: the endpoint's URL


@dataclass(frozen=True)
class ParseJob:
    """Parse an uploaded RDF document; the worker answers with its triples as N-Triples.

    Uploads are parsed in a worker too: deeply nested input may overflow the parser's stack,
    and that must cost only the upload, never the server (RELIABILITY.md, point 5).
    """

    data: bytes
    media_type: str
    source: str = "upload"
    max_bytes: int = 200_000_000


class QueryCrashed(SozialgraphError):
    status = 400
    title = "Query failed"
