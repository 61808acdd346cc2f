"""The guard refuses what could crash, hang or reach out, and lets look-alikes pass."""

from __future__ import annotations

import pytest

from sozialgraph.errors import PayloadTooLarge, QueryRefused
from sozialgraph.querying.guard import MAX_DEPTH, check_query

SERVICE_VARIANTS = [
    "SELECT * { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "select * { service <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "SELECT*{SERVICE<http://127.0.0.1:1/sparql>{?s ?p ?o}}",
    "SELECT * { SeRvIcE\t\n<http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "SELECT * { SERVICE # a comment\n <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "SELECT * { SERVICE SILENT <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "PREFIX ex: <http://127.0.0.1:1/> SELECT * { SERVICE ex:sparql { ?s ?p ?o } }",
    "BASE <http://127.0.0.1:1/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } } }",
    "ASK { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "DESCRIBE ?s WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * { ?s ex:a<x>SERVICE<http://127.0.0.1:1/sparql>{} }",
    "SELECT * { { SELECT * { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } } } }",
]

LOOK_ALIKES = [
    'SELECT * { ?s ?p "SERVICE" }',
    "SELECT * { ?s ?p 'service <http://x> {}' }",
    'SELECT * { ?s ?p """SERVICE <http://x> { }""" }',
    "SELECT ?service { ?service ?p ?o }",
    "SELECT $service { $service ?p ?o }",
    "SELECT * { <http://ex.org/SERVICE> ?p ?o }",
    "PREFIX ex: <http://ex.org/> SELECT * { ?s ex:SERVICE ?o }",
    "PREFIX SERVICE: <http://ex.org/> SELECT * { ?s SERVICE:x ?o }",
    "SELECT * { ?s ?p ?o } # SERVICE <http://x> {}",
    "SELECT * { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
]


@pytest.mark.parametrize("query", SERVICE_VARIANTS)
def test_every_service_variant_is_refused(query: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(query)


@pytest.mark.parametrize("query", LOOK_ALIKES)
def test_look_alikes_pass(query: str) -> None:
    assert check_query(query).form in ("SELECT", "ASK")


def test_update_is_refused() -> None:
    with pytest.raises(QueryRefused, match="Update"):
        check_query("PREFIX ex: <http://ex.org/> INSERT DATA { ex:a ex:b ex:c }")
    with pytest.raises(QueryRefused, match="LOAD"):
        check_query("LOAD <http://127.0.0.1:1/data.ttl>")


def test_nesting_beyond_the_limit_is_refused() -> None:
    check_query("SELECT * " + "{" * (MAX_DEPTH - 1) + "}" * (MAX_DEPTH - 1))
    with pytest.raises(QueryRefused, match="nests"):
        check_query("SELECT * " + "{" * 2500 + "}" * 2500)


def test_long_chains_are_refused() -> None:
    with pytest.raises(QueryRefused, match="UNION"):
        check_query("SELECT * {" + " UNION ".join(["{}"] * 30_000) + "}", max_bytes=10_000_000)
    path = "/".join(["<http://ex.org/p>"] * 30_000)
    with pytest.raises(QueryRefused, match="'/'"):
        check_query(f"SELECT * {{ ?s {path} ?o }}", max_bytes=10_000_000)


def test_oversize_query_is_413() -> None:
    with pytest.raises(PayloadTooLarge):
        check_query("SELECT * {}" + " " * 200_000, max_bytes=100_000)


def test_escape_outside_strings_is_refused() -> None:
    with pytest.raises(QueryRefused, match="escape"):
        check_query("SELECT * { \\u0053ERVICE <http://x> {} }")


def test_form_where_brace_and_dataset_clause() -> None:
    guarded = check_query(
        "PREFIX a: <http://a/> CONSTRUCT { ?s ?p ?o } FROM <http://g> WHERE { ?s ?p ?o }"
    )
    assert guarded.form == "CONSTRUCT"
    assert guarded.has_dataset_clause
    assert guarded.text[guarded.where_brace :].startswith("{ ?s ?p ?o }")
    assert check_query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }").where_brace is not None
