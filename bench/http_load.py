"""A small closed-loop HTTP load generator: N concurrent clients, each sending the next request
as soon as the previous answer arrived, for a fixed time. Same client for every server."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    fixed: tuple[float, float, float] | None = None  # throughput, median, p99 as wrk reports them

    @property
    def throughput(self) -> float:
        if self.fixed:
            return self.fixed[0]
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def median_ms(self) -> float:
        if self.fixed:
            return self.fixed[1]
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p99_ms(self) -> float:
        if self.fixed:
            return self.fixed[2]
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def _run(
    make_request: Callable[[int], httpx.Request], concurrency: int, seconds: float
) -> LoadResult:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    errors = 0
    counter = 0
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                counter += 1
                request = make_request(counter)
                started = time.perf_counter()
                try:
                    response = await client.send(request)
                    await response.aread()
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return LoadResult(len(latencies), errors, elapsed, latencies)


def measure(
    make_request: Callable[[int], httpx.Request], concurrency: int, seconds: float
) -> LoadResult:
    """Warm up for a second, then measure for ``seconds``."""
    asyncio.run(_run(make_request, concurrency, 1.0))
    return asyncio.run(_run(make_request, concurrency, seconds))


WRK_SCRIPT = """
-- Each thread walks the paths with its own offset. With WRK_UNIQUE set, every request gets that
-- suffix and a number never sent before (run nonce, thread, counter): no two requests are alike.
local created = 0
function setup(thread)
  created = created + 1
  thread:set("id", created)
end
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local unique = os.getenv("WRK_UNIQUE")
local nonce = os.getenv("WRK_NONCE") or "0"
local counter = 0
request = function()
  counter = counter + 1
  local path = paths[((counter + (id or 0) * 7919) % #paths) + 1]
  if unique then path = path .. unique .. nonce .. (id or 0) .. "0" .. counter end
  return wrk.format("GET", path, {["Accept"] = os.getenv("WRK_ACCEPT")})
end
"""


def measure_wrk(
    base: str,
    paths: list[str],
    accept: str,
    concurrency: int,
    seconds: float,
    work: Path,
    unique: str | None = None,
) -> LoadResult | None:
    """The same closed loop with wrk (a C load generator), when it is installed. ``unique``: a
    query-string suffix that, followed by a fresh number, makes every request different."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    script = work / "wrk-paths.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    listing = work / "wrk-paths.txt"
    listing.write_text("\n".join(paths), encoding="utf-8")
    env = {**os.environ, "WRK_PATHS": str(listing), "WRK_ACCEPT": accept}
    if unique is not None:
        env["WRK_UNIQUE"] = unique
    threads = str(min(concurrency, 2))
    subprocess.run(
        [wrk, "-t1", "-c", str(concurrency), "-d", "1s", "-s", str(script), base],
        env={**env, "WRK_NONCE": "1"},
        capture_output=True,
        check=False,
    )
    done = subprocess.run(
        [
            wrk,
            "-t",
            threads,
            "-c",
            str(concurrency),
            "-d",
            f"{max(1, round(seconds))}s",
            "--latency",
            "-s",
            str(script),
            base,
        ],
        env={**env, "WRK_NONCE": "2"},
        capture_output=True,
        text=True,
        check=False,
    )
    text = done.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in ([\d.]+)(m?s)", text)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    if not rate or not total:
        raise RuntimeError(f"wrk gave no result:\n{text}\n{done.stderr}")
    latencies = {
        m.group(1): _ms(m.group(2), m.group(3))
        for m in re.finditer(r"\s(50|99)%\s+([\d.]+)(us|ms|s)", text)
    }
    count = int(total.group(1))
    elapsed = float(total.group(2)) / (1000 if total.group(3) == "ms" else 1)
    failed = int(errors.group(1)) if errors else 0
    if socket_errors:
        failed += sum(int(g) for g in socket_errors.groups())
    fixed = (
        float(rate.group(1)),
        latencies.get("50", float("nan")),
        latencies.get("99", float("nan")),
    )
    return LoadResult(count - failed, failed, elapsed, [], fixed)


def _ms(value: str, unit: str) -> float:
    return float(value) / 1000 if unit == "us" else float(value) * (1000 if unit == "s" else 1)
