"""The preview of an import: what it would change, its warnings and problems; nothing written.

A preview runs the steps of an import up to the write: read and map the upload, take the
graph's present content (and carry the status history as the import does), pass the SHACL
gate, and compare the result with what is published about the resources it touches
(:mod:`sozialgraph.ingest.diff`). Its ``hash`` binds a publish to it: ``POST /api/import`` with
that hash writes only if the content and the store's version are still those of the preview
(:meth:`GraphWriter.replace` ``expected_hash``), else 409.

Public API (used by the web routers, the officer pages and the OParl import)::

    previews = Previews(writer, sheets)            # WriteService.previews
    p = previews.sheet(registry, data, filename, graph, vocabulary_rows, lang="de")
    p = previews.triples(registry, graph, triples, lang="de")   # RDF files, OParl
    p.hash, p.added, p.removed, p.changed, p.warnings, p.problems, p.document(lang)

Call them under the write service's lock (``WriteService.read``), so that the version, the
graph's content and the comparison are of one state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from sozialgraph.ingest.diff import (
    Changes,
    ResourceChange,
    as_document,
    compare,
    content_hash,
    union_change,
)
from sozialgraph.ingest.export import RowRenderer, describe, unpublished_graphs
from sozialgraph.ingest.importer import (
    SheetImport,
    cell_values,
    ordered,
    problem_document,
    shacl_problems,
)
from sozialgraph.ingest.problems import Problem
from sozialgraph.ingest.writer import GraphWriter
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.store.base import Term, select_rows
from sozialgraph.validation.report import ValidationResult


@dataclass
class Preview:
    """What an upload would change in ``graph``, computed at store ``version``."""

    graph: str
    version: str
    #: The hash to publish with (``POST /api/import`` ``preview=``); None when there are problems.
    hash: str | None
    changes: Changes
    triples: int  # statements the graph would hold
    previous_triples: int
    warnings: list[ValidationResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: (sheet, row, column) → the cell's text, for the problems.
    values: dict[tuple[str, int, str], str] = field(default_factory=dict)

    @property
    def added(self) -> list[ResourceChange]:
        return self.changes.added

    @property
    def removed(self) -> list[ResourceChange]:
        return self.changes.removed

    @property
    def changed(self) -> list[ResourceChange]:
        return self.changes.changed

    @property
    def publishable(self) -> bool:
        return self.hash is not None

    def document(self, lang: str = "de") -> dict[str, object]:
        """The preview as JSON (``POST /api/import/preview``)."""
        return {
            "graph": self.graph,
            "storeVersion": self.version,
            "hash": self.hash,
            "publishable": self.publishable,
            "noChanges": self.changes.empty,
            "added": [as_document(c) for c in self.added],
            "removed": [as_document(c) for c in self.removed],
            "changed": [as_document(c) for c in self.changed],
            "statements": {
                "added": self.changes.triples_added,
                "removed": self.changes.triples_removed,
                "graphBefore": self.previous_triples,
                "graphAfter": self.triples,
            },
            "warnings": [
                {
                    "severity": w.severity,
                    "message": w.message(lang),
                    "focusNode": w.focus_node,
                    "path": w.path,
                    "value": w.value,
                }
                for w in self.warnings
            ],
            "problems": [problem_document(p, self.values, lang) for p in self.problems],
        }


class Previews:
    """Previews of imports into the writer's store (see the module)."""

    def __init__(self, writer: GraphWriter, sheets: SheetImport) -> None:
        self.writer = writer
        self.sheets = sheets

    def sheet(
        self,
        registry: QueryRegistry,
        data: bytes,
        filename: str,
        graph: str,
        vocabulary_rows: Iterable[Mapping[str, Term]],
        lang: str = "de",
    ) -> Preview:
        """The preview of a sheet upload (CSV or XLSX) into ``graph``."""
        self.writer.check_writable(graph)
        upload = self.sheets.map(data, filename, vocabulary_rows)
        version = self.writer.store.version()
        previous = self.writer.graph_triples(graph)
        new = list(dict.fromkeys(self.sheets.candidate(graph, previous, upload.mapped.triples)))
        if upload.problems:  # as the import: the gate sees the rows that could be read
            report = self.writer.validate(graph, upload.mapped.triples)
        else:
            report = self.writer.validate(graph, new, previous)
        problems = ordered(
            upload.problems + shacl_problems(report.violations, upload.mapped, upload.problems)
        )
        renderer = RowRenderer(upload.vocabulary, self.writer.base_iri, lang)
        return Preview(
            graph,
            version,
            None if problems else content_hash(graph, version, new),
            self._compare(registry, graph, previous, new, renderer, lang),
            len(new),
            len(previous),
            [r for r in report.results if r.severity != "Violation"],
            problems,
            cell_values(upload.sheets),
        )

    def triples(
        self, registry: QueryRegistry, graph: str, triples: list[ox.Triple], lang: str = "de"
    ) -> Preview:
        """The preview of replacing ``graph`` with ``triples`` (an RDF file, an OParl import)."""
        self.writer.check_writable(graph)
        version = self.writer.store.version()
        previous = self.writer.graph_triples(graph)
        new = list(dict.fromkeys(triples))
        report = self.writer.validate(graph, new, previous)
        problems = [
            Problem(
                "",
                None,
                None,
                "shacl",
                {"message_de": r.message("de"), "message_en": r.message("en")},
                r.focus_node,
                r.path,
            )
            for r in report.violations
        ]
        return Preview(
            graph,
            version,
            None if problems else content_hash(graph, version, new),
            self._compare(registry, graph, previous, new, None, lang),
            len(new),
            len(previous),
            [r for r in report.results if r.severity != "Violation"],
            problems,
        )

    def _compare(
        self,
        registry: QueryRegistry,
        graph: str,
        previous: list[ox.Triple],
        new: list[ox.Triple],
        renderer: RowRenderer | None,
        lang: str,
    ) -> Changes:
        store = self.writer.store
        subjects = {
            t.subject.value for t in [*previous, *new] if isinstance(t.subject, ox.NamedNode)
        }
        excluded = unpublished_graphs(store, self.writer.base_iri)
        published = describe(lambda q: select_rows(store, q), registry, subjects, excluded)
        before, after = union_change(published, graph, new, excluded)
        return compare(before, after, renderer, lang)
