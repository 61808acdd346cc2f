"""Search for the web layer and the command line: the text index of the store's version now,
made or renewed when the version changed, and the plain scan while there is none.

The version is read at every search (embedded: a number in shared memory; remote: at most once
a second), so a reader never gets hits from a version the store no longer has: a stale index is
renewed first (waiting at most ``search_index_wait`` seconds, then the scan answers). Only one
renewal runs at a time; the index of a version another process made is opened, not made again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sozialgraph.config import Settings
from sozialgraph.errors import BadRequest
from sozialgraph.namespaces import meta_graph_iri
from sozialgraph.publishing.text_analysis import read_query
from sozialgraph.publishing.text_documents import (
    RowSource,
    facet_digests,
    graph_fingerprints,
    read_documents,
)
from sozialgraph.publishing.text_index import (
    Filters,
    TextIndex,
    open_complete,
    prune,
    safe_name,
    write_index,
)
from sozialgraph.publishing.text_notes import documents_of_store, facet_digests_of_store
from sozialgraph.publishing.text_quads import BuildIndex
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.querying.service import QueryService
from sozialgraph.readmodel.context import ReadContext
from sozialgraph.readmodel.documents import Labels
from sozialgraph.readmodel.search import FacetCount, SearchHit, SearchResult, scan_search
from sozialgraph.resources import queries_dir
from sozialgraph.store.base import GraphStore
from sozialgraph.store.embedded import EmbeddedStore

log = logging.getLogger("sozialgraph.search")

Snapshot = Callable[[], Awaitable[str | None]]
#: Above this share of changed graphs a new version's index is built anew, not renewed.
REBUILD_SHARE = 0.5
SHAPES_GRAPH_PREFIX = "https://w3id.org/sozialgraph/shapes"
#: Seconds the command line waits for the index (then it scans).
COMMAND_LINE_WAIT = 600.0


def build_watcher(settings: Settings, store: GraphStore) -> BuildIndex | None:
    """The text index to make inside a build of ``store``: on an embedded store (whose version
    is known under the writer's lock), when the index is on."""
    if not settings.search_index or not isinstance(store, EmbeddedStore):
        return None
    return BuildIndex(
        index_folder(settings), settings.base_iri, settings.search_index_build_max_quads
    )


def index_folder(settings: Settings) -> Path:
    if settings.search_index_dir:
        return Path(settings.search_index_dir)
    return settings.state_dir / "search-index"


class SearchService:
    """The text index of the current store version, and searches on it."""

    def __init__(
        self,
        settings: Settings,
        context: Callable[[str], ReadContext],
        snapshot: Snapshot | None = None,
    ) -> None:
        self.settings = settings
        self.folder = index_folder(settings)
        self.context = context
        self.snapshot = snapshot
        self._index: TextIndex | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[TextIndex | None] | None = None
        self.last_build: dict[str, float | int | str] = {}

    async def version(self) -> str:
        return await self.context("de").service.version()

    # -- the index of the current version ------------------------------------------------------

    async def current(self, wait: float | None = None) -> TextIndex | None:
        """The index of the store's current version, renewed first if needed (or None)."""
        if not self.settings.search_index:
            return None
        version = await self.version()
        known = self._index
        if known is not None and known.version == version:
            return known
        task = self.refresh()
        try:
            await asyncio.wait_for(
                asyncio.shield(task), self.settings.search_index_wait if wait is None else wait
            )
        except TimeoutError:
            log.warning("search: the text index of version %s is not ready; plain scan", version)
            return None
        except Exception:
            return None
        known = self._index
        return known if known is not None and known.version == version else None

    def refresh(self) -> asyncio.Task[TextIndex | None]:
        """Start (or join) making the index of the current version."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._update())
        return self._task

    async def close(self) -> None:
        task = self._task
        if task is not None and not task.done():
            task.cancel()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):  # shutting down
                await task

    async def _update(self) -> TextIndex | None:
        async with self._lock:
            try:
                return await self._make()
            except Exception:
                log.exception("search: making the text index failed; plain scan until next time")
                raise

    async def _make(self) -> TextIndex | None:
        started = time.perf_counter()
        version, checkpoint = await self._version_and_checkpoint()
        known = self._index
        if known is not None and known.version == version:
            return known
        found = await asyncio.to_thread(open_complete, self.folder, version)
        if found is not None:
            return self._swap(found)
        source = RowSource(self.context("de"), checkpoint)
        base = self.settings.base_iri
        skip = {meta_graph_iri(base)}
        phases: dict[str, float] = {"checkpoint": time.perf_counter() - started}
        try:
            mark = time.perf_counter()
            fingerprints = await graph_fingerprints(source)
            skip |= {g for g in fingerprints if g.startswith(SHAPES_GRAPH_PREFIX)}
            changed = _changed(known, fingerprints)
            if known is None or changed is None or not known.has_facet_digests:
                if checkpoint is not None:  # embedded: the quads by pattern, as a build does
                    documents = await asyncio.to_thread(
                        documents_of_store, source.opened(), base, skip
                    )
                else:
                    documents = await read_documents(source, base, skip)
                phases["read"], mark = time.perf_counter() - mark, time.perf_counter()
                path = await asyncio.to_thread(
                    write_index, self.folder, version, fingerprints, documents
                )
                kind = "full"
            else:
                changed = [g for g in changed if g not in skip]
                documents = await read_documents(source, base, skip, graphs=changed)
                renewed = set(documents) | known.iris_in_graphs(changed)
                renewed |= await _refiled(source, known, renewed)
                documents = await read_documents(source, base, skip, resources=renewed)
                phases["read"], mark = time.perf_counter() - mark, time.perf_counter()
                path = await asyncio.to_thread(
                    write_index,
                    self.folder,
                    version,
                    fingerprints,
                    documents,
                    previous=known,
                    changed_graphs=changed,
                )
                kind = f"{len(changed)} graph(s)"
            phases["write"] = time.perf_counter() - mark
        finally:
            source.close()
        index = await asyncio.to_thread(TextIndex, path)
        seconds = time.perf_counter() - started
        self.last_build = {
            "kind": kind,
            "seconds": seconds,
            "documents": index.documents,
            "bytes": index.size_bytes(),
            **{f"{name}_seconds": round(value, 3) for name, value in phases.items()},
        }
        log.info(
            "search: text index of version %s (%s, %d documents) in %.2f s (%s)",
            version,
            kind,
            index.documents,
            seconds,
            ", ".join(f"{name} {value:.2f} s" for name, value in phases.items()),
        )
        return self._swap(index)

    async def _version_and_checkpoint(self) -> tuple[str, str | None]:
        """The version and, on an embedded store, the checkpoint of exactly that version."""
        version = await self.version()
        if self.snapshot is None:
            return version, None
        for _ in range(3):  # a write between the two reads: take the newer copy
            checkpoint = await self.snapshot()
            if checkpoint is None or Path(checkpoint).name.endswith(safe_name(version)):
                return version, checkpoint
            version = await self.version()
        return version, None  # keeps changing: read through the query service

    def _swap(self, index: TextIndex) -> TextIndex:
        self._index = index
        prune(self.folder, keep=index.folder.name)
        return index

    # -- searching -----------------------------------------------------------------------------

    async def search(
        self,
        ctx: ReadContext,
        q: str,
        *,
        types: tuple[str, ...] = (),
        strategies: tuple[str, ...] = (),
        municipalities: tuple[str, ...] = (),
        lang: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> SearchResult:
        """Hits for ``q``: ranked from the index, or from the scan when there is none."""
        if len(q) > self.settings.search_max_query_chars:
            raise BadRequest(
                f"the search text is longer than {self.settings.search_max_query_chars} characters",
                de=f"Der Suchtext ist länger als {self.settings.search_max_query_chars} Zeichen",
            )
        read = read_query(q)
        result = SearchResult(q=q, total=0, offset=offset, limit=limit, engine="index")
        if read.empty:
            result.note = (
                "only stop words: nothing to search for"
                if read.only_stop_words
                else "no words to search for"
            )
            return result
        index = await self.current()
        if index is None:
            log.info("search: no text index; plain scan for %r", q[:80])
            words = " ".join(w.text for w in read.words) or q.strip()
            return await scan_search(
                ctx,
                words,
                municipality=municipalities[0] if municipalities else None,
                type_iri=types[0] if types else None,
                limit=limit,
                offset=offset,
            )
        filters = Filters(types, strategies, municipalities, lang)
        hits = await asyncio.to_thread(
            index.search, read, filters, limit=limit, offset=offset, lang=lang or ctx.lang
        )
        result.version = index.version
        result.total = hits.total
        for found in hits.found:
            labels = Labels(de=found.labels.get("de"), en=found.labels.get("en"))
            result.hits.append(
                SearchHit(
                    iri=found.iri,
                    id=ctx.id_of(found.iri),
                    type=_preferred_type(found.types),
                    types=found.types,
                    label=ctx.pick(labels),
                    labels=labels,
                    score=round(found.score, 4),
                    snippet=found.snippet,
                )
            )
        result.types = [
            FacetCount(iri=t, id=ctx.id_of(t), count=n) for t, n in hits.types.most_common(20)
        ]
        result.strategies = [
            FacetCount(iri=s, id=ctx.id_of(s), count=n) for s, n in hits.strategies.most_common(20)
        ]
        return result


def _changed(known: TextIndex | None, fingerprints: dict[str, str]) -> list[str] | None:
    """The graphs whose state differs from the index's, or None when a rebuild is better."""
    if known is None or not known.fingerprints:
        return None
    graphs = set(known.fingerprints) | set(fingerprints)
    # A graph without a provenance record may have changed unseen: it counts as changed.
    unrecorded = {g for g, state in fingerprints.items() if state.endswith(" ")}
    changed = sorted(
        g for g in graphs if known.fingerprints.get(g) != fingerprints.get(g) or g in unrecorded
    )
    # Nothing visible changed although the version did (a write without provenance): rebuild.
    if not changed or len(changed) > max(4, REBUILD_SHARE * len(graphs)):
        return None
    return changed


async def _refiled(source: RowSource, known: TextIndex, renewed: set[str]) -> set[str]:
    """The other documents whose filter fields the write changed (e.g. a measure's strategy
    link written in one graph while its texts are in another): so that the renewed index is
    the one a full rebuild would make."""
    indexed = await asyncio.to_thread(known.facet_digests)
    others = [iri for iri in indexed if iri not in renewed]
    if source.local:  # the links by pattern (the two path queries read the whole store)
        now = await asyncio.to_thread(
            facet_digests_of_store, source.opened(), source.ctx.base_iri, others
        )
    else:
        now = await facet_digests(source, others)
    return {iri for iri in others if now.get(iri) != indexed[iri]}


def _preferred_type(types: list[str]) -> str | None:
    own = [t for t in types if t.startswith("https://w3id.org/sozialgraph/ontology#")]
    preferred = own or types
    return preferred[0] if preferred else None


async def search_once(
    settings: Settings,
    store: GraphStore,
    q: str,
    *,
    lang: str = "de",
    limit: int = 20,
    types: tuple[str, ...] = (),
    municipalities: tuple[str, ...] = (),
) -> SearchResult:
    """One search outside the server (the command line): the index is made or renewed first."""
    service = QueryService(settings, store)
    await service.start()
    try:

        def context(language: str) -> ReadContext:
            return ReadContext(service, QueryRegistry(queries_dir()), language, settings.base_iri)

        search = SearchService(settings, context, service.backend.snapshot)
        try:
            await search.current(wait=COMMAND_LINE_WAIT)
            ctx = context(lang)
            return await search.search(
                ctx,
                q,
                types=tuple(ctx.iri_of(t) for t in types),
                municipalities=tuple(ctx.iri_of(m) for m in municipalities),
                limit=limit,
            )
        finally:
            await search.close()
    finally:
        await service.close()
