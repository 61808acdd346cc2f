"""The notes the text index is made from: texts and links, taken from quads as they go by.

A build streams every quad into the new generation (``build.py``); :class:`TextCollector`
watches that stream and keeps only what the index needs: the texts (the properties of
``search-documents.rq``) and the links the filter fields follow (classes, the strategy and
municipality paths of ``search-facets.rq`` and ``search-municipality.rq``). From these it makes
the same documents the named queries give on the finished store (tests compare both on Jena's
data and a generated town), in dictionaries instead of property paths: reading the finished
store through the three queries cost about as much CPU as loading it. The server makes a whole
index of an embedded store from the same notes, read by pattern (:func:`documents_of_store`).

Links are between resources: a literal at the end of a link is not followed (the shapes require
IRIs there).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Generator, Iterable, Iterator

import pyoxigraph as ox

from sozialgraph.publishing.text_documents import (
    PROV_ACTIVITY,
    SHAPES_PREFIX,
    TEXT_PROPERTIES,
    TextDocument,
)
from sozialgraph.publishing.text_links import LINKS, FilterFields, Pairs

log = logging.getLogger("sozialgraph.search")

_TEXT = "text"
_KIND = {**{p: _TEXT for p in TEXT_PROPERTIES}, **LINKS}


class TextCollector:
    """What the index needs of the quads of a new generation, gathered as they stream by."""

    def __init__(self, base_iri: str, limit: int | None = None) -> None:
        self.base_iri = base_iri
        #: quads noted at most; past it the notes are dropped (``overflowed``) and quads only
        #: pass by, so that a large build's memory stays flat
        self.limit = limit
        self.seen = 0
        self.overflowed = False
        #: (resource, graph, property, language, text)
        self.texts: list[tuple[str, str, str, str, str]] = []
        self.links: dict[str, Pairs] = defaultdict(list)
        self._shared: dict[str, str] = {}

    def watch(self, quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
        """``quads`` unchanged, noting on the way the texts and links among them (up to
        ``limit`` quads in all: past it, nothing)."""
        if self.overflowed:
            yield from quads
            return
        if self.limit is None:
            yield from self._noted(quads)
            return
        rest = iter(quads)
        self.seen += yield from self._noted(itertools.islice(rest, self.limit - self.seen + 1))
        if self.seen > self.limit:
            self.overflowed = True
            self.texts, self.links, self._shared = [], defaultdict(list), {}
            log.info("search: a build of over %d quads leaves its index to the server", self.limit)
            yield from rest

    def _noted(self, quads: Iterable[ox.Quad]) -> Generator[ox.Quad, None, int]:
        """``quads`` unchanged, their texts and links noted; returns how many went by."""
        count = 0
        kinds = _KIND
        texts = self.texts
        links = self.links
        # one string per IRI, graph and property (each quad's values are new objects): the
        # notes of 1M triples take 79 MB instead of 183 MB
        shared = self._shared
        literal, named = ox.Literal, ox.NamedNode
        nodes = (ox.NamedNode, ox.BlankNode)
        for quad in quads:
            prop = quad.predicate.value
            kind = kinds.get(prop)
            if kind is not None:
                value, subject, graph = quad.object, quad.subject, quad.graph_name
                if type(graph) is not named:  # as GRAPH ?g and the union of named graphs
                    pass
                elif kind is _TEXT:
                    if type(value) is literal and type(subject) is named:
                        iri, name = subject.value, graph.value
                        texts.append(
                            (
                                shared.setdefault(iri, iri),
                                shared.setdefault(name, name),
                                shared.setdefault(prop, prop),
                                value.language or "",
                                value.value,
                            )
                        )
                elif type(subject) in nodes and (
                    type(value) in nodes or (kind == "type" and type(value) is literal)
                ):
                    start, end = subject.value, value.value  # type: ignore[union-attr]
                    links[kind].append(
                        (shared.setdefault(start, start), shared.setdefault(end, end))
                    )
            count += 1
            yield quad
        return count

    def finished(self) -> None:
        """No more quads: the strings need not be looked up any more."""
        self._shared = {}

    def documents(self, skipped: Callable[[str], bool]) -> dict[str, TextDocument]:
        """The documents, as ``read_documents`` makes them from the finished store (without
        the texts of graphs that are ``skipped``)."""
        base = self.base_iri
        grouped: dict[str, tuple[set[str], list[tuple[str, str, str]]]] = {}
        graphs: dict[str, bool] = {}  # per graph: left out?
        for iri, graph, prop, language, text in self.texts:
            left_out = graphs.get(graph)
            if left_out is None:
                left_out = graphs[graph] = skipped(graph)
            if left_out:
                continue
            entry = grouped.get(iri)
            if entry is None:
                if not iri.startswith(base) or iri.startswith(SHAPES_PREFIX):
                    continue
                entry = grouped[iri] = (set(), [])
            entry[0].add(graph)
            entry[1].append((prop, language, text))
        fields = FilterFields(self.links)
        documents = {}
        for iri, (in_graphs, texts) in grouped.items():
            types, strategies, places = fields.of(iri)
            if PROV_ACTIVITY not in types:
                documents[iri] = TextDocument(iri, in_graphs, texts, types, strategies, places)
        return documents

    def nodes(self) -> set[str]:
        """Every resource the noted links touch, and every resource with a noted text."""
        found = {iri for iri, *_ in self.texts}
        for pairs in self.links.values():
            for subject, target in pairs:
                found.add(subject)
                found.add(target)
        return found

    def merged(self, other: TextCollector) -> TextCollector:
        both = TextCollector(self.base_iri)
        both.texts = [*self.texts, *other.texts]
        for kind in {*self.links, *other.links}:
            both.links[kind] = [*self.links.get(kind, ()), *other.links.get(kind, ())]
        return both


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused: making the documents allocates a few hundred thousand
    sets and lists that live until the index is written, and at 1M triples the collector's
    repeated passes over them took more time than the documents themselves (1.3 of 2.2 s)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def notes_of_store(store: ox.Store, base_iri: str, *, texts: bool = True) -> TextCollector:
    """The notes a build makes, read from a finished store by pattern (no query)."""
    collector = TextCollector(base_iri)
    for prop, kind in _KIND.items():
        if kind is _TEXT and not texts:
            continue
        for _ in collector.watch(store.quads_for_pattern(None, ox.NamedNode(prop), None, None)):
            pass
    return collector


def documents_of_store(
    store: ox.Store, base_iri: str, skip_graphs: set[str]
) -> dict[str, TextDocument]:
    """``read_documents`` of everything, on an open store: the texts and links by pattern,
    about half the CPU of the three queries (their property paths with free ends)."""
    with without_cycle_collection():
        return notes_of_store(store, base_iri).documents(skip_graphs.__contains__)


def facet_digests_of_store(store: ox.Store, base_iri: str, iris: Iterable[str]) -> dict[str, str]:
    """``facet_digests`` on an open store, from its links by pattern."""
    with without_cycle_collection():
        fields = FilterFields(notes_of_store(store, base_iri, texts=False).links)
        digests = {}
        for iri in iris:
            types, strategies, places = fields.of(iri)
            digests[iri] = TextDocument(iri, set(), [], types, strategies, places).facet_digest()
        return digests
