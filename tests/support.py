"""Helpers for tests that need a real server: free ports, a `sozialgraph serve` subprocess."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None


#: Which store the servers of the integration tests use: "embedded" (pyoxigraph on disk),
#: "oxigraph" (a real Oxigraph server, loaded with the same data; sozialgraph as its client) or
#: "virtuoso" (a real Virtuoso 7, the same way; docs/remote-store.md).
BACKEND = os.environ.get("SOZIALGRAPH_TEST_BACKEND", "embedded")
#: Whether sozialgraph serves from a remote SPARQL server (tests that need the embedded store's
#: own caches or workers skip on it).
REMOTE_BACKEND = BACKEND in ("oxigraph", "virtuoso")


@contextlib.contextmanager
def live_server(
    store: Path | str, *, env: dict[str, str] | None = None, startup: float = 60.0
) -> Iterator[LiveServer]:
    """Run ``sozialgraph serve`` on ``store`` (an embedded store directory or a URL).

    With ``SOZIALGRAPH_TEST_BACKEND=oxigraph`` an embedded store is copied into a real Oxigraph
    server first, and sozialgraph serves from that server: the same tests then run against both
    kinds of store.
    """
    if BACKEND not in ("oxigraph", "virtuoso") or str(store).startswith(("http://", "https://")):
        with _sozialgraph_server(store, env=env, startup=startup) as server:
            yield server
        return
    from tests.oxigraph_server import OxigraphServer

    location = Path(str(store).rstrip("/") + f"-{BACKEND}")
    # Oxigraph's own time limit too, so a query the client gave up on stops on the server as well
    timeout = float(
        (env or {}).get(
            "SOZIALGRAPH_QUERY_TIMEOUT", os.environ.get("SOZIALGRAPH_QUERY_TIMEOUT", "30")
        )
    )
    if BACKEND == "virtuoso":
        from tests.virtuoso_server import VirtuosoServer

        with VirtuosoServer(location, timeout_s=max(1, round(timeout))) as virtuoso:
            _load_graphs_into(Path(store), virtuoso.store_url)
            urls = {**virtuoso.env(), **(env or {})}
            with _sozialgraph_server(virtuoso.query_url, env=urls, startup=startup) as server:
                yield server
        return
    with OxigraphServer(location, timeout_s=timeout) as oxigraph:
        _load_into(Path(store), oxigraph.store_url)
        with _sozialgraph_server(oxigraph.query_url, env=env, startup=startup) as server:
            yield server


def _load_into(store: Path, graph_store_url: str) -> None:
    import io

    import pyoxigraph as ox

    from sozialgraph.store.embedded import EmbeddedStore

    embedded = EmbeddedStore(store)
    buffer = io.BytesIO()
    ox.serialize(embedded.quads(), buffer, format=ox.RdfFormat.N_QUADS)
    embedded.close()
    response = httpx.post(
        graph_store_url,
        content=buffer.getvalue(),
        headers={"Content-Type": "application/n-quads"},
        timeout=120,
    )
    response.raise_for_status()


def _load_graphs_into(store: Path, graph_store_url: str) -> None:
    """Graph by graph (Graph Store PUT of N-Triples): Virtuoso's Graph Store takes no N-Quads."""
    import io

    import pyoxigraph as ox

    from sozialgraph.store.embedded import EmbeddedStore

    embedded = EmbeddedStore(store)
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in embedded.quads():
        graphs.setdefault(str(quad.graph_name.value), []).append(quad.triple)  # type: ignore[union-attr]
    embedded.close()
    for graph, triples in graphs.items():
        buffer = io.BytesIO()
        ox.serialize(triples, buffer, format=ox.RdfFormat.N_TRIPLES)
        response = httpx.put(
            graph_store_url,
            params={"graph": graph},
            content=buffer.getvalue(),
            headers={"Content-Type": "text/turtle"},
            timeout=120,
        )
        response.raise_for_status()


@contextlib.contextmanager
def _sozialgraph_server(
    store: Path | str, *, env: dict[str, str] | None = None, startup: float = 60.0
) -> Iterator[LiveServer]:
    """``sozialgraph serve`` on 127.0.0.1 on a free port, stopped afterwards."""
    port = free_port()
    log = (
        Path(str(store).rstrip("/") + f"-server-{port}.log")
        if not str(store).startswith("http")
        else Path(tempfile.gettempdir()) / f"sozialgraph-server-{port}.log"
    )
    environment = {**os.environ, "SOZIALGRAPH_STORE": str(store), **(env or {})}
    state = None
    if str(store).startswith("http") and "XDG_DATA_HOME" not in (env or {}):
        # A remote store's state folder (history, versions, search index) is named after its URL
        # (Settings.state_dir): a later server on a reused port would inherit this one's.
        state = tempfile.mkdtemp(prefix="sozialgraph-state-")
        environment["XDG_DATA_HOME"] = state
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sozialgraph.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_ready(server, startup)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if state is not None:
            shutil.rmtree(state, ignore_errors=True)


def _wait_until_ready(server: LiveServer, startup: float) -> None:
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(
                f"server exited early:\n{server.log.read_text(errors='replace')[-3000:]}"
            )
        try:
            response = httpx.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=2)
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not start:\n{server.log.read_text(errors='replace')[-3000:]}")
