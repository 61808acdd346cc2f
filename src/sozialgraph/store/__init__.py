"""Graph stores: one small interface, an embedded pyoxigraph store and a remote SPARQL store."""

from __future__ import annotations

from sozialgraph.config import Settings
from sozialgraph.store.base import GraphStore, QueryResult


def open_store(settings: Settings) -> GraphStore:
    """The store that the settings name: a directory (embedded) or a SPARQL endpoint URL."""
    if settings.is_remote:
        from sozialgraph.store.remote import RemoteStore

        return RemoteStore(settings)
    if settings.web_processes > 1:  # several web processes: each reads checkpoints
        from sozialgraph.store.shared import SharedEmbeddedStore

        return SharedEmbeddedStore(settings.store)
    from sozialgraph.store.embedded import EmbeddedStore

    return EmbeddedStore(settings.store)


__all__ = ["GraphStore", "QueryResult", "open_store"]
