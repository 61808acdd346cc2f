"""One write on a large store: the SHACL gate scoped to what the write can affect (issue 14).

Builds a store of generated municipalities (about ``--triples``), then writes one measure into
an import graph through the writer (``GraphWriter.replace``): the gate runs on a staging copy
of the store for the affected resources only. For comparison it times the full gate over all
published data (``--full``), as every write did before. Peak memory is the process's.

    python -m bench.write_scoped --triples 1000000 [--full]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from bench.generate import EX, generate, municipalities_for, ontology_quads
from sozialgraph.ingest.history import History
from sozialgraph.ingest.writer import GraphWriter
from sozialgraph.store.embedded import EmbeddedStore

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
    ]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--full", action="store_true", help="also time the full gate")
    parser.add_argument("--keep", type=Path, help="folder to keep the store in (and reuse)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        store = EmbeddedStore(Path(folder) / "store")
        started = time.perf_counter()
        if store.current_generation() is None:
            store.rebuild([*ontology_quads(), *generate(municipalities_for(args.triples))])
        print(f"store: {store.triple_count()} triples in {time.perf_counter() - started:.1f} s")
        writer = GraphWriter(store, EX, History(Path(folder) / "history"), "auto")
        writer.shapes  # noqa: B018 (parsed once per server, not per write)
        before = peak_mb()
        for n in range(3):
            started = time.perf_counter()
            result = writer.replace(
                GRAPH, one_measure(n), agent="bench", kind="bench", source="bench", content=b""
            )
            took = time.perf_counter() - started
            print(f"scoped write {n}: {took:.2f} s, {len(result.warnings)} results")
        print(f"peak RSS {before:.0f} MB before the writes, {peak_mb():.0f} MB after")
        if args.full:
            started = time.perf_counter()
            report = writer.validate(GRAPH, one_measure(9))  # no previous: the full gate
            took = time.perf_counter() - started
            print(
                f"full gate: {took:.1f} s, {len(report.results)} results, peak {peak_mb():.0f} MB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
