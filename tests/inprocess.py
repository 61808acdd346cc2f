"""The app built in-process (``create_app(settings, store=…)``) and driven by Starlette's
TestClient: for fast cases that need no real server (a real one: ``tests.support.live_server``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from sozialgraph.config import Settings
from sozialgraph.store import open_store
from sozialgraph.store.base import GraphStore
from sozialgraph.web.app import create_app


@contextmanager
def app_client(settings: Settings, store: GraphStore | None = None) -> Iterator[TestClient]:
    """A client of an app on ``settings`` (and on ``store``, which stays open afterwards)."""
    owned = store is None
    store = store or open_store(settings)
    try:
        with TestClient(create_app(settings, store=store), base_url="http://127.0.0.1") as client:
            yield client
    finally:
        if owned:
            store.close()
