"""Imports of sheets: read → map → SHACL gate → write, reporting every problem at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from sozialgraph.errors import BadRequest, SozialgraphError
from sozialgraph.ingest.columns import SHEETS
from sozialgraph.ingest.diff import value_of
from sozialgraph.ingest.export import describe, unpublished_graphs
from sozialgraph.ingest.history import ASSESSED_ON, HAS_ASSESSMENT
from sozialgraph.ingest.mapping import RDFS_LABEL, MappedImport, Mapper
from sozialgraph.ingest.problems import Problem
from sozialgraph.ingest.sheets import SheetData, read_upload
from sozialgraph.ingest.vocabulary import Vocabulary
from sozialgraph.ingest.writer import GraphWriter, WriteResult
from sozialgraph.namespaces import slugify
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.resources import queries_dir
from sozialgraph.store.base import Term, select_rows
from sozialgraph.validation.report import ValidationFailed, ValidationResult


class ImportRejected(SozialgraphError):
    """The import was not written; ``problems`` says where, by row and column."""

    status = 422
    title = "Import rejected"

    def __init__(
        self, problems: list[Problem], values: Mapping[tuple[str, int, str], str] | None = None
    ) -> None:
        lines = "\n".join(p.text("en") for p in problems)
        german = "\n".join(p.text("de") for p in problems)
        super().__init__(
            f"{len(problems)} problem(s); nothing was imported:\n{lines}",
            de=f"{len(problems)} Problem(e); es wurde nichts importiert:\n{german}",
        )
        self.problems = problems
        self.values = dict(values or {})

    def details(self, lang: str) -> dict[str, object]:
        return {"problems": [problem_document(p, self.values, lang) for p in self.problems]}


def problem_document(
    problem: Problem, values: Mapping[tuple[str, int, str], str], lang: str
) -> dict[str, object]:
    """A problem as JSON, with the offending cell's text as ``value`` (None where no cell)."""
    document = problem.as_dict(lang)
    cell = (problem.sheet, problem.row or 0, problem.column or "")
    document["value"] = values.get(cell)
    return document


def import_graph_iri(base_iri: str, name: str) -> str:
    """``--graph NAME`` → ``{base}graph/import/{slug}`` (a full IRI is taken as it is)."""
    if name.startswith(("http://", "https://")):
        return name
    slug = slugify(name)
    if not slug:
        raise BadRequest(
            "the graph name needs letters or digits",
            de="Der Graphname braucht Buchstaben oder Ziffern",
        )
    return f"{base_iri}graph/import/{slug}"


@dataclass
class SheetImport:
    writer: GraphWriter
    base_iri: str
    municipality: str
    registry: QueryRegistry | None = None

    def candidate(
        self, graph: str, previous: list[ox.Triple], triples: list[ox.Triple]
    ) -> list[ox.Triple]:
        """What an import writes into ``graph`` (holding ``previous``): the mapped ``triples``,
        the earlier status assessments kept, and an assessment's derived label left out where
        another graph already labels it in that language (one label per language)."""
        content = keep_status_history(previous, triples)
        assessments = {t.object for t in triples if t.predicate.value == HAS_ASSESSMENT}
        derived = [t for t in triples if t.subject in assessments and t.predicate == RDFS_LABEL]
        if not derived:
            return content
        if self.registry is None:
            self.registry = QueryRegistry(queries_dir())
        store = self.writer.store
        published = describe(
            lambda query: select_rows(store, query),
            self.registry,
            {value_of(t.subject) for t in derived},
            unpublished_graphs(store, self.base_iri) | {graph},
        )
        labelled = {
            (q.subject, q.object.language)
            for q in published
            if q.predicate == RDFS_LABEL and isinstance(q.object, ox.Literal)
        }
        shadowed = {
            t
            for t in derived
            if isinstance(t.object, ox.Literal) and (t.subject, t.object.language) in labelled
        }
        return [t for t in content if t not in shadowed]

    def map(
        self, data: bytes, filename: str, vocabulary_rows: Iterable[Mapping[str, Term]]
    ) -> MappedUpload:
        """Read and map an upload (nothing validated, nothing written): the preview's start."""
        sheets, problems = read_upload(data, filename)
        vocabulary = Vocabulary.from_rows(vocabulary_rows, self.base_iri)
        mapped = Mapper(vocabulary, self.base_iri, self.municipality).map(sheets)
        return MappedUpload(sheets, mapped, problems + mapped.problems, vocabulary)

    def run(
        self,
        data: bytes,
        filename: str,
        graph: str,
        vocabulary_rows: Iterable[Mapping[str, Term]],
        *,
        agent: str,
        expected_hash: str | None = None,
    ) -> WriteResult:
        """Map, validate and write an upload; ``expected_hash``: only if it is what a preview
        (``ingest.preview``) showed, else :class:`~sozialgraph.ingest.diff.PreviewOutdated`."""
        self.writer.check_writable(graph)
        upload = self.map(data, filename, vocabulary_rows)
        mapped, problems = upload.mapped, upload.problems
        report_problems: list[Problem] = []
        try:
            if problems:
                report = self.writer.validate(graph, mapped.triples)
                report_problems = shacl_problems(report.violations, mapped, problems)
            else:
                return self.writer.replace(
                    graph,
                    mapped.triples,
                    agent=agent,
                    kind="import",
                    source=filename,
                    content=data,
                    prepare=lambda previous: self.candidate(graph, previous, mapped.triples),
                    expected_hash=expected_hash,
                )
        except ValidationFailed as failure:
            report_problems = shacl_problems(failure.report.violations, mapped, problems)
        raise ImportRejected(ordered(problems + report_problems), cell_values(upload.sheets))


@dataclass
class MappedUpload:
    """An upload read and mapped: its sheets, the statements, the problems found so far."""

    sheets: list[SheetData]
    mapped: MappedImport
    problems: list[Problem]
    vocabulary: Vocabulary


def cell_values(sheets: Iterable[SheetData]) -> dict[tuple[str, int, str], str]:
    """(sheet, row, column header as written) → the cell's text, to show beside a problem."""
    values: dict[tuple[str, int, str], str] = {}
    for data in sheets:
        headers = {key: header.rstrip(" *") for key, header in data.headers.items()}
        for header in data.headers.values():
            values[(data.sheet.de, 1, header.rstrip(" *"))] = header
        for row in data.rows:
            for key, text in row.values.items():
                values[(data.sheet.de, row.number, headers[key])] = text
    return values


def keep_status_history(previous: list[ox.Triple], new: list[ox.Triple]) -> list[ox.Triple]:
    """New content plus the earlier status assessments of measures that are still there.

    A sheet row holds one status; re-importing with a new status must not erase the old one,
    so the status history of a measure stays data (and queryable).
    """
    measures = {t.subject for t in new}
    new_assessments = {t.object for t in new if t.predicate.value == HAS_ASSESSMENT}
    kept = {
        t.object
        for t in previous
        if t.predicate.value == HAS_ASSESSMENT
        and t.subject in measures
        and t.object not in new_assessments
    }
    carried = [
        t
        for t in previous
        if (t.predicate.value == HAS_ASSESSMENT and t.object in kept) or t.subject in kept
    ]
    return new + carried


def shacl_problems(
    results: Iterable[ValidationResult], mapped: MappedImport, known: list[Problem]
) -> list[Problem]:
    taken = {(p.sheet, p.row) for p in known}
    problems = []
    for result in results:
        where = mapped.rows_of.get(result.focus_node)
        position = mapped.positions.get((result.focus_node, result.path or ""))
        details = {"message_de": result.message("de"), "message_en": result.message("en")}
        if where is None:
            problems.append(
                Problem("", None, None, "shacl", details, result.focus_node, result.path)
            )
            continue
        sheet, row = where
        if (sheet, row) in taken:
            continue  # the row already has a problem from reading it; that one explains this
        column = position[2] if position else _column_for(result.path)
        problems.append(
            Problem(sheet, row, column, "shacl", details, result.focus_node, result.path)
        )
    return problems


def _column_for(path: str | None) -> str | None:
    """The column that fills a property (for properties that are missing altogether)."""
    columns = {
        "http://purl.org/dc/terms/title": "Titel",
        "http://purl.org/dc/terms/source": "Quelle",
        "https://w3id.org/sozialgraph/ontology#belongsToStrategy": "Strategie",
        "https://w3id.org/sozialgraph/ontology#goalOfStrategy": "Strategie",
        "http://www.w3.org/2004/02/skos/core#prefLabel": "Bezeichnung",
        ASSESSED_ON: "Statusdatum",
    }
    return columns.get(path or "")


def ordered(problems: list[Problem]) -> list[Problem]:
    sheet_order = {s.de: n for n, s in enumerate(SHEETS)}
    return sorted(problems, key=lambda p: (sheet_order.get(p.sheet, 9), p.row or 0, p.column or ""))
