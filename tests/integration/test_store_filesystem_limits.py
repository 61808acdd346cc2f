"""The store folder on a full disk and on a read-only mount (issue 14), with real limits.

A small tmpfs is mounted as the store folder (root only: the tests are skipped otherwise), a
real ``sozialgraph serve`` runs on it, and the disk is filled with a file, then freed; or the
mount is made read-only before the server starts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.stores import EXAMPLE_BASE, build_example_store
from tests.support import free_port, live_server

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounts a tmpfs (needs root)")

TOKEN = "s3cret-officer-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENV = {
    "SOZIALGRAPH_BASE_IRI": EXAMPLE_BASE,
    "SOZIALGRAPH_MUNICIPALITY": "beispielstadt",
    "SOZIALGRAPH_WRITE_TOKENS": f"officer:{TOKEN}",
}
MEASURE = """@prefix sg: <https://w3id.org/sozialgraph/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://example.org/beispielstadt/massnahme/disk-{n}> a sg:Measure ;
    dcterms:title "Maßnahme {n}"@de ;
    sg:belongsToStrategy <https://example.org/beispielstadt/strategie/armutspraevention> ;
    dcterms:source <https://example.org/quellen/disk> .
"""


@pytest.fixture(scope="module")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example_store(tmp_path_factory.mktemp("fs-limits") / "store")


@contextlib.contextmanager
def tmpfs_copy(source: Path, target: Path, spare_mb: int) -> Iterator[Path]:
    """``source`` copied onto a tmpfs mounted at ``target``, ``spare_mb`` MB larger than it."""
    used = sum(f.stat().st_size for f in source.rglob("*") if f.is_file())
    target.mkdir()
    size = used // 1_000_000 + spare_mb
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}m", "tmpfs", str(target)], check=False
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        shutil.copytree(source, target, dirs_exist_ok=True)
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    return filler


def put(url: str, n: int) -> httpx.Response:
    return httpx.put(
        url + "/graph-store",
        params={"graph": f"{EXAMPLE_BASE}graph/import/disk-{n}"},
        content=MEASURE.format(n=n).encode(),
        headers={"Content-Type": "text/turtle", "Accept-Language": "en", **AUTH},
        timeout=60,
    )


def ask(url: str, text: str) -> httpx.Response:
    return httpx.get(
        url + "/sparql",
        params={"query": text},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )


def test_a_full_disk_answers_507_keeps_reads_working_and_writes_work_once_freed(
    example_store: Path, tmp_path: Path
) -> None:
    with (
        tmpfs_copy(example_store, tmp_path / "store", spare_mb=24) as store,
        live_server(store, env=ENV) as server,
    ):
        assert put(server.url, 1).status_code == 201
        assert ask(server.url, "ASK { ?s ?p ?o }").status_code == 200
        filler = fill(store)

        refused = put(server.url, 2)
        assert refused.status_code == 507, refused.text
        assert "disk" in refused.json()["detail"] and "full" in refused.json()["detail"]
        assert str(store) not in refused.text
        for n in range(5):  # new queries, not cached: they need the store's checkpoint
            counted = ask(server.url, f"SELECT (COUNT(*) AS ?n{n}) WHERE {{ ?s ?p ?o }}")
            assert counted.status_code == 200, counted.text
        assert put(server.url, 3).status_code == 507  # still full: still a clear answer

        filler.unlink()
        assert put(server.url, 4).status_code == 201
        found = ask(
            server.url, "ASK { <https://example.org/beispielstadt/massnahme/disk-4> ?p ?o }"
        )
        assert found.json()["boolean"] is True
        missing = ask(
            server.url, "ASK { <https://example.org/beispielstadt/massnahme/disk-2> ?p ?o }"
        )
        assert missing.json()["boolean"] is False
    assert '" 500' not in server.log.read_text(errors="replace")  # no request failed


def test_serve_refuses_a_read_only_store_folder_instead_of_serving_stale_data(
    example_store: Path, tmp_path: Path
) -> None:
    with tmpfs_copy(example_store, tmp_path / "store", spare_mb=24) as store:
        with live_server(store, env=ENV) as server:  # a write after the last checkpoint
            assert ask(server.url, "ASK { ?s ?p ?o }").status_code == 200
            assert put(server.url, 1).status_code == 201
        subprocess.run(["mount", "-o", "remount,ro", str(store)], check=True)

        environment = {**os.environ, **ENV, "SOZIALGRAPH_STORE": str(store)}
        command = [sys.executable, "-m", "sozialgraph.cli", "serve", "--port", str(free_port())]
        try:
            served = subprocess.run(
                command, env=environment, capture_output=True, text=True, timeout=60, check=False
            )
        except subprocess.TimeoutExpired:
            pytest.fail("the server started on a read-only store folder")
        assert served.returncode == 4, served.stderr
        assert "cannot be written" in " ".join(served.stderr.split())
