"""The spreadsheet round trip: published measures, goals and fields as rows of the import
template, written so that importing them again maps to the same statements.

A reference is written as the label the import resolves back to the same IRI (else the IRI's
path below the base, else the IRI); a measure's status is its newest assessment. The same rows
are the sheet's lens of the preview (:class:`RowRenderer`), so an export imported unchanged
previews as no change.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping
from functools import cache

import pyoxigraph as ox

from sozialgraph.errors import NotFound
from sozialgraph.ingest.columns import FIELDS, GOALS, MEASURES, SHEETS, Sheet
from sozialgraph.ingest.diff import (
    HAS_ASSESSMENT,
    HAS_FIELD,
    RDF_TYPE,
    Row,
    group,
    owners_of,
    value_of,
)
from sozialgraph.ingest.template import template_xlsx
from sozialgraph.ingest.vocabulary import Vocabulary
from sozialgraph.namespaces import DCT_NS, SG_NS, SKOS_NS, graph_iri, meta_graph_iri, slugify
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.store.base import GraphStore, Term, as_term, select_rows

Select = Callable[[str], list[dict[str, Term]]]

GOAL_KINDS = {
    SG_NS + "GuidingIdea": "Leitidee",
    SG_NS + "StrategicGoal": "strategisches Ziel",
    SG_NS + "OperationalGoal": "operatives Ziel",
    SG_NS + "Goal": "Ziel",
}
KIND_OF_TYPE = {SG_NS + "Measure": "measures", SG_NS + "FieldOfAction": "fields"} | {
    t: "goals" for t in GOAL_KINDS
}
SHEET_OF = {s.key: s for s in SHEETS}
#: Resources per query of their descriptions (one VALUES row each).
CHUNK = 2000


class RowRenderer:
    """A resource's statements → its row in the import template (the preview's lens)."""

    def __init__(self, vocabulary: Vocabulary, base_iri: str, lang: str = "de") -> None:
        self.vocabulary = vocabulary
        self.base_iri = base_iri
        self.lang = lang
        self._ref = cache(self._reference)

    def __call__(self, triples: set[ox.Triple]) -> tuple[str, Row] | None:
        found = _Statements(triples)
        subject, kind = found.typed()
        if subject is None:
            return None
        sheet = SHEET_OF[kind]
        cells = {"measures": self._measure, "goals": self._goal, "fields": self._field}[kind](
            found, subject
        )
        cells["identifier"] = found.identifier(subject)
        return kind, {c.key: (c.header(self.lang), cells.get(c.key, "")) for c in sheet.columns}

    def row(self, triples: set[ox.Triple]) -> tuple[str, list[str]] | None:
        """The sheet and the cells of a row, in the template's column order."""
        rendered = self(triples)
        if rendered is None:
            return None
        kind, row = rendered
        return kind, [cell for _, cell in row.values()]

    def _reference(self, kind: str, iri: str, within: frozenset[str]) -> str:
        entry = self.vocabulary.get(kind, iri)
        short = iri[len(self.base_iri) :] if iri.startswith(self.base_iri) else ""
        for text in (entry.display if entry else "", short, iri.rsplit("/", 1)[-1]):
            resolved = self.vocabulary.resolve(kind, text, set(within) or None) if text else None
            if resolved is not None and ";" not in text and resolved.iri == iri:
                return text
        return iri

    def _refs(self, kind: str, iris: Iterable[str], within: Iterable[str] = ()) -> str:
        scope = frozenset(within)
        return "; ".join(sorted(self._ref(kind, iri, scope) for iri in iris))

    def _measure(self, found: _Statements, s: str) -> dict[str, str]:
        strategies = found.objects(s, SG_NS + "belongsToStrategy")
        cells = _texts(found, s, DCT_NS + "title", DCT_NS + "description")
        cells["strategy"] = self._refs("strategy", strategies)
        links = (
            ("fields", "servesField", "field"),
            ("goals", "contributesToGoal", "goal"),
            ("commitments", "implementsCommitment", "commitment"),
            ("responsible", "responsibleBody", "body"),
            ("partners", "partner", "body"),
            ("target_groups", "targetGroup", "target_group"),
            ("themes", "theme", "theme"),
        )
        for key, predicate, kind in links:
            within = strategies if key == "fields" else ()
            cells[key] = self._refs(kind, found.objects(s, SG_NS + predicate), within)
        for key, predicate in (
            ("start", "startDate"),
            ("end", "endDate"),
            ("deadline", "deadline"),
        ):
            cells[key] = "; ".join(sorted(found.objects(s, SG_NS + predicate)))
        status = found.newest_status(s)
        if status is not None:
            cells["status"] = self._refs("status", status[1])
            cells["status_date"] = status[0]
        cells["source"] = "; ".join(sorted(found.objects(s, DCT_NS + "source")))
        return cells

    def _goal(self, found: _Statements, s: str) -> dict[str, str]:
        strategies = found.objects(s, SG_NS + "goalOfStrategy")
        cells = _texts(found, s, DCT_NS + "title", DCT_NS + "description")
        types = found.objects(s, RDF_TYPE)
        cells["goal_type"] = "; ".join(GOAL_KINDS[t] for t in sorted(types) if t in GOAL_KINDS)
        cells["strategy"] = self._refs("strategy", strategies)
        cells["fields"] = self._refs(
            "field", found.objects(s, SG_NS + "inFieldOfAction"), strategies
        )
        cells["specifies"] = self._refs("goal", found.objects(s, SG_NS + "specifies"))
        cells["deadline"] = "; ".join(sorted(found.objects(s, SG_NS + "deadline")))
        cells["source"] = "; ".join(sorted(found.objects(s, DCT_NS + "source")))
        return cells

    def _field(self, found: _Statements, s: str) -> dict[str, str]:
        schemes = found.objects(s, SKOS_NS + "inScheme")
        strategies = [
            e.iri for e in self.vocabulary.of_kind("strategy") if e.schemes & set(schemes)
        ]
        cells = {"strategy": self._refs("strategy", strategies)}
        texts = _texts(found, s, SKOS_NS + "prefLabel", SKOS_NS + "definition")
        cells |= {
            "label": texts["title"],
            "label_en": texts["title_en"],
            "definition": texts["description"],
            "definition_en": texts["description_en"],
        }
        versions = [value_of(t.subject) for t in found.triples if t.predicate.value == HAS_FIELD]
        if versions:
            issued = {e.iri: e.issued or "" for e in self.vocabulary.of_kind("version")}
            newest = max(versions, key=lambda v: (issued.get(v, ""), v))
            cells["version"] = self._refs("version", [newest], strategies)
        cells["notation"] = "; ".join(sorted(found.objects(s, SKOS_NS + "notation")))
        cells["source"] = "; ".join(sorted(found.objects(s, DCT_NS + "source")))
        return cells


def _texts(found: _Statements, s: str, title: str, description: str) -> dict[str, str]:
    cells = {}
    for key, predicate in (("title", title), ("description", description)):
        for suffix, lang in (("", "de"), ("_en", "en")):
            values = found.literals(s, predicate, lang)
            cells[key + suffix] = "; ".join(sorted(values))
    return cells


class _Statements:
    """A resource's statements, indexed by subject and predicate."""

    def __init__(self, triples: set[ox.Triple]) -> None:
        self.triples = triples
        self.index: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = {}
        for t in triples:
            by_predicate = self.index.setdefault(value_of(t.subject), {})
            by_predicate.setdefault(t.predicate.value, []).append(as_term(t.object))

    def typed(self) -> tuple[str | None, str]:
        found = sorted(
            (KIND_OF_TYPE[o.value], s)
            for s, by_predicate in self.index.items()
            for o in by_predicate.get(RDF_TYPE, ())
            if o.value in KIND_OF_TYPE
        )
        return (found[0][1], found[0][0]) if found else (None, "")

    def objects(self, s: str, predicate: str) -> list[str]:
        return sorted({o.value for o in self.index.get(s, {}).get(predicate, ())})

    def literals(self, s: str, predicate: str, lang: str) -> list[str]:
        return [
            o.value
            for o in self.index.get(s, {}).get(predicate, ())
            if isinstance(o, ox.Literal) and (o.language or "de") == lang
        ]

    def identifier(self, s: str) -> str:
        tail = s.rstrip("/").rsplit("/", 1)[-1]
        written = [v for v in self.objects(s, DCT_NS + "identifier") if slugify(v) == tail]
        return written[0] if written else tail

    def newest_status(self, s: str) -> tuple[str, list[str]] | None:
        """The date of the newest assessment of ``s`` and the statuses assessed then (more
        than one only where graphs disagree: the union shows both)."""
        found: dict[str, set[str]] = {}
        for assessment in self.objects(s, HAS_ASSESSMENT):
            dates = self.objects(assessment, SG_NS + "assessedOn")
            statuses = self.objects(assessment, SG_NS + "status")
            if dates and statuses:
                found.setdefault(max(dates), set()).update(statuses)
        if not found:
            return None
        newest = max(found)
        return newest, sorted(found[newest])


# -- reading what is published --------------------------------------------------------------


def describe(
    select: Select, registry: QueryRegistry, iris: Iterable[str], excluded: set[str]
) -> list[ox.Quad]:
    """Every published statement about ``iris`` (with their assessments and the versions that
    list them), by graph; graphs in ``excluded`` (metadata, shapes) left out."""
    named = registry.get("resource-descriptions")
    wanted = sorted(set(iris))
    quads = []
    for start in range(0, len(wanted), CHUNK):
        for row in select(named.bind({"resource": wanted[start : start + CHUNK]})):
            graph = row["g"].value
            if graph in excluded:
                continue
            s, p, o = row["s"], row["p"], row["o"]
            assert isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode)
            quads.append(ox.Quad(s, p, o, ox.NamedNode(graph)))
    return quads


def unpublished_graphs(store: GraphStore, base_iri: str) -> set[str]:
    """Graphs that are not published data: provenance and shapes."""
    shapes = graph_iri(base_iri, "shapes/")
    return {n for n in store.graph_names() if n.startswith(shapes)} | {meta_graph_iri(base_iri)}


def export(
    store: GraphStore,
    registry: QueryRegistry,
    vocabulary_rows: Iterable[Mapping[str, Term]],
    base_iri: str,
    *,
    graph: str | None = None,
    municipality: str | None = None,
    lang: str = "de",
) -> dict[str, list[list[str]]]:
    """The rows of the measures, goals and fields of ``graph`` (described as published, in all
    graphs) or of the strategies ``municipality`` publishes; NotFound for an unknown graph."""

    def select(query: str) -> list[dict[str, Term]]:
        return select_rows(store, query)

    if graph is not None:
        if graph not in store.graph_names():
            raise NotFound(f"there is no graph {graph}", de=f"Es gibt keinen Graphen {graph}")
        iris = {value_of(q.subject) for q in store.quads(graph)}
    else:
        iris = set(municipality_resources(select, registry, municipality or ""))
    quads = describe(select, registry, iris, unpublished_graphs(store, base_iri))
    renderer = RowRenderer(Vocabulary.from_rows(vocabulary_rows, base_iri), base_iri, lang)
    return export_rows(quads, renderer)


def municipality_resources(select: Select, registry: QueryRegistry, municipality: str) -> list[str]:
    named = registry.get("municipality-resources")
    return [row["iri"].value for row in select(named.bind({"municipality": municipality}))]


def export_rows(quads: Iterable[ox.Quad], renderer: RowRenderer) -> dict[str, list[list[str]]]:
    """The rows of each sheet for the measures, goals and fields in ``quads``, grouped as the
    preview groups them (assessments with their measure, versions' links with the field)."""
    triples = {q.triple for q in quads}
    rows: dict[str, list[list[str]]] = {s.key: [] for s in SHEETS}
    for described in group(triples, owners_of(triples)).values():
        rendered = renderer.row(described)
        if rendered is not None:
            rows[rendered[0]].append(rendered[1])
    for listed in rows.values():
        listed.sort(key=lambda cells: cells[0])
    return rows


# -- writing files --------------------------------------------------------------------------


def export_xlsx(
    rows: Mapping[str, list[list[str]]], values: dict[str, list[str]], lang: str = "de"
) -> bytes:
    """The import template (allowed values, drop-downs) filled with ``rows``."""
    return template_xlsx(values, lang, rows=rows)


def export_csv(rows: Mapping[str, list[list[str]]], sheet: Sheet, lang: str = "de") -> bytes:
    """One sheet as CSV, as the template writes it (UTF-8 with BOM, ';')."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([c.header(lang) + (" *" if c.required else "") for c in sheet.columns])
    writer.writerows(rows.get(sheet.key, []))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_zip(rows: Mapping[str, list[list[str]]], lang: str = "de") -> bytes:
    """Every sheet as a CSV file in one zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet in (FIELDS, GOALS, MEASURES):
            name = slugify(sheet.de if lang == "de" else sheet.en)
            archive.writestr(f"{name}.csv", export_csv(rows, sheet, lang))
    return buffer.getvalue()
