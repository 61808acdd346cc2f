"""Build: ontology + vocabularies + shapes + data → SHACL gate → a new store generation.

Every source file becomes one named graph. Graphs that did not come from files (imports by data
officers) are carried over and validated together with the files, so a build never loses
published data. Nothing is written unless the whole graph passes the gate.

The data files are streamed: each is parsed while it is loaded into the new generation and only
its count and checksum stay in memory, so that a build's memory does not grow with the data
(the store loads in bounded batches; the SHACL gate runs on the loaded generation).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import Graph

from sozialgraph.errors import RdfSyntaxError
from sozialgraph.namespaces import DEFAULT_BASE_IRI, FIXED_NAMESPACES, meta_graph_iri
from sozialgraph.provenance import ActivityRecord, GraphRecord, activity_quads, new_activity_id
from sozialgraph.rdf_io import format_for_path, parse_file, parse_triples, rebase_triple, to_rdflib
from sozialgraph.resources import Progress, SourceFile, is_file_graph, source_files
from sozialgraph.store.base import GraphStore
from sozialgraph.store.bulk import BulkData
from sozialgraph.validation.gate import choose_validator
from sozialgraph.validation.pyshacl_path import validate
from sozialgraph.validation.report import ValidationFailed, ValidationReport


@dataclass
class BuiltGraph:
    """One named graph of a build: its source, checksum and triple count.

    The triples of a file's graph are not kept (a build streams them into the store);
    ``triples`` parses the file again. Carried-over graphs (imports) keep theirs.
    """

    graph: str
    source: str
    sha256: str
    count: int = 0
    is_shapes: bool = False
    path: Path | None = None
    base_iri: str = DEFAULT_BASE_IRI
    carried: list[ox.Triple] | None = None

    @property
    def triples(self) -> list[ox.Triple]:
        if self.carried is not None or self.path is None:
            return list(self.carried or [])
        return parse_file(self.path, source=self.source, base_iri=self.base_iri)


class BuildWatcher(Protocol):
    """Something made from the quads on their way into the new generation (the text index)."""

    def watch(self, quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
        """``quads`` unchanged, looked at on the way."""
        ...

    def loaded(self, fresh: ox.Store, counts: Mapping[str, int]) -> None:
        """Every data quad went by into ``fresh`` (``counts``: the triples read per graph);
        the gate starts (the watcher may work meanwhile, and read ``fresh``)."""
        ...

    def prepare(self, fresh: ox.Store) -> None:
        """The gate passed: the new generation is complete but not live yet."""
        ...

    def live(self, version: str) -> object:
        """The generation went live as ``version`` (no other writer came between)."""
        ...

    def discard(self) -> None:
        """The build failed: nothing of it may be published."""
        ...


@dataclass
class BuildResult:
    graphs: list[BuiltGraph]
    report: ValidationReport
    activity_id: str
    carried_over: list[str] = field(default_factory=list)

    @property
    def triple_count(self) -> int:
        return sum(g.count for g in self.graphs)


def build(
    store: GraphStore,
    base_iri: str,
    *,
    root: Path | None = None,
    data_dir: Path | None = None,
    progress: Progress | None = None,
    agent: str = "sozialgraph build",
    validator: str = "auto",
    watcher: BuildWatcher | None = None,
) -> BuildResult:
    """Parse, validate and (only if valid) replace the store's content. Raises on failure.

    The data graphs are streamed into the new generation; the gate runs there before it is
    switched live: pySHACL for small graphs, the same shapes compiled to SPARQL for large ones
    (both report the same results; tests compare them).
    """
    started = dt.datetime.now(dt.UTC)
    files = source_files(base_iri, root, data_dir)
    choose_validator(validator, 0)  # an unknown validator fails before anything is read
    shape_files = [f for f in files if f.is_shapes]
    shape_triples = {
        f.graph: parse_file(f.path, source=f.relative, base_iri=base_iri) for f in shape_files
    }
    shapes = Graph()
    for triples in shape_triples.values():
        to_rdflib(triples, shapes)
    graphs = [_file_graph(f, base_iri) for f in files]
    for graph in graphs:
        if graph.is_shapes:
            graph.count = len(shape_triples[graph.graph])
    meta = meta_graph_iri(base_iri)
    names = store.graph_names()
    carried = [name for name in names if name != meta and not is_file_graph(name, base_iri)]
    for name in carried:
        triples = [q.triple for q in store.quads(name)]
        graphs.append(
            BuiltGraph(
                name, f"(carried over) {name}", _digest(triples), len(triples), carried=triples
            )
        )
    previous_meta = list(store.quads(meta)) if meta in names else []
    activity_id = new_activity_id()
    outcome: list[ValidationReport] = []

    def check(fresh: ox.Store) -> None:
        # The new generation holds only the data graphs while it is validated, so the union
        # default graph is the data (naming ~150 graphs as the default graph instead makes
        # every pattern a union over them: 5–40× slower). Shapes and metadata come after.
        if watcher is not None:
            watcher.loaded(fresh, {g.graph: g.count for g in graphs if not g.is_shapes})
        chosen = choose_validator(validator, len(fresh))
        if progress:
            progress(f"SHACL ({chosen})", 0, 1)
        if chosen == "pyshacl":
            data = to_rdflib(q.triple for q in fresh.quads_for_pattern(None, None, None, None))
            report = validate(data, shapes)
        else:
            from sozialgraph.validation.sparql import validate_store

            report = validate_store(fresh, shapes)
        _raise_unless_valid(report)
        outcome.append(report)
        record = ActivityRecord(
            kind="build",
            agent=agent,
            started=started,
            ended=dt.datetime.now(dt.UTC),
            graphs=[GraphRecord(g.graph, g.source, g.sha256, g.count) for g in graphs],
            conforms=True,
            warnings=len(report.results),
        )
        meta_quads = [*previous_meta, *activity_quads(record, base_iri, activity_id)]
        if watcher is not None:
            meta_quads = list(watcher.watch(meta_quads))
        fresh.bulk_extend([*shape_quads, *meta_quads])
        if watcher is not None:
            watcher.prepare(fresh)

    if progress:
        progress("load and validate", 0, 1)
    shape_quads = [
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))
        for name, triples in shape_triples.items()
        for t in triples
    ]
    if watcher is not None:  # noted first, though stored after the gate
        for _ in watcher.watch(shape_quads):
            pass
    quads = _data(graphs, progress, watcher)
    # Embedded: the writer's lock (re-entrant) is held until the new version is read, so that
    # what the watcher made is named after exactly the version it was made from.
    lock = getattr(store, "write_lock", None) if watcher is not None else None
    with lock() if lock is not None else contextlib.nullcontext():
        try:
            store.rebuild(quads, check=check)  # the watcher sees the quads on the way
        except BaseException:
            if watcher is not None:
                watcher.discard()
            raise
        if watcher is not None:
            watcher.live(store.version())
    return BuildResult(graphs, outcome[0], activity_id, carried)


def _file_graph(source: SourceFile, base_iri: str) -> BuiltGraph:
    return BuiltGraph(
        source.graph,
        source.relative,
        "",
        is_shapes=source.is_shapes,
        path=source.path,
        base_iri=base_iri,
    )


def _data(
    graphs: list[BuiltGraph], progress: Progress | None, watcher: BuildWatcher | None
) -> BulkData:
    """The quads of every data graph: carried over ones, and the files (``store.bulk``; each
    file is counted and hashed on the way)."""
    data = [g for g in graphs if not g.is_shapes]
    carried = (
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g.graph))
        for g in data
        if g.carried is not None
        for t in g.carried
    )
    files = [g for g in data if g.carried is None]
    loads = [_DataFile(g, number, len(files), progress) for number, g in enumerate(files, 1)]
    return BulkData(carried, loads, watcher.watch if watcher is not None else None)


@dataclass
class _DataFile:
    """A data file on its way into the new generation (``store.bulk.BulkFile``)."""

    built: BuiltGraph
    number: int
    total: int
    progress: Progress | None
    rewritten: bool = False  # a data IRI was rebased (the store's own parse is not the data)

    @property
    def graph(self) -> str:
        return self.built.graph

    @property
    def store_parses(self) -> bool:  # the rare other formats are parsed whole in Python
        assert self.built.path is not None
        return format_for_path(self.built.path) in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES)

    def read(self) -> bytes:
        if self.progress:
            self.progress(f"load {self.built.source}", self.number, self.total)
        assert self.built.path is not None
        content = self.built.path.read_bytes()
        self.built.sha256 = hashlib.sha256(content).hexdigest()
        return content

    def quads(self, content: bytes) -> Iterator[ox.Quad]:
        graph = self.built
        assert graph.path is not None
        name, count, self.rewritten = ox.NamedNode(graph.graph), 0, False
        for triple, rebased in _stream_triples(content, graph.path, graph.source, graph.base_iri):
            count += 1
            self.rewritten = self.rewritten or rebased
            yield ox.Quad(triple.subject, triple.predicate, triple.object, name)
        graph.count = count

    def load(self, store: ox.Store, content: bytes) -> None:
        assert self.built.path is not None
        fmt = format_for_path(self.built.path)
        try:
            store.bulk_load(content, format=fmt, to_graph=ox.NamedNode(self.built.graph))
        except (SyntaxError, ValueError):  # as the Python parse reports it (with the location)
            for _ in _stream_triples(content, self.built.path, self.built.source, DEFAULT_BASE_IRI):
                pass
            raise


def _stream_triples(
    content: bytes, path: Path, source: str, base_iri: str
) -> Iterator[tuple[ox.Triple, bool]]:
    """The triples of one file as they are parsed (errors as ``parse_triples`` reports them),
    each with whether rebasing changed it."""
    fmt = format_for_path(path)
    if fmt != ox.RdfFormat.TURTLE and fmt != ox.RdfFormat.N_TRIPLES:
        for triple in parse_triples(content, fmt, source=source, base_iri=base_iri):  # rare
            yield triple, False  # parsed whole, never by the store
        return
    rebase = base_iri != DEFAULT_BASE_IRI and _names_data_iris(content)
    try:
        for quad in ox.parse(content, format=fmt):
            if rebase:
                rebased = rebase_triple(quad.triple, base_iri)
                yield rebased, rebased != quad.triple
            else:
                yield quad.triple, False
    except SyntaxError:
        parse_triples(content, fmt, source=source, base_iri=base_iri)  # raises with the location
        raise
    except ValueError as error:
        raise RdfSyntaxError(str(error), source=source) from None


_DEFAULT_BASE = re.compile(re.escape(DEFAULT_BASE_IRI.encode()))
_FIXED = tuple(n.encode()[len(DEFAULT_BASE_IRI) :] for n in FIXED_NAMESPACES)


def _names_data_iris(content: bytes) -> bool:
    """Whether the default base appears in ``content`` other than as the start of the ontology's
    and vocabularies' namespaces (which are never rebased): then its triples are rebased."""
    return any(
        not content.startswith(_FIXED, found.end()) for found in _DEFAULT_BASE.finditer(content)
    )


def _raise_unless_valid(report: ValidationReport) -> None:
    if not report.conforms:
        raise ValidationFailed(
            report, "The build was rejected by the SHACL gate:\n" + report.format("en")
        )


def _digest(triples: list[ox.Triple]) -> str:
    lines = sorted(str(t) for t in triples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
