"""The preview of a 1,000-row sheet against a large store (issue 18; goal: under 5 s at 1M).

Builds a store of generated municipalities (about ``--triples``), makes a measure sheet of
``--rows`` rows from the export of the first municipality (new identifiers, so the rows are new
measures), and times, ``--runs`` times each:

- the preview of the sheet into an empty import graph (every row added);
- the import of the same sheet (read, map, gate, write) — the reference, measured in the same
  run — and, inside it, the SHACL gate alone (``GraphWriter.validate``);
- the preview of the sheet with ten edited status cells against the graph now holding the
  rows (ten changes among ``--rows`` resources).

``--unscoped`` also times the gate validating the whole store (the path the gate takes when a
change affects too many nodes, ``validation.sparql.scope.worth_scoping``); ``--out FOLDER``
writes the numbers to ``preview-<time>.json`` there, with the load average of the machine.

    python -m bench.preview --triples 1000000 [--rows 1000] [--runs 3] [--keep FOLDER]
        [--unscoped] [--out bench/results]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from bench.generate import EX, generate, municipalities_for, ontology_quads
from sozialgraph.ingest.columns import MEASURES
from sozialgraph.ingest.export import export
from sozialgraph.ingest.history import History
from sozialgraph.ingest.importer import SheetImport, import_graph_iri, keep_status_history
from sozialgraph.ingest.preview import Previews
from sozialgraph.ingest.vocabulary import vocabulary_query
from sozialgraph.ingest.writer import GraphWriter
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.resources import queries_dir
from sozialgraph.store.base import select_rows
from sozialgraph.store.embedded import EmbeddedStore
from sozialgraph.validation.gate import validate_change

TOWN = EX + "gemeinde-1/organisation/stadt"
REGISTRY = QueryRegistry(queries_dir())


def sheet(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([c.de for c in MEASURES.columns])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def timed(work: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def spread(label: str, seconds: list[float]) -> str:
    return f"{label}: p50 {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s"


def full_gate(
    store: EmbeddedStore, writer: GraphWriter, graph: str, triples: list[ox.Triple]
) -> object:
    """The gate as it runs when a change affects too many nodes: over the whole store."""
    with store.staging_copy() as copy:
        return validate_change(
            copy, graph, triples, [], writer.shapes, EX, scoped=False, compiled=writer.compiled
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the store here (and reuse it)")
    parser.add_argument("--unscoped", action="store_true", help="also time the full gate")
    parser.add_argument("--out", type=Path, help="write preview-<time>.json here")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-preview-"))
    store_dir = folder / "store"
    reused = (store_dir / "CURRENT").exists()
    store = EmbeddedStore(store_dir)
    if not reused:
        seconds, _ = timed(
            lambda: store.rebuild(
                [*ontology_quads(EX), *generate(municipalities_for(args.triples))]
            )
        )
        print(f"built in {seconds:.1f} s", file=sys.stderr)
    print(f"store: {store.triple_count():,} triples{' (reused)' if reused else ''}")

    writer = GraphWriter(store, EX, History(folder / "history"), "auto")
    sheets = SheetImport(writer, EX, "gemeinde-1")
    previews = Previews(writer, sheets)
    query = vocabulary_query(REGISTRY.get("import-vocabulary"), TOWN)
    vocabulary = select_rows(store, query)
    exported = export(store, REGISTRY, vocabulary, EX, municipality=TOWN)["measures"]
    exported = [r for r in exported if r[0].startswith("m-")]  # generated, not earlier runs'
    status = [c.key for c in MEASURES.columns].index("status")

    def sheets_of_a_run() -> tuple[bytes, bytes]:
        """The sheet of new measures, and the same with ten edited status cells; new identifiers
        in every run (a run's import publishes its measures: the next preview would find them)."""
        prefix = f"BENCH-{time.time_ns() % 10**9}"
        rows = [
            [f"{prefix}-{n:04d}", *exported[n % len(exported)][1:]] for n in range(1, args.rows + 1)
        ]
        edited = [list(r) for r in rows]
        for row in edited[:: max(1, len(edited) // 10)][:10]:
            row[status] = "umgesetzt" if row[status] != "umgesetzt" else "geplant"
        return sheet(rows), sheet(edited)

    load_before = os.getloadavg()[0]
    fresh, gates, unscoped, imports, again = [], [], [], [], []
    for run in range(args.runs):
        body, edited_body = sheets_of_a_run()
        graph = import_graph_iri(EX, f"bench-preview-{run}-{time.time_ns()}")
        seconds, preview = timed(
            lambda g=graph, b=body: previews.sheet(REGISTRY, b, "bench.csv", g, vocabulary)
        )
        fresh.append(seconds)
        assert len(preview.added) == args.rows and not preview.problems, preview.problems[:3]  # type: ignore[attr-defined]
        upload = sheets.map(body, "bench.csv", vocabulary)
        new = list(dict.fromkeys(keep_status_history([], upload.mapped.triples)))
        gates.append(timed(lambda g=graph, n=new: writer.validate(g, n, []))[0])
        if args.unscoped:
            unscoped.append(timed(lambda g=graph, n=new: full_gate(store, writer, g, n))[0])
        seconds, _ = timed(
            lambda g=graph, b=body: sheets.run(b, "bench.csv", g, vocabulary, agent="bench")
        )
        imports.append(seconds)
        seconds, preview = timed(
            lambda g=graph, b=edited_body: previews.sheet(REGISTRY, b, "bench.csv", g, vocabulary)
        )
        again.append(seconds)
        assert len(preview.changed) == 10 and not preview.added, preview.changed  # type: ignore[attr-defined]

    print(f"{args.rows} rows, {args.runs} runs each")
    print(spread(f"preview, {args.rows} rows added", fresh))
    print(spread(f"preview, 10 status changes among {args.rows} rows", again))
    print(spread("reference: the import's SHACL gate alone", gates))
    if unscoped:
        print(spread("reference: the gate over the whole store (unscoped)", unscoped))
    print(spread("reference: the whole import (read, map, gate, write)", imports))
    ratio = statistics.median(fresh) / statistics.median(imports)
    print(f"preview / import: {ratio:.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")
    print(f"load average (1 min): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        result = {
            "triples": store.triple_count(),
            "rows": args.rows,
            "runs": args.runs,
            "preview_added_s": fresh,
            "preview_10_changes_s": again,
            "gate_s": gates,
            "gate_unscoped_s": unscoped,
            "import_s": imports,
            "preview_over_import": round(ratio, 3),
            "peak_rss_mb": round(peak),
            "load_average_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],
            "cpus": os.cpu_count(),
        }
        (args.out / f"preview-{stamp}.json").write_text(
            json.dumps(result, indent=2) + "\n", encoding="utf-8"
        )
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
