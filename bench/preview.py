"""The preview of a 1,000-row sheet against a large store (issue 18; goal: under 5 s at 1M).

Builds a store of generated municipalities (about ``--triples``), makes a measure sheet of
``--rows`` rows from the export of the first municipality (new identifiers, so the rows are new
measures), and times, ``--runs`` times each:

- the preview of the sheet into an empty import graph (every row added);
- the import of the same sheet (read, map, gate, write) — the reference, measured in the same
  run — and, inside it, the SHACL gate alone (``GraphWriter.validate``);
- the preview of the sheet with ten edited status cells against the graph now holding the
  rows (ten changes among ``--rows`` resources).

    python -m bench.preview --triples 1000000 [--rows 1000] [--runs 3] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the store here (and reuse it)")
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
    prefix = f"BENCH-{time.time_ns() % 10**9}"  # new measures on a reused store too
    rows = [
        [f"{prefix}-{n:04d}", *exported[n % len(exported)][1:]] for n in range(1, args.rows + 1)
    ]
    body = sheet(rows)
    status = [c.key for c in MEASURES.columns].index("status")
    edited = [list(r) for r in rows]
    for row in edited[:: max(1, len(edited) // 10)][:10]:
        row[status] = "umgesetzt" if row[status] != "umgesetzt" else "geplant"
    edited_body = sheet(edited)

    fresh, gates, imports, again = [], [], [], []
    for run in range(args.runs):
        graph = import_graph_iri(EX, f"bench-preview-{run}-{time.time_ns()}")
        seconds, preview = timed(
            lambda g=graph: previews.sheet(REGISTRY, body, "bench.csv", g, vocabulary)
        )
        fresh.append(seconds)
        assert len(preview.added) == args.rows and not preview.problems, preview.problems[:3]  # type: ignore[attr-defined]
        upload = sheets.map(body, "bench.csv", vocabulary)
        new = list(dict.fromkeys(keep_status_history([], upload.mapped.triples)))
        gates.append(timed(lambda g=graph, n=new: writer.validate(g, n, []))[0])
        imports.append(
            timed(lambda g=graph: sheets.run(body, "bench.csv", g, vocabulary, agent="bench"))[0]
        )
        seconds, preview = timed(
            lambda g=graph: previews.sheet(REGISTRY, edited_body, "bench.csv", g, vocabulary)
        )
        again.append(seconds)
        assert len(preview.changed) == 10 and not preview.added, preview.changed  # type: ignore[attr-defined]

    print(f"{args.rows} rows, {args.runs} runs each")
    print(spread(f"preview, {args.rows} rows added", fresh))
    print(spread(f"preview, 10 status changes among {args.rows} rows", again))
    print(spread("reference: the import's SHACL gate alone", gates))
    print(spread("reference: the whole import (read, map, gate, write)", imports))
    ratio = statistics.median(fresh) / statistics.median(imports)
    print(f"preview / import: {ratio:.2f}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
