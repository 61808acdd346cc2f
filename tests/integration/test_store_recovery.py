"""A bad day for the store folder: a damaged CURRENT, a missing checkpoint folder.

Real stores on disk and real ``sozialgraph`` processes; the full-disk and read-only cases are in
``test_store_filesystem_limits.py`` (they need mounts).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sozialgraph.build import build
from sozialgraph.store.embedded import EmbeddedStore
from sozialgraph.store.version_file import VersionFile
from tests.support import free_port, live_server

BASE = "https://example.org/"
ENV = {"SOZIALGRAPH_BASE_IRI": BASE}


def sozialgraph(*args: str, store: Path, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """A ``sozialgraph`` command on ``store``; a server that starts is stopped by the timeout."""
    environment = {**os.environ, "SOZIALGRAPH_STORE": str(store), **ENV}
    return subprocess.run(
        [sys.executable, "-m", "sozialgraph.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def built(mini_root: Path, store_dir: Path) -> tuple[str, int]:
    store = EmbeddedStore(store_dir)
    build(store, BASE, root=mini_root)
    generation, count = store.current_generation(), store.triple_count()
    store.close()
    assert generation is not None
    return generation, count


@pytest.mark.parametrize("damage", ["garbage", "empty", "missing"])
def test_serve_refuses_a_damaged_current_pointer_and_keeps_the_generation(
    mini_root: Path, store_dir: Path, damage: str
) -> None:
    generation, count = built(mini_root, store_dir)
    pointer = store_dir / "CURRENT"
    if damage == "missing":
        pointer.unlink()
    else:
        pointer.write_text("\x00\x17garbage" if damage == "garbage" else "")

    try:
        served = sozialgraph("serve", "--port", str(free_port()), store=store_dir, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the server started on a damaged store instead of refusing to")
    assert served.returncode == 3
    assert "store repair" in served.stderr
    assert "building it first" not in served.stderr
    assert (store_dir / "generations" / generation).is_dir()

    repaired = sozialgraph("store", "repair", store=store_dir)
    assert repaired.returncode == 0, repaired.stderr
    assert generation in repaired.stderr and "complete" in repaired.stderr
    assert f"CURRENT now names {generation}" in repaired.stderr
    store = EmbeddedStore(store_dir)
    assert store.current_generation() == generation
    assert store.triple_count() == count


def test_store_repair_points_current_at_the_named_generation(
    mini_root: Path, store_dir: Path
) -> None:
    first, _ = built(mini_root, store_dir)
    second, _ = built(mini_root, store_dir)  # a rebuild keeps the previous generation
    assert first != second

    repaired = sozialgraph("store", "repair", "--generation", first, store=store_dir)

    assert repaired.returncode == 0, repaired.stderr
    assert first in repaired.stderr and second in repaired.stderr  # both listed
    assert EmbeddedStore(store_dir).current_generation() == first
    unknown = sozialgraph("store", "repair", "--generation", "nonesuch", store=store_dir)
    assert unknown.returncode == 3
    assert EmbeddedStore(store_dir).current_generation() == first


def test_serve_still_builds_a_store_folder_without_any_generation(tmp_path: Path) -> None:
    with live_server(tmp_path / "new-store") as server:
        response = httpx.get(
            server.url + "/sparql",
            params={"query": "ASK { ?s ?p ?o }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
    assert response.json()["boolean"] is True


def test_a_missing_checkpoint_folder_is_made_again_and_no_path_is_shown(
    mini_root: Path, store_dir: Path
) -> None:
    built(mini_root, store_dir)
    with live_server(store_dir, env=ENV) as server:
        shutil.rmtree(store_dir / "checkpoints")
        # a new version, as a write makes it (the signal tells the server): a new copy
        VersionFile(store_dir, writable=True).write("after-the-folder-went")
        response = httpx.get(
            server.url + "/sparql",
            params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        assert str(store_dir) not in response.text
        assert (store_dir / "checkpoints").is_dir()
