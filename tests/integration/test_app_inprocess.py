"""Fast cases on the app built in-process: the read model behind the API, negotiation, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sozialgraph.config import Settings
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.querying.service import QueryService
from sozialgraph.readmodel import crossref, strategies
from sozialgraph.readmodel.context import ReadContext
from sozialgraph.resources import queries_dir
from sozialgraph.store.embedded import EmbeddedStore
from tests.inprocess import app_client

JENA = "https://w3id.org/sozialgraph/jena/organisation/stadt-jena"


@pytest.fixture(scope="module")
def client(jena_store_dir, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    import shutil

    copy = tmp_path_factory.mktemp("inprocess") / "store"
    shutil.copytree(jena_store_dir, copy)
    settings = Settings(store=str(copy))
    with app_client(settings) as client:
        yield client


def read_model(settings: Settings, lang: str = "de") -> tuple[QueryService, ReadContext]:
    service = QueryService(settings, EmbeddedStore(settings.store))
    return service, ReadContext(service, QueryRegistry(queries_dir()), lang, settings.base_iri)


def test_the_read_model_answers_without_a_request(jena_settings: Settings) -> None:
    """A read-model document is built from a ReadContext alone (no web import, no Request)."""

    async def documents() -> tuple[list[str], int]:
        service, ctx = read_model(jena_settings, "en")
        await service.start()
        try:
            found = await strategies.strategies(ctx, municipality=JENA)
            matrix = await crossref.crossref(ctx, municipality=JENA)
            return sorted(s.label or "" for s in found), len(matrix.commitments)
        finally:
            await service.close()

    labels, commitments = asyncio.run(documents())
    assert len(labels) == 4
    assert commitments == 10


def test_the_api_serves_the_same_document_as_the_read_model(
    client: TestClient, jena_settings: Settings
) -> None:
    async def document() -> dict:
        service, ctx = read_model(jena_settings)
        await service.start()
        try:
            return (await crossref.crossref(ctx)).model_dump(mode="json")
        finally:
            await service.close()

    assert client.get("/api/crossref").json() == asyncio.run(document())


def test_a_named_query_answers_json_to_accept_application_json(client: TestClient) -> None:
    response = client.get("/api/queries/strategies", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["query"] == "strategies"


def test_json_before_csv_gives_json(client: TestClient) -> None:
    response = client.get(
        "/api/queries/strategies", headers={"Accept": "application/json, text/csv;q=0.5"}
    )
    assert response.headers["content-type"].startswith("application/json")
    csv = client.get("/api/queries/strategies", headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")


def test_unknown_measure_is_a_problem_document_in_the_readers_language(client: TestClient) -> None:
    response = client.get(
        "/api/measures/jena/massnahme/gibt-es-nicht", headers={"Accept-Language": "de"}
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Keine Maßnahme" in response.json()["detail"]


def test_an_unknown_query_parameter_is_a_400(client: TestClient) -> None:
    response = client.get("/api/queries/strategies", params={"nonsense": "1"})
    assert response.status_code == 400
    assert "nonsense" in response.json()["detail"]


def test_the_app_leaves_a_given_store_open(jena_settings: Settings) -> None:
    store = EmbeddedStore(jena_settings.store)
    try:
        with app_client(jena_settings, store=store) as client:
            assert client.get("/api/strategies").status_code == 200
        assert not store.is_empty()  # still usable: the app did not close what it was given
    finally:
        store.close()
