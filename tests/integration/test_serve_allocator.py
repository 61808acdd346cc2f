"""``sozialgraph serve`` runs with glibc's per-thread cache of freed blocks raised
(``SOZIALGRAPH_MALLOC_TCACHE``, ``server.tuned_allocator``): the server process (the same pid,
started once more by ``exec``) has ``GLIBC_TUNABLES`` in its environment; 0 leaves the default,
and a ``GLIBC_TUNABLES`` of the operator's is kept as it is."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from tests.example_data import EX, make_example_store
from tests.support import live_server

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc setting")


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_example_store(tmp_path_factory.mktemp("allocator") / "store", things=5)


def tunables(store_dir: Path, env: dict[str, str]) -> str | None:
    """The ``GLIBC_TUNABLES`` of the running server process."""
    with live_server(store_dir, env={"SOZIALGRAPH_BASE_IRI": EX, **env}) as server:
        environ = Path(f"/proc/{server.pid}/environ").read_bytes().split(b"\0")
    found = [e for e in environ if e.startswith(b"GLIBC_TUNABLES=")]
    return found[0].split(b"=", 1)[1].decode() if found else None


@pytest.fixture(autouse=True)
def no_tunables_of_the_test_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)


def test_serve_raises_the_thread_cache_of_freed_blocks(store_dir: Path) -> None:
    assert tunables(store_dir, {}) == "glibc.malloc.tcache_count=100"
    assert tunables(store_dir, {"SOZIALGRAPH_MALLOC_TCACHE": "250"}) == (
        "glibc.malloc.tcache_count=250"
    )


def test_zero_or_the_operators_own_tunables_leave_the_allocator_alone(store_dir: Path) -> None:
    assert tunables(store_dir, {"SOZIALGRAPH_MALLOC_TCACHE": "0"}) is None
    own = "glibc.malloc.arena_max=2"
    assert tunables(store_dir, {"GLIBC_TUNABLES": own}) == own
