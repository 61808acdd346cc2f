"""The text index made inside a build, from the quads it streams (``publishing/text_quads.py``).

Its documents must be those the named queries give on the finished store (the index a server
makes when there is none): compared field by field on Jena's data and on generated towns. A
build publishes the index under the version that went live, and a failed build leaves none.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyoxigraph as ox
import pytest
import tantivy

from bench.generate import generate, ontology_quads
from sozialgraph.build import build
from sozialgraph.config import Settings
from sozialgraph.namespaces import meta_graph_iri
from sozialgraph.publishing.forked import CAN_FORK
from sozialgraph.publishing.search_service import SearchService, build_watcher, index_folder
from sozialgraph.publishing.text_documents import (
    SHAPES_PREFIX,
    TEXT_PROPERTIES,
    RowSource,
    TextDocument,
    graph_fingerprints,
    read_documents,
    store_fingerprints,
)
from sozialgraph.publishing.text_index import open_complete
from sozialgraph.publishing.text_notes import TextCollector
from sozialgraph.publishing.text_quads import BuildIndex
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.querying.service import QueryService
from sozialgraph.readmodel.context import ReadContext
from sozialgraph.resources import queries_dir
from sozialgraph.store.embedded import EmbeddedStore
from sozialgraph.validation.report import ValidationFailed

EX = "https://example.org/"
JENA_BASE = Settings().base_iri


def by_queries(checkpoint: Path, base: str) -> tuple[dict[str, TextDocument], dict[str, str]]:
    """The documents and fingerprints as the search service reads them from a store."""
    context = ReadContext(None, QueryRegistry(queries_dir()), "de", base)  # type: ignore[arg-type]

    async def read() -> tuple[dict[str, TextDocument], dict[str, str]]:
        source = RowSource(context, str(checkpoint))
        try:
            fingerprints = await graph_fingerprints(source)
            skip = {meta_graph_iri(base)} | {g for g in fingerprints if g.startswith(SHAPES_PREFIX)}
            return await read_documents(source, base, skip), fingerprints
        finally:
            source.close()

    return asyncio.run(read())


def by_quads(checkpoint: Path, base: str, fingerprints: dict[str, str]) -> dict[str, TextDocument]:
    collector = TextCollector(base)
    store = ox.Store.read_only(str(checkpoint))
    for _ in collector.watch(store.quads_for_pattern(None, None, None, None)):
        pass
    skip = {meta_graph_iri(base)} | {g for g in fingerprints if g.startswith(SHAPES_PREFIX)}
    return collector.documents(skip.__contains__)


def first_search(settings: Settings, store: EmbeddedStore, text: str) -> tuple[int, dict]:
    """A server's first search on ``store``: the hits, and what it built (nothing: {})."""

    async def search_once() -> tuple[int, dict]:
        service = QueryService(settings, store)
        await service.start()
        registry = QueryRegistry(queries_dir())

        def context(lang: str) -> ReadContext:
            return ReadContext(service, registry, lang, EX)

        search = SearchService(settings, context, service.backend.snapshot)
        try:
            result = await search.search(context("de"), text)
            return result.total, search.last_build
        finally:
            await search.close()
            await service.close()

    return asyncio.run(search_once())


def facts(document: TextDocument) -> tuple[object, ...]:
    return (
        sorted(document.graphs),
        sorted(document.texts),
        sorted(document.types),
        sorted(document.strategies),
        sorted(document.municipalities),
    )


def assert_same_documents(store_dir: Path, base: str) -> dict[str, TextDocument]:
    store = EmbeddedStore(store_dir)
    checkpoint = store.checkpoint()
    assert checkpoint is not None
    expected, fingerprints = by_queries(checkpoint, base)
    found = by_quads(checkpoint, base, fingerprints)
    store.close()
    assert sorted(found) == sorted(expected)
    different = [iri for iri in expected if facts(found[iri]) != facts(expected[iri])]
    assert different == [], [(facts(found[i]), facts(expected[i])) for i in different[:3]]
    return found


def test_the_text_properties_are_those_of_the_named_query() -> None:
    text = (queries_dir() / "search-documents.rq").read_text(encoding="utf-8")
    prefixes = {
        "dcterms:": "http://purl.org/dc/terms/",
        "skos:": "http://www.w3.org/2004/02/skos/core#",
        "rdfs:": "http://www.w3.org/2000/01/rdf-schema#",
    }
    block = text.split("VALUES ?property {", 1)[1].split("}", 1)[0]
    named = set()
    for word in block.split():
        for short, long in prefixes.items():
            if word.startswith(short):
                named.add(long + word.removeprefix(short))
    assert named == set(TEXT_PROPERTIES)


def test_documents_from_the_quads_are_those_of_the_queries_on_jena(jena_store_dir: Path) -> None:
    found = assert_same_documents(jena_store_dir, JENA_BASE)
    assert len(found) > 150
    assert sum(1 for d in found.values() if d.strategies) > 20
    assert sum(1 for d in found.values() if d.municipalities) > 20


def test_documents_from_the_quads_are_those_of_the_queries_on_generated_towns(
    tmp_path: Path,
) -> None:
    store = EmbeddedStore(tmp_path / "store")
    store.rebuild([*ontology_quads(EX), *generate(2, measures_per_strategy=5)])
    store.close()
    found = assert_same_documents(tmp_path / "store", EX)
    # both towns, and every link kind the paths follow: status assessments and committee steps
    # (backwards), fields through schemes, bodies through their parent organisations
    places = {m for d in found.values() for m in d.municipalities}
    assert len(places) == 2
    assessed = [d for d in found.values() if "/status/" in d.iri or "/beratung/" in d.iri]
    assert any(d.strategies for d in assessed) and any(d.municipalities for d in assessed)


@pytest.mark.parametrize("twice", [False, True], ids=["counted by the build", "a triple twice"])
def test_a_build_publishes_the_index_of_the_version_that_went_live(
    mini_root: Path, tmp_path: Path, twice: bool
) -> None:
    if twice:  # the build's count of the file is one more than the graph's size: counted again
        things = mini_root / "data/town/things.ttl"
        repeated = "<https://example.org/town/thing/1> a <https://example.org/mini#Thing> .\n"
        things.write_text(things.read_text(encoding="utf-8") + repeated, encoding="utf-8")
    settings = Settings(store=str(tmp_path / "store"), base_iri=EX, search_index_wait=60)
    store = EmbeddedStore(settings.store)
    build(store, EX, root=mini_root, watcher=build_watcher(settings, store))
    folder = index_folder(settings)
    index = open_complete(folder, store.version())
    checkpoint = store.checkpoint()
    assert checkpoint is not None and index is not None
    expected, fingerprints = by_queries(checkpoint, EX)
    assert index.documents == len(expected) >= 2  # two things and the class
    assert index.fingerprints == fingerprints
    assert [p.name for p in folder.iterdir() if p.name.startswith(".tmp-")] == []

    total, made = first_search(settings, store, "Zweites")
    assert total == 1
    assert made == {}  # the server opened the build's index; it made none
    store.close()


def test_a_build_over_the_limit_notes_nothing_and_the_server_makes_the_index(
    mini_root: Path, tmp_path: Path
) -> None:
    settings = Settings(
        store=str(tmp_path / "store"),
        base_iri=EX,
        search_index_wait=60,
        search_index_build_max_quads=3,
    )
    store = EmbeddedStore(settings.store)
    watcher = build_watcher(settings, store)
    assert watcher is not None
    build(store, EX, root=mini_root, watcher=watcher)
    assert watcher.overflowed and watcher.collector.texts == [] and watcher.collector.links == {}
    assert open_complete(index_folder(settings), store.version()) is None

    total, made = first_search(settings, store, "Zweites")
    assert total == 1
    assert made  # the server made the index the build left to it
    assert open_complete(index_folder(settings), store.version()) is not None
    store.close()


def test_a_failed_build_leaves_no_index(mini_root: Path, tmp_path: Path) -> None:
    settings = Settings(store=str(tmp_path / "store"), base_iri=EX)
    store = EmbeddedStore(settings.store)
    build(store, EX, root=mini_root, watcher=build_watcher(settings, store))
    before = sorted(p.name for p in index_folder(settings).iterdir())
    (mini_root / "data/town/things.ttl").write_text(
        "<https://example.org/town/thing/3> a <https://example.org/mini#Thing> .\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed):
        build(store, EX, root=mini_root, watcher=build_watcher(settings, store))
    assert sorted(p.name for p in index_folder(settings).iterdir()) == before
    store.close()


def test_the_build_makes_the_index_only_when_it_is_on(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    on = Settings(store=str(tmp_path / "store"))
    assert isinstance(build_watcher(on, store), BuildIndex)
    assert build_watcher(on.model_copy(update={"search_index": False}), store) is None
    store.close()


def test_quads_added_after_the_gate_that_touch_a_resource_make_the_index_again(
    tmp_path: Path,
) -> None:
    thing, graph = ox.NamedNode(EX + "town/thing/1"), ox.NamedNode(EX + "graph/data/town")
    title = ox.NamedNode("http://purl.org/dc/terms/title")
    kind = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    data = [ox.Quad(thing, title, ox.Literal("Erstes Ding", language="de"), graph)]
    meta = ox.NamedNode(meta_graph_iri(EX))
    other = ox.NamedNode(EX + "aktivitaet/1")

    def made(extra: list[ox.Quad]) -> tuple[list[str], dict[str, float]]:
        watcher = BuildIndex(tmp_path / f"index-{len(extra)}", EX)
        store = ox.Store()
        store.extend(list(watcher.watch(data)))
        watcher.loaded(store)
        store.extend(list(watcher.watch(extra)))
        watcher.prepare(store)
        folder = watcher.live(f"v{len(extra)}")
        assert folder is not None
        index = open_complete(folder.parent, f"v{len(extra)}")
        assert index is not None
        # the graph sizes read beside the gate and after it are those of the whole store
        assert index.fingerprints == store_fingerprints(store) != {}
        hits = index.searcher.search(tantivy.Query.all_query(), limit=10).hits
        return index.searcher.doc(hits[0][1]).get_all("type"), watcher.seconds

    untouched = [ox.Quad(other, kind, ox.NamedNode("http://www.w3.org/ns/prov#Activity"), meta)]
    types, seconds = made(untouched)
    assert types == [] and "made_again" not in seconds
    touching = [*untouched, ox.Quad(thing, kind, ox.NamedNode(EX + "Ding"), meta)]
    types, seconds = made(touching)
    assert types == [EX + "Ding"] and seconds["made_again"] == 1.0


def one_thing_loaded(
    folder: Path, fork: bool = CAN_FORK
) -> tuple[BuildIndex, ox.Store, ox.NamedNode]:
    """A build's watcher told that its one titled thing is loaded (the gate would run now)."""
    thing, graph = ox.NamedNode(EX + "town/thing/1"), ox.NamedNode(EX + "graph/data/town")
    title = ox.NamedNode("http://purl.org/dc/terms/title")
    data = [ox.Quad(thing, title, ox.Literal("Erstes Ding", language="de"), graph)]
    watcher = BuildIndex(folder, EX, fork=fork)
    store = ox.Store()
    store.extend(list(watcher.watch(data)))
    watcher.loaded(store)
    return watcher, store, thing


@pytest.mark.parametrize("fork", [True, False], ids=["child process", "thread"])
def test_the_index_made_in_a_child_process_is_the_one_made_in_a_thread(
    tmp_path: Path, fork: bool
) -> None:
    watcher, store, thing = one_thing_loaded(tmp_path / "index", fork)
    watcher.prepare(store)
    folder = watcher.live("v1")
    assert folder is not None
    index = open_complete(folder.parent, "v1")
    assert index is not None and index.documents == 1
    assert index.fingerprints == store_fingerprints(store)
    hits = index.searcher.search(tantivy.Query.all_query(), limit=10).hits
    assert [index.searcher.doc(address).get_first("iri") for _, address in hits] == [thing.value]
    assert watcher.seconds["documents"] >= 0  # the child's timings came back through the pipe
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".tmp-")] == []


@pytest.mark.parametrize("fork", [True, False], ids=["child process", "thread"])
def test_an_index_that_cannot_be_written_leaves_the_build_to_succeed_without_one(
    tmp_path: Path, fork: bool
) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    watcher = BuildIndex(tmp_path / "a-file" / "index", EX, fork=fork)
    thing = ox.NamedNode(EX + "town/thing/1")
    title = ox.NamedNode("http://purl.org/dc/terms/title")
    quad = ox.Quad(thing, title, ox.Literal("Ding", language="de"), ox.NamedNode(EX + "graph/x"))
    store = ox.Store()
    store.extend(list(watcher.watch([quad])))
    watcher.loaded(store)
    watcher.prepare(store)  # logs the failure; does not raise
    assert watcher.live("v1") is None


@pytest.mark.parametrize("fork", [True, False], ids=["child process", "thread"])
def test_a_failed_gate_stops_the_worker_before_it_writes_tantivys_files(
    tmp_path: Path, fork: bool
) -> None:
    watcher, _, _ = one_thing_loaded(tmp_path / "index", fork)
    watcher.discard()  # the gate failed: prepare is never called
    assert "documents" in watcher.seconds  # the worker made the documents while the gate ran
    assert "write" not in watcher.seconds  # and was stopped before tantivy's files
    assert not (tmp_path / "index").exists()


def test_the_build_waits_for_the_index_made_beside_the_gate_only_when_it_went_live(
    tmp_path: Path,
) -> None:
    watcher, store, _ = one_thing_loaded(tmp_path / "index")
    watcher.prepare(store)
    # the generation is written out (flushed, compacted) while the index is still being made
    assert watcher._thread is not None
    folder = watcher.live("v1")
    assert folder is not None and watcher._thread is None
    index = open_complete(folder.parent, "v1")
    assert index is not None and index.documents == 1
    assert index.fingerprints == store_fingerprints(store)
