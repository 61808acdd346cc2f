"""Content negotiation of the JSON API over HTTP: plain JSON is asked for as application/json."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import LiveServer, live_server

QUERY = "/api/queries/strategies"


@pytest.fixture(scope="module")
def jena(jena_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    copy = tmp_path_factory.mktemp("api-negotiation") / "store"
    shutil.copytree(jena_store_dir, copy)
    with live_server(copy) as server:
        yield server


def run(server: LiveServer, accept: str) -> httpx.Response:
    return httpx.get(server.url + QUERY, headers={"Accept": accept}, timeout=30)


@pytest.mark.parametrize("accept", ["application/json", "application/json, text/csv;q=0.5", "*/*"])
def test_named_query_answers_json_to_application_json(jena: LiveServer, accept: str) -> None:
    response = run(jena, accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["query"] == "strategies"
    assert response.json()["rows"]


def test_named_query_answers_csv_when_csv_is_preferred(jena: LiveServer) -> None:
    response = run(jena, "text/csv, application/json;q=0.5")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")


def test_named_query_refuses_what_it_cannot_give(jena: LiveServer) -> None:
    response = run(jena, "image/png")
    assert response.status_code == 406
    assert response.headers["content-type"].startswith("application/problem+json")
