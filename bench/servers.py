"""The servers compared side by side, all on 127.0.0.1 and the same data:
sozialgraph (``sozialgraph serve``), a raw Oxigraph server (``oxigraph serve-read-only``) and
rdflib-endpoint (the common Python alternative)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.support import free_port


def _wait(url: str, process: subprocess.Popen[bytes], log: Path, startup: float = 600) -> None:
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: exited\n{log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not start")


@contextlib.contextmanager
def _process(
    command: list[str], url: str, log: Path, env: dict[str, str] | None = None
) -> Iterator[str]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    try:
        _wait(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def sozialgraph(store: Path, work: Path, workers: int = 2) -> Iterator[str]:
    port = free_port()
    env = {
        "SOZIALGRAPH_STORE": str(store),
        "SOZIALGRAPH_BASE_IRI": "https://example.org/",
        "SOZIALGRAPH_QUERY_WORKERS": str(workers),
        # Oxigraph server and rdflib-endpoint log no requests either.
        "SOZIALGRAPH_ACCESS_LOG": "false",
        # The load generator is one client address with many connections: the per-client share
        # and the queue that protect a public endpoint (docs/operations.md) would measure
        # themselves; Oxigraph server and rdflib-endpoint have neither.
        "SOZIALGRAPH_QUERIES_PER_CLIENT": "10000",
        "SOZIALGRAPH_QUERY_QUEUE": "10000",
    }
    command = [
        sys.executable,
        "-m",
        "sozialgraph.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with _process(
        command, f"http://127.0.0.1:{port}/sparql", work / f"sozialgraph-{port}.log", env
    ) as url:
        yield url.removesuffix("/sparql")


@contextlib.contextmanager
def oxigraph(store_copy: Path, work: Path) -> Iterator[str]:
    port = free_port()
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    command = [
        binary,
        "serve-read-only",
        "--location",
        str(store_copy),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]
    with _process(command, f"http://127.0.0.1:{port}/query", work / f"oxigraph-{port}.log") as url:
        yield url


RDFLIB_ENDPOINT = """
import sys, uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
dataset = Dataset(default_union=True)
dataset.parse(sys.argv[1], format="nquads")
app = SparqlEndpoint(graph=dataset, public_url=f"http://127.0.0.1:{sys.argv[2]}/")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


@contextlib.contextmanager
def rdflib_endpoint(nquads: Path, work: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-c", RDFLIB_ENDPOINT, str(nquads), str(port)]
    with _process(
        command, f"http://127.0.0.1:{port}/", work / f"rdflib-endpoint-{port}.log"
    ) as url:
        yield url.rstrip("/")
