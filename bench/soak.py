"""Soak: a mixed load against a running server for N minutes, one report line a minute.

    python -m bench.soak --url http://127.0.0.1:8000 --minutes 10 --clients 16 [--pid PID]

Each client loops over cached and fresh SPARQL queries, the API, pages and linked data. Every
minute: requests, errors (status >= 500 or a transport error; 4xx are counted apart), p50/p99
in ms and, with ``--pid``, the resident memory of that process and its children (MB). Not run
in CI; run it briefly to check it works, for real against a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REQUESTS: list[tuple[str, dict[str, str], dict[str, str]]] = [
    ("/sparql", {"query": "ASK {}"}, {"Accept": "application/sparql-results+json"}),
    (
        "/sparql",
        {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        {"Accept": "application/sparql-results+json"},
    ),
    ("/sparql", {"query": "SELECT ?s WHERE { ?s a ?t } LIMIT 50", "format": "html"}, {}),
    ("/api/strategies", {}, {"Accept": "application/json"}),
    ("/", {}, {"Accept": "text/html"}),
    ("/catalog", {}, {"Accept": "text/html"}),
    ("/ontology", {}, {"Accept": "text/turtle"}),
]


@dataclass
class Minute:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    client_errors: int = 0


def fresh(path: str, params: dict[str, str]) -> dict[str, str]:
    """Every tenth SPARQL query is new (a LIMIT the cache has not seen)."""
    if path == "/sparql" and "LIMIT" in params.get("query", "") and random.random() < 0.1:
        return {**params, "query": params["query"].replace("50", str(random.randint(1, 10**6)))}
    return params


async def client(base: str, stop: float, minutes: list[Minute], started: float) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        while (now := time.monotonic()) < stop:
            path, params, headers = random.choice(REQUESTS)
            minute = minutes[min(int((now - started) // 60), len(minutes) - 1)]
            began = time.monotonic()
            try:
                response = await http.get(path, params=fresh(path, params), headers=headers)
                status = response.status_code
            except httpx.HTTPError:
                status = 599
            minute.latencies.append((time.monotonic() - began) * 1000)
            if status >= 500:
                minute.errors += 1
            elif status >= 400:
                minute.client_errors += 1


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (Linux /proc)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for each in pids:
        status = Path(f"/proc/{each}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


async def reporter(stop: float, minutes: list[Minute], started: float, pid: int | None) -> None:
    for number, minute in enumerate(minutes):
        await asyncio.sleep(max(0.0, min(started + 60 * (number + 1), stop) - time.monotonic()))
        latencies = sorted(minute.latencies) or [0.0]
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        memory = f" rss={tree_rss_mb(pid):.0f}MB" if pid else ""
        print(
            f"minute {number + 1}: requests={len(minute.latencies)} errors={minute.errors} "
            f"4xx={minute.client_errors} p50={statistics.median(latencies):.1f}ms "
            f"p99={p99:.1f}ms{memory}",
            flush=True,
        )


async def soak(base: str, minutes: float, clients: int, pid: int | None) -> int:
    started = time.monotonic()
    stop = started + 60 * minutes
    buckets = [Minute() for _ in range(max(1, int(-(-minutes // 1))))]
    await asyncio.gather(
        reporter(stop, buckets, started, pid),
        *(client(base, stop, buckets, started) for _ in range(clients)),
    )
    return sum(b.errors for b in buckets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--pid", type=int, default=None, help="server process for memory")
    arguments = parser.parse_args()
    errors = asyncio.run(soak(arguments.url, arguments.minutes, arguments.clients, arguments.pid))
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
