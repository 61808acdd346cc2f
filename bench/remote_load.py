"""A large build into a remote store: time and the largest request (issue 20).

    python -m bench.remote_load --triples 1000000 --engines oxigraph,virtuoso,virtuoso-sql

Generated towns (``bench/generate.py``, one Turtle file per graph) are built with
``sozialgraph build --data`` into an Oxigraph server (and a Virtuoso, if installed) through a
recording proxy on 127.0.0.1, which notes the size of every request sozialgraph sends. Prints
one JSON line per engine: triples, seconds, largest request, requests, the server's answer.

``virtuoso`` times the pulled load alone — one update request of ``LOAD <file> INTO GRAPH <g>``
operations, the files served from this process, sent directly without sozialgraph's validation
and reads (``"raw": true``): not atomic on Virtuoso. ``virtuoso-sql`` is the atomic build there:
``sozialgraph build`` with ``SOZIALGRAPH_VIRTUOSO_SQL`` (one SQL transaction through the SQL
port; the server at repeatable read, ``TransactionAfterImageLimit`` raised for 1M triples).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from bench.generate import generate, municipalities_for


def write_towns(folder: Path, triples: int, seed: int = 7) -> int:
    """About ``triples`` generated triples as one Turtle file per graph; returns the count."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    current: str | None = None
    batch: list[ox.Triple] = []

    def flush() -> None:
        if current is not None and batch:
            name = current.rstrip("/").rsplit("/", 1)[-1]
            with (folder / f"{name}.ttl").open("wb") as handle:
                ox.serialize(batch, handle, format=ox.RdfFormat.TURTLE)

    for quad in generate(municipalities_for(triples), seed=seed):
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else "default"
        if graph != current:
            flush()
            current, batch = graph, []
        batch.append(quad.triple)
        count += 1
    flush()
    return count


def build_command(data: Path) -> list[str]:
    return [sys.executable, "-m", "sozialgraph.cli", "build", "--data", str(data)]


def run_build(env: dict[str, str], data: Path) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(
        build_command(data), env={**os.environ, **env}, capture_output=True, text=True
    )
    return time.perf_counter() - started, done.returncode, (done.stderr or "")[-400:]


def raw_pulled_load(update_url: str, data: Path) -> tuple[float, int]:
    """The Turtle files of ``data`` pulled by the server in one update request (no validation)."""
    import httpx

    from sozialgraph.store.remote_load import load_update, served_files

    files = {f"https://example.org/graph/data/{path.stem}": path for path in data.glob("*.ttl")}
    started = time.perf_counter()
    with served_files("127.0.0.1", files) as urls:
        body = load_update((), urls, "", "").rstrip(" ;\n").encode()
        response = httpx.post(
            update_url,
            content=body,
            headers={"Content-Type": "application/sparql-update"},
            timeout=3600,
        )
    response.raise_for_status()
    return time.perf_counter() - started, len(body)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.oxigraph_server import OxigraphServer
    from tests.recording_proxy import RecordingProxy
    from tests.virtuoso_server import VirtuosoServer, virtuoso_installed

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--engines", default="oxigraph,virtuoso")
    parser.add_argument("--chunk-bytes", type=int, default=16 << 20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="remote-load-") as work_dir:
        work = Path(work_dir)
        count = write_towns(work / "data", args.triples)
        for engine in args.engines.split(","):
            if engine.startswith("virtuoso") and not virtuoso_installed():
                print(json.dumps({"engine": engine, "skipped": "not installed"}))
                continue
            if engine == "virtuoso":
                with VirtuosoServer(work / engine, timeout_s=3600) as virtuoso:
                    seconds, size = raw_pulled_load(virtuoso.update_url, work / "data")
                print(
                    json.dumps(
                        {
                            "engine": engine,
                            "raw": True,
                            "triples": count,
                            "seconds": round(seconds, 1),
                            "largest_request_bytes": size,
                        }
                    ),
                    flush=True,
                )
                continue
            server = (
                OxigraphServer(work / engine)
                if engine == "oxigraph"
                else VirtuosoServer(
                    work / engine, timeout_s=3600, isolation=4, after_image_limit=2_000_000_000
                )
            )
            with server, RecordingProxy(server.url) as proxy:
                env = {
                    "SOZIALGRAPH_STORE": proxy.url + server.query_url.removeprefix(server.url),
                    "SOZIALGRAPH_UPDATE_URL": proxy.url
                    + server.update_url.removeprefix(server.url),
                    "SOZIALGRAPH_GRAPH_STORE_URL": proxy.url
                    + server.store_url.removeprefix(server.url),
                    "SOZIALGRAPH_REMOTE_CHUNK_BYTES": str(args.chunk_bytes),
                    "SOZIALGRAPH_BASE_IRI": "https://example.org/",
                    "XDG_DATA_HOME": str(work / "state"),
                    **(server.sql_env() if isinstance(server, VirtuosoServer) else {}),
                }
                seconds, code, tail = run_build(env, work / "data")
                print(
                    json.dumps(
                        {
                            "engine": engine,
                            "triples": count,
                            "seconds": round(seconds, 1),
                            "exit": code,
                            "largest_request_bytes": proxy.largest(),
                            "requests": len(proxy.requests),
                            "switch_seconds": round(
                                max(
                                    (r.seconds for r in proxy.requests if b"LOAD" in r.body_start),
                                    default=0.0,
                                ),
                                1,
                            ),
                            "message": tail if code else "",
                        }
                    ),
                    flush=True,
                )


if __name__ == "__main__":
    main()
