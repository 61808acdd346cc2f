"""The foundation's promises, end to end with the real CLI and a real server on Jena's data."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import LiveServer, live_server

ROOT = Path(__file__).resolve().parents[2]
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
PREFIXES = """PREFIX sg: <https://w3id.org/sozialgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def cli(
    *args: str, store: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if store is not None:
        env["SOZIALGRAPH_STORE"] = str(store)
    return subprocess.run(
        [sys.executable, "-m", "sozialgraph.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=check,
        timeout=300,
    )


@pytest.fixture(scope="module")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("foundation") / "store"
    result = cli("build", "--store", str(store))
    assert re.search(r"Built \d+ graphs, \d+ triples", result.stderr), result.stderr
    return store


@pytest.fixture(scope="module")
def server(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    copy = tmp_path_factory.mktemp("foundation-served") / "store"
    shutil.copytree(built_store, copy)
    with live_server(copy) as live:
        yield live


def select(server: LiveServer, query: str) -> list[dict[str, dict[str, str]]]:
    response = httpx.get(
        server.url + "/sparql",
        params={"query": PREFIXES + query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def test_the_ontology_and_its_version(server: LiveServer) -> None:
    rows = select(
        server,
        "SELECT ?version WHERE { <https://w3id.org/sozialgraph/ontology> a owl:Ontology ; owl:versionInfo ?version }",
    )
    assert [r["version"]["value"] for r in rows] == ["0.1.0"]


def test_ten_eccar_commitments_in_german_and_english(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT ?n ?de ?en WHERE {
             ?c a sg:EccarCommitment ; skos:notation ?n ;
                skos:prefLabel ?de, ?en .
             FILTER(LANG(?de) = "de" && LANG(?en) = "en")
           } ORDER BY xsd:integer(?n)""".replace(
            "xsd:integer", "<http://www.w3.org/2001/XMLSchema#integer>"
        ),
    )
    assert [r["n"]["value"] for r in rows] == [str(n) for n in range(1, 11)]
    assert rows[2]["en"]["value"] == "Better Support for the Victims of Racism and Discrimination"
    assert rows[0]["de"]["value"] == "Verstärkte Wachsamkeit gegenüber Rassismus"


def test_the_seven_fields_of_action_by_their_exact_names(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT ?label WHERE {
             <https://w3id.org/sozialgraph/jena/strategie/armutspraeventionsstrategie/fassung/2025> sg:hasFieldOfAction ?f .
             ?f skos:prefLabel ?label FILTER(LANG(?label) = "de")
           }""",
    )
    assert sorted(r["label"]["value"] for r in rows) == sorted(
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


def test_decisions_with_typed_dates(server: LiveServer) -> None:
    rows = select(
        server,
        "SELECT ?id ?date WHERE { ?d a sg:CouncilDecision ; dcterms:identifier ?id ; sg:decisionDate ?date }",
    )
    dates = {r["id"]["value"]: r["date"] for r in rows}
    assert dates["25/0529-BV"] == {"type": "literal", "value": "2025-10-29", "datatype": XSD_DATE}
    assert dates["20/0372-BV"] == {"type": "literal", "value": "2020-07-16", "datatype": XSD_DATE}


def test_resources_of_the_ontologys_classes_carry_sources(server: LiveServer) -> None:
    rows = select(
        server,
        """SELECT (COUNT(DISTINCT ?r) AS ?all) (COUNT(DISTINCT ?sourced) AS ?with) WHERE {
             ?r a ?class . FILTER(STRSTARTS(STR(?class), STR(sg:)))
             OPTIONAL { ?r dcterms:source ?s BIND(?r AS ?sourced) }
           }""",
    )
    total, with_source = int(rows[0]["all"]["value"]), int(rows[0]["with"]["value"])
    assert total > 100
    assert with_source / total >= 0.95


def _measure_turtle(store: Path) -> str:
    query = (
        PREFIXES
        + "CONSTRUCT { ?m ?p ?o } WHERE { BIND(<https://w3id.org/sozialgraph/jena/massnahme/kampagne-jenaschauhin> AS ?m) ?m ?p ?o }"
    )
    return cli("query", query, "--format", "nt", store=store).stdout


def test_an_exported_measure_validates_and_without_title_is_rejected(
    built_store: Path, tmp_path: Path
) -> None:
    exported = _measure_turtle(built_store)
    assert "<http://purl.org/dc/terms/title>" in exported
    good = tmp_path / "massnahme.nt"
    good.write_text(exported, encoding="utf-8")
    valid = cli("validate", str(good), store=built_store, check=False)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    lines = [line for line in exported.splitlines() if "http://purl.org/dc/terms/title" not in line]
    assert len(lines) < len(exported.splitlines())
    bad = tmp_path / "ohne-titel.nt"
    bad.write_text("\n".join(lines), encoding="utf-8")
    invalid = cli("validate", str(bad), store=built_store, check=False)
    assert invalid.returncode == 1
    assert (
        "kampagne-jenaschauhin" in invalid.stdout
        and "http://purl.org/dc/terms/title" in invalid.stdout
    )
    assert "Titel" in invalid.stdout
    english = cli("validate", str(bad), "--lang", "en", store=built_store, check=False)
    assert "title" in english.stdout


def test_a_build_with_invalid_data_leaves_the_store_untouched(
    built_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_store, store)
    before = cli("export", "--format", "nq", store=store).stdout
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    measures = data / "jena" / "massnahmen.ttl"
    text = measures.read_text(encoding="utf-8")
    measures.write_text(
        text.replace(
            'dcterms:title "Kampagne #JenaSchauHin"@de', 'rdfs:comment "kein Titel"@de', 1
        ),
        encoding="utf-8",
    )
    failed = cli("build", "--store", str(store), "--data", str(data), check=False)
    assert failed.returncode == 1
    assert "kampagne-jenaschauhin" in failed.stderr
    assert cli("export", "--format", "nq", store=store).stdout == before


def test_export_in_every_format(built_store: Path) -> None:
    for fmt, marker in (("turtle", "@prefix"), ("nt", " .\n"), ("trig", "{"), ("jsonld", "@id")):
        out = cli("export", "--format", fmt, store=built_store).stdout
        assert marker in out, fmt


def test_readme_gives_the_two_commands_and_ci_runs_the_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert (
        "pytest" in makefile.split("\ntest:", 1)[1]
        and "sozialgraph serve" in makefile.split("\nrun:", 1)[1]
    )
