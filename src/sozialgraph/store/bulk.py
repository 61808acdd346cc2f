"""Loading a new generation: files parsed by the store itself, two at a time; quads in batches.

pyoxigraph's ``bulk_extend`` holds the GIL while it sorts and writes (one core, most of a build's
load); ``bulk_load`` of a file's bytes parses and writes without it, so two threads load two
files at once while this thread parses each in Python too, for what the build notes on the way
(counts, the text index). A build hands its data files over as :class:`BulkData`: an embedded
store loads them so, any other store iterates the same quads.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

import pyoxigraph as ox

LOAD_BATCH = 200_000  # quads per bulk_extend of a new generation (~150 MB of Python objects)
LOAD_THREADS = 2  # files loaded at once (the machine's cores)

Watch = Callable[[Iterable[ox.Quad]], Iterator[ox.Quad]]


class BulkFile(Protocol):
    """A file of a new generation."""

    @property
    def graph(self) -> str:
        """The IRI of its named graph."""
        ...

    @property
    def store_parses(self) -> bool:
        """Whether the store's own parser gives the same quads (else they go through Python)."""
        ...

    def read(self) -> bytes:
        """The file's content."""
        ...

    def quads(self, content: bytes) -> Iterator[ox.Quad]:
        """Its quads, parsed in Python; errors name the file, line and column."""
        ...

    def load(self, store: ox.Store, content: bytes) -> None:
        """Load ``content`` with the store's parser (``Store.bulk_load``, without the GIL)."""
        ...

    @property
    def rewritten(self) -> bool:
        """After ``quads``: whether they differ from what the store's parser reads (rebased)."""
        ...


class BulkData:
    """The content of a new generation: ``extra`` quads and the quads of ``files``, each seen
    by ``watch`` on the way in. Iterating gives every quad (as a remote store takes them);
    :func:`load_generation` loads the files with the store's parser instead."""

    def __init__(
        self,
        extra: Iterable[ox.Quad],
        files: Sequence[BulkFile],
        watch: Watch | None = None,
    ) -> None:
        self.extra = extra
        self.files = files
        self.watch = watch

    def _noted(self, quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
        return self.watch(quads) if self.watch is not None else iter(quads)

    def __iter__(self) -> Iterator[ox.Quad]:
        yield from self._noted(self.extra)
        for file in self.files:
            yield from self._noted(file.quads(file.read()))


def load_generation(store: ox.Store, content: Iterable[ox.Quad]) -> None:
    """Write ``content`` into the fresh store of a new generation, in bounded memory."""
    if not isinstance(content, BulkData):
        _in_batches(store, content)
        return
    _in_batches(store, content._noted(content.extra))
    with ThreadPoolExecutor(LOAD_THREADS) as pool:
        pending: deque[Future[None]] = deque()
        for file in content.files:
            data = file.read()
            if not file.store_parses:
                _in_batches(store, content._noted(file.quads(data)))
                continue
            loading = pool.submit(file.load, store, data)
            pending.append(loading)
            blank = False
            for quad in content._noted(file.quads(data)):  # meanwhile: counted and watched
                blank = blank or _has_blank_node(quad)
            if blank or file.rewritten:  # the store's parser names blank nodes anew (and
                # knows no rebasing): the quads as noted replace what it loaded
                loading.result()
                store.remove_graph(ox.NamedNode(file.graph))
                _in_batches(store, file.quads(data))
            while len(pending) > LOAD_THREADS:  # a few files in memory at most
                pending.popleft().result()
        for loading in pending:
            loading.result()


def _has_blank_node(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def _in_batches(store: ox.Store, quads: Iterable[ox.Quad]) -> None:
    # One bulk_extend of everything holds up to millions of quads in memory (1 GB at 1M
    # triples); batches keep a build's memory flat, at about the same speed.
    iterator = iter(quads)
    while batch := list(itertools.islice(iterator, LOAD_BATCH)):
        store.bulk_extend(batch)
        del batch
