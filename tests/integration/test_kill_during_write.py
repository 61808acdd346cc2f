"""``kill -9`` of the server during large writes: after a restart the store holds exactly the
previous state or the complete new one, and a write answered 2xx is always there."""

from __future__ import annotations

import os
import random
import shutil
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.stores import EXAMPLE_BASE, build_example_store
from tests.support import live_server

TOKEN = "kill-test-write-token"
ENV = {
    "SOZIALGRAPH_BASE_IRI": EXAMPLE_BASE,
    "SOZIALGRAPH_WRITE_TOKENS": f"officer:{TOKEN}",
    "SOZIALGRAPH_QUERY_TIMEOUT": "60",
}
GRAPH = EXAMPLE_BASE + "graph/import/gross"
SIZES = (150_000, 120_000)


def _body(n: int, tag: str) -> bytes:
    return "".join(
        f'<https://example.org/gross/{i}> <https://example.org/p> "{tag} {i}" .\n' for i in range(n)
    ).encode()


def _graph_count(url: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"
    return int(
        httpx.get(url + "/sparql", params={"query": query}, timeout=30).json()["results"][
            "bindings"
        ][0]["n"]["value"]
    )


@pytest.mark.slow
def test_kill_minus_nine_during_large_writes(tmp_path: Path) -> None:
    store = build_example_store(tmp_path / "source")
    live = tmp_path / "store"
    shutil.copytree(store, live)
    rng = random.Random(20261128)
    expected = 0
    outcomes = []
    for round_number in range(6):
        size = SIZES[round_number % 2]
        body = _body(size, f"round {round_number}")
        with live_server(live, env=ENV) as server:
            assert _graph_count(server.url) == expected
            answer: dict[str, int] = {}

            def write(
                url: str = server.url, answer: dict[str, int] = answer, body: bytes = body
            ) -> None:
                try:
                    response = httpx.put(
                        url + "/graph-store",
                        params={"graph": GRAPH},
                        content=body,
                        headers={
                            "Content-Type": "application/n-triples",
                            "Authorization": f"Bearer {TOKEN}",
                        },
                        timeout=120,
                    )
                    answer["status"] = response.status_code
                except httpx.HTTPError:
                    answer["status"] = -1

            thread = threading.Thread(target=write)
            thread.start()
            time.sleep(rng.uniform(0.3, 9.0))
            os.kill(server.pid, signal.SIGKILL)
            thread.join(60)
            server.process.wait(10)
        with live_server(live, env=ENV) as restarted:
            found = _graph_count(restarted.url)
        assert found in (expected, size), (
            f"round {round_number}: a partial graph with {found} triples"
        )
        if answer.get("status") in (200, 201, 204):
            assert found == size, f"round {round_number}: an acknowledged write was lost"
        outcomes.append("new" if found == size else "old")
        expected = found
    # over the rounds the kill should have hit both before and after the commit at least once;
    # if not, the timing assumptions of this test need looking at (not the store)
    print("kill outcomes:", outcomes)
    assert len(outcomes) == 6
