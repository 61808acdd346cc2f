"""The OParl import against a local OParl server serving the specification's example objects:
the walk, the mapping, enrichment by reference number, the allow-list, limits and bad objects."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sozialgraph.cli import app as cli_app
from sozialgraph.config import Settings
from sozialgraph.ingest import oparl_import
from sozialgraph.ingest.history import History
from sozialgraph.ingest.importer import SheetImport
from sozialgraph.ingest.oparl_client import OParlClient, OParlLimits
from sozialgraph.ingest.oparl_objects import OParlMalformed, OParlRefused, OParlUnavailable
from sozialgraph.ingest.preview import Previews
from sozialgraph.ingest.writer import GraphWriter
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.resources import queries_dir
from sozialgraph.store import open_store
from sozialgraph.store.base import GraphStore, Term, select_rows
from tests.inprocess import app_client
from tests.listener import ConnectionCounter
from tests.oparl_server import OParlServer

BASE = "https://w3id.org/sozialgraph/"
JENA_DECISION = BASE + "jena/beschluss/25-0529-bv"
JENA_STEP = JENA_DECISION + "/beratung/2025-08-26-sozialausschuss"
NEW_DECISION = BASE + "jena/beschluss/26-0012-bv"
FINANCE = BASE + "jena/organisation/ausschuss-fuer-haushalt-und-finanzen"
GRAPH = BASE + "graph/import/oparl"
SG = "https://w3id.org/sozialgraph/ontology#"
DCT = "http://purl.org/dc/terms/"
TOKEN = "officer:s3cret-oparl-token"
AUTH = {"Authorization": "Bearer s3cret-oparl-token"}


@pytest.fixture(scope="module")
def server() -> Iterator[OParlServer]:
    with OParlServer() as running:
        yield running


@pytest.fixture
def settings(jena_settings: Settings, server: OParlServer) -> Settings:
    return jena_settings.model_copy(
        update={
            "oparl_hosts": server.host,
            "oparl_timeout": 1.0,
            "oparl_max_bytes": 1_000_000,
            "write_tokens": TOKEN,
        }
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with app_client(settings) as test_client:
        yield test_client


def _prepare(
    settings: Settings, store: GraphStore, url: str, since: dt.datetime | None = None
) -> oparl_import.OParlImport:
    async def select(text: str) -> list[dict[str, Term]]:
        return select_rows(store, text)

    registry = QueryRegistry(queries_dir())
    return asyncio.run(oparl_import.prepare(settings, select, registry, url, GRAPH, since))


def _triples(store: GraphStore, s: str, p: str) -> set[str]:
    rows = select_rows(store, f"SELECT ?o WHERE {{ <{s}> <{p}> ?o }}")
    return {row["o"].value for row in rows}


def _import(client: TestClient, **form: str) -> tuple[int, dict[str, object]]:
    response = client.post("/api/import/oparl", data=form, headers=AUTH)
    return response.status_code, response.json()


# -- the walk and the mapping ---------------------------------------------------------------------


def test_system_walk_maps_papers_consultations_and_sources(
    settings: Settings, server: OParlServer
) -> None:
    store = open_store(settings)
    try:
        run = _prepare(settings, store, server.url(""))
        previews = Previews(
            store_writer(settings, store), SheetImport(store_writer(settings, store), BASE, "jena")
        )
        preview = oparl_import.preview(previews, QueryRegistry(queries_dir()), run, "en")
    finally:
        store.close()
    triples = {(t.subject.value, t.predicate.value, t.object.value) for t in run.mapping.triples}
    # system → /bodies → body/0 → three pages of papers, each paper's consultations resolved
    assert {"/", "/bodies", "/body/0/papers/", "/body/0/papers/?page=3"} <= set(server.requests)
    assert len(run.harvest.papers) == 3
    spec_paper = BASE + "jena/beschluss/1234-2014"
    assert run.mapping.new == [NEW_DECISION, spec_paper]
    assert run.mapping.enriched == [JENA_DECISION]
    # Paper-01 of the specification: title, reference, meeting date, outcome, files, sources
    assert (spec_paper, DCT + "identifier", "1234/2014") in triples
    assert (spec_paper, DCT + "title", "Antwort auf Anfrage 1200/2014") in triples
    assert (spec_paper, SG + "decisionDate", "2014-05-06") in triples
    assert (spec_paper, SG + "decisionOutcome", "Zur Kenntnis genommen") in triples
    assert (spec_paper, DCT + "source", server.url("paper/749")) in triples
    assert (
        spec_paper,
        "http://www.w3.org/2000/01/rdf-schema#seeAlso",
        server.url("files/57737.pdf"),
    ) in triples
    council = BASE + "jena/organisation/rat-der-beispielstadt"
    assert (spec_paper, "http://data.europa.eu/eli/ontology#passed_by", council) in triples
    assert (council, DCT + "source", server.url("organization/96")) in triples
    # a committee step of the new paper, in the specification's Finanzausschuss
    step = NEW_DECISION + "/beratung/2026-01-20-ausschuss-fuer-haushalt-und-finanzen"
    assert (NEW_DECISION, SG + "hasCommitteeStep", step) in triples
    assert (step, SG + "consultingBody", FINANCE) in triples
    assert (step, SG + "stepDate", "2026-01-20") in triples
    assert (step, SG + "decisionOutcome", "empfohlen") in triples
    assert (step, DCT + "source", server.url("consultation/2601-1")) in triples
    assert (FINANCE, DCT + "source", server.url("organization/34")) in triples
    # the gate speaks before anything is written: numbers of other councils' form pass it
    assert preview.publishable, [(p.focus_node, p.path, p.message) for p in preview.problems]
    assert {c.iri for c in preview.added} >= {spec_paper, NEW_DECISION, FINANCE, step}
    assert JENA_DECISION in {c.iri for c in preview.changed}


def store_writer(settings: Settings, store: GraphStore) -> GraphWriter:
    history = History(settings.state_dir / "history")
    return GraphWriter(store, settings.base_iri, history, settings.validator)


def test_paper_matching_an_existing_decision_enriches_it(
    client: TestClient, server: OParlServer, settings: Settings
) -> None:
    status, body = _import(client, url=server.url("paper/2505"))
    assert status == 201, body
    assert body["enriched_decisions"] == [JENA_DECISION] and body["new_decisions"] == []
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    rows = select_rows(store, f'SELECT ?d WHERE {{ ?d <{DCT}identifier> "25/0529-BV" }}')
    assert [r["d"].value for r in rows] == [JENA_DECISION]  # no duplicate
    assert server.url("paper/2505") in _triples(store, JENA_DECISION, DCT + "source")
    # title and date stay as recorded; the OParl title is not added
    assert len(_triples(store, JENA_DECISION, DCT + "title")) == 2
    assert _triples(store, JENA_DECISION, SG + "decisionDate") == {"2025-10-29"}
    # the recorded Sozialausschuss step gets the OParl source and its outcome
    assert server.url("consultation/2505-1") in _triples(store, JENA_STEP, DCT + "source")
    assert _triples(store, JENA_STEP, SG + "decisionOutcome") == {"Empfehlung"}
    # a step the graph did not know is added, with the body minted from OParl
    steps = _triples(store, JENA_DECISION, SG + "hasCommitteeStep")
    new_step = JENA_DECISION + "/beratung/2025-09-02-ausschuss-fuer-haushalt-und-finanzen"
    assert new_step in steps and len(steps) == 3
    assert _triples(store, new_step, SG + "consultingBody") == {FINANCE}


def test_incremental_import_passes_modified_since_and_keeps_what_it_did_not_see(
    client: TestClient, server: OParlServer, settings: Settings
) -> None:
    server.requests.clear()
    status, body = _import(client, url=server.url("body/0"), modified_since="2020-01-01")
    assert status == 201, body
    lists = [r for r in server.requests if r.startswith("/body/0/papers/")]
    assert lists and all("modified_since=2020-01-01T00%3A00%3A00%2B00%3A00" in r for r in lists)
    assert body["papers"] == 2  # Paper-01 of 2013 is older
    status, body = _import(client, url=server.url("body/0"), modified_since="2026-02-01")
    assert status == 201, body
    assert body["papers"] == 1 and body["new_decisions"] == [NEW_DECISION]
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    # the enrichment of the first run is still there
    assert server.url("paper/2505") in _triples(store, JENA_DECISION, DCT + "source")
    assert _triples(store, NEW_DECISION, SG + "decisionDate") == {"2026-02-11"}


def test_preview_writes_nothing_and_publish_writes_what_it_showed(
    client: TestClient, server: OParlServer
) -> None:
    status, body = _import(client, url=server.url("paper/2601"), preview="1")
    assert status == 200, body
    assert body["publishable"] is True and body["removed"] == [] and body["problems"] == []
    added = {c["iri"] for c in body["added"]}  # type: ignore[attr-defined, index]
    assert {NEW_DECISION, FINANCE} <= added
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    version = store.version()
    assert list(store.quads(GRAPH)) == []
    # publishing with a hash that is not the preview's is refused (409); with it, written
    status, _ = _import(client, url=server.url("paper/2601"), hash="0" * 64)
    assert status == 409 and store.version() == version
    status, written = _import(client, url=server.url("paper/2601"), hash=str(body["hash"]))
    assert status == 201, written
    assert _triples(store, NEW_DECISION, SG + "decisionDate") == {"2026-02-11"}


def test_cli_dry_run_shows_what_would_be_written(
    settings: Settings, server: OParlServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOZIALGRAPH_OPARL_HOSTS", server.host)
    result = CliRunner().invoke(
        cli_app, ["oparl", server.url("paper/2601"), "--dry-run", "--store", settings.store]
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["new_decisions"] == [NEW_DECISION] and shown["publishable"] is True
    store = open_store(settings)
    try:
        assert list(store.quads(GRAPH)) == []
    finally:
        store.close()


# -- what is refused, cut off or reported -------------------------------------------------------


def test_host_not_on_the_allow_list_is_refused_without_a_connection(
    client: TestClient, settings: Settings
) -> None:
    with ConnectionCounter() as listener:
        url = f"http://127.0.0.1:{listener.port}/oparl/system"
        status, body = _import(client, url=url)
        assert status == 403
        assert "SOZIALGRAPH_OPARL_HOSTS" in str(body["detail"])
        empty = OParlLimits(frozenset())  # the default: every request refused
        with OParlClient(empty) as oparl, pytest.raises(OParlRefused):
            oparl.get(url)
        assert listener.connections == 0


def test_redirect_off_the_list_is_not_followed(server: OParlServer) -> None:
    limits = OParlLimits(frozenset({server.host}), 1.0, 1_000_000)
    with ConnectionCounter() as listener, OParlClient(limits) as oparl:
        away = server.url("redirect") + f"?to=http://127.0.0.1:{listener.port}/paper/1"
        with pytest.raises(OParlRefused, match=f"127.0.0.1:{listener.port}"):
            oparl.get(away)
        assert listener.connections == 0
        # a redirect within the allowed host is followed
        home = server.url("redirect") + "?to=" + server.url("paper/2601")
        assert (oparl.get(home) or {})["reference"] == "26/0012-BV"


@pytest.mark.parametrize("path", ["huge", "huge-declared"])
def test_fifty_megabytes_are_cut_off_with_a_clear_message(server: OParlServer, path: str) -> None:
    limits = OParlLimits(frozenset({server.host}), 5.0, 1_000_000)
    with OParlClient(limits) as oparl, pytest.raises(OParlUnavailable) as raised:
        oparl.get(server.url(path))
    assert raised.value.message == (
        f"{server.url(path)}: the answer is larger than 1000000 bytes "
        "(SOZIALGRAPH_OPARL_MAX_BYTES); cut off"
    )


def test_slow_server_is_cut_off_with_a_clear_message(
    client: TestClient, server: OParlServer
) -> None:
    status, body = _import(client, url=server.url("slow"))
    assert status == 502
    assert body["detail"] == (
        f"{server.url('slow')}: keine vollständige Antwort in 1 s (SOZIALGRAPH_OPARL_TIMEOUT); "
        "abgebrochen"
    )


def _bad_paper(server: OParlServer, **changes: object) -> dict[str, object]:
    paper = json.loads(json.dumps(server.objects["/paper/2601"]))
    paper.update(changes)
    return paper


def test_malformed_object_is_reported_and_nothing_is_written(
    client: TestClient, server: OParlServer, settings: Settings
) -> None:
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    before = store.version()
    url = server.put("paper/bad-date", _bad_paper(server, date="gestern"))
    status, body = _import(client, url=url)
    assert status == 422
    assert body["url"] == url and body["field"] == "date"
    assert "gestern" in str(body["detail"])
    url = server.put("paper/bad-consultation", _bad_paper(server, consultation="keine"))
    status, body = _import(client, url=url)
    assert status == 422 and body["field"] == "consultation"
    url = server.put("paper/not-json", b'{"id": "x", ')
    status, body = _import(client, url=url)
    assert status == 422 and body["url"] == url
    assert str(body["detail"]).startswith(f"{url}: kein JSON (")
    # a body whose list holds a good paper and a bad one: the whole import stops
    bad = _bad_paper(server, id=server.url("paper/bad-in-list"), date="31.12.2025")
    papers = server.put("bad-body/papers", {"data": [server.objects["/paper/2601"], bad]})
    body_object = {**server.objects["/body/0"], "id": server.url("bad-body"), "paper": papers}
    status, body = _import(client, url=server.put("bad-body", body_object))
    assert status == 422
    assert body["url"] == server.url("paper/bad-in-list") and body["field"] == "date"
    assert store.version() == before
    assert list(store.quads(GRAPH)) == []


def test_malformed_object_names_url_and_field(server: OParlServer) -> None:
    paper = _bad_paper(server)
    consultation = dict(paper["consultation"][0])  # type: ignore[index]
    consultation["authoritative"] = "ja"
    paper["consultation"] = [consultation]
    url = server.put("paper/bad-authoritative", paper)
    limits = OParlLimits(frozenset({server.host}), 1.0, 1_000_000)
    with OParlClient(limits) as oparl, pytest.raises(OParlMalformed) as raised:
        oparl.harvest(url)
    assert raised.value.url == consultation["id"]
    assert raised.value.field == "authoritative"


def test_token_is_needed_before_any_oparl_request(client: TestClient, server: OParlServer) -> None:
    server.requests.clear()
    response = client.post("/api/import/oparl", data={"url": server.url("paper/2601")})
    assert response.status_code == 401
    assert server.requests == []


def test_url_that_cannot_be_an_iri_is_reported(server: OParlServer) -> None:
    main = {**server.objects["/paper/2601"]["mainFile"], "accessUrl": "http://x.example/a b.pdf"}
    url = server.put("paper/bad-file", _bad_paper(server, mainFile=main))
    limits = OParlLimits(frozenset({server.host}), 1.0, 1_000_000)
    with OParlClient(limits) as oparl, pytest.raises(OParlMalformed) as raised:
        oparl.harvest(url)
    assert (raised.value.url, raised.value.field) == (main["id"], "accessUrl")
