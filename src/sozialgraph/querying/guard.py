"""Guard before parse: refuse what could crash, hang or reach out, in linear time.

pyoxigraph's parser overflows its stack on deep nesting and long chains (the process dies),
and ``SERVICE`` makes outgoing requests that Python cannot see (RELIABILITY.md, points 1–2).
The endpoint's policy runs on the store's lexical scan (``store/sparql_scan.py``) in the web
process, before any query reaches pyoxigraph.
"""

from __future__ import annotations

from typing import NamedTuple

from sozialgraph.errors import PayloadTooLarge, QueryRefused
from sozialgraph.querying.inline import small_lookup
from sozialgraph.store.sparql_scan import scan_query

MAX_DEPTH = 64
MAX_CHAIN = 1_000  # UNION, OPTIONAL, MINUS, &&, ||, path steps, each
MAX_TOKENS = 50_000
SMALL_LOOKUP_BYTES = 2_048  # longer texts are never taken for small lookups (not even looked at)

FORBIDDEN = {
    "SERVICE": (
        "SERVICE (federated query) is not allowed: this endpoint makes no outgoing requests."
    ),
    "LOAD": "LOAD is not allowed: this endpoint makes no outgoing requests.",
}


class GuardedQuery(NamedTuple):
    """A query that passed the guard, with its form (SELECT, ASK, CONSTRUCT, DESCRIBE). (A named
    tuple: made for every new query text, and a frozen dataclass costs ~1 µs more to make.)"""

    text: str
    form: str | None
    where_brace: int | None  # offset of the first top-level '{' (for VALUES injection)
    has_dataset_clause: bool = False  # FROM / FROM NAMED in the query
    deterministic: bool = True  # no NOW(), RAND(), UUID(), STRUUID(), BNODE(): cacheable
    small_lookup: bool = False  # provably cheap: may run in the web process (querying.inline)


def check_query(text: str, *, max_bytes: int = 100_000) -> GuardedQuery:
    """Refuse oversize, deeply nested, over-long, federated or update requests; else pass."""
    size = len(text) if text.isascii() else len(text.encode("utf-8"))  # no copy for ASCII
    if size > max_bytes:
        raise PayloadTooLarge(f"the query has {size} bytes; at most {max_bytes} are accepted")
    if size <= SMALL_LOOKUP_BYTES:
        lookup = small_lookup(text)
        if lookup is not None:  # its grammar admits nothing the checks below refuse
            return GuardedQuery(
                text=text,
                form="ASK" if lookup.group("ask") else "SELECT",
                where_brace=lookup.start("brace"),
                small_lookup=True,
            )
    scan = scan_query(text)
    if scan.stray_escape is not None:
        raise QueryRefused(f"escape sequence outside a string at offset {scan.stray_escape}")
    if scan.depth > MAX_DEPTH:
        offset = scan.depth_offsets[MAX_DEPTH]
        raise QueryRefused(
            f"the query nests brackets more than {MAX_DEPTH} levels deep (offset {offset})"
        )
    for operator, count in scan.chains.items():
        if count > MAX_CHAIN:
            raise QueryRefused(f"the query uses '{operator}' more than {MAX_CHAIN} times")
    if scan.tokens > MAX_TOKENS:
        raise QueryRefused(f"the query is too long: more than {MAX_TOKENS} tokens")
    if scan.outgoing is not None:
        raise QueryRefused(FORBIDDEN[scan.outgoing])
    if scan.update is not None and scan.form is None:
        raise QueryRefused(f"{scan.update} is SPARQL Update; this endpoint only answers queries")
    return GuardedQuery(
        text=text,
        form=scan.form,
        where_brace=scan.where_brace,
        has_dataset_clause=scan.has_dataset_clause,
        deterministic=scan.deterministic,
    )
