"""Lookups that are provably small, run in the web process instead of a query worker.

A worker round trip (pipe, pickling, a second process's scheduling) costs more than a lookup of
one triple pattern itself (~30 µs in pyoxigraph). :func:`is_small_lookup` recognises, from the
text alone, the queries whose cost is bounded by the indexes: one triple pattern, nothing else
(no FILTER, OPTIONAL, UNION, paths, subqueries, dataset clauses, ORDER BY or OFFSET), and

- a bound subject and predicate (the answer is that subject's values of that predicate), or
- a ``LIMIT`` of at most :data:`MAX_LIMIT` without ``DISTINCT``/``REDUCED`` (the scan stops
  after that many solutions), or
- ``ASK`` (stops at the first solution).

Such a query runs on a read-only checkpoint of the store's current version (the one the workers
read), in the event loop's thread: it is shorter than a hop to a thread pool. Anything unexpected
(a syntax error, an undeclared prefix, a result over the size limit) falls back to the worker
path, which reports it as it always does.
"""

from __future__ import annotations

import functools
import io
import re
from typing import IO

import pyoxigraph as ox

MAX_LIMIT = 1_000

_IRI = r"<[^<>\"{}|^`\\\s]*>"
_PNAME = r"(?:[A-Za-z][\w-]*(?:\.[\w-]+)*)?:(?:[\w-]+(?:\.[\w-]+)*)?"
_VAR = r"[?$]\w+"
_STRING = (
    r"(?:\"(?:[^\"\\\n\r]|\\.)*\"|'(?:[^'\\\n\r]|\\.)*')"
    rf"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^(?:{_IRI}|{_PNAME}))?"
)
_NUMBER = r"[+-]?\d+(?:\.\d+)?"
# Between two terms: white space, or none after an IRI or a literal's closing quote.
_GAP = r"(?:\s+|(?<=[>\"'])\s*)"
#: The whole query: prefixes, SELECT or ASK, one triple pattern, at most a LIMIT. Nothing else
#: (no comments, functions, paths, nesting) can match, so the guard's own checks hold too.
#: Only the keywords ignore case (``(?i:…)``): case-blind matching of the IRIs' character classes
#: took twice the time; the keyword ``a`` is lower case in SPARQL.
SMALL_LOOKUP = re.compile(
    rf"""\s*(?:(?i:PREFIX)\s+(?:[A-Za-z][\w-]*(?:\.[\w-]+)*)?:\s*{_IRI}\s*)*
    (?:(?P<select>(?i:SELECT))\s+(?P<distinct>(?i:DISTINCT|REDUCED)\s+)?(?:(?:{_VAR}\s*)+|\*\s*)
      |(?P<ask>(?i:ASK))\s*)
    (?:(?i:WHERE)\s*)?
    (?P<brace>\{{)\s*
    (?P<s>{_IRI}|{_PNAME}|{_VAR}){_GAP}
    (?P<p>{_IRI}|{_PNAME}|{_VAR}|a(?=\s)){_GAP}
    (?P<o>{_IRI}|{_PNAME}|{_VAR}|{_STRING}|{_NUMBER})\s*(?:\.\s*)?\}}
    \s*(?:(?i:LIMIT)\s+(?P<limit>\d+)\s*)?""",
    re.VERBOSE,
)


def small_lookup(text: str) -> re.Match[str] | None:
    """The match of a query whose cost the indexes bound (see the module's text), else None;
    its ``brace`` group is where the WHERE clause opens, its ``select``/``ask`` group the form."""
    found = SMALL_LOOKUP.fullmatch(text)
    if found is None:
        return None
    if found.group("ask"):
        return None if found.group("limit") else found
    bound = found.group("s")[0] not in "?$" and found.group("p")[0] not in "?$"
    limit = found.group("limit")
    if bound or (limit is not None and int(limit) <= MAX_LIMIT and not found.group("distinct")):
        return found
    return None


@functools.lru_cache(maxsize=16)  # a handful of media types
def _result_format(media_type: str) -> ox.QueryResultsFormat | None:
    return ox.QueryResultsFormat.from_media_type(media_type)


def is_small_lookup(text: str) -> bool:
    return small_lookup(text) is not None


class InlineLookups:
    """Runs small lookups on a read-only checkpoint, opened once per checkpoint."""

    def __init__(self) -> None:
        self._opened: tuple[str, ox.Store] | None = None

    def run(
        self, checkpoint: str, query: str, media_type: str, base_iri: str | None, max_bytes: int
    ) -> IO[bytes] | None:
        """The serialised result, rewound; None when the worker path must answer instead."""
        body = self.answer(checkpoint, query, media_type, base_iri, max_bytes)
        return io.BytesIO(body) if body is not None else None

    def answer(
        self, checkpoint: str, query: str, media_type: str, base_iri: str | None, max_bytes: int
    ) -> bytes | None:
        """The serialised result; None when the worker path must answer instead."""
        try:
            if self._opened is None or self._opened[0] != checkpoint:
                self._opened = (checkpoint, ox.Store.read_only(checkpoint))
            store = self._opened[1]
            fmt = _result_format(media_type)
            if fmt is None:
                return None
            result = store.query(query, base_iri=base_iri, use_default_graph_as_union=True)
            if isinstance(result, ox.QueryTriples):
                return None
            # Into bytes, not a file object: pyoxigraph then makes no Python call per chunk.
            body = result.serialize(format=fmt)
        except (SyntaxError, OSError, ValueError, TypeError):
            return None
        if body is None or len(body) > max_bytes:
            return None
        return body
