"""Texts of named queries for one engine (``queries/virtuoso/``): used there only, and taking
and giving what the standard text takes and gives, so that the two cannot drift apart silently.

The Virtuoso texts find a municipality's resources with one path per kind of resource joined by
``UNION`` (docs/remote-store.md); pyoxigraph took 14–35 s for that form at 5M triples instead of
0.1 s, so the embedded store and Oxigraph server must never get it.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from sozialgraph.querying.backend import EmbeddedBackend
from sozialgraph.querying.registry import NamedQuery, QueryRegistry
from sozialgraph.querying.workers import WorkerPool
from sozialgraph.resources import queries_dir
from sozialgraph.store.embedded import EmbeddedStore
from sozialgraph.store.remote_dialect import VIRTUOSO, is_virtuoso, query_dialect

REGISTRY = QueryRegistry(queries_dir())
VIRTUOSO_TEXTS = sorted(REGISTRY.dialects.get(VIRTUOSO, {}))
#: The queries whose single property path Virtuoso 7 answers wrongly (issue 20).
EXPECTED = ["search", "search-municipality", "source-coverage"]
#: The start of the single path of the standard texts (an optional step before alternatives).
SINGLE_PATH = "(^sg:hasStatusAssessment|^sg:hasCommitteeStep)?/(\n"
_MARK = re.compile(r"#\[([a-z][a-z0-9_]*)\]")


def test_virtuoso_has_its_own_texts_of_the_municipality_queries() -> None:
    assert VIRTUOSO_TEXTS == EXPECTED
    assert sorted(p.stem for p in (queries_dir() / VIRTUOSO).glob("*.rq")) == EXPECTED


def _columns(named: NamedQuery, given: dict[str, str]) -> list[str]:
    solutions = ox.Store().query(named.bind(given), use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return [v.value for v in solutions.variables]


@pytest.mark.parametrize("name", EXPECTED)
def test_the_virtuoso_text_takes_and_gives_what_the_standard_text_does(name: str) -> None:
    standard, virtuoso = REGISTRY.get(name), REGISTRY.get(name, VIRTUOSO)
    assert virtuoso is not standard and virtuoso.text != standard.text
    assert virtuoso.parameters == standard.parameters
    assert (virtuoso.titles, virtuoso.descriptions) == (standard.titles, standard.descriptions)
    assert virtuoso.form == standard.form
    assert set(_MARK.findall(virtuoso.text)) == set(_MARK.findall(standard.text))
    every = {p.name: p.example for p in standard.parameters}
    required = {p.name: p.example for p in standard.parameters if p.required}
    for given in (required, every):  # the same columns, filtered or not (pyoxigraph parses both)
        assert _columns(virtuoso, given) == _columns(standard, given)


def test_the_standard_texts_stay_the_catalogue_and_the_default() -> None:
    catalogue = {named.name: named for named in REGISTRY}
    for name in EXPECTED:
        assert catalogue[name] is REGISTRY.get(name) is REGISTRY.get(name, None)
        assert REGISTRY.text(name) == REGISTRY.get(name).text
        assert SINGLE_PATH in REGISTRY.get(name).text
        assert SINGLE_PATH not in REGISTRY.get(name, VIRTUOSO).text  # one path per kind there
    # A query without an engine's text gives the standard one to that engine too.
    assert REGISTRY.get("crossref", VIRTUOSO) is REGISTRY.get("crossref")
    assert REGISTRY.get("search", "another-engine") is REGISTRY.get("search")


def _response(server: str) -> httpx.Response:
    return httpx.Response(200, headers={"Server": server})


def test_only_virtuoso_gets_its_texts() -> None:
    assert query_dialect(is_virtuoso(_response("Virtuoso/07.20.3229 (Linux) x86_64"))) == VIRTUOSO
    for other in ("oxigraph/0.5.3", "Apache Jena Fuseki (5.1.0)", ""):
        assert query_dialect(is_virtuoso(_response(other))) is None


def test_the_embedded_backend_runs_the_standard_texts(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    pool = WorkerPool(1, 5.0)
    try:
        assert asyncio.run(EmbeddedBackend(store, pool, pool).dialect()) is None
    finally:
        store.close()


def _folder(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "queries"
    (folder / VIRTUOSO).mkdir(parents=True)
    shutil.copy(queries_dir() / f"{name}.rq", folder / f"{name}.rq")
    (folder / VIRTUOSO / f"{name}.rq").write_text(text, encoding="utf-8")
    return folder


def test_a_virtuoso_text_with_other_parameters_is_refused(tmp_path: Path) -> None:
    text = (queries_dir() / VIRTUOSO / "search.rq").read_text(encoding="utf-8")
    other = text.replace("# param: q string Antidiskriminierung required", "# param: q string x")
    with pytest.raises(ValueError, match="parameters or form differ"):
        QueryRegistry(_folder(tmp_path, "search", other))


def test_a_virtuoso_text_with_other_marks_is_refused(tmp_path: Path) -> None:
    text = (queries_dir() / VIRTUOSO / "source-coverage.rq").read_text(encoding="utf-8")
    unmarked = text.replace("#[municipality] ", "")
    with pytest.raises(ValueError, match="marks differ"):
        QueryRegistry(_folder(tmp_path, "source-coverage", unmarked))


def test_a_virtuoso_text_needs_a_standard_text(tmp_path: Path) -> None:
    folder = tmp_path / "queries"
    (folder / VIRTUOSO).mkdir(parents=True)
    shutil.copy(queries_dir() / VIRTUOSO / "search.rq", folder / VIRTUOSO / "search.rq")
    with pytest.raises(ValueError, match="no standard text"):
        QueryRegistry(folder)
