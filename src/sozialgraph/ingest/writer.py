"""The one writer: validate a graph's new content with the rest of the graph, then replace it
atomically with its provenance record, keeping the previous version.

Writes are serialised (one at a time per process; the store's own lock across processes).
Readers use checkpoints made after the commit, so they see the old or the new state, never a mix.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph

from sozialgraph.errors import Forbidden
from sozialgraph.ingest.diff import PreviewOutdated, content_hash
from sozialgraph.ingest.history import History
from sozialgraph.namespaces import graph_iri, meta_graph_iri
from sozialgraph.provenance import ActivityRecord, GraphRecord, activity_quads, new_activity_id
from sozialgraph.resources import is_file_graph
from sozialgraph.store.base import GraphStore
from sozialgraph.store.generations import storage_errors
from sozialgraph.validation.gate import (
    SPARQL_VALIDATION_FROM,
    shapes_graph,
    validate_change,
    validate_triples,
)
from sozialgraph.validation.report import ValidationFailed, ValidationReport, ValidationResult

if TYPE_CHECKING:
    from sozialgraph.validation.sparql.compile import CompiledConstraint


@dataclass
class WriteResult:
    graph: str
    activity_id: str
    triples: int
    previous_triples: int
    warnings: list[ValidationResult] = field(default_factory=list)
    deleted: bool = False


def _is_large(store: ox.Store) -> bool:
    """Whether ``store`` holds ``SPARQL_VALIDATION_FROM`` quads or more, counted by the store
    (reading that many quads into Python took ~0.13 s, a third of a one-measure write)."""
    query = (
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT * WHERE { { ?s ?p ?o } UNION "
        f"{{ GRAPH ?g {{ ?s ?p ?o }} }} }} LIMIT {SPARQL_VALIDATION_FROM} }}"
    )
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    count = next(iter(solutions))["n"]
    return count is not None and int(count.value) >= SPARQL_VALIDATION_FROM


class GraphWriter:
    """Replaces, merges and deletes named graphs behind the SHACL gate."""

    def __init__(
        self, store: GraphStore, base_iri: str, history: History, validator: str = "auto"
    ) -> None:
        self.store = store
        self.base_iri = base_iri
        self.history = history
        self.validator = validator
        self._lock = threading.Lock()
        self._shapes: Graph | None = None
        self._compiled: list[CompiledConstraint] | None = None

    @property
    def shapes(self) -> Graph:
        if self._shapes is None:
            self._shapes = shapes_graph(self.base_iri)
        return self._shapes

    @property
    def compiled(self) -> list[CompiledConstraint]:
        """The shapes as SPARQL queries, compiled once per writer (not per write)."""
        if self._compiled is None:
            from sozialgraph.validation.sparql import compile_shapes

            self._compiled = compile_shapes(self.shapes)
        return self._compiled

    def _store_lock(self) -> contextlib.AbstractContextManager[object]:
        """The store's own writer lock (embedded: across processes, re-entrant), held from
        reading the previous content to the commit, so that writes through several web
        processes follow each other (``serve --workers``)."""
        lock = getattr(self.store, "write_lock", None)
        return lock() if lock is not None else contextlib.nullcontext()

    def check_writable(self, graph: str) -> None:
        if graph == meta_graph_iri(self.base_iri) or is_file_graph(graph, self.base_iri):
            raise Forbidden(
                f"{graph} is built from the project's files or records provenance; "
                "change the file and rebuild instead",
                de=f"{graph} entsteht aus den Dateien des Projekts oder hält die Herkunftsangaben; "
                "bitte die Datei ändern und neu bauen",
            )

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        return [q.triple for q in self.store.quads(graph)]

    def validate(
        self, graph: str, triples: list[ox.Triple], previous: list[ox.Triple] | None = None
    ) -> ValidationReport:
        """The SHACL gate over the whole graph as it would be after the write.

        On a large embedded store (SPARQL path) it runs on a staging copy of the store (hard
        links, cheap) for the resources the write can affect only; else on all published data.
        """
        staging = getattr(self.store, "staging_copy", None)
        if staging is not None and previous is not None and self.validator != "pyshacl":
            with staging() as copy:
                if self.validator == "sparql" or _is_large(copy):
                    return validate_change(
                        copy,
                        graph,
                        triples,
                        previous,
                        self.shapes,
                        self.base_iri,
                        compiled=self.compiled,
                    )
        meta = meta_graph_iri(self.base_iri)
        shapes_prefix = graph_iri(self.base_iri, "shapes/")
        data: list[ox.Triple] = []
        for name in self.store.graph_names():
            if name in (meta, graph) or name.startswith(shapes_prefix):
                continue
            data.extend(q.triple for q in self.store.quads(name))
        data.extend(triples)
        return validate_triples(data, self.shapes, self.validator)

    def replace(
        self,
        graph: str,
        triples: list[ox.Triple],
        *,
        agent: str,
        kind: str,
        source: str,
        content: bytes,
        prepare: Callable[[list[ox.Triple]], list[ox.Triple]] | None = None,
        expected_hash: str | None = None,
    ) -> WriteResult:
        """Validate and write ``triples`` as the whole content of ``graph``; with
        ``expected_hash`` only if that is the hash a preview gave for exactly this content at
        the store's present version (``ingest.diff.content_hash``), else ``PreviewOutdated``."""
        self.check_writable(graph)
        with self._lock, self._store_lock():
            started = dt.datetime.now(dt.UTC)
            previous = self.graph_triples(graph)
            if prepare is not None:
                triples = prepare(previous)
            triples = list(dict.fromkeys(triples))
            if expected_hash is not None and expected_hash != content_hash(
                graph, self.store.version(), triples
            ):
                raise PreviewOutdated
            report = self.validate(graph, triples, previous)
            if not report.conforms:
                raise ValidationFailed(report)
            activity_id = new_activity_id()
            record = ActivityRecord(
                kind=kind,
                agent=agent,
                started=started,
                ended=dt.datetime.now(dt.UTC),
                graphs=[
                    GraphRecord(graph, source, hashlib.sha256(content).hexdigest(), len(triples))
                ],
                conforms=True,
                warnings=len(report.results),
            )
            metadata = activity_quads(record, self.base_iri, activity_id)
            with storage_errors():  # a full disk: 507, nothing changed
                self.history.save(graph, activity_id, triples)
                self.store.replace_graphs({graph: triples}, metadata)
            return WriteResult(
                graph, activity_id, len(triples), len(previous), list(report.results)
            )

    def merge(self, graph: str, triples: list[ox.Triple], **options: str | bytes) -> WriteResult:
        """Add ``triples`` to what ``graph`` holds (Graph Store POST)."""
        return self.replace(graph, [], prepare=lambda previous: previous + triples, **options)  # type: ignore[arg-type]

    def delete(self, graph: str, *, agent: str) -> WriteResult:
        """Remove ``graph`` — only if the rest of the graph stays valid without it."""
        self.check_writable(graph)
        with self._lock, self._store_lock():
            started = dt.datetime.now(dt.UTC)
            previous = self.graph_triples(graph)
            report = self.validate(graph, [], previous)
            if not report.conforms:
                raise ValidationFailed(report)
            activity_id = new_activity_id()
            record = ActivityRecord(
                kind="delete",
                agent=agent,
                started=started,
                ended=dt.datetime.now(dt.UTC),
                graphs=[],
                deleted=[graph],
            )
            with storage_errors():
                self.history.save(graph, activity_id, [])
                self.store.replace_graphs(
                    {graph: []}, activity_quads(record, self.base_iri, activity_id)
                )
            return WriteResult(graph, activity_id, 0, len(previous), deleted=True)
