"""The documents of the text index made from quads, without a query: inside a build.

A build streams every quad into the new generation (``build.py``); :class:`TextCollector`
watches that stream and keeps only what the index needs: the texts (the properties of
``search-documents.rq``) and the links the filter fields follow (classes, the strategy and
municipality paths of ``search-facets.rq`` and ``search-municipality.rq``). From these it makes
the same documents the named queries give on the finished store (tests compare both on Jena's
data and a generated town), in dictionaries instead of property paths: reading the finished
store through the three queries cost about as much CPU as loading it. The index is written
while the gate's generation is still private and published under the version that went live
(``live``); a build that fails leaves none.

Links are between resources: a literal at the end of a link is not followed (the shapes require
IRIs there).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import shutil
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox

from sozialgraph.namespaces import meta_graph_iri
from sozialgraph.publishing.forked import CAN_FORK, Forked
from sozialgraph.publishing.text_documents import (
    PROV_ACTIVITY,
    SHAPES_PREFIX,
    TEXT_PROPERTIES,
    Row,
    TextDocument,
    store_fingerprints,
    store_graph_sizes,
)
from sozialgraph.publishing.text_index import IndexFiles
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


class BuildIndex:
    """The text index made inside a build (``build.py``'s watcher).

    The texts and links are noted as the quads stream into the new generation; when the data
    are loaded (``loaded``), the documents and tantivy's files are made in a forked child (a
    thread where there is no fork) while the SHACL gate runs and the generation is written out;
    the build waits for them only when it went live. The few quads added after the gate
    (shapes, provenance) are noted apart: if any of them touches a noted resource, the index is
    made again from all notes (``prepare``). The files are published under the version that
    went live (``live``) or removed (``discard``).
    """

    def __init__(
        self, folder: Path, base_iri: str, max_quads: int | None = None, *, fork: bool = CAN_FORK
    ) -> None:
        self.folder = folder
        self.fork = fork  # the documents and tantivy's files made in a child process
        self.base_iri = base_iri
        self.meta = meta_graph_iri(base_iri)
        self.collector = TextCollector(base_iri, max_quads)
        self._data: TextCollector | None = None
        self._thread: threading.Thread | None = None
        #: set by the thread once the data graphs' sizes and the noted nodes are known
        self._known = threading.Event()
        self._nodes: set[str] = set()
        self._made: IndexFiles | BaseException | None = None
        self._sizes: list[Row] | None = None  # of the data graphs, read beside the gate
        self._fingerprints: dict[str, str] = {}
        self._files: IndexFiles | None = None
        self._failed = False  # prepare failed: nothing to publish
        self.overflowed = False  # too large to note: no index from this build
        #: wall and CPU seconds of the parts (CPU of the thread that made the documents)
        self.seconds: dict[str, float] = {}

    def watch(self, quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
        return self.collector.watch(quads)

    def skipped(self, graph: str) -> bool:
        """Graphs whose texts are not indexed: the metadata and the shapes (as the server)."""
        return graph == self.meta or graph.startswith(SHAPES_PREFIX)

    def loaded(
        self, fresh: ox.Store | None = None, counts: Mapping[str, int] | None = None
    ) -> None:
        """Every data quad went by (into ``fresh``; ``counts``: the triples the build read per
        graph): make the index from them while the gate runs (none of a build too large to
        note: the server makes it after the switch)."""
        if self.collector.overflowed:
            self.overflowed = True
            return
        if fresh is not None and counts and sum(counts.values()) == len(fresh):
            # no triple twice: the counts are the graphs' sizes, and no query need count them
            # beside the gate (it would hold the GIL the gate's queries need)
            self._sizes = [(ox.NamedNode(g), ox.Literal(str(n))) for g, n in counts.items() if n]
            fresh = None
        self._data, self.collector = self.collector, TextCollector(self.base_iri)
        self._data.finished()
        notes = self._data
        # (the child's notes are a copy-on-write copy; it touches neither the store nor a lock)
        child = Forked(lambda: self._written_in_child(notes)) if self.fork else None
        self._known.clear()
        self._thread = threading.Thread(
            target=self._make, args=(notes, fresh, child), name="text-index", daemon=True
        )
        self._thread.start()

    def _make(self, notes: TextCollector, fresh: ox.Store | None, child: Forked | None) -> None:
        try:
            try:
                if fresh is not None:  # the data graphs' sizes, counted beside the gate too
                    started = time.perf_counter()
                    self._sizes = store_graph_sizes(fresh)
                    self.seconds["sizes"] = time.perf_counter() - started
                self._nodes = notes.nodes()
            finally:
                self._known.set()
            if child is None:
                self._made = self._write(notes)
                return
            answer = child.result()
            self.seconds.update(answer["seconds"])
            self._made = IndexFiles(self.folder, Path(answer["temporary"]), {}, answer["documents"])
        except BaseException as error:  # handed to prepare or live, in the build's thread
            self._made = error

    def _written_in_child(self, notes: TextCollector) -> dict[str, object]:
        files = self._write(notes)
        return {"temporary": str(files.temporary), "documents": files.documents,
                "seconds": self.seconds}  # fmt: skip

    def _write(self, notes: TextCollector) -> IndexFiles:
        started, cpu = time.perf_counter(), time.thread_time()
        with _without_cycle_collection():
            documents = notes.documents(self.skipped)
            mark, mark_cpu = time.perf_counter(), time.thread_time()
            files = IndexFiles.write(self.folder, {}, documents, threads=1)
        self.seconds.update(
            documents=mark - started,
            documents_cpu=mark_cpu - cpu,
            write=time.perf_counter() - mark,
            write_thread_cpu=time.thread_time() - mark_cpu,  # without tantivy's threads
        )
        return files

    def prepare(self, fresh: ox.Store) -> None:
        """The gate passed: the fingerprints of the new generation (not yet live), and the
        index made again if the quads added since matter to it. The index made beside the gate
        is waited for only in ``live``: it may go on while the generation is written out. A
        failure here does not stop the build: the server makes the index from the store later."""
        if self.overflowed:
            return
        try:
            if self._thread is None:  # not told when the data were loaded: all at once
                self._files = self._write(self.collector)
            else:
                self._known.wait()
                if self._touched(self.collector):
                    self._drop(self._join())
                    assert self._data is not None
                    self._files = self._write(self._data.merged(self.collector))
                    self.seconds["made_again"] = 1.0
            started = time.perf_counter()
            self._fingerprints = store_fingerprints(fresh, self._sizes)
            self.seconds["fingerprints"] = time.perf_counter() - started
        except Exception:
            log.exception("search: the build could not make the text index; the server will")
            self.discard()
            self._failed = True
        finally:
            self._data, self.collector = None, TextCollector(self.base_iri)
            self._sizes, self._nodes = None, set()

    def _touched(self, extra: TextCollector) -> bool:
        """Whether the quads added after the gate (``extra``) change a document."""
        base, nodes = self.base_iri, self._nodes
        texts = any(
            not self.skipped(graph) and iri.startswith(base) and not iri.startswith(SHAPES_PREFIX)
            for iri, graph, *_ in extra.texts
        )
        return texts or any(  # a class is not followed: only a typed resource is touched
            subject in nodes or (kind != "type" and target in nodes)
            for kind, pairs in extra.links.items()
            for subject, target in pairs
        )

    def _join(self) -> IndexFiles | BaseException | None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        made, self._made = self._made, None
        return made

    def live(self, version: str) -> Path | None:
        """The new generation went live as ``version``: publish its index under that name
        (waiting for the index made beside the gate)."""
        files, self._files = self._files, None
        failed, self._failed = self._failed, False
        try:
            if files is None and not failed and not self.overflowed:
                made = self._join()
                if isinstance(made, BaseException):
                    raise made
                files = made
            if files is None:
                return None
            files.fingerprints = self._fingerprints
            return files.publish(version)
        except Exception:  # the build itself succeeded: the server makes the index later
            log.exception("search: the build's text index could not be made or published")
            self.discard()
            return None

    def discard(self) -> None:
        self._drop(self._join())  # a failed gate: the thread ends before its files go
        files, self._files = self._files, None
        self._drop(files)

    @staticmethod
    def _drop(made: IndexFiles | BaseException | None) -> None:
        if isinstance(made, IndexFiles):
            shutil.rmtree(made.temporary, ignore_errors=True)


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
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
    with _without_cycle_collection():
        return notes_of_store(store, base_iri).documents(skip_graphs.__contains__)


def facet_digests_of_store(store: ox.Store, base_iri: str, iris: Iterable[str]) -> dict[str, str]:
    """``facet_digests`` on an open store, from its links by pattern."""
    with _without_cycle_collection():
        fields = FilterFields(notes_of_store(store, base_iri, texts=False).links)
        digests = {}
        for iri in iris:
            types, strategies, places = fields.of(iri)
            digests[iri] = TextDocument(iri, set(), [], types, strategies, places).facet_digest()
        return digests
