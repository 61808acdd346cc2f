"""How far a Python server can go with never-seen `/sparql` lookups: two bare servers beside
`sozialgraph serve --workers 2` and Oxigraph server, in the same run, with the same wrk client and
requests as `bench/scale.py` (c=8, a fresh `LIMIT` per request, the 1M store of that benchmark).

- **floor**: uvloop and httptools, the guard's regular expression (`querying.inline`),
  pyoxigraph's query and JSON, one write of three headers. Nothing else.
- **floor with duties**: the same plus what sozialgraph must do for every new lookup: the store
  version (`store.version_file`), the memo of requests, the whole guard, the cache key and ETag,
  the result cache, every header sozialgraph sends, a keep-alive timer.
- **sozialgraph** `serve --workers 2`, as it runs.

Each bare server runs two processes on one port (`SO_REUSEPORT`), as `--workers 2` does. With
`--before SRC`, each round also measures sozialgraph from another source folder (e.g. a
`git worktree` of an earlier commit): a change compared with the code before it in the same run.

    python -m bench.lookup_floor                     # 3 rounds of 8 s each
    python -m bench.lookup_floor --rounds 1 --seconds 4
    git worktree add ../before HEAD~1 && python -m bench.lookup_floor --before ../before/src
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import scale
from bench.run import UNIQUE_LIMIT, load, lookup_paths, walk
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[1]
JSON = "application/sparql-results+json"


def serve(checkpoint: str, port: int, processes: int, duties: bool, version_file: str) -> None:
    """A bare lookup server on 127.0.0.1:``port`` (``processes`` processes)."""
    import httptools
    import pyoxigraph as ox
    import uvloop

    from sozialgraph.querying.guard import check_query
    from sozialgraph.querying.inline import small_lookup
    from sozialgraph.querying.result_cache import ResultCache, cache_key, etag_for
    from sozialgraph.store.version_file import VersionFile
    from sozialgraph.web.sparql_fast import _unquote_plus

    store = ox.Store.read_only(checkpoint)
    version = VersionFile(Path(version_file).parent, writable=False)
    json_results = ox.QueryResultsFormat.JSON
    results = ResultCache()
    memo: dict[tuple[bytes, bytes, bytes], tuple[str, bytes, str]] = {}
    headers_after_etag = (
        b"\r\nvary: Accept\r\ncache-control: no-cache\r\ncontent-length: %d\r\n"
        b"x-content-type-options: nosniff\r\nreferrer-policy: strict-origin-when-cross-origin\r\n"
        b"sozialgraph-version: 1\r\nsozialgraph-process: 1\r\n\r\n"
    )

    def bare(target: bytes) -> bytes:
        query = _unquote_plus(target.partition(b"?query=")[2].decode("latin-1")) or "ASK {}"
        small_lookup(query)  # the guard's cost; answered in any case
        body = store.query(query, use_default_graph_as_union=True).serialize(format=json_results)
        return b"HTTP/1.1 200 OK\r\ncontent-type: %s\r\ncontent-length: %d\r\n\r\n%s" % (
            JSON.encode(),
            len(body),
            body,
        )

    def with_duties(target: bytes, accept: bytes, host: bytes) -> bytes:
        version.read()  # as EmbeddedStore.version
        known = memo.get((target, accept, host))
        if known is None:
            query = _unquote_plus(target.partition(b"?query=")[2].decode("latin-1")) or "ASK {}"
            guarded = check_query(query)
            base = "http://" + host.decode("latin-1") + "/sparql"
            key = cache_key("1", guarded.text, JSON, [], [], base)
            known = (key, etag_for(key).encode(), guarded.text)
            if len(memo) >= 4096:
                memo.clear()
            memo[(target, accept, host)] = known
        body = results.get(known[0])
        if body is None:
            body = store.query(known[2], use_default_graph_as_union=True).serialize(
                format=json_results
            )
            results.put(known[0], body)
        return (
            b"HTTP/1.1 200 OK\r\ndate: Sun, 06 Dec 2026 08:00:00 GMT\r\nserver: uvicorn\r\n"
            b"content-type: application/sparql-results+json; charset=utf-8\r\netag: "
            + known[1]
            + headers_after_etag % len(body)
            + body
        )

    class Lookups(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport
            self.parser = httptools.HttpRequestParser(self)
            self.loop = asyncio.get_running_loop()
            self.timer = self.loop.call_later(5, transport.close) if duties else None
            self.target = b""
            self.fields: list[tuple[bytes, bytes]] = []

        def data_received(self, data: bytes) -> None:
            self.parser.feed_data(data)

        def on_message_begin(self) -> None:
            self.target = b""
            self.fields = []

        def on_url(self, url: bytes) -> None:
            self.target += url

        def on_header(self, name: bytes, value: bytes) -> None:
            self.fields.append((name.lower(), value))

        def on_message_complete(self) -> None:
            if not duties:
                self.transport.write(bare(self.target))
                return
            if self.timer is not None:
                self.timer.cancel()
            accept = host = b""
            for name, value in self.fields:
                if name == b"accept":
                    accept = value
                elif name == b"host":
                    host = value
            self.transport.write(with_duties(self.target, accept, host))
            self.timer = self.loop.call_later(5, self.transport.close)

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    children = []
    for _ in range(processes - 1):
        child = os.fork()
        if child == 0:
            children = []
            break
        children.append(child)

    def stop(*_: object) -> None:  # the benchmark stops the first process: it stops the others
        for child in children:
            os.kill(child, signal.SIGTERM)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)

    async def run() -> None:
        server = await asyncio.get_running_loop().create_server(Lookups, sock=listener)
        await server.serve_forever()

    uvloop.run(run())


def measure(name: str, base: str, path: str, pid: int, measures: list[str], seconds: float) -> str:
    paths = lookup_paths(path, measures)
    walk(base, paths, JSON)
    scale.settle(pid)
    cpu = scale.tree_cpu_seconds(pid)
    work = ROOT / "bench" / "scratch"
    found = load(base, paths, JSON, 8, seconds, work, UNIQUE_LIMIT)
    cpu = scale.tree_cpu_seconds(pid) - cpu
    requests = max(1, found.requests + found.errors)
    return (
        f"| {name} | {found.throughput:,.0f} | {cpu / requests * 1e6:.0f} | {found.errors} "
        f"| {os.getloadavg()[0]:.1f} |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=ROOT / "bench/scratch/scale-1000000/store")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--before", type=Path, help="another source folder to measure too")
    parser.add_argument("--serve", nargs=5, help=argparse.SUPPRESS)  # a bare server, in a child
    args = parser.parse_args(argv)
    if args.serve:
        checkpoint, port, processes, duties, version_file = args.serve
        serve(checkpoint, int(port), int(processes), duties == "duties", version_file)
        return
    from sozialgraph.store.embedded import EmbeddedStore

    measures, triples, _ = scale.stored_sample(args.store)
    work = ROOT / "bench" / "scratch" / "lookup-floor"
    work.mkdir(parents=True, exist_ok=True)
    copy = work / "oxigraph-copy"
    shutil.rmtree(copy, ignore_errors=True)
    checkpoint = EmbeddedStore(args.store).checkpoint()
    assert checkpoint is not None
    shutil.copytree(checkpoint, copy)
    print(f"Never-seen lookups at c=8 on {triples:,} triples ({args.seconds:g} s each)\n")
    print("| server | rps | CPU µs/request | errors | load |\n|---|---:|---:|---:|---:|")
    tuned = {"GLIBC_TUNABLES": "glibc.malloc.tcache_count=100"}  # as `serve` runs
    for _ in range(args.rounds):
        with scale.oxigraph_server(copy, work) as (endpoint, pid):
            base, path = endpoint.rsplit("/", 1)
            print(measure("Oxigraph server", base, "/" + path, pid, measures, args.seconds))
        for variant in ("bare", "duties"):
            port = free_port()
            command = [sys.executable, "-m", "bench.lookup_floor", "--serve", str(copy)]
            command += [str(port), "2", variant, str(args.store / "VERSION")]
            url = f"http://127.0.0.1:{port}/sparql"
            with scale.process(command, url, work / f"{variant}-{port}.log", tuned) as (_, pid):
                name = "floor" if variant == "bare" else "floor with duties"
                print(
                    measure(
                        name, url.removesuffix("/sparql"), "/sparql", pid, measures, args.seconds
                    )
                )
        sources = [(f"sozialgraph {args.before}", str(args.before))] if args.before else []
        for name, source in [*sources, ("sozialgraph", None)]:
            with _source(source), scale.sozialgraph_server(args.store, work, 2, True) as (url, pid):
                line = measure(
                    f"{name} --workers 2",
                    url.removesuffix("/sparql"),
                    "/sparql",
                    pid,
                    measures,
                    args.seconds,
                )
                print(line, flush=True)


@contextlib.contextmanager
def _source(folder: str | None) -> Iterator[None]:
    """Servers started inside import sozialgraph from ``folder`` (None: this tree)."""
    if folder is None:
        yield
        return
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = folder
    try:
        yield
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before


if __name__ == "__main__":
    main()
