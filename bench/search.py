"""The text index on generated municipalities: build time and size, search latency.

For each size: the generated towns (``bench/generate.py``) are written into a new embedded
store (timed: the store's own load, the base the index's cost is compared with), the text index
is made from the store through the search service (timed, and its size on disk), then a mix of
searches runs over all towns and scoped to one town: p50 and p95 of each, and of the plain scan
(``queries/search.rq``) for comparison with ``--scan``.

    python -m bench.search --triples 100000 1000000 --out bench/results   # the full run
    python -m bench.search --triples 20000 --searches 20                  # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.generate import EX, generate, municipalities_for, ontology_quads

QUERIES = (
    "Maßnahme",  # common word, stemmed
    "Massnahmen",  # folded and plural
    "Beratung Familien",  # two words
    "Beratungss",  # a prefix, as you type
    "Antidiskriminirung",  # a typo
    '"Beratung für"',  # a phrase
    "Armutspraevention",  # transliterated umlaut
)


@dataclass
class SizeResult:
    triples: int
    municipalities: int
    load_s: float
    index_s: float
    index_share_of_load: float
    index_bytes: int
    documents: int
    # CPU seconds of this process (all its threads): what a busy machine does not distort
    load_cpu_s: float = 0.0
    index_cpu_s: float = 0.0
    index_cpu_share_of_load: float = 0.0
    index_phases_s: dict[str, float] = field(default_factory=dict)
    all_towns_ms: dict[str, float] = field(default_factory=dict)
    one_town_ms: dict[str, float] = field(default_factory=dict)
    scan_all_towns_ms: dict[str, float] = field(default_factory=dict)
    scan_one_town_ms: dict[str, float] = field(default_factory=dict)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)

    return {"p50": at(0.5), "p95": at(0.95), "mean": round(statistics.mean(ordered) * 1000, 2)}


async def measure(triples: int, searches: int, scan: bool, work: Path) -> SizeResult:
    from sozialgraph.config import Settings
    from sozialgraph.publishing.search_service import SearchService
    from sozialgraph.querying.registry import QueryRegistry
    from sozialgraph.querying.service import QueryService
    from sozialgraph.readmodel.context import ReadContext
    from sozialgraph.readmodel.search import scan_search
    from sozialgraph.resources import queries_dir
    from sozialgraph.store.embedded import EmbeddedStore

    towns = municipalities_for(triples)
    path = work / f"store-{triples}"
    store = EmbeddedStore(path)
    started, cpu = time.perf_counter(), time.process_time()
    store.rebuild([*ontology_quads(EX), *generate(towns)])
    load_s, load_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    count = store.triple_count()
    settings = Settings(store=str(path), base_iri=EX, search_index_wait=3600)
    service = QueryService(settings, store)
    await service.start()
    registry = QueryRegistry(queries_dir())

    def context(lang: str) -> ReadContext:
        return ReadContext(service, registry, lang, EX)

    search = SearchService(settings, context, service.backend.snapshot)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        index = await search.current(wait=3600)
        index_s, index_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        assert index is not None
        ctx = context("de")
        town = (f"{EX}gemeinde-1/organisation/stadt",)
        result = SizeResult(
            triples=count,
            municipalities=towns,
            load_s=round(load_s, 2),
            index_s=round(index_s, 2),
            index_share_of_load=round(index_s / load_s, 3),
            index_bytes=index.size_bytes(),
            documents=index.documents,
            load_cpu_s=round(load_cpu_s, 2),
            index_cpu_s=round(index_cpu_s, 2),
            index_cpu_share_of_load=round(index_cpu_s / load_cpu_s, 3),
            index_phases_s={
                k.removesuffix("_seconds"): float(v)
                for k, v in search.last_build.items()
                if k.endswith("_seconds")
            },
        )
        for scope, target in (((), result.all_towns_ms), (town, result.one_town_ms)):
            samples = []
            for number in range(searches):
                q = QUERIES[number % len(QUERIES)]
                started = time.perf_counter()
                await search.search(ctx, q, municipalities=scope, limit=20)
                samples.append(time.perf_counter() - started)
            target.update(percentiles(samples))
        if scan:
            for municipality, target in (
                (None, result.scan_all_towns_ms),
                (town[0], result.scan_one_town_ms),
            ):
                samples = []
                for number in range(max(3, searches // 10)):
                    q = ("Maßnahme", "Beratung", "Familien")[number % 3]
                    started = time.perf_counter()
                    await scan_search(ctx, q, municipality=municipality)
                    samples.append(time.perf_counter() - started)
                target.update(percentiles(samples))
        return result
    finally:
        await search.close()
        await service.close()
        store.close()


def main(argv: list[str] | None = None) -> list[SizeResult]:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--triples", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--searches", type=int, default=200, help="searches per scope")
    parser.add_argument("--scan", action="store_true", help="also time the plain scan")
    parser.add_argument("--work", type=Path, help="folder for the stores (default: temporary)")
    parser.add_argument("--out", type=Path, help="write search-<time>.json here")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as temporary:
        work = args.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        for triples in args.triples:
            result = asyncio.run(measure(triples, args.searches, args.scan, work))
            print(json.dumps(asdict(result)), file=sys.stderr)
            results.append(result)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        (args.out / f"search-{stamp}.json").write_text(
            json.dumps([asdict(r) for r in results], indent=2) + "\n", encoding="utf-8"
        )
    return results


if __name__ == "__main__":
    main()
