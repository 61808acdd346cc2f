"""The spreadsheet round trip: export → import unchanged previews no change (under any graph
name); one edited cell previews exactly that change. On Jena's data and a generated town of 300
measures, through the app (in process, real store on disk)."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from bench.generate import EX, generate, ontology_quads
from sozialgraph.config import Settings
from sozialgraph.store.embedded import EmbeddedStore
from tests.inprocess import app_client

TOKEN = "roundtrip-officer-token-42"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def preview(client: TestClient, name: str, body: bytes, graph: str) -> dict[str, object]:
    response = client.post(
        "/api/import/preview",
        files={"file": (name, body, "application/octet-stream")},
        data={"graph": graph},
        headers=AUTH,
    )
    assert response.status_code == 200, response.text
    document: dict[str, object] = response.json()
    return document


def changes(document: dict[str, object]) -> tuple[object, object, object]:
    return document["added"], document["removed"], document["changed"]


# -- Jena ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from sozialgraph.build import build

    path = tmp_path_factory.mktemp("jena-export") / "store"
    store = EmbeddedStore(path)
    build(store, Settings(store=str(path)).base_iri)
    store.close()
    # The SHACL gate's SPARQL path: pySHACL takes a minute per preview here (bench/ compares).
    settings = Settings(store=str(path), write_tokens=f"officer:{TOKEN}", validator="sparql")
    with app_client(settings) as client:
        yield client


def test_jena_export_needs_a_token(jena: TestClient) -> None:
    assert jena.get("/api/export", params={"municipality": "jena"}).status_code == 401


def test_jena_export_reimported_under_new_names_previews_no_change(jena: TestClient) -> None:
    response = jena.get("/api/export", params={"municipality": "jena"}, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["Handlungsfelder", "Ziele", "Maßnahmen", "Erlaubte Werte"]
    measures = list(workbook["Maßnahmen"].iter_rows(values_only=True))
    assert measures[0][0] == "Kennung" and len(measures) == 1 + 12
    assert "sozialmonitoring" in {row[0] for row in measures}
    for graph in ("jena-rueckweg", "ganz-anderer-name"):
        document = preview(jena, "jena.xlsx", response.content, graph)
        assert changes(document) == ([], [], []), document
        assert document["noChanges"] is True
        # Publishable too: an assessment's derived label is left out where Jena's data label it.
        assert document["problems"] == [], [p["text"] for p in document["problems"]]
        assert document["publishable"] is True


# -- a generated town of 300 measures ---------------------------------------------------------


@pytest.fixture(scope="module")
def town_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("town-export") / "store"
    store = EmbeddedStore(path)
    store.rebuild([*ontology_quads(EX), *generate(1, measures_per_strategy=100)])
    store.close()
    return path


@pytest.fixture
def town(town_store: Path, tmp_path: Path) -> Iterator[TestClient]:
    copy = tmp_path / "store"
    shutil.copytree(town_store, copy)
    settings = Settings(
        store=str(copy),
        base_iri=EX,
        municipality="gemeinde-1",
        publisher_iri=EX + "gemeinde-1/organisation/stadt",
        write_tokens=f"officer:{TOKEN}",
        validator="sparql",
    )
    with app_client(settings) as client:
        yield client


def export_csv(client: TestClient, **params: str) -> dict[str, bytes]:
    response = client.get("/api/export", params={"format": "csv", **params}, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_town_export_roundtrip_and_one_edited_status(town: TestClient) -> None:
    files = export_csv(town, graph="graph/data/gemeinde-1")
    assert sorted(files) == ["handlungsfelder.csv", "massnahmen.csv", "ziele.csv"]
    rows = list(csv.reader(io.StringIO(files["massnahmen.csv"].decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(body) == 300
    for graph in ("gemeinde-1-tabelle", "noch-ein-name"):
        for name, content in files.items():
            document = preview(town, name, content, graph)
            assert changes(document) == ([], [], []), (name, document["changed"])
            assert document["problems"] == [] and document["publishable"] is True
    # One status edited: exactly that change, with old and new value.
    status = header.index("Status")
    row = next(r for r in body if r[status] and r[status] != "umgesetzt")
    old = row[status]
    row[status] = "umgesetzt"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows([header, *body])
    document = preview(town, "massnahmen.csv", buffer.getvalue().encode(), "gemeinde-1-tabelle")
    added, removed, changed = changes(document)
    assert added == [] and removed == []
    assert isinstance(changed, list) and len(changed) == 1
    assert changed[0]["iri"] == f"{EX}gemeinde-1/massnahme/{row[0]}"
    assert changed[0]["properties"] == [
        {"property": "status", "label": "Status", "old": [old], "new": [old, "umgesetzt"]}
    ]


def test_town_export_of_the_municipality_equals_the_graphs(town: TestClient) -> None:
    by_town = export_csv(town, municipality=EX + "gemeinde-1/organisation/stadt")
    by_graph = export_csv(town, graph="graph/data/gemeinde-1")
    assert by_town["massnahmen.csv"] == by_graph["massnahmen.csv"]
    one = town.get(
        "/api/export",
        params={"graph": "graph/data/gemeinde-1", "format": "csv", "sheet": "goals"},
        headers=AUTH,
    )
    assert one.headers["content-type"].startswith("text/csv")
    assert one.content == by_graph["ziele.csv"]
