"""A write is validated for what it can affect: the same results as a full validation (issue 14).

On generated municipalities (bench/generate.py) in a store on disk: a graph is replaced by a
version with injected errors, with a removed type that other resources rely on (sh:class), or
by nothing. The scoped report must hold every result that the write brings in (new violations
and warnings), nothing a full validation would not report, and — for the changed resources —
exactly what the full validation reports.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from bench.generate import generate, inject_errors, ontology_quads
from sozialgraph.namespaces import DEFAULT_BASE_IRI
from sozialgraph.validation.gate import apply_change, validate_change
from sozialgraph.validation.report import ValidationReport
from sozialgraph.validation.sparql import validate_store
from sozialgraph.validation.sparql.scope import affected_nodes, read_scope
from tests.report_rows import report_rows

ROOT = Path(__file__).resolve().parents[2]
TOWN = "https://example.org/graph/data/gemeinde-1"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ORGANIZATION = ox.NamedNode("http://www.w3.org/ns/org#Organization")
BASE = DEFAULT_BASE_IRI


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scoped") / "store"
    store = ox.Store(str(path))
    store.bulk_extend([*ontology_quads(), *generate(3, seed=7, measures_per_strategy=12)])
    store.flush()
    del store
    return path


def town(quads: list[ox.Quad]) -> list[ox.Triple]:
    return [q.triple for q in quads if q.graph_name == ox.NamedNode(TOWN)]


def with_errors() -> list[ox.Triple]:
    quads, _ = inject_errors(generate(3, seed=7, measures_per_strategy=12), 30, seed=7)
    return town(list(quads))


def without_an_organisation_type(old: list[ox.Triple]) -> list[ox.Triple]:
    """A body and a strategy lose their types: what names them breaks sh:class, a step away."""
    lost = [
        next(t for t in old if t.predicate == RDF_TYPE and t.object == SG(kind))
        for kind in ("AdministrativeUnit", "Strategy")
    ]
    return [t for t in old if t not in lost]


def SG(name: str) -> ox.NamedNode:
    return ox.NamedNode("https://w3id.org/sozialgraph/ontology#" + name)


CHANGES: dict[str, Callable[[list[ox.Triple]], list[ox.Triple]]] = {
    "injected-errors": lambda old: with_errors(),
    "removed-type": without_an_organisation_type,
    "half-removed": lambda old: old[: len(old) // 2],
    "one-new-measure": lambda old: [*old, *new_measure()],
}


def new_measure() -> list[ox.Triple]:
    measure = ox.NamedNode("https://example.org/gemeinde-1/massnahme/m-neu")
    title = ox.NamedNode("http://purl.org/dc/terms/title")
    return [
        ox.Triple(measure, RDF_TYPE, ox.NamedNode("https://w3id.org/sozialgraph/ontology#Measure")),
        ox.Triple(measure, title, ox.Literal("Neue Maßnahme", language="en")),  # no German title
    ]


def copy_of(published: Path, tmp_path: Path, name: str) -> ox.Store:
    ox.Store(str(published)).backup(str(tmp_path / name))
    return ox.Store(str(tmp_path / name))


def rows(report: ValidationReport, focus: set[str] | None = None) -> list[tuple]:
    return [r for r in report_rows(report) if focus is None or r[0] in focus]


@pytest.mark.parametrize("change", list(CHANGES))
def test_scoped_validation_reports_what_full_validation_reports_for_the_changed_resources(
    published: Path, tmp_path: Path, shapes: Graph, change: str
) -> None:
    before_store = copy_of(published, tmp_path, "before")
    old = town(list(before_store.quads_for_pattern(None, None, None, ox.NamedNode(TOWN))))
    new = CHANGES[change](old)
    changed = set(old).symmetric_difference(new)
    assert changed
    before = validate_store(before_store, shapes)

    full = validate_change(
        copy_of(published, tmp_path, "full"), TOWN, new, old, shapes, BASE, scoped=False
    )
    scoped_store = copy_of(published, tmp_path, "scoped")
    scoped = validate_change(scoped_store, TOWN, new, old, shapes, BASE)

    focus = affected_nodes(scoped_store, changed, read_scope(shapes))
    assert focus is not None, "the project's shapes allow scoping"
    assert len(focus) < sum(1 for _ in scoped_store.quads_for_pattern(None, RDF_TYPE, None))
    brought_in = [row for row in rows(full) if row not in rows(before)]
    assert brought_in or change in ("half-removed",)  # the changes do break things
    assert set(brought_in) <= set(rows(scoped))
    assert set(rows(scoped)) <= set(rows(full))
    resources = {f"<{t.subject.value}>" for t in changed if isinstance(t.subject, ox.NamedNode)}
    assert rows(scoped, resources) == rows(full, resources)
    assert scoped.conforms == full.conforms or not before.conforms


def test_a_changed_class_hierarchy_validates_everything(
    published: Path, tmp_path: Path, shapes: Graph
) -> None:
    store = copy_of(published, tmp_path, "hierarchy")
    sub = ox.Triple(
        ox.NamedNode("https://example.org/Thing"),
        ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
        ORGANIZATION,
    )
    apply_change(store, TOWN + "-extra", [sub], BASE)
    assert affected_nodes(store, [sub], read_scope(shapes)) is None


def with_period(triples: list[ox.Triple], measure: ox.NamedNode) -> list[ox.Triple]:
    """``triples`` with ``measure`` ending (2020) before it starts (2025): PeriodShape."""
    year = ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")
    dates = (SG("startDate"), SG("endDate"))
    kept = [t for t in triples if not (t.subject == measure and t.predicate in dates)]
    return [
        *kept,
        ox.Triple(measure, SG("startDate"), ox.Literal("2025", datatype=year)),
        ox.Triple(measure, SG("endDate"), ox.Literal("2020", datatype=year)),
    ]


def test_the_period_constraint_is_scoped_to_the_changed_measures(
    published: Path, tmp_path: Path, shapes: Graph
) -> None:
    """PeriodShape's SPARQL reads the focus node's own triples only: the scoped gate reports an
    invalid period of a changed measure, and leaves that of an unchanged one to a full check."""
    before_store = copy_of(published, tmp_path, "before")
    old = town(list(before_store.quads_for_pattern(None, None, None, ox.NamedNode(TOWN))))
    typed = {t.subject for t in old if t.predicate == RDF_TYPE and t.object == SG("Measure")}
    dated = sorted(
        {t.subject for t in old if t.predicate == SG("endDate")} & typed, key=lambda n: n.value
    )
    unchanged, changed = dated[0], dated[1]
    # The published data already hold an invalid period (written before the shape was).
    apply_change(before_store, TOWN, with_period(old, unchanged), BASE)
    before_store.flush()
    published_old = with_period(old, unchanged)
    new = with_period(published_old, changed)

    def period_rows(report: ValidationReport) -> set[str]:
        return {
            r.focus_node for r in report.results if r.component == "sh:SPARQLConstraintComponent"
        }

    full = validate_change(
        copy_of_store(before_store, tmp_path, "full"),
        TOWN,
        new,
        published_old,
        shapes,
        BASE,
        scoped=False,
    )
    scoped = validate_change(
        copy_of_store(before_store, tmp_path, "scoped"), TOWN, new, published_old, shapes, BASE
    )
    assert period_rows(full) == {unchanged.value, changed.value}
    assert period_rows(scoped) == {changed.value}
    assert not scoped.conforms and not full.conforms


def copy_of_store(store: ox.Store, tmp_path: Path, name: str) -> ox.Store:
    store.backup(str(tmp_path / name))
    return ox.Store(str(tmp_path / name))
