"""The app's cache of feeds and stream pages: per journal version, owned by each app."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from sozialgraph.config import Settings
from sozialgraph.publishing.stream_cache import Artefact, VersionedCache
from tests.inprocess import app_client


def test_entries_belong_to_the_newest_version_asked_for() -> None:
    cache: VersionedCache[Artefact] = VersionedCache(entries=2)
    made: list[str] = []

    def make(text: str) -> Artefact:
        made.append(text)
        return Artefact.of(text.encode())

    assert cache.get(1, ("feed",), lambda: make("a")).body == b"a"
    assert cache.get(1, ("feed",), lambda: make("b")).body == b"a"  # a hit
    assert cache.peek(1, ("feed",)) is not None
    assert cache.get(2, ("feed",), lambda: make("c")).body == b"c"  # a new version: made again
    assert cache.peek(1, ("feed",)) is None  # the old version's entries are gone
    assert cache.get(1, ("feed",), lambda: make("d")).body == b"d"  # old: made, not kept
    assert cache.peek(2, ("feed",)) is not None and len(cache) == 1
    cache.get(2, ("x",), lambda: make("e"))
    cache.get(2, ("y",), lambda: make("f"))
    assert len(cache) == 2 and cache.peek(2, ("feed",)) is None  # bounded, least recent out
    assert made == ["a", "c", "d", "e", "f"]
    assert Artefact.of(b"a").etag == Artefact.of(b"a").etag != Artefact.of(b"b").etag


def test_no_module_state_each_app_owns_its_caches(tmp_path: Path) -> None:
    import sozialgraph.web.feeds as feeds
    import sozialgraph.web.ldes as ldes

    held = [
        name
        for module in (feeds, ldes)
        for name, value in vars(module).items()
        if isinstance(value, dict | OrderedDict) and not (name.startswith("__") or name.isupper())
    ]
    assert held == []
    stores = []
    for name in ("a", "b"):
        settings = Settings(store=str(tmp_path / name), state_dir=str(tmp_path / f"state-{name}"))
        with app_client(settings) as client:
            client.get("/feed")
            stores.append((client.app.state.feed_cache, client.app.state.ldes_cache))  # type: ignore[attr-defined]
    assert stores[0][0] is not stores[1][0] and stores[0][1] is not stores[1][1]
    assert isinstance(stores[0][0], VersionedCache) and stores[0][0].misses >= 1
