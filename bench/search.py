"""The text index on generated municipalities: its share of a build, its size, search latency.

For each size the generated towns are written as Turtle files (``bench/run.py``'s
``write_data``) and built twice in this process, as ``sozialgraph build --data`` does (load,
SHACL gate, switch): once without the text index and once making it on the way
(``publishing/text_quads.py``: the texts and links are noted as the quads stream into the new
generation, the index is written after the gate and published under the version that went
live). Both builds are timed in wall and CPU seconds (all threads of this process); the index's
share is the difference over the plain build, and its own parts (documents from the noted
quads, tantivy's writing, the noting per quad) are timed too. Then a mix of searches runs over
all towns and scoped to one town on that index: p50 and p95 of each; ``--scan`` also times the
plain scan (``queries/search.rq``), ``--server-index`` the index made by the search service from
the finished store (what a server does when a store has no index, e.g. after a remote build).

    python -m bench.search --triples 100000 1000000 --scan --server-index --out bench/results
    python -m bench.search --triples 20000 --searches 20                  # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.generate import EX
from bench.run import write_data

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
    documents: int
    index_bytes: int
    # the whole build (load, SHACL gate, switch) without and with the text index, best of
    # --repeat; CPU seconds of this process (all its threads), which a busy machine distorts less
    build_s: float
    build_cpu_s: float
    build_with_index_s: float
    build_with_index_cpu_s: float
    index_share_of_build: float  # (with - without) / without, wall
    index_cpu_share_of_build: float  # the same in CPU seconds
    # the same from the medians of the --repeat builds of each kind (robust to one lucky run)
    index_share_median: float
    index_cpu_share_median: float
    # the index's own parts inside the build: the data graphs' sizes, documents and writing (in
    # a thread beside the gate; CPU of that thread, tantivy's own thread not counted), the rest
    # of the fingerprints after the gate, noting quads
    index_parts_s: dict[str, float] = field(default_factory=dict)
    index_parts_share_of_build: float = 0.0  # their wall sum over the plain build
    # the index made by the search service from the finished store (--server-index)
    server_index_s: float = 0.0
    server_index_cpu_s: float = 0.0
    server_index_phases_s: dict[str, float] = field(default_factory=dict)
    builds: list[dict[str, float]] = field(default_factory=list)
    all_towns_ms: dict[str, float] = field(default_factory=dict)
    one_town_ms: dict[str, float] = field(default_factory=dict)
    scan_all_towns_ms: dict[str, float] = field(default_factory=dict)
    scan_one_town_ms: dict[str, float] = field(default_factory=dict)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)

    return {"p50": at(0.5), "p95": at(0.95), "mean": round(statistics.mean(ordered) * 1000, 2)}


def _share(indexed: float, plain: float) -> float:
    return round((indexed - plain) / plain, 3)


def cpu_with_children() -> float:
    """CPU seconds of this process and of the children it waited for (the build's text index
    is made in a forked child on Linux: its CPU counts as the build's)."""
    return time.process_time() + _children_cpu()


def _children_cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def timed_build(path: Path, data: Path, *, with_index: bool) -> dict[str, float]:
    """``sozialgraph build --data`` in this process, into a new store at ``path``."""
    from sozialgraph.build import build
    from sozialgraph.config import Settings
    from sozialgraph.publishing.search_service import build_watcher
    from sozialgraph.store.embedded import EmbeddedStore

    shutil.rmtree(path, ignore_errors=True)
    settings = Settings(store=str(path), base_iri=EX, search_index=with_index)
    store = EmbeddedStore(path)
    watcher = build_watcher(settings, store)
    gc.collect()
    started, cpu, child = time.perf_counter(), cpu_with_children(), _children_cpu()
    build(store, EX, data_dir=data, watcher=watcher)
    result = {"s": time.perf_counter() - started, "cpu_s": cpu_with_children() - cpu}
    result["child_cpu_s"] = _children_cpu() - child  # the forked child's part of cpu_s
    if watcher is not None:
        result.update({f"{k}_s": v for k, v in watcher.seconds.items()})
    store.close()
    return result


def noting_cost(path: Path) -> tuple[float, float]:
    """Wall and CPU seconds the text collector adds to streaming the store's quads once."""
    import pyoxigraph as ox

    from sozialgraph.publishing.text_notes import TextCollector
    from sozialgraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(path)
    quads: list[ox.Quad] = list(store.quads())
    store.close()
    started, cpu = time.perf_counter(), time.process_time()
    for _ in quads:
        pass
    base = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    for _ in TextCollector(EX).watch(quads):
        pass
    return time.perf_counter() - started - base[0], time.process_time() - cpu - base[1]


async def measure(
    triples: int, searches: int, scan: bool, server_index: bool, repeat: int, work: Path
) -> SizeResult:
    from sozialgraph.config import Settings
    from sozialgraph.publishing.search_service import SearchService, index_folder
    from sozialgraph.querying.registry import QueryRegistry
    from sozialgraph.querying.service import QueryService
    from sozialgraph.readmodel.context import ReadContext
    from sozialgraph.readmodel.search import scan_search
    from sozialgraph.resources import queries_dir
    from sozialgraph.store.embedded import EmbeddedStore

    data_work = work / f"data-{triples}"
    _, _, _, count, towns = write_data(triples, data_work, seed=1)
    data = data_work / "data"
    path = work / f"store-{triples}"
    builds: list[dict[str, float]] = []
    for _ in range(repeat):  # alternately, so that both see the same machine
        builds.append({"index": 0, **timed_build(path, data, with_index=False)})
        builds.append({"index": 1, **timed_build(path, data, with_index=True)})
    plain = min((b for b in builds if not b["index"]), key=lambda b: b["cpu_s"])
    indexed = min((b for b in builds if b["index"]), key=lambda b: b["cpu_s"])
    medians = {
        (kind, key): statistics.median(b[key] for b in builds if b["index"] == kind)
        for kind in (0, 1)
        for key in ("s", "cpu_s")
    }
    noting_s, noting_cpu_s = noting_cost(path)
    parts = {
        k: round(v, 2)
        for k, v in indexed.items()
        if k not in ("index", "s", "cpu_s", "child_cpu_s")
    }
    parts.update({"noting_s": round(noting_s, 2), "noting_cpu_s": round(noting_cpu_s, 2)})
    # the index's own work, as if it ran alone after the gate (in the build it overlaps the gate)
    parts_s = parts["documents_s"] + parts["write_s"] + parts["fingerprints_s"] + noting_s
    parts_s += parts.get("sizes_s", 0.0)  # the data graphs counted beside the gate

    settings = Settings(store=str(path), base_iri=EX, search_index_wait=3600)
    store = EmbeddedStore(path)
    service = QueryService(settings, store)
    await service.start()
    registry = QueryRegistry(queries_dir())

    def context(lang: str) -> ReadContext:
        return ReadContext(service, registry, lang, EX)

    search = SearchService(settings, context, service.backend.snapshot)
    try:
        index = await search.current(wait=3600)  # the build's index, opened
        assert index is not None and not search.last_build, "the build made no index"
        result = SizeResult(
            triples=count,
            municipalities=towns,
            documents=index.documents,
            index_bytes=index.size_bytes(),
            build_s=round(plain["s"], 2),
            build_cpu_s=round(plain["cpu_s"], 2),
            build_with_index_s=round(indexed["s"], 2),
            build_with_index_cpu_s=round(indexed["cpu_s"], 2),
            index_share_of_build=round((indexed["s"] - plain["s"]) / plain["s"], 3),
            index_cpu_share_of_build=round((indexed["cpu_s"] - plain["cpu_s"]) / plain["cpu_s"], 3),
            index_share_median=_share(medians[1, "s"], medians[0, "s"]),
            index_cpu_share_median=_share(medians[1, "cpu_s"], medians[0, "cpu_s"]),
            index_parts_s=parts,
            index_parts_share_of_build=round(parts_s / plain["s"], 3),
            builds=[{k: round(v, 2) for k, v in b.items()} for b in builds],
        )
        ctx = context("de")
        town = (f"{EX}gemeinde-1/organisation/stadt",)
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
        if server_index:  # the index made from the finished store, as a server does without one
            await search.close()
            shutil.rmtree(index_folder(settings), ignore_errors=True)
            search = SearchService(settings, context, service.backend.snapshot)
            started, cpu = time.perf_counter(), time.process_time()
            assert await search.current(wait=3600) is not None
            result.server_index_s = round(time.perf_counter() - started, 2)
            result.server_index_cpu_s = round(time.process_time() - cpu, 2)
            result.server_index_phases_s = {
                k.removesuffix("_seconds"): float(v)
                for k, v in search.last_build.items()
                if k.endswith("_seconds")
            }
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
    parser.add_argument(
        "--server-index", action="store_true", help="also time the index made from the store"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="builds of each kind (best and median kept)"
    )
    parser.add_argument("--work", type=Path, help="folder for the stores (default: temporary)")
    parser.add_argument("--out", type=Path, help="write search-<time>.json here")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as temporary:
        work = args.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        for triples in args.triples:
            result = asyncio.run(
                measure(triples, args.searches, args.scan, args.server_index, args.repeat, work)
            )
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
