"""CPU per `/sparql` lookup in the web process itself, without a network or a load generator:
the HTTP layer (`web/http_limits.py`) and the app on a real store, fed request bytes in one
process. On a shared machine this is steadier than requests a second, and it compares the
variants that the throughput benchmark (`bench/scale.py`) measures only as a whole:

- ready answers (the HTTP layer writes the fast path's answer) against the ASGI round;
- glibc's default cache of freed blocks (7 a size) against `SOZIALGRAPH_MALLOC_TCACHE`'s.

    python -m bench.http_cpu                        # the 1M store of bench/scale.py
    python -m bench.http_cpu --store PATH --requests 5000 --rounds 3

Each variant runs in its own process (the allocator's setting is read at start), alternately.
The event loop takes a turn after every request, as a server's does between two reads (without
it, cancelled timers would pile up and the garbage collector's passes grow with them).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parents[1]
TITLE = "http://purl.org/dc/terms/title"
VARIANTS = {
    "ready answers, tcache 100": (True, "glibc.malloc.tcache_count=100"),
    "ready answers, glibc default": (True, ""),
    "ASGI round, tcache 100": (False, "glibc.malloc.tcache_count=100"),
    "ASGI round, glibc default": (False, ""),
}


class _Transport:
    """What the protocol writes to, kept in memory."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def _requests(measures: list[str], count: int) -> list[bytes]:
    """Lookups of one measure's title, each with a LIMIT never asked before."""
    found = []
    for number in range(count):
        query = f"SELECT ?title WHERE {{ <{measures[number % len(measures)]}> <{TITLE}> ?title }}"
        query += f" LIMIT {time.time_ns() % 10**9}{number}"
        found.append(
            f"GET /sparql?query={quote_plus(query)} HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
            "Accept: application/sparql-results+json\r\n\r\n".encode()
        )
    return found


@contextlib.asynccontextmanager
async def serving(store: str, ready: bool) -> AsyncIterator[tuple[Any, _Transport, list[str]]]:
    """The HTTP layer's protocol on one connection to the started app on ``store``, the
    transport it writes to, and up to 2,000 measures of the store to ask for."""
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from sozialgraph.config import Settings
    from sozialgraph.web.app import create_app
    from sozialgraph.web.http_limits import protocol_class
    from sozialgraph.web.server import http_limits

    settings = Settings(
        store=store, base_iri="https://example.org/", search_index=False, ready_answers=ready
    )
    app = create_app(settings)
    limits = http_limits(settings)
    config = Config(app, http=protocol_class(limits), log_config=None, access_log=False)
    config.load()
    async with app.router.lifespan_context(app):  # type: ignore[attr-defined]
        rows = app.state.store.query(f"SELECT DISTINCT ?m WHERE {{ ?m <{TITLE}> ?t }} LIMIT 2000")
        measures = [row["m"].value for row in rows]
        protocol = protocol_class(limits)(config, ServerState(), {})
        transport = _Transport()
        protocol.connection_made(transport)  # type: ignore[arg-type]
        yield protocol, transport, measures


async def answer_all(protocol: Any, transport: _Transport, requests: list[bytes]) -> None:
    """Feed ``requests`` one after another, each answered before the next; all must be 200."""
    for request in requests:
        before = len(transport.written)
        protocol.data_received(request)
        await asyncio.sleep(0)  # one turn of the loop, as a server takes between reads
        while len(transport.written) == before or not protocol.cycle.response_complete:
            await asyncio.sleep(0)
    if b" 200 OK" not in transport.written[-1] + transport.written[-2]:
        raise RuntimeError(transport.written[-2:])
    transport.written.clear()


async def _measure(store: str, ready: bool, count: int) -> dict[str, float]:
    async with serving(store, ready) as (protocol, transport, measures):
        gc.collect()
        gc.freeze()
        result = {}
        fresh = _requests(measures, count)
        for label, requests in (
            ("warm-up", _requests(measures, count)),
            ("never seen", fresh),
            ("cached", fresh),  # the same requests again: answered from the result cache
        ):
            started = time.process_time()
            await answer_all(protocol, transport, requests)
            result[label] = (time.process_time() - started) / count * 1e6
        return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = ROOT / "bench" / "scratch" / "scale-1000000" / "store"
    parser.add_argument("--store", type=Path, default=default)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # one measurement, in a child
    args = parser.parse_args(argv)
    if args.variant:
        import uvloop

        ready = VARIANTS[args.variant][0]
        print(json.dumps(uvloop.run(_measure(str(args.store), ready, args.requests))))
        return
    print(f"{args.store}, {args.requests} requests, load {os.getloadavg()[0]:.1f}")
    print("CPU µs per request (this process only):")
    for round_ in range(args.rounds):
        for name, (_, tunable) in VARIANTS.items():
            env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
            if tunable:
                env["GLIBC_TUNABLES"] = tunable
            command = [sys.executable, "-m", "bench.http_cpu", "--store", str(args.store)]
            command += ["--requests", str(args.requests), "--variant", name]
            done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
            if done.returncode:
                raise RuntimeError(done.stderr[-3000:])
            found = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"  round {round_ + 1}  {name:30s} never seen {found['never seen']:6.1f}  "
                f"cached {found['cached']:6.1f}  (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
