"""A remote store on a real engine (Oxigraph server or Virtuoso), loaded with given quads: for
tests that compare the named queries' answers across engines."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest

from sozialgraph.config import Settings
from sozialgraph.store.remote import RemoteStore
from tests.oxigraph_server import OxigraphServer
from tests.virtuoso_server import VirtuosoServer, virtuoso_installed

#: The engines a comparison runs on (a module fixture's ``params``).
ENGINES = ["oxigraph", "virtuoso"]


@contextmanager
def remote_store(engine: str, location: Path, quads: Iterable[ox.Quad]) -> Iterator[RemoteStore]:
    """A ``RemoteStore`` on a fresh server of ``engine`` in ``location``, holding ``quads``
    (skips the test where Virtuoso is not installed)."""
    if engine == "virtuoso" and not virtuoso_installed():
        pytest.skip("Virtuoso is not installed")
    server = OxigraphServer(location) if engine == "oxigraph" else VirtuosoServer(location)
    with server:
        settings = Settings(
            store=server.query_url, update_url=server.update_url, graph_store_url=server.store_url
        )
        store = RemoteStore(settings)
        store.rebuild(quads)
        yield store
        store.close()
