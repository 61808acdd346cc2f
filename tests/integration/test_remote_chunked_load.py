"""Large builds into a remote store: no request over the chunk limit, readers see old or new.

A real engine behind a recording proxy on 127.0.0.1; ``sozialgraph build`` runs as a subprocess,
as a deployment job would run it. Oxigraph server applies the one update request of a write as
one transaction; Virtuoso does not (test_virtuoso_commits_each_operation_of_an_update), so there
sozialgraph writes through the SQL port as one SQL transaction (``SOZIALGRAPH_VIRTUOSO_SQL``,
store/remote_sql.py), and the server runs with ``DefaultIsolation = 4``: at its default (read
committed) a reader can see a commit half-way (docs/remote-store.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.remote_load import write_towns
from sozialgraph.store.remote_load import LOADS_FOLDER
from tests.oxigraph_server import OxigraphServer
from tests.recording_proxy import RecordingProxy
from tests.support import free_port
from tests.virtuoso_server import VirtuosoServer, virtuoso_installed

pytestmark = pytest.mark.timeout(900)

#: ~200,000 triples (29 generated towns); smaller keeps the run under a few minutes here.
NEW_TRIPLES = 200_000
OLD_TRIPLES = 14_000
CHUNK = 1 << 20
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

ENGINES = [
    "oxigraph",
    pytest.param(
        "virtuoso",
        marks=pytest.mark.skipif(not virtuoso_installed(), reason="Virtuoso is not installed"),
    ),
]

Server = OxigraphServer | VirtuosoServer
#: Virtuoso's ``DefaultIsolation`` with which readers never see a commit half-way: they wait
#: for the writer's transaction, up to ``MaxQueryExecutionTime`` (WAIT seconds here).
REPEATABLE_READ = 4
WAIT = 600


@pytest.fixture(scope="module")
def towns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int]]:
    root = tmp_path_factory.mktemp("towns")
    return {
        "old": (root / "old", write_towns(root / "old", OLD_TRIPLES, seed=3)),
        "new": (root / "new", write_towns(root / "new", NEW_TRIPLES, seed=4)),
    }


@pytest.fixture
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    server: Server = (
        OxigraphServer(tmp_path / "oxigraph")
        if request.param == "oxigraph"
        else VirtuosoServer(tmp_path / "virtuoso", isolation=REPEATABLE_READ, timeout_s=WAIT)
    )
    with server:
        yield server


def environment(server: Server, proxy: RecordingProxy, state: Path) -> dict[str, str]:
    def through(url: str) -> str:
        return proxy.url + url.removeprefix(server.url)

    return {
        **os.environ,
        **(server.sql_env() if isinstance(server, VirtuosoServer) else {}),
        "SOZIALGRAPH_STORE": through(server.query_url),
        "SOZIALGRAPH_UPDATE_URL": through(server.update_url),
        "SOZIALGRAPH_GRAPH_STORE_URL": through(server.store_url),
        "SOZIALGRAPH_REMOTE_CHUNK_BYTES": str(CHUNK),
        "SOZIALGRAPH_BASE_IRI": "https://example.org/",
        "XDG_DATA_HOME": str(state),
    }


def build(env: dict[str, str], data: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sozialgraph.cli", "build", "--data", str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen[bytes]) -> None:
    _, err = process.communicate(timeout=800)
    assert process.returncode == 0, err.decode(errors="replace")[-3000:]


def published_count(server: Server) -> int:
    """Triples in the named graphs, asked of the engine itself (not through sozialgraph)."""
    response = httpx.post(
        server.query_url,
        data={"query": COUNT},
        headers={"Accept": "application/sparql-results+json"},
        timeout=WAIT,
    )
    response.raise_for_status()
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def loads_folder(state: Path) -> Path:
    found = list(state.glob(f"sozialgraph/remote-*/{LOADS_FOLDER}"))
    return found[0] if found else state / "none"


@pytest.mark.parametrize("engine", ENGINES, indirect=True)
def test_large_build_sends_no_request_over_the_limit_and_readers_see_old_or_new(
    engine: Server, towns: dict[str, tuple[Path, int]], tmp_path: Path
) -> None:
    with RecordingProxy(engine.url) as proxy:
        env = environment(engine, proxy, tmp_path / "state")
        finish(build(env, towns["old"][0]))
        old = published_count(engine)
        assert old > towns["old"][1]  # the towns plus ontology, vocabularies, shapes, metadata
        first = len(proxy.requests)

        seen: set[int] = set()
        failed: list[str] = []
        stop = threading.Event()

        def poll() -> None:
            while not stop.wait(0.2):
                try:
                    seen.add(published_count(engine))
                except httpx.HTTPStatusError as error:
                    failed.append(error.response.text[:300])

        reader = threading.Thread(target=poll)
        reader.start()
        try:
            finish(build(env, towns["new"][0]))
        finally:
            stop.set()
            reader.join()
        new = published_count(engine)

    assert new > towns["new"][1]
    assert not failed, f"a reader failed: {failed[:3]}"
    assert seen <= {old, new}, f"a reader saw {sorted(seen - {old, new})} besides {old}/{new}"
    assert old in seen
    assert proxy.largest() <= CHUNK
    if isinstance(engine, VirtuosoServer):  # written in one SQL transaction, not over HTTP
        assert not [r for r in proxy.requests if is_update(r.method, r.body_start)]
    else:
        loads = [r for r in proxy.requests[first:] if b"LOAD" in r.body_start]
        assert len(loads) == 1, "the whole new content is switched in by one update request"


def is_update(method: str, body: bytes) -> bool:
    """A SPARQL Update request (queries go form-encoded, graphs are read with GET)."""
    return method != "GET" and not body.startswith(b"query=")


@pytest.mark.parametrize("engine", ENGINES, indirect=True)
def test_killed_build_leaves_the_published_data_and_the_next_build_cleans_up(
    engine: Server, towns: dict[str, tuple[Path, int]], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    port = free_port()  # one store URL for all three builds: one state folder
    with RecordingProxy(engine.url, port=port) as plain:
        finish(build(environment(engine, plain, state), towns["new"][0]))
    before = published_count(engine)

    if isinstance(engine, VirtuosoServer):
        leftovers = kill_in_transaction(engine, towns["old"][0], state, port, before)
    else:
        leftovers = kill_in_load(engine, towns["old"][0], state, port)
    assert leftovers, "the killed build left its files behind"
    assert published_count(engine) == before

    with RecordingProxy(engine.url, port=port) as again:
        finish(build(environment(engine, again, state), towns["old"][0]))
    after = published_count(engine)
    assert after != before and after > towns["old"][1]
    assert not any(path.exists() for path in leftovers)


def kill_in_load(engine: Server, data: Path, state: Path, port: int) -> list[Path]:
    """Kill (SIGKILL) a build after it sent its one update request and before the engine
    fetched the new content from it: the engine's LOAD fails half-way."""
    with RecordingProxy(engine.url, hold=lambda body: b"LOAD" in body, port=port) as proxy:
        process = build(environment(engine, proxy, state), data)
        assert proxy.held.wait(600), "the build never sent its update request"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        proxy.release()
        assert proxy.held_answered.wait(600)
        leftovers = list(loads_folder(state).iterdir())
    assert proxy.held_status is not None and proxy.held_status >= 400, "the LOAD must fail"
    return leftovers


def kill_in_transaction(
    engine: VirtuosoServer, data: Path, state: Path, port: int, before: int
) -> list[Path]:
    """Kill (SIGKILL) a build while its SQL transaction runs: once a reader of one published
    row waits, i.e. the transaction has begun to delete the published data (repeatable read)."""
    with RecordingProxy(engine.url, port=port) as proxy:
        process = build(environment(engine, proxy, state), data)
        deadline = time.monotonic() + 600
        while not reader_waits(engine):
            assert process.poll() is None, "the build ended before its transaction was seen"
            assert time.monotonic() < deadline, "the build's transaction never started"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        leftovers = list(loads_folder(state).iterdir())
        # isql loses its stdin, ends without a commit, and Virtuoso rolls back; a reader
        # (repeatable read) waits for that
        assert published_count(engine) == before
    return leftovers


def reader_waits(engine: VirtuosoServer) -> bool:
    """Whether reading one quad waits (a writer's transaction holds it) longer than 0.5 s."""
    try:
        httpx.post(
            engine.query_url,
            data={"query": "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=0.5,
        ).raise_for_status()
    except httpx.TimeoutException:
        return True
    return False


@pytest.mark.parametrize("engine", ["oxigraph"], indirect=True)
def test_a_write_refused_for_its_size_says_what_was_too_large(
    engine: Server, towns: dict[str, tuple[Path, int]], tmp_path: Path
) -> None:
    # The build fits the chunk setting (16 MiB) but not a proxy's body limit (1 MiB).
    with RecordingProxy(engine.url, max_body=CHUNK) as proxy:
        env = environment(engine, proxy, tmp_path / "state")
        env["SOZIALGRAPH_REMOTE_CHUNK_BYTES"] = str(16 << 20)
        process = build(env, towns["old"][0])
        _, err = process.communicate(timeout=600)
    message = " ".join(err.decode(errors="replace").split())
    assert process.returncode == 2
    assert "Write request too large for the store" in message
    assert "refused a write request of" in message and "bytes as too large (413" in message
    assert "SOZIALGRAPH_REMOTE_CHUNK_BYTES" in message
    assert published_count(engine) == 0


@pytest.mark.skipif(not virtuoso_installed(), reason="Virtuoso is not installed")
def test_virtuoso_commits_each_operation_of_an_update(tmp_path: Path) -> None:
    """Why Virtuoso needs the SQL path (remote_sql): a failing LOAD does not undo a DROP."""
    with VirtuosoServer(tmp_path / "virtuoso") as server:
        update = {"Content-Type": "application/sparql-update"}
        httpx.post(
            server.update_url,
            content=b'INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> "o" } }',
            headers=update,
            timeout=60,
        ).raise_for_status()
        missing = f"http://127.0.0.1:{server.port}/no-such-file.nt"
        failed = httpx.post(
            server.update_url,
            content=f"DROP SILENT GRAPH <urn:x:g> ; LOAD <{missing}> INTO GRAPH <urn:x:h>".encode(),
            headers=update,
            timeout=60,
        )
        assert failed.status_code >= 400
        left = httpx.post(
            server.query_url,
            data={"query": "ASK { GRAPH <urn:x:g> { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        assert left.json()["boolean"] is False, "the DROP stayed although the request failed"
