"""Writes on a large store: the SHACL gate scoped to what a write can affect (issue 14).

Builds a store of generated municipalities (about ``--triples``), then writes one measure into
an import graph through the server's write service (``WriteService.run`` with
``GraphWriter.replace``, as ``PUT /graph-store`` does), with the server's follow-up after each
write: the version journal pins a frozen copy under the write lock (``web.versions.pin_current``)
and records the version from it after the answer. The writes run twice, ``--writes`` each: in
a row (one after the other's answer, as a client sending writes sees them) and spaced (each
after the previous follow-up finished: the write alone). Per write it reports the time from
request to answer; then the follow-ups' times (all, and the part under the write lock).
``--full`` also times the full gate over all published data, as every write did before.

    python -m bench.write_scoped --triples 1000000 [--writes 5] [--full] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from bench.generate import EX, generate, municipalities_for, ontology_quads
from sozialgraph.config import Settings
from sozialgraph.ingest.history import History
from sozialgraph.ingest.write_service import WriteService
from sozialgraph.ingest.writer import GraphWriter
from sozialgraph.publishing.versions import VersionJournal
from sozialgraph.querying.service import QueryService
from sozialgraph.store.embedded import EmbeddedStore
from sozialgraph.web.versions import pin_current, record_current

SG = "https://w3id.org/sozialgraph/ontology#"
GRAPH = EX + "graph/import/bench-one-measure"


def one_measure(n: int) -> list[ox.Triple]:
    measure = ox.NamedNode(f"{EX}gemeinde-1/massnahme/bench-{n}")
    dcterms = "http://purl.org/dc/terms/"
    return [
        ox.Triple(
            measure,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(SG + "Measure"),
        ),
        ox.Triple(measure, ox.NamedNode(dcterms + "title"), ox.Literal(f"M {n}", language="de")),
        ox.Triple(measure, ox.NamedNode(dcterms + "title"), ox.Literal(f"M {n}", language="en")),
        ox.Triple(
            measure,
            ox.NamedNode(SG + "belongsToStrategy"),
            ox.NamedNode(f"{EX}gemeinde-1/strategie/armutspraeventionsstrategie"),
        ),
        ox.Triple(
            measure,
            ox.NamedNode(dcterms + "source"),
            ox.NamedNode(f"{EX}gemeinde-1/dokumente/armutspraeventionsstrategie-2022.pdf"),
        ),
        ox.Triple(measure, ox.NamedNode(SG + "startDate"), ox.Literal("2024", datatype=GYEAR)),
        ox.Triple(measure, ox.NamedNode(SG + "endDate"), ox.Literal("2026", datatype=GYEAR)),
    ]


GYEAR = ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def spread(label: str, seconds: list[float]) -> str:
    return f"{label}: p50 {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s"


async def write_in_a_row(folder: Path, store: EmbeddedStore, writes: int) -> None:
    settings = Settings(store=str(folder / "store"), search_index=False)
    service = WriteService(settings, store, QueryService(settings, store))
    service.writer.shapes  # noqa: B018 (parsed once per server, not per write)
    journal = VersionJournal(folder / "versions", settings.base_iri)
    follow_ups: list[float] = []
    pins: list[float] = []

    def follow_up() -> Callable[[], object] | None:
        """The server's hook (``pin_current``), timed: the part under the write lock, and all."""
        started = time.perf_counter()
        rest = pin_current(journal, store)
        pinned = time.perf_counter() - started
        pins.append(pinned)
        if rest is None:
            return None

        def recording() -> None:
            begun = time.perf_counter()
            rest()
            follow_ups.append(pinned + time.perf_counter() - begun)

        return recording

    started = time.perf_counter()
    await service.run(lambda: record_current(journal, store))  # as at the server's start
    print(f"first version recorded in {time.perf_counter() - started:.1f} s")
    service.after_write.append(follow_up)
    before = peak_mb()
    for spaced in (False, True):
        answers: list[float] = []
        for n in range(writes):
            started = time.perf_counter()
            result = await service.run(
                lambda n=n: service.writer.replace(  # type: ignore[misc]
                    GRAPH, one_measure(n), agent="bench", kind="bench", source="bench", content=b""
                )
            )
            answers.append(time.perf_counter() - started)
            print(f"write {n}: answered in {answers[-1]:.2f} s, {len(result.warnings)} results")
            if spaced:
                await service.settled()
        await service.settled()
        kind = "after the previous follow-up" if spaced else "in a row"
        print(spread(f"answer ({kind})", answers))
    for n, took in enumerate(follow_ups):
        print(f"follow-up {n} (version journal): {took:.2f} s")
    print(spread("follow-up", follow_ups))
    print(spread("follow-up under the write lock (frozen copy)", pins))
    print(f"peak RSS {before:.0f} MB before the writes, {peak_mb():.0f} MB after")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=5, help="writes in a row")
    parser.add_argument("--full", action="store_true", help="also time the full gate")
    parser.add_argument("--keep", type=Path, help="folder to keep the store in (and reuse)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        store = EmbeddedStore(folder / "store")
        started = time.perf_counter()
        if store.current_generation() is None:
            store.rebuild([*ontology_quads(), *generate(municipalities_for(args.triples))])
        print(f"store: {store.triple_count()} triples in {time.perf_counter() - started:.1f} s")
        asyncio.run(write_in_a_row(Path(folder), store, args.writes))
        if args.full:
            writer = GraphWriter(store, EX, History(Path(folder) / "history"), "auto")
            started = time.perf_counter()
            report = writer.validate(GRAPH, one_measure(9))  # no previous: the full gate
            took = time.perf_counter() - started
            print(
                f"full gate: {took:.1f} s, {len(report.results)} results, peak {peak_mb():.0f} MB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
