"""One municipality's cross-reference, cross-strategy measures and import vocabulary on the
remote engines (issue 20).

Given a municipality, these named queries start from it and look up the rest from its strategies
and measures (so that one town of a country-sized store reads only its own part). The texts are
written for pyoxigraph's planner; here the same texts, bound the same way, give the same rows on a
real Oxigraph server and on Virtuoso 7 as on the embedded store, for each of three generated towns
and for the whole store, which also holds Musterstadt (``tests/fixtures/crossref.py``: a measure of
a strategy and of the umbrella strategy, which does not make it a cross-strategy measure).
``search``, ``search-municipality`` and ``source-coverage`` find a municipality's resources along
one property path with an optional step in front of a ``*`` alternative: Virtuoso 7.2 answers it
with no rows, or its process dies. Written as one path per kind of resource joined by ``UNION``
Virtuoso answers alike, but pyoxigraph took 14–35 s instead of 0.1 s at 5M triples (bench/): the
texts of ``queries/virtuoso/`` run on Virtuoso, the standard ones elsewhere, and every answer is
compared with the embedded store's. The web's path (the query service, whose backend learns the
engine from the server's answers and picks the texts) gives the same rows for these three, and
the text index made over it filters by municipality as on the embedded store.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.generate import generate, ontology_quads
from sozialgraph.config import Settings
from sozialgraph.publishing.search_service import search_once
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.querying.service import QueryService
from sozialgraph.readmodel.context import ReadContext
from sozialgraph.resources import queries_dir
from sozialgraph.store.base import GraphStore
from sozialgraph.store.embedded import EmbeddedStore
from sozialgraph.store.remote import RemoteStore
from sozialgraph.store.remote_dialect import VIRTUOSO
from tests.fixtures.crossref import crossref_quads
from tests.remote_engines import ENGINES, remote_store

EX = "https://example.org/"
TOWNS = 3
QUERIES = (
    "crossref",
    "cross-strategy-measures",
    "import-vocabulary",
    "search",
    "search-municipality",
    "source-coverage",
)
#: Found from the municipality along its paths (``queries/virtuoso/`` has Virtuoso's texts).
SCOPED = ("search", "search-municipality", "source-coverage")
#: Parameters besides the municipality ("Maßnahme" occurs in every town's texts).
PARAMS = {"search": {"q": "Maßnahme"}}
#: A word of every town's texts for the text index (its words, not substrings as ``search``).
WORD = "Stadt"
SCOPES = [None, *(f"{EX}gemeinde-{n}/organisation/stadt" for n in range(1, TOWNS + 1))]

Row = tuple[tuple[str, str], ...]


def _quads() -> list[ox.Quad]:
    return [*ontology_quads(EX), *generate(TOWNS, measures_per_strategy=12), *crossref_quads()]


def _rows(store: GraphStore, text: str) -> Counter[Row]:
    """The solutions as a multiset of (variable, lexical value) pairs: the engines agree on the
    values, not on the datatype they give a count (Virtuoso: xsd:int)."""
    result = store.query(text)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return Counter(
        tuple((name, row[name].value) for name in names if row[name] is not None) for row in result
    )


def _answers(
    store: GraphStore, dialect: str | None = None
) -> dict[tuple[str, str | None], Counter[Row]]:
    registry = QueryRegistry(queries_dir())
    answers = {}
    for name in QUERIES:
        query = registry.get(name, dialect)
        for scope in SCOPES:
            params = {**PARAMS.get(name, {}), **({"municipality": scope} if scope else {})}
            text = query.bind(params)
            answers[(name, scope)] = _rows(store, text)
    return answers


async def _through_the_service(
    settings: Settings, store: GraphStore
) -> tuple[dict[tuple[str, str | None], Counter[Row]], dict[str, set[str]]]:
    """The rows of the scoped queries as the web runs them (``ReadContext.run``), and per town
    the hits of a search of the text index filtered by it."""
    service = QueryService(settings, store)
    await service.start()
    try:
        ctx = ReadContext(service, QueryRegistry(queries_dir()), "de", settings.base_iri)
        answers = {}
        for name in SCOPED:
            for scope in SCOPES:
                table = await ctx.run(name, **PARAMS.get(name, {}), municipality=scope)
                answers[(name, scope)] = Counter(
                    tuple((c, row[c].value) for c in table.columns if c in row)
                    for row in table.rows
                )
    finally:
        await service.close()
    hits = {}
    for scope in SCOPES[1:]:
        assert scope is not None
        found = await search_once(settings, store, WORD, municipalities=(scope,), limit=10_000)
        assert found.engine == "index"
        hits[scope] = {hit.iri for hit in found.hits}
    return answers, hits


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    folder = tmp_path_factory.mktemp("towns")
    store = EmbeddedStore(folder / "store")
    store.rebuild(_quads())
    yield store
    store.close()


@pytest.fixture(scope="module")
def embedded_answers(embedded: EmbeddedStore) -> dict[tuple[str, str | None], Counter[Row]]:
    return _answers(embedded)


@pytest.fixture(scope="module")
def embedded_hits(
    embedded: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, set[str]]:
    index = tmp_path_factory.mktemp("embedded-index")
    settings = Settings(store=str(embedded.root), search_index_dir=str(index), base_iri=EX)
    return asyncio.run(_through_the_service(settings, embedded))[1]


@pytest.fixture(scope="module", params=ENGINES)
def remote(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    location = Path(tmp_path_factory.mktemp(request.param)) / "db"
    with remote_store(request.param, location, _quads()) as store:
        yield store


def test_town_queries_answer_the_same_on_remote_engines(
    request: pytest.FixtureRequest,
    remote: RemoteStore,
    embedded_answers: dict[tuple[str, str | None], Counter[Row]],
) -> None:
    virtuoso = request.node.callspec.params["remote"] == "virtuoso"
    remote_answers = _answers(remote, VIRTUOSO if virtuoso else None)  # Virtuoso's own texts
    for (name, scope), expected in embedded_answers.items():
        assert expected, (name, scope)  # every query finds something in every town
        assert remote_answers[(name, scope)] == expected, (name, scope)


def test_the_web_path_runs_each_engines_text_and_the_index_filters_by_town(
    remote: RemoteStore,
    embedded_answers: dict[tuple[str, str | None], Counter[Row]],
    embedded_hits: dict[str, set[str]],
    tmp_path: Path,
) -> None:
    index = str(tmp_path / "index")
    settings = remote.settings.model_copy(update={"search_index_dir": index, "base_iri": EX})
    answers, hits = asyncio.run(_through_the_service(settings, remote))
    for key, rows in answers.items():
        assert rows == embedded_answers[key], key
    for scope, expected in embedded_hits.items():
        assert expected, scope  # every town has resources with the word
        assert hits[scope] == expected, scope
