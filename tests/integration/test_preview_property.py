"""Preview = publish: over generated edits of a generated town's measure sheet (rows added,
removed, cells changed), the changes the preview reports are the changes publishing makes.

Each example writes a sheet of new measures into a graph of its own, edits it and previews the
edited sheet; then publishes it with the preview's hash and compares the store before and after
(the union of all graphs): the same resources added, removed and changed, column by column, and
the same number of statements added and removed.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import EX, generate, ontology_quads
from sozialgraph.ingest.columns import MEASURES
from sozialgraph.ingest.diff import compare
from sozialgraph.ingest.export import RowRenderer, describe, export, unpublished_graphs
from sozialgraph.ingest.history import History
from sozialgraph.ingest.importer import SheetImport, import_graph_iri
from sozialgraph.ingest.preview import Previews
from sozialgraph.ingest.template import allowed_values
from sozialgraph.ingest.vocabulary import Vocabulary, vocabulary_query
from sozialgraph.ingest.writer import GraphWriter
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.resources import queries_dir
from sozialgraph.store.base import select_rows
from sozialgraph.store.embedded import EmbeddedStore

REGISTRY = QueryRegistry(queries_dir())
TOWN = EX + "gemeinde-1/organisation/stadt"
COLUMNS = [c.key for c in MEASURES.columns]
TITLE, STATUS, DATE = COLUMNS.index("title"), COLUMNS.index("status"), COLUMNS.index("status_date")
NUMBERS = itertools.count(1)


class Town:
    def __init__(self, path: Path) -> None:
        self.store = EmbeddedStore(path / "store")
        self.store.rebuild([*ontology_quads(EX), *generate(1, measures_per_strategy=3)])
        writer = GraphWriter(self.store, EX, History(path / "history"), "sparql")
        self.sheets = SheetImport(writer, EX, "gemeinde-1")
        self.previews = Previews(writer, self.sheets)
        rows = self.vocabulary_rows()
        self.rows = export(self.store, REGISTRY, rows, EX, municipality=TOWN)["measures"][:5]
        self.statuses = allowed_values(rows, EX)["status"]

    def vocabulary_rows(self) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
        return select_rows(self.store, vocabulary_query(REGISTRY.get("import-vocabulary"), TOWN))

    def union(self) -> set[ox.Triple]:
        excluded = unpublished_graphs(self.store, EX)
        return {q.triple for q in self.store.quads() if q.graph_name.value not in excluded}  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Town]:
    made = Town(tmp_path_factory.mktemp("preview-property"))
    yield made
    made.store.close()


def sheet(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([c.de for c in MEASURES.columns])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("remove"), st.integers(0, 9)),
        st.tuples(st.just("add"), st.integers(0, 9)),
        st.tuples(st.just("title"), st.integers(0, 9), st.sampled_from(["Neu", "Anders"])),
        st.tuples(st.just("status"), st.integers(0, 9), st.integers(0, 9)),
        st.tuples(
            st.just("date"), st.integers(0, 9), st.sampled_from(["2026-02-01", "2024-05-05"])
        ),
    ),
    min_size=1,
    max_size=5,
)


def edited(
    town: Town, rows: list[list[str]], edits: list[tuple[object, ...]], prefix: str
) -> list[list[str]]:
    rows = [list(r) for r in rows]
    added = 0
    for edit in edits:
        if not rows and edit[0] != "add":
            continue
        kind, index = edit[0], int(edit[1])  # type: ignore[call-overload]
        row = rows[index % len(rows)] if rows else list(town.rows[0])
        if kind == "remove":
            rows.remove(row)
        elif kind == "add":
            added += 1
            rows.append([f"{prefix}-NEU-{added}", *row[1:]])
        elif kind == "title":
            row[TITLE] = str(edit[2])
        elif kind == "status":
            row[STATUS] = town.statuses[int(edit[2]) % len(town.statuses)]  # type: ignore[call-overload]
            row[DATE] = row[DATE] or "2025-01-10"
        elif kind == "date" and row[STATUS]:
            row[DATE] = str(edit[2])
    return rows


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=EDITS)
def test_the_preview_reports_what_publishing_changes(
    town: Town, edits: list[tuple[object, ...]]
) -> None:
    prefix = f"P{next(NUMBERS)}"
    graph = import_graph_iri(EX, prefix)
    start = [[f"{prefix}-{n}", *row[1:]] for n, row in enumerate(town.rows, start=1)]
    town.sheets.run(sheet(start), "start.csv", graph, town.vocabulary_rows(), agent="test")
    rows = edited(town, start, edits, prefix)
    preview = town.previews.sheet(REGISTRY, sheet(rows), "edit.csv", graph, town.vocabulary_rows())
    assert preview.problems == [] and preview.hash is not None

    iris = {c.iri for c in [*preview.added, *preview.removed, *preview.changed]}
    iris |= {
        t.subject.value for t in town.store.quads(graph) if isinstance(t.subject, ox.NamedNode)
    }  # type: ignore[attr-defined]
    excluded = unpublished_graphs(town.store, EX)
    select = lambda q: select_rows(town.store, q)  # noqa: E731
    union_before = town.union()
    before = {q.triple for q in describe(select, REGISTRY, iris, excluded)}
    town.sheets.run(
        sheet(rows),
        "edit.csv",
        graph,
        town.vocabulary_rows(),
        agent="test",
        expected_hash=preview.hash,
    )
    iris |= {
        t.subject.value for t in town.store.quads(graph) if isinstance(t.subject, ox.NamedNode)
    }  # type: ignore[attr-defined]
    after = {q.triple for q in describe(select, REGISTRY, iris, excluded)}
    union_after = town.union()

    renderer = RowRenderer(Vocabulary.from_rows(town.vocabulary_rows(), EX), EX)
    published = compare(before, after, renderer)
    assert preview.added == published.added
    assert preview.removed == published.removed
    assert preview.changed == published.changed
    assert preview.changes.triples_added == len(union_after - union_before)
    assert preview.changes.triples_removed == len(union_before - union_after)
    gone = {r[0] for r in start} - {r[0] for r in rows}
    assert {c.iri for c in preview.removed} == {
        f"{EX}gemeinde-1/massnahme/{g.lower()}" for g in gone
    }
