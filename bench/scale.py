"""Scale: the embedded build at millions of triples (time, peak memory), one municipality's named
queries on the big store, and `/sparql` lookups — asked before and never seen — with one and two
web processes (`serve --workers`), side by side with Oxigraph server in the same run.

    python -m bench.scale                                   # 1M and 5M builds, HTTP at 1M
    python -m bench.scale --sizes 1000000 --http-size 1000000 --seconds 8
    python -m bench.scale --sizes 20000 --http-size 20000 --seconds 2     # a quick check
    python -m bench.scale --sizes 1000000 --queries-size 0 --reuse     # HTTP only, stores kept

Writes ``bench/results/scale-<time>.md`` and ``.json``. The machine's load average is recorded
with every step: on a shared machine the times are only comparable within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench import servers
from bench.http_load import LoadResult
from bench.run import BASE, UNIQUE_LIMIT, load, lookup_paths, samples, walk, write_data
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[1]
JSON_RESULTS = "application/sparql-results+json"


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants (MB)."""
    total = 0
    for member in _tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of ``pid`` and its living descendants: what a server spent,
    whatever else the machine does (on a shared machine a steadier measure than requests/s)."""
    ticks = 0
    for member in _tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def build(store: Path, data: Path) -> dict[str, float]:
    """``sozialgraph build --data`` in a child: wall time, CPU time, the peak of the summed RSS
    of the child and its children (sampled every 0.2 s) and the child's own ``ru_maxrss``."""
    shutil.rmtree(store, ignore_errors=True)
    env = {**os.environ, "SOZIALGRAPH_BASE_IRI": BASE}
    command = [sys.executable, "-m", "sozialgraph.cli", "build", "--store", str(store)]
    command += ["--data", str(data)]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak, status, usage = 0.0, 0, None
    while usage is None:
        peak = max(peak, tree_rss_mb(process.pid))
        pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            usage = rusage
        else:
            time.sleep(0.2)
    elapsed = time.perf_counter() - started
    if status != 0:
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise RuntimeError(f"build failed: {error[-2000:]}")
    return {
        "seconds": round(elapsed, 1),
        "peak_tree_rss_mb": round(peak, 1),
        "max_child_rss_mb": round(usage.ru_maxrss / 1024, 1),  # wait4: the child's own peak
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "load_before": round(load_before, 1),
        "load_after": round(os.getloadavg()[0], 1),
        # the build makes the text index on the way unless SOZIALGRAPH_SEARCH_INDEX=false
        "search_index": env.get("SOZIALGRAPH_SEARCH_INDEX", "true"),
    }


def stored_sample(store_dir: Path) -> tuple[list[str], int, int]:
    """Up to 2,000 measures with a title, the triple count and the number of towns of a store
    built before (what ``write_data`` reports while it writes)."""
    from sozialgraph.store.embedded import EmbeddedStore

    embedded = EmbeddedStore(store_dir)
    rows = embedded.query(
        "SELECT DISTINCT ?m WHERE { ?m <http://purl.org/dc/terms/title> ?t "
        'FILTER(CONTAINS(STR(?m), "/massnahme/")) } LIMIT 2000'
    )
    measures = sorted(row["m"].value for row in rows)  # type: ignore[union-attr]
    generation = embedded.generations()[-1]
    towns = sum(1 for name in embedded.graph_names() if "/graph/data/gemeinde-" in name)
    embedded.close()
    return measures, generation.triples or 0, towns


def one_town_queries(store_dir: Path, reps: int) -> dict[str, dict[str, float]]:
    """Every named query bound as a user of one municipality asks (as ``bench.run``'s
    "(filtered)" rows), in-process on a read-only checkpoint: median and max of ``reps``."""
    import pyoxigraph as ox

    from sozialgraph.querying.registry import QueryRegistry
    from sozialgraph.resources import queries_dir
    from sozialgraph.store.embedded import EmbeddedStore

    embedded = EmbeddedStore(store_dir)
    values = samples(embedded)
    checkpoint = embedded.checkpoint()
    embedded.close()
    store = ox.Store.read_only(str(checkpoint))
    timings: dict[str, dict[str, float]] = {}
    for named in QueryRegistry(queries_dir()):
        if not any(p.name == "municipality" for p in named.parameters):
            continue
        text = named.bind({p.name: values.get(p.name, p.example) for p in named.parameters})
        runs, cpu = [], []
        for _ in range(reps):
            started, cpu_started = time.perf_counter(), time.process_time()
            result = store.query(text, use_default_graph_as_union=True)
            rows = 0 if isinstance(result, ox.QueryBoolean) else sum(1 for _ in result)
            runs.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        runs.sort()
        cpu.sort()
        timings[named.name] = {
            "median_ms": round(runs[len(runs) // 2], 1),
            "max_ms": round(runs[-1], 1),
            # CPU time of this process: steadier than wall time on a machine shared with others
            "cpu_median_ms": round(cpu[len(cpu) // 2], 1),
            "rows": rows,
        }
    return timings


@contextlib.contextmanager
def process(
    command: list[str], url: str, log: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """A server process (as ``bench.servers`` runs them): its URL and pid."""
    with log.open("wb") as output:
        started = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    try:
        servers._wait(url, started, log)
        yield url, started.pid
    finally:
        started.terminate()
        try:
            started.wait(15)
        except subprocess.TimeoutExpired:
            started.kill()


def settle(pid: int, limit: float = 300) -> None:
    """Wait until the server is idle (its start-up work — recording the store's version, a
    text index — would otherwise take CPU from the measured requests)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = tree_cpu_seconds(pid)
        time.sleep(2)
        if tree_cpu_seconds(pid) - before < 0.2:
            return


def sozialgraph_server(
    store: Path, work: Path, processes: int, inline: bool
) -> contextlib.AbstractContextManager[tuple[str, int]]:
    """``sozialgraph serve --workers N`` as ``bench.servers.sozialgraph`` runs it."""
    port = free_port()
    env = {
        "SOZIALGRAPH_STORE": str(store),
        "SOZIALGRAPH_BASE_IRI": BASE,
        "SOZIALGRAPH_QUERY_WORKERS": "2",
        "SOZIALGRAPH_ACCESS_LOG": "false",
        "SOZIALGRAPH_QUERIES_PER_CLIENT": "10000",
        "SOZIALGRAPH_QUERY_QUEUE": "10000",
        "SOZIALGRAPH_INLINE_LOOKUPS": "true" if inline else "false",
        "SOZIALGRAPH_SEARCH_INDEX": "false",  # /sparql is measured; no index built at start
    }
    command = [sys.executable, "-m", "sozialgraph.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(processes)]
    log = work / f"sozialgraph-{port}.log"
    return process(command, f"http://127.0.0.1:{port}/sparql", log, env)


def oxigraph_server(
    store_copy: Path, work: Path
) -> contextlib.AbstractContextManager[tuple[str, int]]:
    """``oxigraph serve-read-only`` as ``bench.servers.oxigraph`` runs it."""
    port = free_port()
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    command = [binary, "serve-read-only", "--location", str(store_copy)]
    command += ["--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    url = f"http://127.0.0.1:{port}/query"
    return process(command, url, work / f"oxigraph-{port}.log")


def http(store: Path, measures: list[str], work: Path, seconds: float) -> dict[str, dict]:
    """Lookups at c=8: asked before (result cache) and never seen (a fresh LIMIT each)."""
    from sozialgraph.store.embedded import EmbeddedStore

    cells: dict[str, dict] = {}

    def measure(name: str, base: str, path: str, pid: int) -> None:
        paths = lookup_paths(path, measures)
        walk(base, paths, JSON_RESULTS)
        settle(pid)
        for label, unique in (("cached", None), ("never seen", UNIQUE_LIMIT)):
            cpu = tree_cpu_seconds(pid)
            found: LoadResult = load(base, paths, JSON_RESULTS, 8, seconds, work, unique)
            cpu = tree_cpu_seconds(pid) - cpu
            requests = max(1, found.requests + found.errors)
            cells[f"{name} {label}"] = {
                "rps": round(found.throughput, 1),
                "cpu_us_per_request": round(cpu / requests * 1e6, 1),
                "median_ms": round(found.median_ms, 2),
                "p99_ms": round(found.p99_ms, 2),
                "errors": found.errors,
                "load": round(os.getloadavg()[0], 1),
            }

    copy = work / "oxigraph-copy"
    shutil.rmtree(copy, ignore_errors=True)
    checkpoint = EmbeddedStore(store).checkpoint()
    assert checkpoint is not None
    shutil.copytree(checkpoint, copy)
    os.sync()
    with oxigraph_server(copy, work) as (endpoint, pid):
        base, path = endpoint.rsplit("/", 1)
        measure("oxigraph", base, "/" + path, pid)
    for processes, inline in ((1, False), (1, True), (2, True)):
        name = f"sozialgraph --workers {processes}" + ("" if inline else " (no inline lookups)")
        with sozialgraph_server(store, work, processes, inline) as (url, pid):
            measure(name, url.removesuffix("/sparql"), "/sparql", pid)
    return cells


def markdown(report: dict) -> str:
    lines = [f"# Scale run {report['started']}", "", f"Machine: {report['machine']}", ""]
    lines += ["## Embedded build", "", "| triples | towns | time | CPU | peak RSS (tree) | load |"]
    lines += ["|---:|---:|---:|---:|---:|---|"]
    for size in report["sizes"]:
        if "build" not in size:
            continue
        b = size["build"]
        lines.append(
            f"| {size['triples']:,} | {size['towns']} | {b['seconds']} s | {b['cpu_seconds']} s | "
            f"{b['peak_tree_rss_mb']:.0f} MB | {b['load_before']} → {b['load_after']} |"
        )
    for size in report["sizes"]:
        if size.get("named_queries"):
            lines += ["", f"## One municipality's named queries at {size['triples']:,} triples", ""]
            lines += ["| query | median | max | CPU median | rows |", "|---|---:|---:|---:|---:|"]
            for name, t in sorted(size["named_queries"].items()):
                lines.append(
                    f"| {name} | {t['median_ms']} ms | {t['max_ms']} ms | "
                    f"{t.get('cpu_median_ms', '–')} ms | {t['rows']} |"
                )
        if size.get("http"):
            cells = size["http"]
            lines += ["", f"## /sparql lookups at c=8, {size['triples']:,} triples", ""]
            lines += [
                "| server | rps | × Oxigraph | CPU µs/request | × Oxigraph's CPU | median | p99 "
                "| errors | load |"
            ]
            lines += ["|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
            for name, c in cells.items():
                kind = "never seen" if name.endswith("never seen") else "cached"
                oxigraph = cells.get(f"oxigraph {kind}", {})
                reference = oxigraph.get("rps") or float("nan")
                cpu = oxigraph.get("cpu_us_per_request") or float("nan")
                lines.append(
                    f"| {name} | {c['rps']:,.0f} | {c['rps'] / reference:.2f} | "
                    f"{c['cpu_us_per_request']:,.0f} | {cpu / c['cpu_us_per_request']:.2f} | "
                    f"{c['median_ms']} ms | {c['p99_ms']} ms | {c['errors']} | {c['load']} |"
                )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000,5000000")
    parser.add_argument("--http-size", type=int, default=1_000_000)
    parser.add_argument("--queries-size", type=int, default=5_000_000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--reuse", action="store_true", help="use the stores of an earlier run (no build)"
    )
    args = parser.parse_args(argv)
    started = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    report: dict = {
        "started": started,
        "machine": f"{os.cpu_count()} cores, wrk: {bool(shutil.which('wrk'))}",
        "sizes": [],
    }
    for size in (int(s) for s in args.sizes.split(",")):
        work = ROOT / "bench" / "scratch" / f"scale-{size}"
        store = work / "store"
        if args.reuse and store.is_dir():  # measure again on the store of an earlier run
            measures, count, towns = stored_sample(store)
            entry: dict = {"target": size, "triples": count, "towns": towns, "reused": True}
        else:
            data, nquads, measures, count, towns = write_data(size, work, 0)
            nquads.unlink()  # the N-Quads copy is for rdflib-endpoint, not run here
            entry = {"target": size, "triples": count, "towns": towns}
            entry["build"] = build(store, data)
            print(f"build {count:,}: {entry['build']}", flush=True)
        if size == args.queries_size:
            entry["named_queries"] = one_town_queries(store, args.reps)
        if size == args.http_size:
            entry["http"] = http(store, measures, work, args.seconds)
        report["sizes"].append(entry)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"scale-{started}.json").write_text(json.dumps(report, indent=2))
        (args.out / f"scale-{started}.md").write_text(markdown(report))
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
