"""Serialised feeds and event-stream pages of one journal version, kept for the app.

One cache per kind of artefact lives on the app (``app.state``, made when the app starts), never
in a module: two apps in one process (tests, a second server) share nothing. Entries belong to a
journal version: when a newer version is asked for, the older entries go; a request still
answering from an older version gets its artefact made but not kept.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

Value = TypeVar("Value")
#: Entries kept per cache (feeds of many resources, pages in three formats).
ENTRIES = 256


@dataclass(frozen=True)
class Artefact:
    """A serialised feed or page with its ETag (hashed once, not at every hit)."""

    body: bytes
    etag: str
    updated: float | None = None  # the newest entry's time (feeds), as a POSIX timestamp

    @classmethod
    def of(cls, body: bytes, updated: float | None = None) -> Artefact:
        return cls(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', updated)


class VersionedCache(Generic[Value]):
    """A small LRU of artefacts of the newest journal version seen (thread-safe)."""

    def __init__(self, entries: int = ENTRIES) -> None:
        self.entries = entries
        self.version = -1
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[tuple[str, ...], Value] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: int, key: tuple[str, ...], make: Callable[[], Value]) -> Value:
        """The artefact ``key`` of ``version``: kept, or made now by ``make()`` (not locked)."""
        with self._lock:
            if version > self.version:
                self._items.clear()
                self.version = version
            if version == self.version and key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        value = make()
        with self._lock:
            if version == self.version:
                self._items[key] = value
                while len(self._items) > self.entries:
                    self._items.popitem(last=False)
        return value

    def peek(self, version: int, key: tuple[str, ...]) -> Value | None:
        """The kept artefact, if any: a hit is answered without a thread hop."""
        with self._lock:
            if version != self.version or key not in self._items:
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return self._items[key]

    def __len__(self) -> int:
        return len(self._items)
