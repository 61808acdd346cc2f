"""Validate candidate files against the shapes, together with what is already published.

A resource described in the candidate files replaces its published description (as an import
of those files would), so that removing a required property from an exported resource is caught.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph

from sozialgraph.namespaces import graph_iri, meta_graph_iri
from sozialgraph.rdf_io import parse_file, to_rdflib
from sozialgraph.resources import LoadedGraph, load_files, source_files
from sozialgraph.store.base import GraphStore
from sozialgraph.validation.pyshacl_path import validate
from sozialgraph.validation.report import ValidationReport

if TYPE_CHECKING:
    from sozialgraph.validation.sparql.compile import CompiledConstraint


def gate(graphs: list[LoadedGraph]) -> ValidationReport:
    """Run the SHACL gate (pySHACL) over all non-shape graphs with the shapes graphs."""
    data, shapes = Graph(), Graph()
    for loaded in graphs:
        to_rdflib(loaded.triples, shapes if loaded.is_shapes else data)
    return validate(data, shapes)


#: Above this many triples, "auto" validates with SPARQL on the new store instead of pySHACL.
SPARQL_VALIDATION_FROM = 20_000


def choose_validator(validator: str, triples: int) -> str:
    if validator == "auto":
        return "sparql" if triples >= SPARQL_VALIDATION_FROM else "pyshacl"
    if validator not in ("pyshacl", "sparql"):
        raise ValueError(f"unknown validator {validator!r} (auto, pyshacl or sparql)")
    return validator


def shapes_graph(base_iri: str) -> Graph:
    """The project's own shapes, from its files."""
    shapes = Graph()
    for loaded in load_files([f for f in source_files(base_iri) if f.is_shapes], base_iri):
        to_rdflib(loaded.triples, shapes)
    return shapes


def published_triples(store: GraphStore, base_iri: str) -> list[ox.Triple]:
    """Ontology, vocabularies and data as published (before the first build: as in the files)."""
    shapes_prefix = graph_iri(base_iri, "shapes/")
    meta = meta_graph_iri(base_iri)
    names = store.graph_names()
    if not names:
        loaded = load_files([f for f in source_files(base_iri) if not f.is_shapes], base_iri)
        return [t for g in loaded for t in g.triples]
    triples: list[ox.Triple] = []
    for name in names:
        if name == meta or name.startswith(shapes_prefix):
            continue
        triples.extend(q.triple for q in store.quads(name))
    return triples


STAGING_GRAPH = ox.NamedNode("urn:x-sozialgraph:staging")


def validate_triples(
    triples: Sequence[ox.Triple], shapes: Graph, validator: str = "auto"
) -> ValidationReport:
    """The SHACL gate over ``triples``: pySHACL, or — as for builds, from
    ``SPARQL_VALIDATION_FROM`` triples on with ``auto`` — the same shapes compiled to
    SPARQL and run on a staging copy in memory (pySHACL takes minutes per million triples)."""
    if choose_validator(validator, len(triples)) == "pyshacl":
        return validate(to_rdflib(triples), shapes)
    from sozialgraph.validation.sparql import validate_store

    staging = ox.Store()
    staging.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, STAGING_GRAPH) for t in triples)
    return validate_store(staging, shapes)


def apply_change(copy: ox.Store, graph: str, triples: Sequence[ox.Triple], base_iri: str) -> None:
    """Make ``copy`` (a staging copy of the store) hold the data as after writing ``triples``
    as the content of ``graph``: metadata and shapes graphs dropped, as in ``published_triples``.

    Only the difference to what ``graph`` holds in the copy is written, through the store's API
    (no update text to parse): an import of 1,000 measures is ~21,000 triples, which an
    ``INSERT DATA`` took ~1.2 s to parse and write at 1M, and a re-import with ten edited
    cells changes a few dozen of them.
    """
    shapes_prefix = graph_iri(base_iri, "shapes/")
    meta = meta_graph_iri(base_iri)
    for name in list(copy.named_graphs()):
        if isinstance(name, ox.NamedNode) and (
            name.value == meta or name.value.startswith(shapes_prefix)
        ):
            copy.remove_graph(name)
    target = ox.NamedNode(graph)
    present = {q.triple for q in copy.quads_for_pattern(None, None, None, target)}
    wanted = set(triples)
    gone = present - wanted
    if len(gone) > len(present) // 2:  # mostly replaced: dropping the graph is quicker
        copy.remove_graph(target)
        present = set()
    else:
        for t in gone:
            copy.remove(ox.Quad(t.subject, t.predicate, t.object, target))
    copy.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in wanted - present)


def validate_change(
    copy: ox.Store,
    graph: str,
    triples: Sequence[ox.Triple],
    previous: Sequence[ox.Triple],
    shapes: Graph,
    base_iri: str,
    *,
    scoped: bool = True,
    compiled: list[CompiledConstraint] | None = None,
) -> ValidationReport:
    """The SHACL gate (SPARQL path) for replacing ``previous`` by ``triples`` in ``graph``,
    on ``copy``, a writable staging copy of the store that is changed here.

    ``scoped``: only the focus nodes the change can affect are validated (their results are
    those of a full validation; ``validation.sparql.scope``), so that a one-resource write on a
    large store costs about what the resource costs — unless they are so many that validating
    everything is faster (``scope.worth_scoping``). ``compiled``: the shapes' queries, when
    the caller keeps them (compiling takes ~0.1 s).
    """
    from sozialgraph.validation.sparql import validate_store
    from sozialgraph.validation.sparql.scope import affected_nodes, read_scope, worth_scoping

    apply_change(copy, graph, triples, base_iri)
    focus = None
    if scoped:
        changed = set(previous).symmetric_difference(triples)
        focus = affected_nodes(copy, changed, read_scope(shapes))
        if focus is not None and not worth_scoping(len(focus), copy):
            focus = None  # so many that validating everything is faster
    if focus is None:  # everything: in one graph, as the union of ~150 graphs is 5-40x slower
        everything = [q.triple for q in copy.quads_for_pattern(None, None, None, None)]
        return validate_triples(everything, shapes, "sparql")
    return validate_store(copy, shapes, focus=focus, compiled=compiled)


def validate_candidates(
    candidates: Sequence[ox.Triple],
    published: Iterable[ox.Triple],
    base_iri: str,
    validator: str = "auto",
) -> ValidationReport:
    """Validate ``candidates`` in place of the published descriptions of their subjects."""
    described = {t.subject for t in candidates}
    data = [t for t in published if t.subject not in described]
    data.extend(candidates)
    return validate_triples(data, shapes_graph(base_iri), validator)


def validate_with_published(
    files: Sequence[Path], store: GraphStore, base_iri: str, validator: str = "auto"
) -> ValidationReport:
    candidates: list[ox.Triple] = []
    for path in files:
        candidates.extend(parse_file(path, base_iri=base_iri))
    published = published_triples(store, base_iri)
    return validate_candidates(candidates, published, base_iri, validator)
