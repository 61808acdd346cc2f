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
from sozialgraph.publishing.text_analysis import (
    ENGLISH,
    FOLDED,
    GERMAN,
    LANGUAGES,
    ReadQuery,
    analysers,
    fold,
    identifier_key,
)
from sozialgraph.publishing.text_documents import (
    IDENTIFIER_PROPERTIES,
    LABEL_PROPERTIES,
    TITLE_PROPERTIES,
    TextDocument,
)

_STATE = "STATE.json"
#: Per document the digest of its filter fields (``TextDocument.facet_digest``).
_FACETS = "FACETS.json.gz"
_NOT_LINKED = {"meta.json", ".managed.json", COMPLETE, _STATE, _FACETS}
#: Boosts: a title hit outranks a description hit; exact words outrank prefixes and typos.
TITLE_BOOST = 3.0
IDENTIFIER_BOOST = 50.0
PREFIX_BOOST = (1.0, 0.3)  # title, text
TYPO_BOOST = (0.5, 0.2)
#: The most documents read per search (for facets and the page asked for).
MAX_COLLECT = 1000
#: The writer's memory and threads (a larger heap: fewer segments to write and merge).
WRITER_HEAP = 128_000_000
WRITER_THREADS = 2
_STEMMERS = {"de": GERMAN, "en": ENGLISH}
_LABEL_RANK = {prop: number for number, prop in enumerate(LABEL_PROPERTIES)}


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in ("iri", "graph", "type", "strategy", "municipality", "ident"):
        builder.add_text_field(name, stored=name == "iri", tokenizer_name="raw")
    for lang in LANGUAGES:
        for tier in ("title", "text"):
            builder.add_text_field(f"{tier}_{lang}", tokenizer_name=_STEMMERS[lang])
            folded = f"{tier}_fold_{lang}"  # prefixes and typos only (no phrase): no positions
            builder.add_text_field(folded, tokenizer_name=FOLDED, index_option="freq")
    builder.add_bytes_field("payload", stored=True)
    return builder.build()


SCHEMA = _schema()


def _register(index: tantivy.Index) -> tantivy.Index:
    for name, analyser in analysers().items():
        index.register_tokenizer(name, analyser)
    return index


#: Per text tier and language tag: the fields it goes to (stemmed and folded; a text without a
#: known language goes to both languages' fields).
_TARGETS = {
    (tier, lang): tuple(
        (f"{tier}_{target}", f"{tier}_fold_{target}")
        for target in ([lang] if lang in LANGUAGES else LANGUAGES)
    )
    for tier in ("title", "text")
    for lang in (*LANGUAGES, "")
}
_PAYLOAD = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _document(doc: TextDocument) -> tantivy.Document:
    out = tantivy.Document()
    add = out.add_text
    add("iri", doc.iri)
    for value in doc.graphs:
        add("graph", value)
    for value in doc.municipalities:
        add("municipality", value)
    types, strategies = sorted(doc.types), sorted(doc.strategies)
    for value in types:
        add("type", value)
    for value in strategies:
        add("strategy", value)
    labels: dict[str, str | None] = {lang: None for lang in LANGUAGES}
    rank = dict.fromkeys(LANGUAGES, len(LABEL_PROPERTIES))  # the first of the best property
    for prop, language, text in doc.texts:
        folded = fold(text)
        lang = language.split("-")[0].lower() if language else ""
        title = prop in TITLE_PROPERTIES
        for stemmed, plain in _TARGETS[
            "title" if title else "text", lang if lang in LANGUAGES else ""
        ]:
            add(stemmed, folded)
            add(plain, folded)
        if prop in IDENTIFIER_PROPERTIES:
            add("ident", identifier_key(text))
        elif title and prop in _LABEL_RANK and language:
            short = language.split("-")[0]
            if short in rank and _LABEL_RANK[prop] < rank[short]:
                rank[short], labels[short] = _LABEL_RANK[prop], text
    payload = {
        "iri": doc.iri,
        "types": types,
        "strategies": strategies,
        "labels": labels,
        "texts": doc.texts,
    }
    out.add_bytes("payload", _PAYLOAD.encode(payload).encode("utf-8"))
    return out


@dataclass(frozen=True)
class Found:
    """One hit: its score and what the index stored about it."""

    score: float
    iri: str
    types: list[str]
    labels: dict[str, str | None]
    snippet: str | None


@dataclass(frozen=True)
class Filters:
    types: tuple[str, ...] = ()
    strategies: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    lang: str | None = None  # only texts in this language


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
        self.index = _register(tantivy.Index.open(str(folder)))
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
            payload = json.loads(bytes(self.searcher.doc(address)["payload"][0]))
            types.update(payload["types"])
            strategies.update(payload["strategies"])
            if offset <= number < offset + limit:
                texts = [(p, lg, t) for p, lg, t in payload["texts"]]
                found.append(
                    Found(
                        score=float(score),
                        iri=payload["iri"],
                        types=payload["types"],
                        labels=payload["labels"],
                        snippet=snippet(texts, read, lang, TITLE_PROPERTIES),
                    )
                )
        return Hits(_count(result) or len(result.hits), found, types, strategies)


def build_query(read: ReadQuery, filters: Filters) -> tantivy.Query | None:
    """The tantivy query for what the reader asked, built term by term (no query parser)."""
    langs = (filters.lang,) if filters.lang in LANGUAGES else LANGUAGES
    must: list[tantivy.Query] = []
    for word in read.words:
        must.append(_word_query(word.text, word.prefix, word.typo_allowed, langs))
    for phrase in read.phrases:
        must.append(_phrase_query(phrase, langs))
    text_query = _all(must) if must else None
    if read.identifier:
        exact = tantivy.Query.boost_query(
            tantivy.Query.term_query(SCHEMA, "ident", read.identifier), IDENTIFIER_BOOST
        )
        text_query = exact if text_query is None else _any([text_query, exact])
    if text_query is None:
        return None
    clauses = [text_query]
    for name, values in (
        ("type", filters.types),
        ("strategy", filters.strategies),
        ("municipality", filters.municipalities),
    ):
        if values:
            clauses.append(_any([tantivy.Query.term_query(SCHEMA, name, v) for v in values]))
    return _all(clauses) if len(clauses) > 1 else text_query


def _word_query(text: str, prefix: bool, typo: bool, langs: tuple[str, ...]) -> tantivy.Query:
    options: list[tantivy.Query] = []
    for lang in langs:
        for term in analysers()[_STEMMERS[lang]].analyze(text):
            options.append(
                tantivy.Query.boost_query(
                    tantivy.Query.term_query(SCHEMA, f"title_{lang}", term), TITLE_BOOST
                )
            )
            options.append(tantivy.Query.term_query(SCHEMA, f"text_{lang}", term))
        for term in analysers()[FOLDED].analyze(text):
            for tier, boost_index in (("title", 0), ("text", 1)):
                name = f"{tier}_fold_{lang}"
                if prefix:
                    options.append(
                        tantivy.Query.boost_query(
                            tantivy.Query.fuzzy_term_query(
                                SCHEMA, name, term, distance=0, prefix=True
                            ),
                            PREFIX_BOOST[boost_index],
                        )
                    )
                if typo and len(term) >= 5:
                    options.append(
                        tantivy.Query.boost_query(
                            tantivy.Query.fuzzy_term_query(SCHEMA, name, term, distance=1),
                            TYPO_BOOST[boost_index],
                        )
                    )
    return _any(options) if options else tantivy.Query.empty_query()


def _phrase_query(words: tuple[str, ...], langs: tuple[str, ...]) -> tantivy.Query:
    options: list[tantivy.Query] = []
    for lang in langs:
        stems: list[str | tuple[int, str]] = [
            t for w in words for t in analysers()[_STEMMERS[lang]].analyze(w)
        ]
        if not stems:
            continue
        for tier in ("title", "text"):
            name = f"{tier}_{lang}"
            query = (
                tantivy.Query.phrase_query(SCHEMA, name, stems)
                if len(stems) > 1
                else tantivy.Query.term_query(SCHEMA, name, stems[0])
            )
            options.append(
                tantivy.Query.boost_query(query, TITLE_BOOST) if tier == "title" else query
            )
    return _any(options) if options else tantivy.Query.empty_query()


def _count(result: tantivy.SearchResult) -> int:
    count: int | None = getattr(result, "count", None)  # set when searched with count=True
    return count or 0


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _all(queries: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])


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
        documents: dict[str, TextDocument],
        *,
        previous: TextIndex | None = None,
        changed_graphs: Iterable[str] = (),
    ) -> IndexFiles:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".tmp-{secrets.token_hex(6)}"
        temporary.mkdir()
        try:
            if previous is not None:
                _link_files(previous.folder, temporary)
                index = _register(tantivy.Index.open(str(temporary)))
            else:
                index = _register(tantivy.Index(SCHEMA, path=str(temporary)))
            writer = index.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)
            if previous is not None:
                for graph in changed_graphs:
                    writer.delete_documents_by_term("graph", graph)
                for iri in documents:
                    writer.delete_documents_by_term("iri", iri)
            for document in documents.values():
                writer.add_document(_document(document))
            writer.commit()
            writer.wait_merging_threads()
            index.reload()
            total = index.searcher().num_docs
            digests = previous.facet_digests() if previous is not None else {}
            if previous is not None:
                for iri in previous.iris_in_graphs(changed_graphs):
                    digests.pop(iri, None)
            digests.update({iri: d.facet_digest() for iri, d in documents.items()})
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
            state = {"version": version, "fingerprints": self.fingerprints}
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
