"""The text index of one store version (tantivy: BM25, German and English stemming).

Like the dumps, the index is an artefact of a store version: ``{folder}/{version}/`` holds the
tantivy index of that version, written under a temporary name and renamed when complete. A
write to some graphs gives the next version's index by copying the previous one (hard links:
tantivy's files are written once) and renewing only the documents of the changed graphs
(``delete_documents`` by the ``graph`` field); a new build or many changed graphs give a full
rebuild. A reader gets hits only from the index whose version is the store's version now.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tantivy

from sozialgraph.publishing.folders import COMPLETE, is_complete, publish
from sozialgraph.publishing.snippets import snippet
from sozialgraph.publishing.text_analysis import ReadQuery
from sozialgraph.publishing.text_documents import TITLE_PROPERTIES, TextDocument, digests_of
from sozialgraph.publishing.text_fields import (
    SCHEMA,
    labels_of,
    register,
    stored_texts,
    tantivy_document,
)
from sozialgraph.publishing.text_query import Filters, build_query

_STATE = "STATE.json"
#: The layout of the index's fields (STATE.json); an index of another layout is made anew.
FORMAT = 2
#: Per document the digest of its filter fields (``TextDocument.facet_digest``).
_FACETS = "FACETS.json.gz"
_NOT_LINKED = {"meta.json", ".managed.json", COMPLETE, _STATE, _FACETS}
#: The most documents read per search (for facets and the page asked for).
MAX_COLLECT = 1000
#: The writer's memory and threads (a larger heap: fewer segments to write and merge). Each
#: thread writes its own segment and they are merged after: a build, which has no core to
#: spare, writes with one thread (at 1M triples one segment, no merge: a third less CPU).
WRITER_HEAP = 128_000_000
WRITER_THREADS = 2

__all__ = [
    "Filters",
    "Found",
    "Hits",
    "IndexFiles",
    "Prepared",
    "TextIndex",
    "open_complete",
    "write_index",
]


@dataclass(frozen=True)
class Found:
    """One hit: its score and what the index stored about it."""

    score: float
    iri: str
    types: list[str]
    labels: dict[str, str | None]
    snippet: str | None


@dataclass(frozen=True)
class Hits:
    total: int
    found: list[Found]
    types: Counter[str]
    strategies: Counter[str]


class TextIndex:
    """The opened index of one store version."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        state = json.loads((folder / _STATE).read_text(encoding="utf-8"))
        self.version: str = state["version"]
        self.fingerprints: dict[str, str] = state["fingerprints"]
        self.documents: int = state["documents"]
        self.index = register(tantivy.Index.open(str(folder)))
        self.searcher = self.index.searcher()

    @property
    def has_facet_digests(self) -> bool:
        """False for an index of an earlier release (the next version is built anew)."""
        return (self.folder / _FACETS).exists()

    def facet_digests(self) -> dict[str, str]:
        """Per document the digest of the filter fields it was indexed with."""
        path = self.folder / _FACETS
        if not path.exists():
            return {}
        digests: dict[str, str] = json.loads(gzip.decompress(path.read_bytes()))
        return digests

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.iterdir() if p.is_file())

    def iris_in_graphs(self, graphs: Iterable[str]) -> set[str]:
        """The resources that have a text in one of ``graphs``."""
        found: set[str] = set()
        for graph in graphs:
            query = tantivy.Query.term_query(SCHEMA, "graph", graph)
            count = _count(self.searcher.search(query, limit=1, count=True))
            if count == 0:
                continue
            for _, address in self.searcher.search(query, limit=count).hits:
                found.add(self.searcher.doc(address)["iri"][0])
        return found

    def search(
        self, read: ReadQuery, filters: Filters, *, limit: int, offset: int, lang: str
    ) -> Hits:
        query = build_query(read, filters)
        if query is None:
            return Hits(0, [], Counter(), Counter())
        collect = min(MAX_COLLECT, max(offset + limit, 1))
        result = self.searcher.search(query, limit=collect, count=True)
        types: Counter[str] = Counter()
        strategies: Counter[str] = Counter()
        found = []
        for number, (score, address) in enumerate(result.hits):
            stored = self.searcher.doc(address)
            kinds = stored.get_all("type")
            types.update(kinds)
            strategies.update(stored.get_all("strategy"))
            if offset <= number < offset + limit:
                texts = stored_texts(bytes(stored.get_first("payload") or b""))
                found.append(
                    Found(
                        score=float(score),
                        iri=str(stored.get_first("iri")),
                        types=kinds,
                        labels=labels_of(texts),
                        snippet=snippet(texts, read, lang, TITLE_PROPERTIES),
                    )
                )
        return Hits(_count(result) or len(result.hits), found, types, strategies)


def _count(result: tantivy.SearchResult) -> int:
    count: int | None = getattr(result, "count", None)  # set when searched with count=True
    return count or 0


# -- writing -----------------------------------------------------------------------------------


def write_index(
    folder: Path,
    version: str,
    fingerprints: dict[str, str],
    documents: dict[str, TextDocument],
    *,
    previous: TextIndex | None = None,
    changed_graphs: Iterable[str] = (),
) -> Path:
    """Write the index of ``version`` (from ``previous`` and the renewed ``documents`` when
    given, else from ``documents`` alone) and rename it into place; returns its folder."""
    target = folder / safe_name(version)
    if is_complete(target):
        return target
    files = IndexFiles.write(
        folder, fingerprints, documents, previous=previous, changed_graphs=changed_graphs
    )
    return files.publish(version)


@dataclass(frozen=True)
class Prepared:
    """Documents made into tantivy's documents and their filter fields' digests, not yet
    written (a build makes them while its gate runs and writes them once it passed)."""

    documents: dict[str, tantivy.Document]  # by IRI
    digests: dict[str, str]

    @classmethod
    def of(cls, documents: dict[str, TextDocument]) -> Prepared:
        made = {iri: tantivy_document(document) for iri, document in documents.items()}
        return cls(made, digests_of(documents))


@dataclass
class IndexFiles:
    """A written index under a temporary name, not yet any version's (a build writes it
    before the new generation goes live and knows the version only then)."""

    folder: Path
    temporary: Path
    fingerprints: dict[str, str]
    documents: int

    @classmethod
    def write(
        cls,
        folder: Path,
        fingerprints: dict[str, str],
        documents: dict[str, TextDocument] | Prepared,
        *,
        previous: TextIndex | None = None,
        changed_graphs: Iterable[str] = (),
        threads: int = WRITER_THREADS,
    ) -> IndexFiles:
        prepared = documents if isinstance(documents, Prepared) else Prepared.of(documents)
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".tmp-{secrets.token_hex(6)}"
        temporary.mkdir()
        try:
            if previous is not None:
                _link_files(previous.folder, temporary)
                index = register(tantivy.Index.open(str(temporary)))
            else:
                index = register(tantivy.Index(SCHEMA, path=str(temporary)))
            writer = index.writer(heap_size=WRITER_HEAP, num_threads=threads)
            if previous is not None:
                for graph in changed_graphs:
                    writer.delete_documents_by_term("graph", graph)
                for iri in prepared.documents:
                    writer.delete_documents_by_term("iri", iri)
            for document in prepared.documents.values():
                writer.add_document(document)
            writer.commit()
            writer.wait_merging_threads()
            index.reload()
            total = index.searcher().num_docs
            digests = previous.facet_digests() if previous is not None else {}
            if previous is not None:
                for iri in previous.iris_in_graphs(changed_graphs):
                    digests.pop(iri, None)
            digests.update(prepared.digests)
            facets = json.dumps(digests, separators=(",", ":")).encode("utf-8")
            # level 1: a tenth of the default level's time, a fifth larger
            (temporary / _FACETS).write_bytes(gzip.compress(facets, compresslevel=1, mtime=0))
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        return cls(folder, temporary, fingerprints, total)

    def publish(self, version: str) -> Path:
        """Name the index ``version``'s and rename it into place (once per version)."""
        target = self.folder / safe_name(version)
        try:
            state = {"version": version, "fingerprints": self.fingerprints, "format": FORMAT}
            state["documents"] = self.documents  # type: ignore[assignment]
            (self.temporary / _STATE).write_text(json.dumps(state), encoding="utf-8")
            publish(self.temporary, target)
        finally:
            shutil.rmtree(self.temporary, ignore_errors=True)
        return target


def _link_files(source: Path, target: Path) -> None:
    for path in source.iterdir():
        if not path.is_file() or path.name.startswith(".tantivy-"):
            continue
        if path.name in _NOT_LINKED:
            if path.name in ("meta.json", ".managed.json"):
                shutil.copy2(path, target / path.name)
            continue
        try:
            os.link(path, target / path.name)
        except OSError:
            shutil.copy2(path, target / path.name)


def open_complete(folder: Path, version: str) -> TextIndex | None:
    """The index of ``version`` if one is complete on disk (made here or by another process)."""
    target = folder / safe_name(version)
    if not is_complete(target):
        return None
    state = json.loads((target / _STATE).read_text(encoding="utf-8"))
    if state.get("format") != FORMAT:  # of an earlier release: made anew
        shutil.rmtree(target, ignore_errors=True)
        return None
    return TextIndex(target)


def prune(folder: Path, keep: str) -> None:
    """Remove the indexes of other versions (an open index keeps its files until closed)."""
    if not folder.exists():
        return
    for path in folder.iterdir():
        if path.is_dir() and path.name != keep and not path.name.startswith(".tmp-"):
            shutil.rmtree(path, ignore_errors=True)


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text) or "empty"
