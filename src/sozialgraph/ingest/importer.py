"""Imports of sheets: read → map → SHACL gate → write, reporting every problem at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from sozialgraph.errors import BadRequest, SozialgraphError
from sozialgraph.ingest.columns import SHEETS
from sozialgraph.ingest.history import ASSESSED_ON, HAS_ASSESSMENT
from sozialgraph.ingest.mapping import MappedImport, Mapper
from sozialgraph.ingest.problems import Problem
from sozialgraph.ingest.sheets import read_upload
from sozialgraph.ingest.vocabulary import Vocabulary
from sozialgraph.ingest.writer import GraphWriter, WriteResult
from sozialgraph.namespaces import slugify
from sozialgraph.store.base import Term
from sozialgraph.validation.report import ValidationFailed, ValidationResult


class ImportRejected(SozialgraphError):
    """The import was not written; ``problems`` says where, by row and column."""

    status = 422
    title = "Import rejected"

    def __init__(self, problems: list[Problem]) -> None:
        lines = "\n".join(p.text("en") for p in problems)
        german = "\n".join(p.text("de") for p in problems)
        super().__init__(
            f"{len(problems)} problem(s); nothing was imported:\n{lines}",
            de=f"{len(problems)} Problem(e); es wurde nichts importiert:\n{german}",
        )
        self.problems = problems

    def details(self, lang: str) -> dict[str, object]:
        return {"problems": [p.as_dict(lang) for p in self.problems]}


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

    def run(
        self,
        data: bytes,
        filename: str,
        graph: str,
        vocabulary_rows: Iterable[Mapping[str, Term]],
        *,
        agent: str,
    ) -> WriteResult:
        self.writer.check_writable(graph)
        sheets, problems = read_upload(data, filename)
        vocabulary = Vocabulary.from_rows(vocabulary_rows, self.base_iri)
        mapped = Mapper(vocabulary, self.base_iri, self.municipality).map(sheets)
        problems += mapped.problems
        report_problems: list[Problem] = []
        try:
            if problems:
                report = self.writer.validate(graph, mapped.triples)
                report_problems = _shacl_problems(report.violations, mapped, problems)
            else:
                return self.writer.replace(
                    graph,
                    mapped.triples,
                    agent=agent,
                    kind="import",
                    source=filename,
                    content=data,
                    prepare=lambda previous: _keep_status_history(previous, mapped.triples),
                )
        except ValidationFailed as failure:
            report_problems = _shacl_problems(failure.report.violations, mapped, problems)
        raise ImportRejected(_ordered(problems + report_problems))


def _keep_status_history(previous: list[ox.Triple], new: list[ox.Triple]) -> list[ox.Triple]:
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


def _shacl_problems(
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


def _ordered(problems: list[Problem]) -> list[Problem]:
    sheet_order = {s.de: n for n, s in enumerate(SHEETS)}
    return sorted(problems, key=lambda p: (sheet_order.get(p.sheet, 9), p.row or 0, p.column or ""))
