"""Sheet rows → RDF with the ontology's terms; every triple remembers its row and column.

IRIs are minted from the identifiers (``{base}{municipality}/massnahme/{slug}``), labels are
resolved to vocabulary IRIs, dates are typed. Problems are collected for all rows at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from sozialgraph.ingest.columns import GOAL_TYPES, Column
from sozialgraph.ingest.problems import Problem
from sozialgraph.ingest.sheets import Row, SheetData
from sozialgraph.ingest.vocabulary import Entry, Vocabulary, newest_version, normalise
from sozialgraph.namespaces import DCT_NS as DCTERMS
from sozialgraph.namespaces import SG, slugify
from sozialgraph.namespaces import SKOS_NS as SKOS
from sozialgraph.namespaces import XSD_NS as XSD

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
TITLE = ox.NamedNode(DCTERMS + "title")
DESCRIPTION = ox.NamedNode(DCTERMS + "description")
SOURCE = ox.NamedNode(DCTERMS + "source")
IDENTIFIER = ox.NamedNode(DCTERMS + "identifier")
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")

Position = tuple[str, int, str]  # sheet, row, column header


def sg(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(SG) + name)


@dataclass
class MappedImport:
    triples: list[ox.Triple] = field(default_factory=list)
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    rows_of: dict[str, tuple[str, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        subject: ox.NamedNode,
        predicate: ox.NamedNode,
        obj: ox.NamedNode | ox.Literal,
        at: Position,
    ) -> None:
        self.triples.append(ox.Triple(subject, predicate, obj))
        self.positions.setdefault((subject.value, predicate.value), at)


def parse_date(text: str) -> ox.Literal | None:
    """``TT.MM.JJJJ``/ISO → xsd:date; ``MM.JJJJ``/``JJJJ-MM`` → gYearMonth; ``JJJJ`` → gYear."""
    text = text.strip()
    patterns = (
        (r"(\d{1,2})\.(\d{1,2})\.(\d{4})", lambda m: _date(m[3], m[2], m[1])),
        (r"(\d{4})-(\d{2})-(\d{2})", lambda m: _date(m[1], m[2], m[3])),
        (
            r"(\d{1,2})\.(\d{4})",
            lambda m: _typed(f"{m[2]}-{int(m[1]):02d}", "gYearMonth", int(m[1])),
        ),
        (r"(\d{4})-(\d{2})", lambda m: _typed(f"{m[1]}-{m[2]}", "gYearMonth", int(m[2]))),
        (r"(\d{4})", lambda m: _typed(m[1], "gYear", 1)),
    )
    for pattern, build in patterns:
        match = re.fullmatch(pattern, text)
        if match:
            return build(match)
    return None


def _date(year: str, month: str, day: str) -> ox.Literal | None:
    try:
        value = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))


def _typed(lexical: str, datatype: str, month: int) -> ox.Literal | None:
    if not 1 <= month <= 12:
        return None
    return ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))


class Mapper:
    """Maps the sheets of one import; fields first, then goals, then measures."""

    def __init__(self, vocabulary: Vocabulary, base_iri: str, municipality: str) -> None:
        self.vocabulary = vocabulary
        self.base_iri = base_iri
        self.municipality = slugify(municipality) or "kommune"
        self.out = MappedImport()

    def map(self, sheets: Iterable[SheetData]) -> MappedImport:
        order = {"fields": 0, "goals": 1, "measures": 2}
        for data in sorted(sheets, key=lambda d: order[d.sheet.key]):
            seen: dict[str, int] = {}
            for row in data.rows:
                self._row(data, row, seen)
        return self.out

    # -- helpers ---------------------------------------------------------------------------------

    def _problem(
        self, data: SheetData, row: Row, column: Column, code: str, **details: str
    ) -> None:
        header = data.headers.get(column.key, column.de).rstrip(" *")
        self.out.problems.append(Problem(data.sheet.de, row.number, header, code, details))

    def _at(self, data: SheetData, row: Row, column: Column) -> Position:
        return (data.sheet.de, row.number, data.headers.get(column.key, column.de).rstrip(" *"))

    def _values(self, data: SheetData, row: Row, key: str) -> list[str]:
        column = data.sheet.column(key)
        raw = row.values.get(key, "")
        values = [v.strip() for v in raw.split(";")] if column.multiple else [raw.strip()]
        values = [v for v in values if v]
        if column.required and not values:
            self._problem(data, row, column, "required")
        return values

    def _resolve(
        self, data: SheetData, row: Row, key: str, within: set[str] | None = None
    ) -> list[str]:
        column = data.sheet.column(key)
        found = []
        for value in self._values(data, row, key):
            resolution = self.vocabulary.resolve(column.kind, value, within)
            if resolution.iri is None:
                self._problem(
                    data, row, column, resolution.code or "not_allowed", **resolution.details
                )
            else:
                found.append(resolution.iri)
        return found

    def _date(
        self, data: SheetData, row: Row, key: str, *, exact: bool = False
    ) -> ox.Literal | None:
        values = self._values(data, row, key)
        if not values:
            return None
        literal = parse_date(values[0])
        if literal is None or (exact and literal.datatype.value != XSD + "date"):
            self._problem(data, row, data.sheet.column(key), "bad_date", value=values[0])
            return None
        return literal

    def _text(
        self,
        subject: ox.NamedNode,
        predicate: ox.NamedNode,
        data: SheetData,
        row: Row,
        key: str,
        lang: str,
    ) -> None:
        for value in self._values(data, row, key):
            self.out.add(
                subject,
                predicate,
                ox.Literal(value, language=lang),
                self._at(data, row, data.sheet.column(key)),
            )

    def _sources(self, subject: ox.NamedNode, data: SheetData, row: Row) -> list[ox.NamedNode]:
        column = data.sheet.column("source")
        sources = []
        for value in self._values(data, row, "source"):
            if not _URL.match(value):
                self._problem(data, row, column, "bad_url", value=value)
                continue
            sources.append(ox.NamedNode(value))
            self.out.add(subject, SOURCE, ox.NamedNode(value), self._at(data, row, column))
        return sources

    def _subject(
        self, data: SheetData, row: Row, kind_path: str, seen: dict[str, int]
    ) -> ox.NamedNode | None:
        column = data.sheet.column("identifier")
        values = self._values(data, row, "identifier")
        if not values:
            return None
        slug = slugify(values[0])
        if not slug:
            self._problem(data, row, column, "bad_identifier", value=values[0])
            return None
        key = f"{kind_path}/{slug}"  # fields of two strategies may share an identifier
        if key in seen:
            self._problem(data, row, column, "duplicate", value=values[0], other=str(seen[key]))
            return None
        seen[key] = row.number
        iri = ox.NamedNode(f"{self.base_iri}{self.municipality}/{kind_path}/{slug}")
        self.out.rows_of[iri.value] = (data.sheet.de, row.number)
        self.out.add(iri, IDENTIFIER, ox.Literal(values[0]), self._at(data, row, column))
        return iri

    def _links(
        self,
        subject: ox.NamedNode,
        predicate: ox.NamedNode,
        iris: list[str],
        data: SheetData,
        row: Row,
        key: str,
    ) -> None:
        at = self._at(data, row, data.sheet.column(key))
        for iri in iris:
            self.out.add(subject, predicate, ox.NamedNode(iri), at)

    # -- rows ------------------------------------------------------------------------------------

    def _row(self, data: SheetData, row: Row, seen: dict[str, int]) -> None:
        {"fields": self._field, "goals": self._goal, "measures": self._measure}[data.sheet.key](
            data, row, seen
        )

    def _field(self, data: SheetData, row: Row, seen: dict[str, int]) -> None:
        strategies = self._resolve(data, row, "strategy")
        if not strategies:
            self._values(data, row, "identifier")
            return
        strategy = self.vocabulary.get("strategy", strategies[0])
        schemes = sorted(strategy.schemes) if strategy else []
        strategy_slug = strategies[0].rstrip("/").rsplit("/", 1)[-1]
        subject = self._subject(data, row, f"handlungsfeld/{strategy_slug}", seen)
        if subject is None:
            return
        if not schemes:
            self._problem(
                data,
                row,
                data.sheet.column("strategy"),
                "no_scheme",
                value=row.values.get("strategy", ""),
            )
            return
        at = self._at(data, row, data.sheet.column("identifier"))
        self.out.add(subject, RDF_TYPE, sg("FieldOfAction"), at)
        self.out.add(subject, RDF_TYPE, ox.NamedNode(SKOS + "Concept"), at)
        self.out.add(subject, ox.NamedNode(SKOS + "inScheme"), ox.NamedNode(schemes[0]), at)
        self._text(subject, ox.NamedNode(SKOS + "prefLabel"), data, row, "label", "de")
        self._text(subject, ox.NamedNode(SKOS + "prefLabel"), data, row, "label_en", "en")
        self._text(subject, ox.NamedNode(SKOS + "definition"), data, row, "definition", "de")
        self._text(subject, ox.NamedNode(SKOS + "definition"), data, row, "definition_en", "en")
        for notation in self._values(data, row, "notation"):
            self.out.add(
                subject,
                ox.NamedNode(SKOS + "notation"),
                ox.Literal(notation),
                self._at(data, row, data.sheet.column("notation")),
            )
        versions = self._resolve(data, row, "version", set(strategies))
        if not versions and not row.values.get("version"):
            newest = newest_version(self.vocabulary, strategies[0])
            versions = [newest] if newest else []
        for version in versions:
            self.out.add(
                ox.NamedNode(version),
                sg("hasFieldOfAction"),
                subject,
                self._at(data, row, data.sheet.column("version")),
            )
        self._sources(subject, data, row)
        labels = {
            normalise(v)
            for key in ("label", "label_en", "identifier")
            for v in self._values(data, row, key)
        }
        self.vocabulary.add(
            Entry(
                subject.value,
                "field",
                row.values.get("label", subject.value),
                labels | {normalise(subject.value)},
                set(strategies),
                set(schemes[:1]),
            )
        )

    def _goal(self, data: SheetData, row: Row, seen: dict[str, int]) -> None:
        subject = self._subject(data, row, "ziel", seen)
        if subject is None:
            return
        column = data.sheet.column("goal_type")
        at = self._at(data, row, column)
        for value in self._values(data, row, "goal_type"):
            kind = GOAL_TYPES.get(normalise(value))
            if kind is None:
                allowed = "Leitidee, strategisches Ziel, operatives Ziel, Ziel"
                self._problem(data, row, column, "not_allowed", value=value, allowed=allowed)
            else:
                self.out.add(subject, RDF_TYPE, sg(kind), at)
        self._text(subject, TITLE, data, row, "title", "de")
        self._text(subject, TITLE, data, row, "title_en", "en")
        self._text(subject, DESCRIPTION, data, row, "description", "de")
        self._text(subject, DESCRIPTION, data, row, "description_en", "en")
        strategies = self._resolve(data, row, "strategy")
        self._links(subject, sg("goalOfStrategy"), strategies, data, row, "strategy")
        self._links(
            subject,
            sg("inFieldOfAction"),
            self._resolve(data, row, "fields", set(strategies)),
            data,
            row,
            "fields",
        )
        self._links(
            subject, sg("specifies"), self._resolve(data, row, "specifies"), data, row, "specifies"
        )
        deadline = self._date(data, row, "deadline")
        if deadline is not None:
            self.out.add(
                subject,
                sg("deadline"),
                deadline,
                self._at(data, row, data.sheet.column("deadline")),
            )
        self._sources(subject, data, row)
        labels = {
            normalise(v)
            for key in ("title", "title_en", "identifier")
            for v in self._values(data, row, key)
        }
        self.vocabulary.add(
            Entry(
                subject.value,
                "goal",
                row.values.get("title", subject.value),
                labels | {normalise(subject.value)},
                set(strategies),
            )
        )

    def _measure(self, data: SheetData, row: Row, seen: dict[str, int]) -> None:
        subject = self._subject(data, row, "massnahme", seen)
        if subject is None:
            return
        self.out.add(
            subject, RDF_TYPE, sg("Measure"), self._at(data, row, data.sheet.column("identifier"))
        )
        self._text(subject, TITLE, data, row, "title", "de")
        self._text(subject, TITLE, data, row, "title_en", "en")
        self._text(subject, DESCRIPTION, data, row, "description", "de")
        self._text(subject, DESCRIPTION, data, row, "description_en", "en")
        strategies = self._resolve(data, row, "strategy")
        self._links(subject, sg("belongsToStrategy"), strategies, data, row, "strategy")
        links = (
            ("fields", "servesField"),
            ("goals", "contributesToGoal"),
            ("commitments", "implementsCommitment"),
            ("responsible", "responsibleBody"),
            ("partners", "partner"),
            ("target_groups", "targetGroup"),
            ("themes", "theme"),
        )
        for key, predicate in links:
            within = set(strategies) if key == "fields" else None
            self._links(
                subject, sg(predicate), self._resolve(data, row, key, within), data, row, key
            )
        for key, predicate in (
            ("start", "startDate"),
            ("end", "endDate"),
            ("deadline", "deadline"),
        ):
            value = self._date(data, row, key)
            if value is not None:
                self.out.add(
                    subject, sg(predicate), value, self._at(data, row, data.sheet.column(key))
                )
        sources = self._sources(subject, data, row)
        self._status(subject, data, row, sources)

    def _status(
        self, subject: ox.NamedNode, data: SheetData, row: Row, sources: list[ox.NamedNode]
    ) -> None:
        statuses = self._resolve(data, row, "status")
        date = self._date(data, row, "status_date", exact=True)
        has_status, has_date = bool(row.values.get("status")), bool(row.values.get("status_date"))
        if has_status != has_date:
            missing = "status_date" if has_status else "status"
            self._problem(data, row, data.sheet.column(missing), "status_needs_date")
            return
        if not statuses or date is None:
            return
        status_column = data.sheet.column("status")
        assessment = ox.NamedNode(f"{subject.value}/status/{date.value}")
        at = self._at(data, row, status_column)
        self.out.add(subject, sg("hasStatusAssessment"), assessment, at)
        self.out.add(assessment, RDF_TYPE, sg("StatusAssessment"), at)
        entry = self.vocabulary.get("status", statuses[0])
        label = f"Status {entry.display if entry else ''} am {date.value}".replace("  ", " ")
        self.out.add(assessment, RDFS_LABEL, ox.Literal(label, language="de"), at)
        self.out.add(assessment, sg("status"), ox.NamedNode(statuses[0]), at)
        self.out.add(
            assessment,
            sg("assessedOn"),
            date,
            self._at(data, row, data.sheet.column("status_date")),
        )
        for source in sources:
            self.out.add(
                assessment, SOURCE, source, self._at(data, row, data.sheet.column("source"))
            )
        self.out.rows_of[assessment.value] = (data.sheet.de, row.number)
