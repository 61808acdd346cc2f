"""The JSON API over named queries, against real servers: Jena's data and a generated
cross-strategy town (example.org). Includes injection attempts and a schema-driven fuzz run."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures import crossref as town
from tests.support import REMOTE_BACKEND, LiveServer, live_server

ECCAR = "https://w3id.org/sozialgraph/vocab/eccar/"
APS = "https://w3id.org/sozialgraph/jena/strategie/armutspraeventionsstrategie"
ADS = "https://w3id.org/sozialgraph/jena/massnahme/antidiskriminierungsstelle"
INJECTIONS = [
    '"',
    "'",
    "} DROP ALL {",
    '"} ; DROP ALL ; SELECT * {"',
    "<http://x> } UNION { ?s ?p ?o",
    "x" * 5000,
    "\u0000",
    "%00",
    "${x}",
]


@pytest.fixture(scope="module")
def jena(jena_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    copy = tmp_path_factory.mktemp("api-jena") / "store"
    shutil.copytree(jena_store_dir, copy)
    with live_server(copy) as server:
        yield server


@pytest.fixture(scope="module")
def musterstadt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = town.write_crossref_store(tmp_path_factory.mktemp("api-town") / "store")
    with live_server(store, env={"SOZIALGRAPH_BASE_IRI": town.EX}) as server:
        yield server


def get(server: LiveServer, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(server.url + path, timeout=30, **kwargs)  # type: ignore[arg-type]


def total_triples(server: LiveServer) -> int:
    response = get(
        server, "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"}
    )
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


# -- named queries ---------------------------------------------------------------------------------


def test_every_named_query_is_listed_with_its_documentation(jena: LiveServer) -> None:
    listed = get(jena, "/api/queries").json()
    names = {q["name"] for q in listed}
    assert {
        "strategies",
        "measures",
        "eccar-coverage",
        "eccar-gaps",
        "cross-strategy-measures",
        "search",
        "decision-history",
    } <= names
    for query in listed:
        assert (
            query["titles"]["de"]
            and query["titles"]["en"]
            and query["descriptions"]["de"]
            and query["descriptions"]["en"]
        )
        assert query["sparql"].lstrip().startswith("#")


def test_every_named_query_runs_with_its_examples(jena: LiveServer) -> None:
    for query in get(jena, "/api/queries").json():
        params = {p["name"]: p["example"] for p in query["parameters"] if p["required"]}
        response = get(jena, f"/api/queries/{query['name']}", params=params)
        assert response.status_code == 200, (query["name"], response.text)
        body = response.json()
        assert body["query"] == query["name"] and body["columns"]


def test_named_query_as_csv(jena: LiveServer) -> None:
    response = get(jena, "/api/queries/eccar-coverage", headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.strip().splitlines()
    # (Virtuoso quotes the column names: CSV allows both)
    assert [c.strip('"') for c in lines[0].split(",")[:2]] == ["commitment", "notation"]
    assert len(lines) == 11


def test_named_query_errors(jena: LiveServer) -> None:
    assert get(jena, "/api/queries/does-not-exist").status_code == 404
    unknown = get(jena, "/api/queries/strategies", params={"nonsense": "1"})
    assert unknown.status_code == 400 and "nonsense" in unknown.json()["detail"]
    bad_iri = get(
        jena,
        "/api/queries/strategies",
        params={"strategy": "not an iri"},
        headers={"Accept-Language": "en"},
    )
    assert bad_iri.status_code == 400 and "IRI" in bad_iri.json()["detail"]
    missing = get(jena, "/api/queries/search")
    assert missing.status_code == 400


def test_injection_attempts_in_every_parameter_change_nothing(jena: LiveServer) -> None:
    before = total_triples(jena)
    for query in get(jena, "/api/queries").json():
        for parameter in query["parameters"]:
            for attempt in INJECTIONS:
                params = {p["name"]: p["example"] for p in query["parameters"] if p["required"]}
                params[parameter["name"]] = attempt
                response = get(jena, f"/api/queries/{query['name']}", params=params)
                assert response.status_code < 500, (
                    query["name"],
                    parameter["name"],
                    attempt,
                    response.text,
                )
                if response.status_code == 200 and parameter["type"] == "iri":
                    assert response.json()["rows"] == []
    for name in ("strategy", "field", "commitment", "status", "body", "target_group", "q"):
        for attempt in INJECTIONS:
            assert get(jena, "/api/measures", params={name: attempt}).status_code < 500
    assert total_triples(jena) == before


# -- resources -----------------------------------------------------------------------------------


def test_strategies_with_versions_and_labels_in_both_languages(jena: LiveServer) -> None:
    strategies = {s["iri"]: s for s in get(jena, "/api/strategies").json()}
    assert len(strategies) == 4
    aps = strategies[APS]
    assert aps["labels"]["de"].startswith("Armutspräventionsstrategie")
    assert aps["label"] == aps["labels"]["de"]
    assert aps["part_of"]["iri"].endswith("kommunale-sozialstrategie")
    versions = {v["issued"]: v for v in aps["versions"]}
    assert versions["2025-10-29"]["decision_identifier"] == "25/0529-BV"
    english = {
        s["iri"]: s for s in get(jena, "/api/strategies", headers={"Accept-Language": "en"}).json()
    }
    assert english[APS]["label"] == english[APS]["labels"]["en"]


def test_strategies_name_and_filter_by_their_municipality(jena: LiveServer) -> None:
    city = "https://w3id.org/sozialgraph/jena/organisation/stadt-jena"
    for strategy in get(jena, "/api/strategies").json():
        assert strategy["municipality"]["iri"] == city
        assert strategy["municipality"]["labels"] == {"de": "Stadt Jena", "en": "City of Jena"}
    assert len(get(jena, "/api/strategies", params={"municipality": city}).json()) == 4
    # Nuremberg is a municipality of the graph (ECCAR's founding city) without strategies here.
    other = "https://w3id.org/sozialgraph/organisation/stadt-nuernberg"
    assert get(jena, "/api/strategies", params={"municipality": other}).json() == []


def test_measures_commitments_and_crossref_by_municipality(jena: LiveServer) -> None:
    city = {"municipality": "jena/organisation/stadt-jena"}  # an id works like the IRI
    nuremberg = {"municipality": "https://w3id.org/sozialgraph/organisation/stadt-nuernberg"}
    everything = get(jena, "/api/measures").json()["total"]
    assert everything > 0
    assert get(jena, "/api/measures", params=city).json()["total"] == everything
    assert get(jena, "/api/measures", params=nuremberg).json()["total"] == 0
    counts = {c["iri"]: c["measure_count"] for c in get(jena, "/api/commitments").json()}
    assert sum(counts.values()) > 0
    scoped = get(jena, "/api/commitments", params=city).json()
    assert {c["iri"]: c["measure_count"] for c in scoped} == counts
    elsewhere = get(jena, "/api/commitments", params=nuremberg).json()
    assert len(elsewhere) == 10 and all(c["measure_count"] == 0 for c in elsewhere)
    assert get(jena, "/api/crossref", params=nuremberg).json()["measures"] == []
    crossref = get(jena, "/api/crossref", params=city).json()["measures"]
    assert crossref == get(jena, "/api/crossref").json()["measures"] != []


def test_import_values_are_the_configured_municipalitys(jena: LiveServer) -> None:
    """Jena publishes the strategies here, so the template (and imports) offer its own bodies,
    not another municipality of the graph (Nuremberg, ECCAR's founding city)."""
    values = get(jena, "/api/import/template", params={"sheet": "values"}).text
    assert "Stadtrat Jena" in values and "Armutspräventionsstrategie" in values
    assert "Stadt Nürnberg" not in values


def test_one_strategy_with_its_fields(jena: LiveServer) -> None:
    detail = get(jena, "/api/strategies/jena/strategie/armutspraeventionsstrategie").json()
    current = sorted(f["labels"]["de"] for f in detail["fields"] if f["in_current_version"])
    assert current == sorted(
        [
            "Steuerung, Planung und Information",
            "Ökonomische Situation und Arbeitslosigkeit",
            "Wohnen in Jena",
            "Bildung",
            "Teilhabe von Kindern und Jugendlichen",
            "Teilhabe von älteren Menschen",
            "Gesundheit",
        ]
    )
    assert [f["labels"]["de"] for f in detail["fields"] if not f["in_current_version"]] == [
        "Migration"
    ]
    assert get(jena, "/api/strategies/jena/strategie/gibt-es-nicht").status_code == 404


def test_fields_filtered_by_strategy(jena: LiveServer) -> None:
    fields = get(jena, "/api/fields", params={"strategy": APS}).json()
    assert len(fields) == 8 and all(f["strategy"]["iri"] == APS for f in fields)


def test_measures_paginated_and_filtered(jena: LiveServer) -> None:
    first = get(jena, "/api/measures", params={"limit": 4}).json()
    assert first["limit"] == 4 and len(first["items"]) == 4 and first["total"] >= 10
    rest = get(jena, "/api/measures", params={"limit": 50, "offset": 4}).json()
    assert len(rest["items"]) == first["total"] - 4
    by_commitment = get(jena, "/api/measures", params={"commitment": ECCAR + "3"}).json()
    assert [m["iri"] for m in by_commitment["items"]] == [ADS]
    assert (
        by_commitment["items"][0]["commitments"][0]["labels"]["en"]
        == "Better Support for the Victims of Racism and Discrimination"
    )
    search = get(jena, "/api/measures", params={"q": "jenaschauhin"}).json()
    assert "jena/massnahme/kampagne-jenaschauhin" in [m["id"] for m in search["items"]]
    assert len(search["items"]) < search_all_total(jena)
    assert get(jena, "/api/measures", params={"limit": 0}).status_code == 400


def search_all_total(server: LiveServer) -> int:
    return int(get(server, "/api/measures").json()["total"])


def test_one_measure(jena: LiveServer) -> None:
    measure = get(jena, "/api/measures/jena/massnahme/antidiskriminierungsstelle").json()
    assert measure["iri"] == ADS and measure["start"] == "2021-07-01"
    assert measure["strategies"][0]["labels"]["de"] == "10-Punkte-Aktionsplan gegen Rassismus"
    assert get(jena, "/api/measures/jena/massnahme/unbekannt").json()["status"] == 404


@pytest.mark.skipif(REMOTE_BACKEND, reason="API answers are cached on the embedded store")
def test_repeated_answers_come_from_the_cache_with_etags(jena: LiveServer) -> None:
    path = "/api/measures/jena/massnahme/antidiskriminierungsstelle"
    first = get(jena, path)
    second = get(jena, path)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert second.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert get(jena, path, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    english = get(jena, path, headers={"Accept-Language": "en"})
    assert english.headers["etag"] != first.headers["etag"]
    assert english.json()["label"] != first.json()["label"]
    csv = get(jena, "/api/queries/decisions", headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert get(jena, "/api/queries/decisions").headers["content-type"] == "application/json"
    for _ in range(2):  # errors are answered afresh, never cached
        missing = get(jena, "/api/measures/jena/massnahme/unbekannt")
        assert missing.status_code == 404 and "etag" not in missing.headers


def test_decisions_and_commitments(jena: LiveServer) -> None:
    decisions = {d["identifier"]: d for d in get(jena, "/api/decisions").json() if d["identifier"]}
    assert decisions["25/0529-BV"]["date"] == "2025-10-29"
    assert decisions["20/0372-BV"]["date"] == "2020-07-16"
    assert decisions["25/0529-BV"]["body"]["labels"]["de"] == "Stadtrat Jena"
    commitments = get(jena, "/api/commitments").json()
    assert [c["notation"] for c in commitments] == [str(n) for n in range(1, 11)]
    assert {c["notation"]: c["measure_count"] for c in commitments}["3"] >= 1


def test_openapi_documents_every_endpoint(jena: LiveServer) -> None:
    spec = get(jena, "/openapi.json").json()
    for path in (
        "/api/queries",
        "/api/queries/{name}",
        "/api/strategies",
        "/api/measures",
        "/api/measures/{id}",
        "/api/decisions",
        "/api/commitments",
        "/api/crossref",
        "/api/fields",
    ):
        assert path in spec["paths"], path
    measures = spec["paths"]["/api/measures"]["get"]
    assert {p["name"] for p in measures["parameters"]} >= {
        "strategy",
        "field",
        "commitment",
        "status",
        "body",
        "target_group",
        "q",
        "limit",
        "offset",
    }
    assert get(jena, "/docs").status_code == 200


# -- the cross-strategy town ---------------------------------------------------------------------


def test_field_filter_excludes_measures_without_field(musterstadt: LiveServer) -> None:
    measures = get(musterstadt, "/api/measures", params={"field": town.FIELD_BILDUNG}).json()[
        "items"
    ]
    iris = {m["iri"] for m in measures}
    assert town.CROSS_MEASURE in iris and town.NO_FIELD_MEASURE not in iris


def test_crossref_matrix_shows_the_measure_of_two_strategies(musterstadt: LiveServer) -> None:
    matrix = get(musterstadt, "/api/crossref").json()
    rows = {r["measure"]["iri"]: r for r in matrix["measures"]}
    assert set(rows[town.CROSS_MEASURE]["strategies"]) >= {town.ARMUT, town.INTEGRATION}
    assert len(matrix["commitments"]) == 10
    cross = get(musterstadt, "/api/queries/cross-strategy-measures").json()["rows"]
    assert [r["measure"] for r in cross] == [town.CROSS_MEASURE]


def test_commitments_without_measures_are_gaps(musterstadt: LiveServer) -> None:
    commitments = get(musterstadt, "/api/commitments").json()
    gaps = {c["iri"] for c in commitments if c["measure_count"] == 0}
    listed = {r["commitment"] for r in get(musterstadt, "/api/queries/eccar-gaps").json()["rows"]}
    assert gaps == listed and gaps


# -- schema-driven fuzzing -----------------------------------------------------------------------


def test_schemathesis_finds_no_server_errors(jena: LiveServer) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_url(jena.url + "/openapi.json").include(
        path_regex="^/api/(?!import)"
    )
    failures = []
    for operation in schema.get_all_operations():
        api_operation = operation.ok()

        @settings(
            max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=api_operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=jena.url, timeout=30)
            if response.status_code >= 500:
                failures.append(
                    (case.method, case.formatted_path, case.query, response.status_code)
                )
            case.validate_response(response, checks=[not_a_server_error])

        run()
    assert failures == []
