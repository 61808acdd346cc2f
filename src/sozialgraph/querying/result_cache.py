"""Small SPARQL results, cached per store version and served with ETags.

The key includes the store's version, so every write makes earlier entries unreachable; queries
that use NOW(), RAND(), UUID(), STRUUID() or BNODE() are never cached.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence

MAX_ENTRY_BYTES = 512 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024


def cache_key(
    version: str,
    query: str,
    media_type: str,
    default_graphs: Sequence[str],
    named_graphs: Sequence[str],
    base_iri: str | None,
) -> str:
    parts = [version, query, media_type, *default_graphs, "|", *named_graphs, "|", base_iri or ""]
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def etag_for(key: str) -> str:
    return f'"{key[:32]}"'


#: Response headers kept with a body (raw ASGI pairs).
RawHeaders = list[tuple[bytes, bytes]]
#: As kept: a tuple, so that an entry of bytes and tuples holds no list and the garbage collector
#: stops tracking it (a full cache would otherwise make every full collection long).
KeptHeaders = tuple[tuple[bytes, bytes], ...]


class ResultCache:
    """An LRU of serialised results (with the headers that go with them), bounded in bytes."""

    def __init__(self, max_total: int = MAX_TOTAL_BYTES) -> None:
        self.max_total = max_total
        self.size = 0
        self._entries: OrderedDict[str, tuple[bytes, KeptHeaders]] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        found = self.entry(key)
        return found[0] if found is not None else None

    def entry(self, key: str) -> tuple[bytes, KeptHeaders] | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: str, body: bytes, headers: RawHeaders | None = None) -> None:
        if len(body) > MAX_ENTRY_BYTES or key in self._entries:
            return
        self._entries[key] = (body, tuple(headers) if headers else ())
        self.size += len(body)
        while self.size > self.max_total:
            _, (dropped, _) = self._entries.popitem(last=False)
            self.size -= len(dropped)
