"""Instructions per never-seen `/sparql` lookup in the web process, counted by valgrind's
callgrind: the same for the same code and store whatever else the machine does, so a change of a
few per cent shows on a shared machine where requests a second vary by a third.

The loop of `bench/http_cpu.py` (the HTTP layer and the app on a real store, fed request bytes in
one process, ready answers, `serve`'s allocator setting) runs twice under callgrind, with 200 and
with 1,200 never-seen lookups after the same warm-up; the difference over 1,000 is one lookup's
cost, start-up and warm-up cancelled out. All requests are made before the loop, so their making
is not counted. With `--before SRC` the code in another source folder is counted too.

    python -m bench.lookup_instructions                       # the 1M store of bench/scale.py
    git worktree add ../before HEAD~1 && python -m bench.lookup_instructions --before ../before/src
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.http_cpu import _requests, answer_all, serving

ROOT = Path(__file__).resolve().parents[1]
WARM_UP, FEW, MANY = 300, 200, 1_200


async def _loop(store: str, count: int) -> None:
    """``WARM_UP`` lookups, then ``count`` never-seen ones, answered as ``serve`` answers them."""
    async with serving(store, ready=True) as (protocol, transport, measures):
        batches = (_requests(measures, WARM_UP), _requests(measures, MANY)[:count])
        gc.collect()
        gc.freeze()
        for requests in batches:
            await answer_all(protocol, transport, requests)


def _instructions(store: Path, count: int, source: str | None) -> int:
    """The instructions callgrind counts for the whole run of ``_loop(store, count)``."""
    env = {**os.environ, "GLIBC_TUNABLES": "glibc.malloc.tcache_count=100"}  # as `serve` runs
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, str(ROOT)]))
    with tempfile.TemporaryDirectory() as folder:
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out"]
        command += [sys.executable, "-m", "bench.lookup_instructions", "--store", str(store)]
        command += ["--count", str(count)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode or found is None:
        raise RuntimeError(done.stderr[-3000:])
    return int(found.group(1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = ROOT / "bench" / "scratch" / "scale-1000000" / "store"
    parser.add_argument("--store", type=Path, default=default)
    parser.add_argument("--before", type=Path, help="another source folder to count too")
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)  # one run, under valgrind
    args = parser.parse_args(argv)
    if args.count is not None:
        import uvloop

        uvloop.run(_loop(str(args.store), args.count))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed (Debian: apt-get install valgrind)")
    sources = [(f"before ({args.before})", str(args.before))] if args.before else []
    for name, source in [*sources, ("this tree", None)]:
        few = _instructions(args.store, FEW, source)
        many = _instructions(args.store, MANY, source)
        per_request = (many - few) / (MANY - FEW)
        print(f"{name}: {per_request:,.0f} instructions per never-seen lookup", flush=True)


if __name__ == "__main__":
    main()
