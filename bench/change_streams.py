"""Cost of following the changes: recording a version, making an LDES page, making a feed.

Generates synthetic municipalities (``bench/generate.py``), records them as the first version
of a journal, then ``--writes`` versions that each change one measure's title, and measures:
recording (canonical N-Quads, SHA-256, per-resource fingerprints, members), the first and the
newest event-stream page (N-Triples and Turtle) and the whole-dataset and one-measure Atom
feeds. No server: this is the generation cost that a cache miss pays once per data version.
Then the cost of a cache hit: what the ``/feed`` and ``/ldes/{k}`` handlers do when the app's
cache (``publishing/stream_cache.py``) holds the artefact (look-up, headers, response object),
p50/p95 over ``--hits`` answers; routing and the socket are not included.

    python -m bench.change_streams --triples 20000 --writes 5
    python -m bench.change_streams --triples 1000000 --writes 3   # the issue's size (minutes)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from starlette.responses import Response

from bench.generate import EX, generate, municipalities_for
from sozialgraph.namespaces import DCT_NS, SG_NS
from sozialgraph.publishing.feeds import FeedScope, atom_feed
from sozialgraph.publishing.ldes import page_members, page_triples, paginate
from sozialgraph.publishing.stream_cache import Artefact, VersionedCache
from sozialgraph.publishing.versions import VersionJournal


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def hit_percentiles(
    cache: VersionedCache[Artefact], version: int, name: str, hits: int
) -> dict[str, float]:
    """p50/p95 in ms of the handlers' work on a cache hit (as ``web/ldes.py``'s ``_answer``)."""
    samples = []
    for _ in range(hits):
        start = time.perf_counter()
        found = cache.peek(version, (name,))
        assert found is not None
        headers = {"ETag": found.etag, "Cache-Control": "public, max-age=60", "Vary": "Accept"}
        Response(found.body, media_type="text/turtle; charset=utf-8", headers=headers)
        samples.append(time.perf_counter() - start)
    samples.sort()
    return {
        "p50": round(samples[len(samples) // 2] * 1000, 4),
        "p95": round(samples[int(len(samples) * 0.95)] * 1000, 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=20_000)
    parser.add_argument("--writes", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=250)
    parser.add_argument("--hits", type=int, default=2000, help="cache hits timed per artefact")
    args = parser.parse_args(argv)

    quads = list(generate(municipalities_for(args.triples)))
    measure = next(
        q.subject.value
        for q in quads
        if q.predicate.value.endswith("#type") and q.object.value == SG_NS + "Measure"
    )
    results: dict[str, Any] = {"triples": len(quads), "page_size": args.page_size}
    cache: VersionedCache[Artefact] = VersionedCache()
    made: dict[str, Artefact] = {}
    with tempfile.TemporaryDirectory() as folder:
        journal = VersionJournal(Path(folder), EX)
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        seconds, first = timed(lambda: journal.record("v1", quads, start))
        results["record_first_s"] = round(seconds, 3)
        results["members_first"] = first.members
        title = ox.NamedNode(DCT_NS + "title")
        for n in range(args.writes):
            quads = [q for q in quads if not (q.subject.value == measure and q.predicate == title)]
            quads.append(
                ox.Quad(ox.NamedNode(measure), title, ox.Literal(f"Titel {n}", language="de"))
            )
            moment = start + dt.timedelta(minutes=n + 1)
            seconds, _ = timed(lambda: journal.record(f"v{n + 2}", quads, moment))  # noqa: B023
        results["record_write_s"] = round(seconds, 3)
        rows = [(r.number, r.created_at, r.members) for r in journal.records()]
        pages = paginate(rows, args.page_size)
        stream = "http://127.0.0.1/ldes#stream"
        for name, page in (("first", pages[0]), ("newest", pages[-1])):

            def make(page: Any = page) -> tuple[bytes, bytes]:
                members = page_members(
                    page,
                    journal.members,
                    lambda n: journal.get(n).members,  # type: ignore[union-attr]
                )
                triples = page_triples(stream, "http://127.0.0.1/ldes/0", page, members)
                return (
                    ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"",
                    ox.serialize(triples, format=ox.RdfFormat.TURTLE) or b"",
                )

            seconds, (nt, _) = timed(make)
            results[f"ldes_page_{name}_s"] = round(seconds, 3)
            results[f"ldes_page_{name}_bytes"] = len(nt)
            results[f"ldes_page_{name}_members"] = page.members
            made[f"ldes_page_{name}"] = Artefact.of(nt)
        for name, iri in (("all", None), ("measure", measure)):
            scope = FeedScope(iri, "Änderungen", "changes")
            seconds, (body, _) = timed(
                lambda scope=scope: atom_feed(
                    journal,
                    scope,
                    self_url="http://127.0.0.1/feed",
                    page_url="http://127.0.0.1/",
                    version_url=lambda n: f"http://127.0.0.1/versionen/{n}",
                    link_of=str,
                )
            )
            results[f"feed_{name}_s"] = round(seconds, 3)
            results[f"feed_{name}_bytes"] = len(body)
            made[f"feed_{name}"] = Artefact.of(body)
        version = journal.records()[-1].number
        for name, artefact in made.items():
            cache.get(version, (name,), lambda artefact=artefact: artefact)
            results[f"hit_{name}_ms"] = hit_percentiles(cache, version, name, args.hits)
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
