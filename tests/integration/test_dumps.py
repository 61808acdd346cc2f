"""Dumps: whole dataset in four formats, cached per store version, conditional and compressed."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from sozialgraph.store.embedded import EmbeddedStore
from sozialgraph.store.remote_dialect import server_graphs_filter
from sozialgraph.web.dumps import DUMP_FORMATS, DumpCache
from tests.support import BACKEND, REMOTE_BACKEND, LiveServer, live_server

FORMATS = {
    "sozialgraph.ttl": ("text/turtle", ox.RdfFormat.TURTLE),
    "sozialgraph.nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "sozialgraph.trig": ("application/trig", ox.RdfFormat.TRIG),
    "sozialgraph.jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
}
#: The data's graphs: on Virtuoso without its own (virtrdf#, ldp#, URIQA), which are not data and
#: no dump holds (docs/remote-store.md).
DATA_GRAPHS = server_graphs_filter("?g") if BACKEND == "virtuoso" else ""
COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {DATA_GRAPHS} }}"


def _copy(jena_store_dir: Path, folder: Path) -> Path:
    copy = folder / "store"
    shutil.copytree(jena_store_dir, copy, symlinks=True)
    return copy


@pytest.fixture(scope="module")
def store_copy(jena_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy(jena_store_dir, tmp_path_factory.mktemp("dumps"))


@pytest.fixture(scope="module")
def server(store_copy: Path) -> Iterator[LiveServer]:
    with live_server(store_copy) as live:
        yield live


def get(server: LiveServer, path: str, **headers: str) -> httpx.Response:
    return httpx.get(server.url + path, headers=headers, timeout=120)


def statements(server: LiveServer) -> int:
    response = httpx.get(
        server.url + "/sparql",
        params={"query": COUNT},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("name", list(FORMATS))
def test_each_dump_holds_every_statement(server: LiveServer, name: str) -> None:
    media_type, fmt = FORMATS[name]
    response = get(server, "/dumps/" + name, **{"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "content-encoding" not in response.headers
    parsed = list(ox.parse(response.content, format=fmt))
    assert len(parsed) == statements(server)


def test_trig_dump_keeps_the_named_graphs(server: LiveServer) -> None:
    quads = list(ox.parse(get(server, "/dumps/sozialgraph.trig").content, format=ox.RdfFormat.TRIG))
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    response = httpx.get(
        server.url + "/sparql",
        params={"query": f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {DATA_GRAPHS} }}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    expected = {row["g"]["value"] for row in response.json()["results"]["bindings"]}
    assert graphs == expected
    assert "https://w3id.org/sozialgraph/graph/data/jena/massnahmen" in graphs


def test_etag_and_last_modified_give_304(server: LiveServer) -> None:
    first = get(server, "/dumps/sozialgraph.ttl", **{"Accept-Encoding": "identity"})
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and etag.endswith('"')
    for header in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        again = get(
            server,
            "/dumps/sozialgraph.ttl",
            **{"If-None-Match": header, "Accept-Encoding": "identity"},
        )
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["etag"] == etag
    assert (
        get(server, "/dumps/sozialgraph.ttl", **{"If-Modified-Since": modified}).status_code == 304
    )
    older = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert get(server, "/dumps/sozialgraph.ttl", **{"If-Modified-Since": older}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2)
    mixed = get(
        server,
        "/dumps/sozialgraph.ttl",
        **{"If-None-Match": '"other"', "If-Modified-Since": modified},
    )
    assert mixed.status_code == 200


def test_etags_differ_by_format_and_encoding(server: LiveServer) -> None:
    tags = set()
    for name in FORMATS:
        for encoding in ("identity", "gzip"):
            tags.add(get(server, "/dumps/" + name, **{"Accept-Encoding": encoding}).headers["etag"])
        tags.add(get(server, "/dumps/" + name + ".gz").headers["etag"])
    assert len(tags) == 3 * len(FORMATS)


def test_head_gives_headers_only(server: LiveServer) -> None:
    response = httpx.head(server.url + "/dumps/sozialgraph.nt", timeout=30)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0
    assert "etag" in response.headers


def test_gzip_when_the_client_accepts_it(server: LiveServer) -> None:
    plain = get(server, "/dumps/sozialgraph.nt", **{"Accept-Encoding": "identity"})
    with httpx.stream(
        "GET", server.url + "/dumps/sozialgraph.nt", headers={"Accept-Encoding": "gzip"}
    ) as response:
        raw = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["vary"] == "Accept-Encoding"
        assert response.headers["content-type"].startswith("application/n-triples")
    assert gzip.decompress(raw) == plain.content
    refused = get(server, "/dumps/sozialgraph.nt", **{"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


@pytest.mark.parametrize("name", list(FORMATS))
def test_gz_files_hold_the_same_dump(server: LiveServer, name: str) -> None:
    packed = get(server, f"/dumps/{name}.gz")
    assert packed.status_code == 200
    assert packed.headers["content-type"] == "application/gzip"
    plain = get(server, "/dumps/" + name, **{"Accept-Encoding": "identity"})
    assert gzip.decompress(packed.content) == plain.content


def test_unknown_dump_is_404(server: LiveServer) -> None:
    response = get(server, "/dumps/sozialgraph.xml")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.skipif(
    REMOTE_BACKEND,
    reason="the embedded store makes its dumps at startup; a remote one on request",
)
def test_dumps_are_made_at_startup_and_kept_for_the_version(
    jena_store_dir: Path, tmp_path: Path
) -> None:
    store = _copy(jena_store_dir, tmp_path)
    version = (store / "VERSION").read_text().strip()
    folder = store / "dumps" / "".join(c if c.isalnum() or c in "-_" else "_" for c in version)
    with live_server(store) as live:
        deadline = time.monotonic() + 60
        while not (folder / "COMPLETE").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (folder / "COMPLETE").exists(), "no dumps were made at startup"
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: get(live, "/dumps/sozialgraph.ttl"), range(4)))
        assert {a.status_code for a in answers} == {200}
        first = answers[0].headers["etag"], answers[0].headers["last-modified"]
        assert {(a.headers["etag"], a.headers["last-modified"]) for a in answers} == {first}
    with live_server(store) as live:  # a restart on the same version reuses the files
        again = get(live, "/dumps/sozialgraph.ttl")
        assert (again.headers["etag"], again.headers["last-modified"]) == first


@pytest.mark.parametrize("from_checkpoint", [False, True], ids=["store", "checkpoint"])
def test_dump_cache_follows_the_store_version(tmp_path: Path, from_checkpoint: bool) -> None:
    graph = ox.NamedNode("https://example.org/graph/test/things")
    title = ox.NamedNode("http://purl.org/dc/terms/title")

    def thing(i: int) -> ox.Triple:
        return ox.Triple(
            ox.NamedNode(f"https://example.org/thing/{i}"), title, ox.Literal(f"Ding {i}")
        )

    store = EmbeddedStore(tmp_path / "store")
    store.rebuild(ox.Quad(t.subject, t.predicate, t.object, graph) for t in map(thing, range(3)))

    async def checkpoint() -> str | None:
        path = store.checkpoint()
        return str(path) if path is not None else None

    cache = DumpCache(tmp_path / "dumps", store, checkpoint if from_checkpoint else None)
    first = asyncio.run(cache.current())
    assert first.version == store.version()
    nt = next(f for f in DUMP_FORMATS if f.extension == "nt")
    trig = next(f for f in DUMP_FORMATS if f.extension == "trig")
    assert len(first.path(nt).read_bytes().splitlines()) == 3
    quads = list(ox.parse(first.path(trig).read_bytes(), format=ox.RdfFormat.TRIG))
    assert {q.graph_name for q in quads} == {graph}
    made = first.path(nt).stat().st_mtime_ns
    again = asyncio.run(cache.current())  # same version: not made again
    assert again.path(nt).stat().st_mtime_ns == made

    store.replace_graphs({graph.value: [thing(i) for i in range(5)]})
    second = asyncio.run(cache.current())
    assert second.version != first.version
    assert len(second.path(nt).read_bytes().splitlines()) == 5
    assert not first.folder.exists()  # the old version's dumps are removed
    assert sorted(p.name for p in (tmp_path / "dumps").iterdir()) == [second.folder.name]
    packed = second.path(nt, compressed=True).read_bytes()
    assert gzip.decompress(packed) == second.path(nt).read_bytes()
    store.close()
