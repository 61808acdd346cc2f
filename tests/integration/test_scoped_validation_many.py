"""Scoped validation of many focus nodes at once reports what the full validation reports.

The scoped path first reads which of the given nodes each shape targets (class targets from the
nodes' types and superclasses, other targets by the shape's own target query) and then runs each
constraint for those nodes only, without its target group. Given every IRI of the store as focus
nodes, it must therefore report exactly what the unscoped validation reports for them: on each case of
``tests/unit/test_shacl_sparql.py`` (class and subclass targets, target nodes, subjects and
objects, SPARQL targets and constraints, nested shapes), on a small case with unusual types, and
on generated municipalities with injected errors.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from bench.generate import generate, inject_errors, ontology_quads
from sozialgraph.validation.sparql import validate_store
from sozialgraph.validation.sparql.scope import (
    SCOPED_WITHOUT_COUNTING,
    TRIPLES_PER_SCOPED_NODE,
    worth_scoping,
)
from tests.report_rows import report_rows
from tests.unit.test_shacl_sparql import (
    DUPLICATES,
    LOGIC,
    NODE,
    PATHS,
    PREFIXES,
    SPARQL,
    TARGETS_AND_COUNTS,
    VALUES,
    _store,
)

ROOT = Path(__file__).resolve().parents[2]

UNUSUAL_TYPES = (
    """
    ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
        sh:property [ sh:path ex:name ; sh:minCount 1 ] .
    ex:Kind a rdfs:Class, sh:NodeShape ; sh:property [ sh:path ex:code ; sh:minCount 1 ] .
    ex:NamedShape a sh:NodeShape ; sh:targetNode ex:n1, ex:missing ;
        sh:property [ sh:path ex:name ; sh:minCount 1 ] .
    ex:ObjectShape a sh:NodeShape ; sh:targetObjectsOf ex:knows ;
        sh:property [ sh:path ex:name ; sh:minCount 1 ] .
    """,
    """
    ex:SubThing rdfs:subClassOf ex:Thing .
    ex:SubSubThing rdfs:subClassOf ex:SubThing .
    ex:t1 a ex:SubSubThing .
    ex:t2 a ex:Thing, ex:SubThing ; ex:name "zwei" .
    ex:t3 a "https://example.org/ns#Thing" .
    ex:t4 a ex:Other .
    ex:k1 a ex:Kind .
    ex:n1 ex:knows ex:o1 .
    ex:o1 a ex:Other .
    """,
)


def every_iri(store: ox.Store) -> list[ox.NamedNode]:
    found = set()
    for quad in store.quads_for_pattern(None, None, None, None):
        found |= {t for t in (quad.subject, quad.object) if isinstance(t, ox.NamedNode)}
    return sorted(found, key=lambda n: n.value)


def assert_scoped_is_full(store: ox.Store, shapes: Graph) -> None:
    """Scoped to every IRI: the full report's results for IRIs (literals and blank nodes can
    be focus nodes too, but never bound ones: for them the gate validates everything)."""
    iris = every_iri(store)
    full = validate_store(store, shapes)
    scoped = validate_store(store, shapes, focus=iris)
    names = {n.value for n in iris}
    assert report_rows(scoped) == [row for row in report_rows(full) if row[0] in names]
    assert scoped.results


@pytest.mark.parametrize(
    ("shapes_ttl", "data_ttl"),
    [TARGETS_AND_COUNTS, VALUES, LOGIC, NODE, PATHS, SPARQL, DUPLICATES, UNUSUAL_TYPES],
    ids=[
        "targets-and-counts",
        "values",
        "logic",
        "node",
        "paths",
        "sparql",
        "duplicates",
        "unusual-types",
    ],
)
def test_scoped_over_every_node_reports_what_full_validation_reports(
    shapes_ttl: str, data_ttl: str
) -> None:
    shapes = Graph().parse(data=PREFIXES + shapes_ttl, format="turtle")
    assert_scoped_is_full(_store(data_ttl), shapes)


def test_unusual_types_give_results():
    """The unusual-types case is not empty: each shape has a violation among the store's IRIs
    (ex:t3, typed by a literal, and ex:t4 are no targets; ex:missing is not in the store)."""
    shapes = Graph().parse(data=PREFIXES + UNUSUAL_TYPES[0], format="turtle")
    store = _store(UNUSUAL_TYPES[1])
    report = validate_store(store, shapes, focus=every_iri(store))
    focus = {r.focus_node.rsplit("#", 1)[1] for r in report.results}
    assert focus == {"t1", "k1", "n1", "o1"}


def test_scoped_over_generated_towns_reports_what_full_validation_reports():
    shapes = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        shapes.parse(path)
    quads, injected = inject_errors(generate(2, seed=3, measures_per_strategy=10), 12, seed=3)
    store = ox.Store()
    store.bulk_extend([*ontology_quads(), *quads])
    assert injected
    assert_scoped_is_full(store, shapes)


def test_many_affected_nodes_on_a_small_store_validate_everything():
    store = ox.Store()
    subject = ox.NamedNode("https://example.org/s")
    store.bulk_extend(
        ox.Quad(subject, ox.NamedNode(f"https://example.org/p{n}"), ox.Literal(str(n)))
        for n in range(30_000)
    )
    assert worth_scoping(1, store)
    assert worth_scoping(SCOPED_WITHOUT_COUNTING, store)
    assert worth_scoping(30_000 // TRIPLES_PER_SCOPED_NODE, store)
    assert not worth_scoping(30_000 // TRIPLES_PER_SCOPED_NODE + 1, store)
