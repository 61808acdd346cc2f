"""The SPARQL fast path (``web/sparql_fast.py``) answers a never-seen small lookup itself, with
the same body and headers as a query worker, and with every header the other answers carry
(``SozialgraphApp`` works them out once per request)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sozialgraph.config import Settings
from tests.example_data import EX, make_example_store
from tests.inprocess import app_client

RESULTS = {"Accept": "application/sparql-results+json"}
QUERY = "SELECT ?t WHERE { <https://example.org/thing/7> <http://purl.org/dc/terms/title> ?t }"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_example_store(tmp_path_factory.mktemp("fast-path") / "store", things=50)


def answers(store_dir: Path, inline: bool, queries: list[str]) -> Iterator[httpx.Response]:
    settings = Settings(store=str(store_dir), base_iri=EX, inline_lookups=inline, query_workers=1)
    with app_client(settings) as client:
        version = client.get("/versionen", headers={"Accept": "application/json"})
        assert version.status_code == 200 and version.json()  # the store's version is recorded
        for query in queries:
            yield client.get("/sparql", params={"query": query}, headers=RESULTS)


@pytest.mark.parametrize("query", [QUERY, QUERY + " LIMIT 3", 'ASK { ?s ?p "Ding 7"@de }'])
def test_a_small_lookup_answers_in_the_web_process_as_a_worker_does(
    store_dir: Path, query: str
) -> None:
    (inline,) = answers(store_dir, True, [query])
    (worker,) = answers(store_dir, False, [query])
    assert inline.status_code == worker.status_code == 200
    assert inline.content == worker.content
    for header in ("content-type", "content-length", "etag", "vary", "cache-control"):
        assert inline.headers[header] == worker.headers[header], header
    assert "Ding 7" in inline.text or inline.json() == {"head": {}, "boolean": True}


def test_fast_path_answers_carry_the_version_and_security_headers(store_dir: Path) -> None:
    fresh, again, form = answers(store_dir, True, [QUERY + " LIMIT 9", QUERY + " LIMIT 9", QUERY])
    assert fresh.content == again.content
    for answer in (fresh, again):
        assert answer.headers["sozialgraph-version"] == "1"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "content-security-policy" not in answer.headers  # results, not a page
        assert answer.headers.get_list("x-content-type-options") == ["nosniff"]  # once
    assert form.headers["sozialgraph-version"] == "1"


def test_a_revalidated_fast_path_answer_keeps_its_headers(store_dir: Path) -> None:
    settings = Settings(store=str(store_dir), base_iri=EX, query_workers=1)
    with app_client(settings) as client:
        client.get("/versionen", headers={"Accept": "application/json"})
        first = client.get("/sparql", params={"query": QUERY + " LIMIT 11"}, headers=RESULTS)
        revalidated = client.get(
            "/sparql",
            params={"query": QUERY + " LIMIT 11"},
            headers={**RESULTS, "If-None-Match": first.headers["etag"]},
        )
    assert revalidated.status_code == 304 and revalidated.content == b""
    assert revalidated.headers["etag"] == first.headers["etag"]
    assert revalidated.headers["sozialgraph-version"] == "1"
    assert revalidated.headers["x-content-type-options"] == "nosniff"
