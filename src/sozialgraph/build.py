"""Build: ontology + vocabularies + shapes + data → SHACL gate → a new store generation.

Every source file becomes one named graph. Graphs that did not come from files (imports by data
officers) are carried over and validated together with the files, so a build never loses
published data. Nothing is written unless the whole graph passes the gate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from sozialgraph.namespaces import meta_graph_iri
from sozialgraph.provenance import ActivityRecord, GraphRecord, activity_quads, new_activity_id
from sozialgraph.rdf_io import to_rdflib
from sozialgraph.resources import LoadedGraph, Progress, is_file_graph, load_files, source_files
from sozialgraph.store.base import GraphStore
from sozialgraph.validation.gate import choose_validator, gate
from sozialgraph.validation.report import ValidationFailed, ValidationReport


@dataclass
class BuildResult:
    graphs: list[LoadedGraph]
    report: ValidationReport
    activity_id: str
    carried_over: list[str] = field(default_factory=list)

    @property
    def triple_count(self) -> int:
        return sum(len(g.triples) for g in self.graphs)


def build(
    store: GraphStore,
    base_iri: str,
    *,
    root: Path | None = None,
    data_dir: Path | None = None,
    progress: Progress | None = None,
    agent: str = "sozialgraph build",
    validator: str = "auto",
) -> BuildResult:
    """Parse, validate and (only if valid) replace the store's content. Raises on failure.

    Validation runs with pySHACL, or — for large graphs — as SPARQL on the new generation of
    the store before it is switched live (both report the same results; tests compare them).
    """
    started = dt.datetime.now(dt.UTC)
    graphs = load_files(source_files(base_iri, root, data_dir), base_iri, progress)
    meta = meta_graph_iri(base_iri)
    names = store.graph_names()
    carried = [name for name in names if name != meta and not is_file_graph(name, base_iri)]
    for name in carried:
        triples = [q.triple for q in store.quads(name)]
        graphs.append(LoadedGraph(name, f"(carried over) {name}", triples, _digest(triples)))
    previous_meta = list(store.quads(meta)) if meta in names else []
    activity_id = new_activity_id()

    def provenance(report: ValidationReport) -> list[ox.Quad]:
        record = ActivityRecord(
            kind="build",
            agent=agent,
            started=started,
            ended=dt.datetime.now(dt.UTC),
            graphs=[GraphRecord(g.graph, g.source, g.sha256, len(g.triples)) for g in graphs],
            conforms=True,
            warnings=len(report.results),
        )
        return activity_quads(record, base_iri, activity_id)

    chosen = choose_validator(validator, sum(len(g.triples) for g in graphs))
    if progress:
        progress(f"SHACL ({chosen})", 0, 1)
    if chosen == "pyshacl":
        report = gate(graphs)
        _raise_unless_valid(report)
        if progress:
            progress("write", 0, 1)
        store.rebuild(_all_quads(graphs, previous_meta + provenance(report)))
        return BuildResult(graphs, report, activity_id, carried)

    from sozialgraph.validation.sparql import validate_store

    shapes = Graph()
    for loaded in graphs:
        if loaded.is_shapes:
            to_rdflib(loaded.triples, shapes)
    data_graphs = [g for g in graphs if not g.is_shapes]
    outcome: list[ValidationReport] = []

    def check(fresh: ox.Store) -> None:
        # The new generation holds only the data graphs while it is validated, so the union
        # default graph is the data (naming ~150 graphs as the default graph instead makes
        # every pattern a union over them: 5–40× slower). Shapes and metadata come after.
        report = validate_store(fresh, shapes)
        _raise_unless_valid(report)
        outcome.append(report)
        shape_graphs = [g for g in graphs if g.is_shapes]
        fresh.bulk_extend(_all_quads(shape_graphs, [*previous_meta, *provenance(report)]))

    if progress:
        progress("write and validate", 0, 1)
    store.rebuild(_all_quads(data_graphs, []), check=check)
    return BuildResult(graphs, outcome[0], activity_id, carried)


def _raise_unless_valid(report: ValidationReport) -> None:
    if not report.conforms:
        raise ValidationFailed(
            report, "The build was rejected by the SHACL gate:\n" + report.format("en")
        )


def _all_quads(graphs: list[LoadedGraph], metadata: list[ox.Quad]) -> Iterator[ox.Quad]:
    for loaded in graphs:
        name = ox.NamedNode(loaded.graph)
        for triple in loaded.triples:
            yield ox.Quad(triple.subject, triple.predicate, triple.object, name)
    yield from metadata


def _digest(triples: list[ox.Triple]) -> str:
    lines = sorted(str(t) for t in triples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
