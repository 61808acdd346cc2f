"""Sheet imports into a real store on disk: mapping, the SHACL gate, provenance, history."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from openpyxl import load_workbook

from sozialgraph.ingest.history import History, diff
from sozialgraph.ingest.importer import ImportRejected, SheetImport, import_graph_iri
from sozialgraph.ingest.template import allowed_values, template_xlsx
from sozialgraph.ingest.writer import GraphWriter
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.resources import queries_dir
from sozialgraph.store.embedded import EmbeddedStore
from tests.stores import EXAMPLE_BASE, HEADER, build_example_store, measure_rows, sheet_csv

GRAPH = import_graph_iri(EXAMPLE_BASE, "massnahmen")
REGISTRY = QueryRegistry(queries_dir())


@pytest.fixture(scope="module")
def example_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example_store(tmp_path_factory.mktemp("import") / "store")


@pytest.fixture
def store(example_store_dir: Path, tmp_path: Path) -> EmbeddedStore:
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(example_store_dir, copy)
    return EmbeddedStore(copy)


def _vocabulary(store: EmbeddedStore) -> list[dict[str, object]]:
    solutions = store.query(REGISTRY.get("import-vocabulary").text)
    names = [v.value for v in solutions.variables]
    return [{n: row[n] for n in names if row[n] is not None} for row in solutions]


def _importer(store: EmbeddedStore, tmp_path: Path, validator: str = "auto") -> SheetImport:
    writer = GraphWriter(store, EXAMPLE_BASE, History(tmp_path / "history"), validator)
    return SheetImport(writer, EXAMPLE_BASE, "beispielstadt")


def _count(store: EmbeddedStore, graph: str | None = None) -> int:
    return store.triple_count(graph)


def test_two_hundred_measures_import_and_are_queryable(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    result = _importer(store, tmp_path).run(
        sheet_csv(measure_rows(200)), "massnahmen.csv", GRAPH, _vocabulary(store), agent="officer"
    )
    assert result.triples == _count(store, GRAPH) > 200 * 8
    rows = list(
        store.query(
            REGISTRY.get("measures-by-status").bind(
                {"status": "https://w3id.org/sozialgraph/vocab/status/daueraufgabe"}
            )
        )
    )
    titles = {r["title_de"].value for r in rows if r["title_de"].value.startswith("Erzeugte")}
    assert "Erzeugte Maßnahme 3" in titles and len(titles) == 40
    eccar = {
        r["notation"].value: int(r["measure_count"].value)
        for r in store.query(REGISTRY.get("eccar-coverage").text)
    }
    assert sum(eccar.values()) >= 100
    measure = ox.NamedNode(EXAMPLE_BASE + "beispielstadt/massnahme/gen-007")
    assert store.query(
        "ASK { ?m <http://purl.org/dc/terms/source> <https://example.org/quellen/massnahme-7> }",
        {"m": measure},
    )


def test_errors_in_five_rows_are_all_reported_and_nothing_is_imported(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    rows = measure_rows(20)
    rows[2][9] = "fertig"  # row 4: status not in the scheme
    rows[5][1] = ""  # row 7: no title
    rows[8][4] = "Gesundheitsstrategie"  # row 10: unknown strategy
    rows[11][10] = "31.02.2025"  # row 13: not a date
    rows[14][12] = "keine-url"  # row 16: source is no URL
    before = _count(store)
    with pytest.raises(ImportRejected) as rejected:
        _importer(store, tmp_path).run(
            sheet_csv(rows), "fehler.csv", GRAPH, _vocabulary(store), agent="officer"
        )
    found = {(p.row, p.column) for p in rejected.value.problems}
    assert found == {
        (4, "Status"),
        (7, "Titel"),
        (10, "Strategie"),
        (13, "Statusdatum"),
        (16, "Quelle"),
    }
    texts = [p.text("de") for p in rejected.value.problems]
    assert (
        "Maßnahmen, Zeile 4, Spalte Status: „fertig“ ist kein erlaubter Wert; erlaubt: " in texts[0]
    )
    assert "in Umsetzung" in texts[0]
    english = rejected.value.problems[0].text("en")
    assert english.startswith("Maßnahmen, row 4, column Status: 'fertig' is not an allowed value")
    assert _count(store) == before


@pytest.mark.parametrize("validator", ["pyshacl", "sparql"])
def test_shacl_problems_are_reported_by_row_and_column(
    store: EmbeddedStore, tmp_path: Path, validator: str
) -> None:
    """The same problems from pySHACL and from the shapes compiled to SPARQL (large stores)."""
    header = [*HEADER, "Beginn", "Ende"]
    rows = [[*row, "2026", "2025"] for row in measure_rows(3)]  # end before start: a SPARQL rule
    rows[0][HEADER.index("Status")] = "erfunden"  # not a status of the scheme
    before = _count(store)
    with pytest.raises(ImportRejected) as rejected:
        _importer(store, tmp_path, validator).run(
            sheet_csv(rows, header), "zeitraum.csv", GRAPH, _vocabulary(store), agent="officer"
        )
    problems = rejected.value.problems
    assert sorted({p.row for p in problems}) == [2, 3, 4]
    assert all(p.sheet == "Maßnahmen" for p in problems)
    assert {p.code for p in problems if p.row != 2} == {"shacl"}
    assert _count(store) == before


def test_reimport_keeps_status_history_and_diff_shows_status_change(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    importer = _importer(store, tmp_path)
    rows = measure_rows(5)
    first = importer.run(sheet_csv(rows), "v1.csv", GRAPH, _vocabulary(store), agent="officer")
    rows[0][9], rows[0][10] = "Daueraufgabe", "01.10.2025"
    second = importer.run(sheet_csv(rows), "v2.csv", GRAPH, _vocabulary(store), agent="officer")
    measure = EXAMPLE_BASE + "beispielstadt/massnahme/gen-001"
    history = list(store.query(REGISTRY.get("status-history").bind({"measure": measure})))
    assert [(r["status_label_de"].value, r["assessed_on"].value) for r in history] == [
        ("in Umsetzung", "2025-06-02"),
        ("Daueraufgabe", "2025-10-01"),
    ]
    history_store = importer.writer.history
    changes = diff(
        history_store.load(GRAPH, first.activity_id), history_store.load(GRAPH, second.activity_id)
    )
    assert [(c.measure, c.before, c.after) for c in changes.status_changes] == [
        (
            measure,
            "https://w3id.org/sozialgraph/vocab/status/in-umsetzung",
            "https://w3id.org/sozialgraph/vocab/status/daueraufgabe",
        )
    ]
    assert changes.added and not changes.removed


def test_every_write_records_provenance(store: EmbeddedStore, tmp_path: Path) -> None:
    result = _importer(store, tmp_path).run(
        sheet_csv(measure_rows(3)), "drei.csv", GRAPH, _vocabulary(store), agent="officer-1"
    )
    rows = list(store.query(REGISTRY.get("graph-history").bind({"graph": GRAPH})))
    assert len(rows) == 1
    row = rows[0]
    assert row["activity"].value.endswith(result.activity_id)
    assert (row["kind"].value, row["agent"].value, row["source"].value) == (
        "import",
        "officer-1",
        "drei.csv",
    )
    assert int(row["triples"].value) == result.triples
    assert len(row["sha256"].value) == 64


def test_fields_and_goals_sheets_feed_the_measures_sheet(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    fields = book.active
    fields.title = "Handlungsfelder"
    fields.append(
        ["Kennung", "Strategie", "Bezeichnung", "Bezeichnung (englisch)", "Nummer", "Quelle"]
    )
    fields.append(
        [
            "gesundheit",
            "Armutspräventionsstrategie",
            "Gesundheit",
            "Health",
            "3",
            "https://example.org/q/1",
        ]
    )
    goals = book.create_sheet("Ziele")
    goals.append(["Kennung", "Art", "Titel", "Strategie", "Handlungsfelder", "Quelle"])
    goals.append(
        [
            "Z-1",
            "strategisches Ziel",
            "Gesund aufwachsen",
            "Armutspräventionsstrategie",
            "Gesundheit",
            "https://example.org/q/2",
        ]
    )
    measures = book.create_sheet("Maßnahmen")
    measures.append(["Kennung", "Titel", "Strategie", "Handlungsfelder", "Ziele", "Quelle"])
    measures.append(
        [
            "M-1",
            "Gesundheitslotsen",
            "Armutspräventionsstrategie",
            "Gesundheit",
            "Gesund aufwachsen",
            "https://example.org/q/3",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    _importer(store, tmp_path).run(
        buffer.getvalue(), "alles.xlsx", GRAPH, _vocabulary(store), agent="officer"
    )
    rows = list(
        store.query(
            REGISTRY.get("goals-and-measures-by-field").bind(
                {"field": EXAMPLE_BASE + "beispielstadt/handlungsfeld/armutspraevention/gesundheit"}
            )
        )
    )
    pairs = {
        (r["goal_title_de"].value, r["measure_title_de"].value)
        for r in rows
        if r["goal_title_de"] and r["measure_title_de"]
    }
    assert ("Gesund aufwachsen", "Gesundheitslotsen") in pairs


def test_template_lists_allowed_values_and_round_trips(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    import io

    values = allowed_values(_vocabulary(store), EXAMPLE_BASE)
    assert "in Umsetzung" in values["status"] and "Armutspräventionsstrategie" in values["strategy"]
    book = load_workbook(io.BytesIO(template_xlsx(values)))
    assert book.sheetnames == ["Handlungsfelder", "Ziele", "Maßnahmen", "Erlaubte Werte"]
    sheet = book["Maßnahmen"]
    for row in measure_rows(2):
        sheet.append(row[: len(HEADER)])
    # the template's columns are all of the sheet's columns, in its order
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Kennung", "Titel"]
    filled = io.BytesIO()
    book["Maßnahmen"].delete_rows(2, 2)
    for source in measure_rows(2):
        by_name = dict(zip(HEADER, source, strict=True))
        sheet.append([by_name.get(name, "") for name in header])
    book.save(filled)
    result = _importer(store, tmp_path).run(
        filled.getvalue(), "vorlage.xlsx", GRAPH, _vocabulary(store), agent="officer"
    )
    assert result.triples > 10


def test_file_graphs_cannot_be_overwritten(store: EmbeddedStore, tmp_path: Path) -> None:
    from sozialgraph.errors import Forbidden

    with pytest.raises(Forbidden):
        _importer(store, tmp_path).run(
            sheet_csv(measure_rows(1)),
            "x.csv",
            EXAMPLE_BASE + "graph/data/beispielstadt/beispielstadt",
            _vocabulary(store),
            agent="officer",
        )


def test_both_validators_report_the_same_cells(store: EmbeddedStore, tmp_path: Path) -> None:
    header = [*HEADER, "Beginn", "Ende"]
    rows = [[*row, "2026", "2025"] for row in measure_rows(4)]
    rows[1][HEADER.index("Titel")] = ""  # a measure without a German title
    reported = {}
    for validator in ("pyshacl", "sparql"):
        with pytest.raises(ImportRejected) as rejected:
            _importer(store, tmp_path / validator, validator).run(
                sheet_csv(rows, header), "m.csv", GRAPH, _vocabulary(store), agent="officer"
            )
        reported[validator] = sorted(
            (p.row or 0, p.column or "", p.code, p.message("en")) for p in rejected.value.problems
        )
    assert reported["pyshacl"] == reported["sparql"]
    assert {row for row, *_ in reported["sparql"]} == {2, 3, 4, 5}
