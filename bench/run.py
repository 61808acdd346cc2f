"""The benchmark: one command that measures sozialgraph from one town to many, side by side with
a raw Oxigraph server and rdflib-endpoint, and writes Markdown and JSON to bench/results/.

    python -m bench.run                      # 10k, 100k and 1M triples
    python -m bench.run --sizes 10000,5000000
    python -m bench.run --quick              # a small smoke run (used by the test suite)

Goals are checked by reading the table, never by timed assertions in tests.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from bench import servers
from bench.generate import generate, inject_errors, municipalities_for
from bench.http_load import LoadResult, measure, measure_wrk

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://example.org/"
TITLE = "http://purl.org/dc/terms/title"


@dataclass
class SizeResult:
    target_triples: int
    triples: int = 0
    municipalities: int = 0
    build_seconds: float = 0.0
    build_peak_mb: float = 0.0
    build_validator: str = ""
    pyshacl_seconds: float | None = None
    sparql_validation_seconds: float | None = None
    same_violations: bool | None = None
    injected_errors: int = 0
    named_queries_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    http: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or f"{self.triples:,}"


# -- data ------------------------------------------------------------------------------------


def write_data(size: int, work: Path, seed: int) -> tuple[Path, Path, list[str], int, int]:
    """Generated towns as one Turtle file per graph (for the build) and as N-Quads (for rdflib)."""
    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    nquads = work / "all.nq"
    count = 0
    measures: list[str] = []
    towns = municipalities_for(size)
    current: str | None = None
    triples: list[ox.Triple] = []
    with nquads.open("wb") as everything:

        def flush() -> None:
            if current is not None and triples:
                name = current.rstrip("/").rsplit("/", 1)[-1]
                with (data / f"{name}.ttl").open("wb") as handle:
                    ox.serialize(triples, handle, format=ox.RdfFormat.TURTLE)

        batch: list[ox.Quad] = []
        for quad in generate(towns, seed=seed):
            graph = (
                quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else "default"
            )
            if graph != current:
                flush()
                current, triples = graph, []
            triples.append(quad.triple)
            batch.append(quad)
            count += 1
            if (
                quad.predicate.value == TITLE
                and "/massnahme/" in quad.subject.value
                and len(measures) < 2000
            ):
                measures.append(quad.subject.value)
            if len(batch) >= 100_000:
                ox.serialize(batch, everything, format=ox.RdfFormat.N_QUADS)
                batch = []
        flush()
        ox.serialize(batch, everything, format=ox.RdfFormat.N_QUADS)
    return data, nquads, sorted(set(measures)), count, towns


# -- build -----------------------------------------------------------------------------------


def build(store: Path, data: Path | None, validator: str) -> tuple[float, float]:
    """``sozialgraph build`` in a child process: wall time and the child's peak memory (MB).
    Without ``data``, Jena's real data with its own base IRI."""
    env = {**os.environ, "SOZIALGRAPH_VALIDATOR": validator}
    command = [sys.executable, "-m", "sozialgraph.cli", "build", "--store", str(store)]
    if data is not None:
        env["SOZIALGRAPH_BASE_IRI"] = BASE
        command += ["--data", str(data)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(
            f"build failed: {process.stderr.read().decode(errors='replace')[-2000:] if process.stderr else ''}"
        )
    return elapsed, usage.ru_maxrss / 1024


# -- validation paths ------------------------------------------------------------------------


def compare_validators(size: int, seed: int, result: SizeResult, pyshacl_limit: int) -> None:
    """Both validation paths on the same generated data with injected errors."""
    from rdflib import Graph

    from sozialgraph.rdf_io import to_rdflib
    from sozialgraph.resources import load_files, source_files
    from sozialgraph.validation.gate import shapes_graph
    from sozialgraph.validation.pyshacl_path import validate
    from sozialgraph.validation.sparql import validate_store

    towns = municipalities_for(min(size, pyshacl_limit))
    stream, expected = inject_errors(generate(towns, seed=seed), 12, seed)
    quads = list(stream)
    result.injected_errors = len(expected)
    model = [
        g
        for g in load_files(
            [f for f in source_files(BASE) if not f.relative.startswith("data/")], BASE
        )
    ]
    store = ox.Store()
    store.extend(quads)
    for loaded in model:
        if not loaded.is_shapes:
            name = ox.NamedNode(loaded.graph)
            store.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in loaded.triples)
    shapes = shapes_graph(BASE)
    started = time.perf_counter()
    sparql_report = validate_store(store, shapes)
    result.sparql_validation_seconds = time.perf_counter() - started
    data = Graph()
    to_rdflib((q.triple for q in quads), data)
    for loaded in model:
        if not loaded.is_shapes:
            to_rdflib(loaded.triples, data)
    started = time.perf_counter()
    report = validate(data, shapes)
    result.pyshacl_seconds = time.perf_counter() - started
    key = lambda r: (r.focus_node, r.path, r.component, r.severity)  # noqa: E731
    result.same_violations = {key(r) for r in report.results} == {
        key(r) for r in sparql_report.results
    }
    if towns != municipalities_for(size):
        result.notes.append(
            f"validators compared on {towns} towns (pySHACL limit {pyshacl_limit} triples)"
        )


# -- named queries ---------------------------------------------------------------------------

#: Where a sample value comes from; those marked True are taken from the sampled municipality.
SAMPLE_PATTERNS = {
    "measure": ("?v a sg:Measure ; sg:hasStatusAssessment ?a", True),
    "strategy": ("?v a sg:Strategy ; sg:hasFieldScheme ?s", True),
    "field": ("?m sg:servesField ?v", True),
    "body": ("?m sg:responsibleBody ?v", True),
    "target_group": ("?m sg:targetGroup ?v", False),
    "decision": ("?v a sg:CouncilDecision", True),
    "iri": ("?m sg:belongsToStrategy ?v", True),
}
MUNICIPALITY_SAMPLE = (
    "PREFIX dcterms: <http://purl.org/dc/terms/> "
    "SELECT ?v WHERE { ?s a sg:Strategy ; dcterms:publisher ?v } ORDER BY ?v LIMIT 1"
)
FIXED_SAMPLES = {
    "commitment": "https://w3id.org/sozialgraph/vocab/eccar/3",
    "status": "https://w3id.org/sozialgraph/vocab/status/in-umsetzung",
    "q": "Beratung",
    "before": "2027-01-01",
    "graph": BASE + "graph/meta",
}
UNFILTERED_IN_PROCESS_UP_TO = 150_000


def samples(store) -> dict[str, str]:
    """A value from the generated data for every parameter name (so filters find something):
    a municipality, and the other values from that municipality's data where they are its own."""
    prefix = "PREFIX sg: <https://w3id.org/sozialgraph/ontology#> "
    values = dict(FIXED_SAMPLES)
    town = ""
    found = list(store.query(prefix + MUNICIPALITY_SAMPLE))
    if found:
        values["municipality"] = found[0]["v"].value
        town = values["municipality"].split("/organisation/", 1)[0] + "/"
    for name, (pattern, own) in SAMPLE_PATTERNS.items():
        where = pattern + (f' FILTER(STRSTARTS(STR(?v), "{town}"))' if own and town else "")
        rows = list(store.query(f"{prefix}SELECT ?v WHERE {{ {where} }} LIMIT 1"))
        if rows:
            values[name] = rows[0]["v"].value
    return values


def _time(store, text: str, reps: int) -> dict[str, float]:
    runs = []
    for _ in range(reps):
        started = time.perf_counter()
        result = store.query(text)
        rows = 0
        if not isinstance(result, ox.QueryBoolean):
            for _ in result:
                rows += 1
        runs.append((time.perf_counter() - started) * 1000)
        if runs[-1] > 5000:
            break  # a slow query is timed once
    ordered = sorted(runs)
    return {
        "median_ms": statistics.median(runs),
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "rows": rows,
        "runs": len(runs),
    }


UNFILTERED_SCRIPT = """
import json, sys, time, pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
started = time.perf_counter()
result = store.query(sys.stdin.read(), use_default_graph_as_union=True)
rows = sum(1 for _ in result) if not isinstance(result, ox.QueryBoolean) else 1
print(json.dumps({"median_ms": (time.perf_counter() - started) * 1000, "rows": rows}))
"""


def named_queries(
    store_dir: Path, reps: int, triples: int, limit_s: float = 60.0, *, generated: bool = True
) -> dict[str, dict[str, float]]:
    """Every named query in-process, with parameters bound to values of the data ("filtered")
    and, where it has optional parameters, without them ("all": results grow with the data;
    above 150k triples timed once in a child process that is stopped after ``limit_s``).
    On Jena's real data (``generated=False``) the parameters take their documented examples."""
    from sozialgraph.querying.registry import QueryRegistry
    from sozialgraph.resources import queries_dir
    from sozialgraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(store_dir)
    values = samples(store) if generated else {}
    checkpoint = store.checkpoint()
    timings: dict[str, dict[str, float]] = {}
    for named in QueryRegistry(queries_dir()):
        given = {p.name: values.get(p.name, p.example) for p in named.parameters}
        timings[f"{named.name} (filtered)" if named.parameters else named.name] = _time(
            store, named.bind(given), reps
        )
        if "municipality" in given and len(given) > 1:
            # the same filters over every municipality
            towns = {k: v for k, v in given.items() if k != "municipality"}
            timings[f"{named.name} (all towns)"] = _time(store, named.bind(towns), reps)
        optional = [p for p in named.parameters if not p.required]
        if not optional:
            continue
        text = named.bind({p.name: given[p.name] for p in named.parameters if p.required})
        if triples <= UNFILTERED_IN_PROCESS_UP_TO:
            timings[f"{named.name} (all)"] = _time(store, text, reps)
            continue
        try:
            done = subprocess.run(
                [sys.executable, "-c", UNFILTERED_SCRIPT, str(checkpoint)],
                input=text,
                capture_output=True,
                text=True,
                timeout=limit_s,
                check=True,
            )
            timings[f"{named.name} (all)"] = {
                **json.loads(done.stdout),
                "p99_ms": float("nan"),
                "runs": 1,
            }
        except subprocess.TimeoutExpired:
            timings[f"{named.name} (all)"] = {
                "median_ms": float("inf"),
                "p99_ms": float("nan"),
                "rows": -1,
                "runs": 0,
            }
    store.close()
    return timings


# -- HTTP ------------------------------------------------------------------------------------


def lookup_paths(path: str, measures: list[str]) -> list[str]:
    """Small lookups: the title of one measure, over up to 2,000 different measures."""
    return [
        path + "?" + urlencode({"query": f"SELECT ?title WHERE {{ <{m}> <{TITLE}> ?title }}"})
        for m in measures
    ]


def api_paths(measures: list[str]) -> list[str]:
    return [f"/api/measures/{m.removeprefix(BASE)}" for m in measures]


# Appended to a lookup with a fresh number, it makes every query text new (`… LIMIT 2104711`),
# so that no answer can come from sozialgraph's result cache.
UNIQUE_LIMIT = "%20LIMIT%20"


def load(
    base: str,
    paths: list[str],
    accept: str,
    concurrency: int,
    seconds: float,
    work: Path,
    unique: str | None = None,
) -> LoadResult:
    """wrk where it is installed (a C client that does not compete for the interpreter), else
    the Python client; the same one for every server of a run."""
    measured = measure_wrk(base, paths, accept, concurrency, seconds, work, unique)
    if measured is not None:
        return measured
    fresh = itertools.count(1)

    def make(n: int) -> httpx.Request:
        path = paths[n % len(paths)] + (f"{unique}{next(fresh)}" if unique else "")
        return httpx.Request("GET", base + path, headers={"Accept": accept})

    return measure(make, concurrency, seconds)


def walk(base: str, paths: list[str], accept: str) -> None:
    """Every path once, so that a cell of repeated requests measures the steady state (warm
    caches of the server and of its store) rather than its first pass over the data."""
    with httpx.Client(base_url=base, headers={"Accept": accept}, timeout=60) as client:
        for path in paths:
            client.get(path).raise_for_status()


def record(result: SizeResult, name: str, measured: LoadResult) -> None:
    result.http[name] = {
        "throughput_rps": round(measured.throughput, 1),
        "median_ms": round(measured.median_ms, 2),
        "p99_ms": round(measured.p99_ms, 2),
        "errors": measured.errors,
        "requests": measured.requests,
    }


# A cell of the HTTP table: its name, the paths, the Accept header, the suffix that makes each
# request new (None: the same paths again and again).
Cell = tuple[str, list[str], str, str | None]


def http(
    result: SizeResult,
    store: Path,
    nquads: Path,
    measures: list[str],
    work: Path,
    seconds: float,
    rdflib_limit: int,
) -> None:
    from sozialgraph.store.embedded import EmbeddedStore

    json_results = "application/sparql-results+json"
    result.notes.append(
        "load generator: " + ("wrk" if shutil.which("wrk") else "Python (httpx) client")
    )

    def measure_cells(base: str, cells: list[Cell]) -> None:
        for _name, paths, accept, unique in cells:
            if unique is None:
                walk(base, paths, accept)  # "asked before": every request once, untimed
        for concurrency in (1, 8):
            for name, paths, accept, unique in cells:
                measured = load(base, paths, accept, concurrency, seconds, work, unique)
                record(result, f"{name} c={concurrency}", measured)

    copy = work / "oxigraph-copy"
    shutil.rmtree(copy, ignore_errors=True)
    checkpoint = EmbeddedStore(store).checkpoint()
    assert checkpoint is not None
    shutil.copytree(checkpoint, copy)
    os.sync()  # the copy's write-back must not stall the first cells (seen: p99 0.5 s at 1M)
    sparql = lookup_paths("/sparql", measures)
    with servers.sozialgraph(store, work) as base:
        measure_cells(
            base,
            [
                ("sozialgraph /sparql", sparql, json_results, None),
                ("sozialgraph /sparql uncached", sparql, json_results, UNIQUE_LIMIT),
                ("sozialgraph /api", api_paths(measures), "application/json", None),
            ],
        )
    with servers.oxigraph(copy, work) as endpoint:
        base, path = endpoint.rsplit("/", 1)
        paths = lookup_paths("/" + path, measures)
        measure_cells(
            base,
            [
                ("oxigraph", paths, json_results, None),
                ("oxigraph uncached", paths, json_results, UNIQUE_LIMIT),
            ],
        )
    if result.triples <= rdflib_limit:
        with servers.rdflib_endpoint(nquads, work) as endpoint:
            paths = lookup_paths("/", measures)
            cells: list[Cell] = [
                ("rdflib-endpoint", paths, json_results, None),
                ("rdflib-endpoint uncached", paths, json_results, UNIQUE_LIMIT),
            ]
            measure_cells(endpoint, cells)
    else:
        result.notes.append(
            f"rdflib-endpoint not run above {rdflib_limit} triples (loading takes too long)"
        )


# -- report ----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    import fastapi
    import pyshacl
    import rdflib

    versions = {
        "python": platform.python_version(),
        "pyoxigraph": ox.__version__ if hasattr(ox, "__version__") else "?",
        "rdflib": rdflib.__version__,
        "pyshacl": pyshacl.__version__,
        "fastapi": fastapi.__version__,
    }
    with contextlib.suppress(OSError):
        versions["oxigraph-server"] = subprocess.run(
            [shutil.which("oxigraph") or "oxigraph", "--version"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    return {
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "memory": _memory(),
        **versions,
    }


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) // 1024 // 1024} GiB"
    except OSError:
        pass
    return "?"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a and b else "–"


def markdown(results: list[SizeResult], info: dict[str, str], seconds: float) -> str:
    out = io.StringIO()
    out.write(f"# sozialgraph benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n\n")
    out.write("Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()) + "\n\n")
    out.write(
        f"HTTP: closed-loop clients on 127.0.0.1, {seconds:g} s per cell after 1 s warm-up; small lookups "
        "(`SELECT ?title WHERE { <measure> dcterms:title ?title }` over up to 2,000 measures).\n\n"
    )
    out.write(
        "## Build and validation\n\n| triples | towns | build (s) | peak memory (MB) | validator | pySHACL (s) | SPARQL path (s) | same violations |\n|---:|---:|---:|---:|---|---:|---:|---|\n"
    )
    for r in results:
        out.write(
            f"| {r.name} | {r.municipalities} | {r.build_seconds:.1f} | {r.build_peak_mb:.0f} | {r.build_validator} | "
            f"{_num(r.pyshacl_seconds)} | {_num(r.sparql_validation_seconds)} | {_same(r)} |\n"
        )
    out.write(
        "\n## HTTP throughput (requests/s) and latency (ms, median / p99)\n\n| triples | server | c=1 rps | c=1 ms | c=8 rps | c=8 ms |\n|---:|---|---:|---:|---:|---:|\n"
    )
    for r in results:
        for server in (
            "sozialgraph /sparql",
            "sozialgraph /sparql uncached",
            "sozialgraph /api",
            "oxigraph",
            "oxigraph uncached",
            "rdflib-endpoint",
            "rdflib-endpoint uncached",
        ):
            one, eight = r.http.get(f"{server} c=1"), r.http.get(f"{server} c=8")
            if not one:
                continue
            out.write(
                f"| {r.triples:,} | {server} | {one['throughput_rps']} | {one['median_ms']} / {one['p99_ms']} | "
                f"{eight['throughput_rps']} | {eight['median_ms']} / {eight['p99_ms']} |\n"
            )
    out.write(
        "\n## Ratios at concurrency 8 (/sparql small lookups)\n\n"
        "Cached: a lookup asked before (every server first gets each request once, untimed; the "
        "cells then walk over the same measures again, as public endpoints see repeated queries) "
        "is answered from the result cache of the store's "
        "version. Uncached: every request a new query text (a different LIMIT), so every one runs "
        "in a query worker; the other servers get the same new texts in their uncached cells "
        "(they keep no result cache, but may keep parsed queries).\n\n"
        "| triples | ÷ Oxigraph server, cached (goal ≥ 0.5×) | ÷ Oxigraph server, uncached "
        "| ÷ rdflib-endpoint, cached (goal ≥ 10×) | ÷ rdflib-endpoint, uncached |\n"
        "|---:|---:|---:|---:|---:|\n"
    )
    for r in (r for r in results if r.http):

        def rps(server: str, r: SizeResult = r) -> float | None:
            return r.http.get(f"{server} c=8", {}).get("throughput_rps")

        ours, fresh = rps("sozialgraph /sparql"), rps("sozialgraph /sparql uncached")
        oxi, oxi_fresh = rps("oxigraph"), rps("oxigraph uncached")
        rdf, rdf_fresh = rps("rdflib-endpoint"), rps("rdflib-endpoint uncached")
        out.write(
            f"| {r.triples:,} | {ratio(ours, oxi)} | {ratio(fresh, oxi_fresh)} "
            f"| {ratio(ours, rdf)} | {ratio(fresh, rdf_fresh)} |\n"
        )
    out.write(
        "\n## Named queries in-process (ms, median / p99, rows)\n\n"
        "`(filtered)`: every parameter bound to values of the data, `municipality` to one "
        "municipality and the others to values of its data (Jena: the documented examples); "
        "`(all towns)`: the same without `municipality`, over every municipality; "
        "`(all)`: optional parameters left open, so the result grows with the data (above 150k "
        "triples timed once, ∞ = stopped after 60 s).\n\n"
    )
    names = sorted({n for r in results for n in r.named_queries_ms})
    out.write(
        "| query | "
        + " | ".join(r.name for r in results)
        + " |\n|---|"
        + "---:|" * len(results)
        + "\n"
    )
    for name in names:
        cells = [r.named_queries_ms.get(name) for r in results]
        out.write(f"| {name} | " + " | ".join(_cell(c) for c in cells) + " |\n")
    notes = [f"{r.name}: {n}" for r in results for n in r.notes]
    if notes:
        out.write("\n## Notes\n\n" + "\n".join(f"- {n}" for n in notes) + "\n")
    return out.getvalue()


def _cell(cell: dict[str, float] | None) -> str:
    if not cell:
        return "–"
    median, p99, rows = (
        cell["median_ms"],
        cell.get("p99_ms", float("nan")),
        int(cell.get("rows", 0)),
    )
    shown = "∞" if median == float("inf") else f"{median:.1f}"
    tail = "" if p99 != p99 else f" / {p99:.1f}"  # NaN: timed once
    return f"{shown}{tail} ({rows:,})" if rows >= 0 else shown


def _same(result: SizeResult) -> str:
    if result.same_violations is None:
        return "–"
    return f"{result.same_violations} ({result.injected_errors} injected)"


def _num(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "–"


# -- Jena ------------------------------------------------------------------------------------


def jena(work: Path, reps: int) -> SizeResult:
    """Build and named queries on Jena's real data: the size the "Jena size" goal refers to."""
    from sozialgraph.store.embedded import EmbeddedStore

    result = SizeResult(0, municipalities=1, build_validator="auto", label="Jena")
    store = work / "jena" / "store"
    shutil.rmtree(store, ignore_errors=True)
    print("[Jena] building …", flush=True)
    result.build_seconds, result.build_peak_mb = build(store, None, "auto")
    opened = EmbeddedStore(store)
    result.triples = opened.triple_count()
    opened.close()
    result.label = f"Jena ({result.triples:,})"
    print("[Jena] named queries …", flush=True)
    result.named_queries_ms = named_queries(store, reps, result.triples, generated=False)
    return result


# -- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> list[SizeResult]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="comma-separated triple counts"
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="measuring time per HTTP cell")
    parser.add_argument("--reps", type=int, default=20, help="runs per named query")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "scratch")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pyshacl-limit", type=int, default=60_000, help="largest size pySHACL is run on"
    )
    parser.add_argument(
        "--rdflib-limit", type=int, default=150_000, help="largest size rdflib-endpoint serves"
    )
    parser.add_argument(
        "--no-jena", action="store_true", help="skip the build and named queries on Jena's data"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a small smoke run: one tiny size, short cells"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.seconds, args.reps = "3000", 0.5, 2
    info = machine()
    results = [] if args.no_jena else [jena(args.work, args.reps)]
    for size in (int(s) for s in args.sizes.split(",")):
        work = args.work / str(size)
        work.mkdir(parents=True, exist_ok=True)
        result = SizeResult(size)
        print(f"[{size:,}] generating …", flush=True)
        data, nquads, measures, result.triples, result.municipalities = write_data(
            size, work, args.seed
        )
        store = work / "store"
        shutil.rmtree(store, ignore_errors=True)
        result.build_validator = "auto"
        print(f"[{size:,}] building {result.triples:,} triples …", flush=True)
        result.build_seconds, result.build_peak_mb = build(store, data, "auto")
        print(f"[{size:,}] comparing validators …", flush=True)
        compare_validators(size, args.seed, result, args.pyshacl_limit)
        print(f"[{size:,}] named queries …", flush=True)
        result.named_queries_ms = named_queries(
            store, args.reps if size <= 1_000_000 else max(3, args.reps // 4), result.triples
        )
        print(f"[{size:,}] HTTP …", flush=True)
        http(result, store, nquads, measures, work, args.seconds, args.rdflib_limit)
        results.append(result)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {
        "machine": info,
        "seconds_per_cell": args.seconds,
        "results": [asdict(r) for r in results],
    }
    (args.out / f"results-{stamp}.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    report = markdown(results, info, args.seconds)
    (args.out / f"results-{stamp}.md").write_text(report, encoding="utf-8")
    print(report)
    return results


if __name__ == "__main__":
    main()
