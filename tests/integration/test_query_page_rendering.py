"""A large query page is parsed and rendered off the event loop (issue 14, item 10)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from sozialgraph.web.query_page import MAX_ROWS_SHOWN
from tests.stores import EXAMPLE_BASE, build_example_store
from tests.support import LiveServer, live_server

HUNDRED_THOUSAND_ROWS = (
    "SELECT ?a ?b WHERE { VALUES ?a { "
    + " ".join(str(n) for n in range(100))
    + " } VALUES ?b { "
    + " ".join(str(n) for n in range(1000))
    + " } }"
)
ASK = {"query": "ASK {}"}
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("query-page")
    store = build_example_store(folder / "source")
    copy = folder / "store"
    shutil.copytree(store, copy)
    with live_server(copy, env={"SOZIALGRAPH_BASE_IRI": EXAMPLE_BASE}) as live:
        yield live


def test_hundred_thousand_row_page_does_not_stall_cached_answers(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/sparql", params=ASK, headers=JSON).status_code == 200  # cached now
        page: dict[str, httpx.Response] = {}

        def load_page() -> None:
            page["response"] = client.get(
                "/sparql", params={"query": HUNDRED_THOUSAND_ROWS, "format": "html"}
            )

        thread = threading.Thread(target=load_page)
        thread.start()
        latencies = []
        with httpx.Client(base_url=server.url, timeout=30) as other:
            while thread.is_alive():
                began = time.monotonic()
                assert other.get("/sparql", params=ASK, headers=JSON).status_code == 200
                latencies.append(time.monotonic() - began)
                time.sleep(0.01)
        thread.join()
    response = page["response"]
    assert response.status_code == 200
    assert "100000" in response.text
    assert response.text.count("<tr>") == MAX_ROWS_SHOWN + 1  # the head row and those shown
    assert len(latencies) > 5
    assert max(latencies) < 0.25, sorted(latencies)[-5:]
