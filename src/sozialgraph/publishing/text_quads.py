"""The text index made inside a build, from the quads it streams (no query on the finished store).

The build's watcher notes the texts and links as the quads stream into the new generation
(``text_notes.py``). The index is written while the gate's generation is still private and
published under the version that went live (``live``); a build that fails leaves none.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from sozialgraph.namespaces import meta_graph_iri
from sozialgraph.publishing.forked import CAN_FORK, Forked, Inbox, ThreadInbox
from sozialgraph.publishing.text_documents import (
    SHAPES_PREFIX,
    Row,
    store_fingerprints,
    store_graph_sizes,
)
from sozialgraph.publishing.text_index import IndexFiles, Prepared
from sozialgraph.publishing.text_notes import TextCollector, without_cycle_collection

log = logging.getLogger("sozialgraph.search")

#: The worker's answer when the quads added after the gate touch one of its documents.
_TOUCHED = "touched"


class BuildIndex:
    """The text index made inside a build (``build.py``'s watcher).

    The texts and links are noted as the quads stream into the new generation. When the data
    are loaded (``loaded``), a forked child (a thread where there is no fork) makes the
    documents, tantivy's documents and their digests while the SHACL gate runs, and waits for
    the gate: tantivy's files are written only once it passed (``prepare``), while the
    generation is written out and one core is free, and none when it failed. The few quads
    added after the gate (provenance) are noted apart and told to the worker: if any of them
    touches a noted resource, the index is made again from all notes (in ``live``). The build
    waits for the files only when it went live (``live``), and publishes them under that
    version, or removes them (``discard``).
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
        self._extra: TextCollector | None = None  # noted after the gate
        self._thread: threading.Thread | None = None
        self._child: Forked | None = None
        self._inbox: ThreadInbox | None = None
        self._known = threading.Event()  # set once the data graphs' sizes are known
        self._made: IndexFiles | BaseException | str | None = None
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
        if self.fork:
            self._child = Forked(lambda inbox: self._in_worker(notes, inbox))
        else:
            self._inbox = ThreadInbox()
        self._known.clear()
        self._thread = threading.Thread(
            target=self._make, args=(notes, fresh), name="text-index", daemon=True
        )
        self._thread.start()

    def _make(self, notes: TextCollector, fresh: ox.Store | None) -> None:
        try:
            try:
                if fresh is not None:  # the data graphs' sizes, counted beside the gate too
                    started = time.perf_counter()
                    self._sizes = store_graph_sizes(fresh)
                    self.seconds["sizes"] = time.perf_counter() - started
            finally:
                self._known.set()
            if self._child is not None:
                answer = self._child.result()
            else:
                assert self._inbox is not None
                answer = self._in_worker(notes, self._inbox)
            self.seconds.update(answer["seconds"])
            if answer["touched"]:
                self._made = _TOUCHED
            elif answer["temporary"] is not None:
                temporary = Path(answer["temporary"])
                self._made = IndexFiles(self.folder, temporary, {}, answer["documents"])
        except BaseException as error:  # handed to prepare or live, in the build's thread
            self._made = error

    def _in_worker(self, notes: TextCollector, inbox: Inbox) -> dict[str, Any]:
        """In the child (or thread): everything but tantivy's files while the gate runs; the
        files once the parent told that it passed and which resources it added after it."""
        seconds: dict[str, float] = {}
        started, cpu = time.perf_counter(), time.thread_time()
        with without_cycle_collection():
            prepared = Prepared.of(notes.documents(self.skipped))
            seconds.update(documents=time.perf_counter() - started)
            seconds.update(documents_cpu=time.thread_time() - cpu)
            mark = time.perf_counter()
            added = inbox.get()  # waits for the gate
            seconds["waited"] = time.perf_counter() - mark
            answer: dict[str, Any] = {"temporary": None, "touched": False, "seconds": seconds}
            if added is None:  # the gate failed, or the build stopped
                return answer
            if _touches(notes, added):
                answer["touched"] = True
                return answer
            mark, mark_cpu = time.perf_counter(), time.thread_time()
            files = IndexFiles.write(self.folder, {}, prepared, threads=1)
        seconds["write"] = time.perf_counter() - mark
        seconds["write_thread_cpu"] = time.thread_time() - mark_cpu  # without tantivy's threads
        answer.update(temporary=str(files.temporary), documents=files.documents)
        return answer

    def _write(self, notes: TextCollector) -> IndexFiles:
        """The whole index at once, in this thread."""
        started = time.perf_counter()
        with without_cycle_collection():
            files = IndexFiles.write(self.folder, {}, notes.documents(self.skipped), threads=1)
        self.seconds["write"] = time.perf_counter() - started
        return files

    def prepare(self, fresh: ox.Store) -> None:
        """The gate passed: the fingerprints of the new generation (not yet live), and the
        worker told which resources the quads added since touch (it writes tantivy's files
        now). The index is waited for only in ``live``: it may go on while the generation is
        written out. A failure here does not stop the build: the server makes the index from
        the store later."""
        if self.overflowed:
            return
        try:
            if self._thread is None:  # not told when the data were loaded: all at once
                self._files = self._write(self.collector)
            else:
                self._extra = self.collector
                self._tell(self._outline(self._extra))
                self._known.wait()
            started = time.perf_counter()
            self._fingerprints = store_fingerprints(fresh, self._sizes)
            self.seconds["fingerprints"] = time.perf_counter() - started
        except Exception:
            log.exception("search: the build could not make the text index; the server will")
            self.discard()
            self._failed = True
        finally:
            self.collector = TextCollector(self.base_iri)
            self._sizes = None

    def _outline(self, extra: TextCollector) -> dict[str, Any]:
        """What the worker needs to know whether the quads noted in ``extra`` change one of its
        documents: a text of a resource it indexes, or a link from (or, but for a class, to)
        one of the resources its notes mention."""
        base = self.base_iri
        texts = any(
            not self.skipped(graph) and iri.startswith(base) and not iri.startswith(SHAPES_PREFIX)
            for iri, graph, *_ in extra.texts
        )
        ends = {subject for pairs in extra.links.values() for subject, _ in pairs}
        ends |= {end for kind, pairs in extra.links.items() if kind != "type" for _, end in pairs}
        return {"texts": texts, "ends": sorted(ends)}

    def _tell(self, value: dict[str, Any] | None) -> None:
        if self._child is not None:
            self._child.tell(value)
        elif self._inbox is not None:
            self._inbox.put(value)

    def _join(self) -> IndexFiles | BaseException | str | None:
        self._tell(None)  # (only if not told yet) so that the worker never waits for ever
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        made, self._made = self._made, None
        self._child = self._inbox = None
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
                if made == _TOUCHED:
                    assert self._data is not None and self._extra is not None
                    files = self._write(self._data.merged(self._extra))
                    self.seconds["made_again"] = 1.0
                elif isinstance(made, IndexFiles):
                    files = made
            if files is None:
                return None
            files.fingerprints = self._fingerprints
            return files.publish(version)
        except Exception:  # the build itself succeeded: the server makes the index later
            log.exception("search: the build's text index could not be made or published")
            self.discard()
            return None
        finally:
            self._data = self._extra = None

    def discard(self) -> None:
        self._drop(self._join())  # a failed gate: the worker stops before it writes
        files, self._files = self._files, None
        self._drop(files)
        self._data = self._extra = None

    @staticmethod
    def _drop(made: IndexFiles | BaseException | str | None) -> None:
        if isinstance(made, IndexFiles):
            shutil.rmtree(made.temporary, ignore_errors=True)


def _touches(notes: TextCollector, added: dict[str, Any]) -> bool:
    """Whether the quads outlined in ``added`` (``BuildIndex._outline``) change a document
    made from ``notes``."""
    if added["texts"]:
        return True
    ends = set(added["ends"])
    if not ends:
        return False
    return any(iri in ends for iri, *_ in notes.texts) or any(
        subject in ends or target in ends
        for pairs in notes.links.values()
        for subject, target in pairs
    )
