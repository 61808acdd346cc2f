"""One content-negotiation helper for /sparql, the IRIs, the catalog, the Graph Store and the API.

Media types, file suffixes, ``format=`` names and the aliases clients send come from the format
registry (``sozialgraph.formats``); the header is parsed by ``web.accept``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from sozialgraph.errors import NotAcceptable
from sozialgraph.formats import (
    BY_MEDIA_TYPE,
    CSV,
    GRAPH_TYPES,
    HTML,
    JSON,
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    RDF_XML,
    RESULT_TYPES,
    SPARQL_JSON,
    SPARQL_XML,
    TRIG,
    TSV,
    TURTLE,
    by_name,
)
from sozialgraph.web.accept import preferences

__all__ = [
    "CSV",
    "GRAPH_TYPES",
    "HTML",
    "JSON",
    "JSON_LD",
    "N_QUADS",
    "N_TRIPLES",
    "RDF_XML",
    "RESULT_TYPES",
    "SPARQL_JSON",
    "SPARQL_XML",
    "TRIG",
    "TSV",
    "TURTLE",
    "MediaRange",
    "negotiate",
    "parse_accept",
    "prefers_html",
    "suffix",
]


def suffix(media_type: str) -> str:
    """The file suffix of a registered format (``text/turtle`` → ``ttl``)."""
    return BY_MEDIA_TYPE[media_type].suffix


@dataclass(frozen=True)
class MediaRange:
    """One media range of an ``Accept`` header, as the client wrote it."""

    type: str
    subtype: str
    q: float
    order: int
    original: str = ""

    def matches(self, media_type: str) -> bool:
        # The type as written matches first (an offered "application/json", the JSON API, is
        # what "application/json" asks for); then the aliases of the offered format
        # ("application/json" also means SPARQL JSON or JSON-LD, "text/plain" N-Triples).
        if media_type == self.original:
            return True
        fmt = BY_MEDIA_TYPE.get(media_type)
        if fmt is not None and self.original in fmt.aliases:
            return True
        kind, _, sub = media_type.partition("/")
        return (self.type in ("*", kind)) and (self.subtype in ("*", sub))

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str | None) -> list[MediaRange]:
    ranges = []
    for preference in preferences(header):
        kind, _, sub = preference.token.partition("/")
        ranges.append(
            MediaRange(kind, sub or "*", preference.q, preference.order, preference.token)
        )
    return ranges


def negotiate(accept: str | None, offered: Sequence[str], format_name: str | None = None) -> str:
    """The best of ``offered`` (first = default) for the Accept header, or 406."""
    return _negotiate(accept, tuple(offered), format_name)


@functools.lru_cache(maxsize=1024)  # clients send few distinct Accept headers
def _negotiate(accept: str | None, offered: tuple[str, ...], format_name: str | None) -> str:
    if format_name:
        wanted = by_name(format_name, offered)
        if wanted is not None:
            return wanted
        raise NotAcceptable(
            f"format '{format_name}' is not available here; available: {', '.join(offered)}"
        )
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for index, media_type in enumerate(offered):
        matching = [r for r in ranges if r.matches(media_type)]
        if not matching:
            continue
        top = max(matching, key=lambda r: (r.specificity, -r.order))
        if top.q <= 0:
            continue
        key = (top.q, top.specificity, -top.order, -index)
        if best is None or key > best:
            best, chosen = key, media_type
    if chosen is None:
        raise NotAcceptable(
            f"none of the requested types ({accept}) is available; available: {', '.join(offered)}"
        )
    return chosen


def prefers_html(accept: str | None) -> bool:
    """Whether a client (a browser) asks for HTML before any RDF or results format."""
    try:
        return negotiate(accept, (HTML, *RESULT_TYPES, *GRAPH_TYPES)) == HTML and "html" in (
            accept or ""
        )
    except NotAcceptable:
        return False
