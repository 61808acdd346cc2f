"""The cockpit pages (issue 16) on generated municipalities: p50/p95 of each page for one town,
and of the matrix of all towns, page by page.

For each size the generated towns (``bench/generate.py``) are written into a new embedded store,
``sozialgraph serve`` runs on it (``bench/servers.py``) and one client asks each page in turn
(``bench/http_load.py``, one connection: a person's view, not throughput). The first answer of
each page is reported apart (it fills the caches of the store version); the percentiles are of the
answers after it. Pages the server does not have (404) are skipped and listed as missing.

Before measuring, the run waits until the server has settled: at start-up it builds the text
index of the store version in the background (``/api/search``), which at 1M triples takes about
a minute and, on a small machine, slows every answer meanwhile (a cached page: ~40 ms instead of
~4 ms). One search with ``SOZIALGRAPH_SEARCH_INDEX_WAIT`` set high returns once the index is made.

    python -m bench.cockpit --out bench/results                       # 1 town and ~1M triples
    python -m bench.cockpit --triples 20000 --seconds 2               # a quick check

Goals (issue 16): p95 < 20 ms at one town (Jena's size), < 100 ms at 1M triples (145 towns).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from bench.generate import EX, generate, municipalities_for, ontology_quads
from bench.http_load import measure
from bench.servers import sozialgraph

TOWN = f"{EX}gemeinde-1/organisation/stadt"
STRATEGY = "gemeinde-1/strategie/armutspraeventionsstrategie"
#: Longest wait for the server's start-up work (the text index) before measuring.
SETTLE_S = 900


def pages() -> dict[str, str]:
    """Name → path of every page measured (one town, then the matrix of all towns)."""
    scoped = f"municipality={TOWN}"
    return {
        "massnahmen": f"/massnahmen?{scoped}",
        "verflechtung": f"/verflechtung?{scoped}",
        "verflechtung.svg": f"/verflechtung.svg?{scoped}",
        "verflechtung.csv": f"/verflechtung.csv?{scoped}",
        "eccar": f"/eccar?{scoped}",
        "dokumentationsstand": f"/dokumentationsstand?{scoped}",
        "verlauf": f"/verlauf/{STRATEGY}",
        "strategy page": f"/{STRATEGY}",
        "verflechtung, all towns, page 1": "/verflechtung",
        "verflechtung, all towns, page 50": "/verflechtung?page=50",
    }


@dataclass
class SizeResult:
    triples: int
    municipalities: int
    load_s: float
    settle_s: float = 0.0
    search_engine: str | None = None
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)
    pages_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
        "n": len(ordered),
    }


def run_size(triples: int, seconds: float, work: Path) -> SizeResult:
    from sozialgraph.store.embedded import EmbeddedStore

    towns = municipalities_for(triples)
    path = work / f"store-{triples}"
    store = EmbeddedStore(path)
    started = time.perf_counter()
    store.rebuild([*ontology_quads(EX), *generate(towns)])
    load_s = time.perf_counter() - started
    count = store.triple_count()
    store.close()
    result = SizeResult(triples=count, municipalities=towns, load_s=round(load_s, 2))
    os.environ["SOZIALGRAPH_SEARCH_INDEX_WAIT"] = str(SETTLE_S)  # the search below waits for it
    with sozialgraph(path, work) as url:
        started = time.perf_counter()
        settled = httpx.get(
            url + "/api/search", params={"q": "Stadt", "limit": 1}, timeout=SETTLE_S
        )
        result.settle_s = round(time.perf_counter() - started, 1)
        result.search_engine = settled.json().get("engine") if settled.status_code == 200 else None
        print(f"  settled after {result.settle_s} s ({result.search_engine})", file=sys.stderr)
        for name, target in pages().items():
            if towns == 1 and "all towns" in name:
                continue
            started = time.perf_counter()
            first = httpx.get(url + target, timeout=600, headers={"Accept": "text/html"})
            first_ms = (time.perf_counter() - started) * 1000
            if first.status_code == 404 and "page" not in name:
                result.missing.append(name)
                continue
            if first.status_code != 200:
                result.missing.append(f"{name} ({first.status_code})")
                continue

            def request(_: int, target: str = target) -> httpx.Request:
                return httpx.Request("GET", url + target, headers={"Accept": "text/html"})

            load = measure(request, concurrency=1, seconds=seconds)
            result.pages_ms[name] = {
                "first": round(first_ms, 1),
                **percentiles(load.latencies_ms),
                "errors": load.errors,
            }
            print(f"  {name}: {result.pages_ms[name]}", file=sys.stderr)
    one, five, fifteen = os.getloadavg()
    result.load_average = (round(one, 1), round(five, 1), round(fifteen, 1))
    return result


def markdown(results: list[SizeResult]) -> str:
    lines = []
    for r in results:
        lines += [
            f"### {r.triples:,} triples, {r.municipalities} municipalities (load {r.load_s} s)",
            "",
            f"Server settled (text index: {r.search_engine}) {r.settle_s} s after start; machine"
            f" load average after the run (1, 5, 15 min): {', '.join(map(str, r.load_average))}.",
            "",
            "| page | first answer ms | p50 ms | p95 ms | requests |",
            "|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {name} | {m['first']} | {m['p50']} | {m['p95']} | {m['n']} |"
            for name, m in r.pages_ms.items()
        ]
        if r.missing:
            lines += ["", "Not measured (the server has no such page yet): " + ", ".join(r.missing)]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[SizeResult]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[7000, 1_000_000])
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per page")
    parser.add_argument("--out", type=Path, help="folder for cockpit-<time>.json and .md")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-cockpit-") as folder:
        for triples in args.triples:
            print(f"{triples} triples", file=sys.stderr)
            results.append(run_size(triples, args.seconds, Path(folder)))
    report = markdown(results)
    print(report)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        (args.out / f"cockpit-{stamp}.json").write_text(
            json.dumps([asdict(r) for r in results], indent=2) + "\n"
        )
        (args.out / f"cockpit-{stamp}.md").write_text(report + "\n")
    return results


if __name__ == "__main__":
    main()
