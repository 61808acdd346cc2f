"""Small HTTP helpers of the remote store: retries, the media type of an answer, RDF answers."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import httpx
import pyoxigraph as ox

from sozialgraph.errors import StoreUnavailable
from sozialgraph.store.sparql_protocol import READ_RETRY_DELAYS

_T = TypeVar("_T")


def with_retries(
    send: Callable[[], _T],
    retry_on: tuple[type[Exception], ...],
    but: type[Exception] | None = None,
) -> _T:
    """``send()``, again after short pauses on ``retry_on`` errors (never on ``but``)."""
    for delay in (*READ_RETRY_DELAYS, None):
        try:
            return send()
        except retry_on as error:
            if delay is None or (but is not None and isinstance(error, but)):
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")


def parse_rdf(content: bytes, media_type: str | None, server: str) -> Iterator[ox.Triple]:
    """The triples of an RDF answer of the server at ``server``."""
    fmt = ox.RdfFormat.from_media_type(media_type) if media_type else None
    if fmt is None:
        raise StoreUnavailable(
            f"the SPARQL server at {server} answered {media_type or '?'}, not RDF"
        )
    try:
        parsed = list(ox.parse(io.BytesIO(content), format=fmt))
    except SyntaxError as error:
        raise StoreUnavailable(f"the SPARQL server at {server} sent broken RDF: {error}") from error
    return (t.triple if isinstance(t, ox.Quad) else t for t in parsed)


def media_type(response: httpx.Response) -> str | None:
    header = response.headers.get("content-type")
    return header.split(";")[0].strip().lower() if header else None
