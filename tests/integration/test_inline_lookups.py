"""Which queries the guard may prove small enough to run in the web process (querying.inline),
and that such a query answers exactly as a worker does."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyoxigraph as ox
import pytest

from sozialgraph.config import Settings
from sozialgraph.querying.guard import check_query
from sozialgraph.querying.inline import is_small_lookup
from sozialgraph.querying.service import QueryService
from sozialgraph.store.embedded import EmbeddedStore

TITLE = "http://purl.org/dc/terms/title"
M = "https://example.org/m/1"


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT ?title WHERE {{ <{M}> <{TITLE}> ?title }}",
        f"SELECT ?title WHERE {{ <{M}> <{TITLE}> ?title }} LIMIT 2104711",
        "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT * { ?s dcterms:title ?t . } LIMIT 10",
        "select ?o where { ex:a.b a ?o . }",
        "prefix ex: <https://example.org/> Select Reduced ?t { ex:a ex:b ?t } limit 7",
        "ask { <a> a <b> }",
        "SELECT ?s WHERE { ?s a ?t } LIMIT 1000",
        'ASK { ?s ?p "x"@de }',
        f'SELECT ?s {{ ?s <{TITLE}> "Titel"^^<http://www.w3.org/2001/XMLSchema#string> }} LIMIT 5',
    ],
)
def test_one_bounded_pattern_is_a_small_lookup(query: str) -> None:
    assert is_small_lookup(query)
    assert check_query(query).small_lookup


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?s WHERE { ?s a ?t }",  # no bound subject and predicate, no LIMIT
        "SELECT ?s WHERE { ?s a ?t } LIMIT 1001",
        "SELECT DISTINCT ?t WHERE { ?s a ?t } LIMIT 10",  # may read every type triple
        "select distinct ?t where { ?s a ?t } limit 10",  # keywords in any case
        "SELECT ?t WHERE { <a> A ?t }",  # `a` is lower case only (a prefixed name needs ':')
        "SELECT ?s WHERE { ?s ?p ?o FILTER(?o) } LIMIT 1",
        "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1",
        "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1 OFFSET 100000",
        "SELECT ?s WHERE { ?s ?p ?o . ?o ?p ?x } LIMIT 1",
        "SELECT ?o WHERE { <a> <b>/<c> ?o }",
        "SELECT ?o FROM <g> WHERE { <a> <b> ?o }",
        "SELECT ?o WHERE { <a> <b> ?o } # a comment",
        "SELECT (COUNT(*) AS ?n) WHERE { <a> <b> ?o }",
        "CONSTRUCT { <a> <b> ?o } WHERE { <a> <b> ?o }",
        "SELECT ?o WHERE { GRAPH ?g { <a> <b> ?o } }",
        "SELECT ?o WHERE { { SELECT ?o WHERE { ?s ?p ?o } } } LIMIT 1",
    ],
)
def test_anything_else_goes_to_a_worker(query: str) -> None:
    assert not is_small_lookup(query)


@pytest.mark.parametrize("inline", [True, False])
def test_a_small_lookup_answers_as_a_worker_does(tmp_path: Path, inline: bool) -> None:
    store = EmbeddedStore(tmp_path / "store")
    title = ox.Literal("Stadtteilmütter", language="de")
    quad = ox.Quad(ox.NamedNode(M), ox.NamedNode(TITLE), title, ox.NamedNode("https://g/1"))
    store.rebuild([quad])
    settings = Settings(store=str(tmp_path / "store"), inline_lookups=inline, query_workers=1)
    query = f"SELECT ?title WHERE {{ <{M}> <{TITLE}> ?title }} LIMIT 7"

    async def ask() -> tuple[bytes, bool]:
        service = QueryService(settings, store)
        await service.start()
        try:
            spool = await service.execute(
                service.guard(query), "application/sparql-results+json", client="127.0.0.1"
            )
            return spool.read(), service.inline._opened is not None
        finally:
            await service.close()

    body, ran_inline = asyncio.run(ask())
    assert ran_inline is inline
    assert b'"value":"Stadtteilm\xc3\xbctter"' in body and b'"xml:lang":"de"' in body
