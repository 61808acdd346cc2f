"""Chaos: a crowd of heavy clients against one server on 127.0.0.1 (issue 14, items 1, 7, 8).

100 heavy clients (20 addresses, each sending cartesian products and memory-hungry sorts) while
a light client asks ``ASK {}`` and loads an HTML page every 0.5 s: the light requests answer
within 1 s (p95) and never fail, every overload answer carries ``Retry-After``, and the whole
process tree stays under ``RSS_CAP``. Then ``kill -9`` of the web process leaves no process
behind within 2 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.example_data import make_example_store
from tests.support import live_server

pytestmark = pytest.mark.chaos

HEAVY_CLIENTS = 100
SECONDS = 20.0
WORKER_MEMORY = 256 << 20
#: web process (~150 MB) + 3 workers (2 public, 1 project) at the limit with the watch's overshoot
RSS_CAP = 1400 << 20
HEAVY = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    "SELECT ?a ?d ?g WHERE {?a ?b ?c . ?d ?e ?f . ?g ?h ?i} ORDER BY ?a ?d LIMIT 1",
]


def _tree(root: int) -> set[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = {root}, [root]
    while queue:
        for child in children.get(queue.pop(), []):
            if child not in found:
                found.add(child)
                queue.append(child)
    return found


def _rss(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf(
                "SC_PAGE_SIZE"
            )
    return total


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_light_requests_stay_fast_under_a_crowd_and_nothing_outlives_the_server(
    tmp_path: Path,
) -> None:
    store = make_example_store(tmp_path / "store")
    env = {
        "SOZIALGRAPH_QUERY_TIMEOUT": "5",
        "SOZIALGRAPH_WORKER_MEMORY": str(WORKER_MEMORY),
        "SOZIALGRAPH_ACCESS_LOG": "false",
    }
    with live_server(store, env=env) as server:
        light, overload, peak_rss = asyncio.run(_crowd(server.url, server.pid))
        # kill -9 of the web process while heavy queries run: its workers die with it
        processes = asyncio.run(_kill_while_busy(server.url, server.pid))
        server.process.wait(5)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and any(_running(pid) for pid in processes):
            time.sleep(0.05)
        left = [pid for pid in processes if _running(pid)]

    failed = [(what, status) for what, status, _ in light if status != 200]
    assert light, "no light request was answered at all"
    latencies = sorted(seconds for _, _, seconds in light)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"light: {len(light)} requests, p95 {p95:.3f} s, max {latencies[-1]:.3f} s; "
        f"overload answers: {len(overload)}; peak RSS of the tree: {peak_rss >> 20} MB"
    )
    assert not failed, failed
    assert p95 < 1.0
    assert overload, "the crowd was never turned away: no back-pressure"
    assert all(retry is not None for _, retry in overload), "an overload answer lacks Retry-After"
    assert peak_rss < RSS_CAP, f"the process tree grew to {peak_rss >> 20} MB"
    assert not left, f"processes left behind after kill -9: {left}"


async def _crowd(url: str, root: int) -> tuple[list[tuple[str, int, float]], list, int]:
    stop = time.monotonic() + SECONDS
    light: list[tuple[str, int, float]] = []
    overload: list[tuple[int, str | None]] = []
    peak = 0

    async def heavy(n: int) -> None:
        address = f"127.0.1.{n % 20 + 1}"
        transport = httpx.AsyncHTTPTransport(local_address=address)
        async with httpx.AsyncClient(transport=transport, timeout=30) as client:
            while time.monotonic() < stop:
                query = HEAVY[n % len(HEAVY)]
                try:
                    response = await client.get(url + "/sparql", params={"query": query})
                except httpx.HTTPError:
                    continue
                if response.status_code in (429, 503) and "Retry-After" in response.headers:
                    overload.append((response.status_code, response.headers["Retry-After"]))
                    await asyncio.sleep(0.5)
                elif response.status_code == 429 or "overloaded" in response.text:
                    overload.append((response.status_code, None))
                    await asyncio.sleep(0.5)

    async def light_client() -> None:
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
        async with httpx.AsyncClient(transport=transport, timeout=30) as client:
            while time.monotonic() < stop:
                for what, path, params, accept in (
                    ("ask", "/sparql", {"query": "ASK {}"}, "application/sparql-results+json"),
                    ("page", "/", {}, "text/html"),
                ):
                    started = time.monotonic()
                    try:
                        response = await client.get(
                            url + path, params=params, headers={"Accept": accept}
                        )
                        status = response.status_code
                    except httpx.HTTPError:
                        status = 0
                    light.append((what, status, time.monotonic() - started))
                await asyncio.sleep(0.5)

    async def watch_memory() -> None:
        nonlocal peak
        while time.monotonic() < stop:
            peak = max(peak, _rss(_tree(root)))
            await asyncio.sleep(0.1)

    await asyncio.gather(*(heavy(n) for n in range(HEAVY_CLIENTS)), light_client(), watch_memory())
    return light, overload, peak


async def _kill_while_busy(url: str, pid: int) -> set[int]:
    async with httpx.AsyncClient(timeout=30) as client:
        running = [
            asyncio.ensure_future(client.get(url + "/sparql", params={"query": HEAVY[0]}))
            for _ in range(2)
        ]
        await asyncio.sleep(1.0)
        processes = _tree(pid) - {pid}
        os.kill(pid, signal.SIGKILL)
        await asyncio.gather(*running, return_exceptions=True)
    return processes
