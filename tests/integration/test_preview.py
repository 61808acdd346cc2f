"""The preview of an import over HTTP (``POST /api/import/preview``) and publishing bound to it.

A real server on a store with the project's ontology and shapes and the example town; each
test writes to a graph of its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.stores import EXAMPLE_BASE, HEADER, build_example_store, measure_rows, sheet_csv
from tests.support import LiveServer, live_server

TOKEN = "preview-officer-token-1234"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENV = {
    "SOZIALGRAPH_BASE_IRI": EXAMPLE_BASE,
    "SOZIALGRAPH_MUNICIPALITY": "beispielstadt",
    "SOZIALGRAPH_WRITE_TOKENS": f"officer:{TOKEN}",
    "SOZIALGRAPH_QUERY_TIMEOUT": "20",
}
MEASURE = EXAMPLE_BASE + "beispielstadt/massnahme/"
DUMP = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = build_example_store(tmp_path_factory.mktemp("preview-source") / "store")
    copy = source.parent / "served"
    shutil.copytree(source, copy)
    return copy


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[LiveServer]:
    with live_server(store, env=ENV) as live:
        yield live


def upload(
    server: LiveServer,
    path: str,
    body: bytes,
    graph: str,
    *,
    name: str = "massnahmen.csv",
    headers: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
) -> httpx.Response:
    return httpx.post(
        server.url + path,
        files={"file": (name, body, "text/csv")},
        data={"graph": graph, **(fields or {})},
        headers=AUTH if headers is None else headers,
        timeout=120,
    )


def dump(server: LiveServer) -> set[tuple[str, ...]]:
    response = httpx.get(server.url + "/sparql", params={"query": DUMP}, timeout=60)
    rows = response.json()["results"]["bindings"]
    return {tuple(sorted((k, v["value"]) for k, v in row.items())) for row in rows}  # type: ignore[misc]


def graph_triples(server: LiveServer, name: str) -> set[tuple[str, str, str]]:
    graph = EXAMPLE_BASE + "graph/import/" + name
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    response = httpx.get(server.url + "/sparql", params={"query": query}, timeout=60)
    return {
        (r["s"]["value"], r["p"]["value"], r["o"]["value"])
        for r in response.json()["results"]["bindings"]
    }


def test_preview_writes_nothing(server: LiveServer, store: Path) -> None:
    version = (store / "VERSION").read_text()
    before = dump(server)
    response = upload(server, "/api/import/preview", sheet_csv(measure_rows(4)), "nur-vorschau")
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["publishable"] is True and len(preview["hash"]) == 64
    assert [c["iri"] for c in preview["added"]] == [MEASURE + f"gen-00{n}" for n in range(1, 5)]
    assert preview["removed"] == [] and preview["changed"] == [] and preview["problems"] == []
    assert preview["storeVersion"] == version.strip()
    assert (store / "VERSION").read_text() == version
    assert dump(server) == before


def test_preview_names_exactly_the_added_removed_and_changed_resources(
    server: LiveServer,
) -> None:
    rows = measure_rows(5, prefix="KL")
    assert upload(server, "/api/import", sheet_csv(rows), "klein").status_code == 201
    edited = [list(r) for r in rows[:4]] + measure_rows(6, prefix="KL")[
        5:
    ]  # GEN-005 goes, GEN-006 comes
    edited[0][HEADER.index("Titel")] = "Neuer Titel"
    response = upload(server, "/api/import/preview", sheet_csv(edited), "klein")
    preview = response.json()
    assert [c["iri"] for c in preview["added"]] == [MEASURE + "kl-006"]
    assert [c["iri"] for c in preview["removed"]] == [MEASURE + "kl-005"]
    assert preview["removed"][0]["label"] == "Erzeugte Maßnahme 5"
    [changed] = preview["changed"]
    assert changed["iri"] == MEASURE + "kl-001"
    assert changed["label"] == "Neuer Titel"
    assert changed["properties"] == [
        {
            "property": "title",
            "label": "Titel",
            "old": ["Erzeugte Maßnahme 1"],
            "new": ["Neuer Titel"],
        }
    ]


def test_a_changed_status_is_reported_with_old_and_new_value(server: LiveServer) -> None:
    rows = measure_rows(3, prefix="ST")
    assert upload(server, "/api/import", sheet_csv(rows), "status").status_code == 201
    rows[1][HEADER.index("Status")] = "geplant"  # was "umgesetzt"
    preview = upload(server, "/api/import/preview", sheet_csv(rows), "status").json()
    assert preview["added"] == [] and preview["removed"] == []
    [changed] = preview["changed"]
    assert changed["iri"] == MEASURE + "st-002"
    assert changed["properties"] == [
        {"property": "status", "label": "Status", "old": ["umgesetzt"], "new": ["geplant"]}
    ]


def test_errors_in_three_cells_are_reported_at_their_cells_with_their_values(
    server: LiveServer,
) -> None:
    rows = measure_rows(5, prefix="ERR")
    rows[0][HEADER.index("Status")] = "fertig"  # row 2
    rows[1][HEADER.index("Statusdatum")] = "31.02.2025"  # row 3
    rows[2][HEADER.index("Quelle")] = "keine-url"  # row 4
    preview = upload(server, "/api/import/preview", sheet_csv(rows), "fehler").json()
    found = {(p["sheet"], p["row"], p["column"], p["value"]) for p in preview["problems"]}
    assert found == {
        ("Maßnahmen", 2, "Status", "fertig"),
        ("Maßnahmen", 3, "Statusdatum", "31.02.2025"),
        ("Maßnahmen", 4, "Quelle", "keine-url"),
    }
    assert preview["publishable"] is False and preview["hash"] is None
    rejected = upload(server, "/api/import", sheet_csv(rows), "fehler")
    assert rejected.status_code == 422
    values = {(p["row"], p["value"]) for p in rejected.json()["problems"]}
    assert values == {(2, "fertig"), (3, "31.02.2025"), (4, "keine-url")}


def test_preview_needs_a_token(server: LiveServer) -> None:
    response = upload(server, "/api/import/preview", sheet_csv(measure_rows(1)), "ohne", headers={})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_publishing_with_a_stale_hash_is_refused_and_changes_nothing(server: LiveServer) -> None:
    body = sheet_csv(measure_rows(3, prefix="ALT"))
    preview = upload(server, "/api/import/preview", body, "gebunden").json()
    # Another write between preview and publish: the store's version moves on.
    other = upload(server, "/api/import", sheet_csv(measure_rows(1, prefix="ZW")), "dazwischen")
    assert other.status_code == 201
    before = dump(server)
    stale = upload(server, "/api/import", body, "gebunden", fields={"preview": preview["hash"]})
    assert stale.status_code == 409
    assert "preview again" in stale.json()["detail"] or "Vorschau" in stale.json()["detail"]
    assert dump(server) == before
    # The same with If-Match, and with a file that is not the one previewed.
    fresh = upload(server, "/api/import/preview", body, "gebunden").json()
    changed_file = sheet_csv(measure_rows(4, prefix="ALT"))
    headers = {**AUTH, "If-Match": f'"{fresh["hash"]}"'}
    assert (
        upload(server, "/api/import", changed_file, "gebunden", headers=headers).status_code == 409
    )
    assert dump(server) == before


def test_publishing_with_the_right_hash_writes_what_the_preview_showed(server: LiveServer) -> None:
    body = sheet_csv(measure_rows(3, prefix="OK"))
    preview = upload(server, "/api/import/preview", body, "richtig").json()
    published = upload(server, "/api/import", body, "richtig", fields={"preview": preview["hash"]})
    assert published.status_code == 201, published.text
    triples = graph_triples(server, "richtig")
    assert len(triples) == preview["statements"]["graphAfter"] == published.json()["triples"]
    subjects = {s for s, p, _ in triples if p.endswith("#type") and "/status/" not in s}
    assert subjects == {c["iri"] for c in preview["added"]}
    again = upload(server, "/api/import/preview", body, "richtig").json()
    assert again["noChanges"] is True and again["statements"]["added"] == 0
