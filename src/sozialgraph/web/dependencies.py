"""FastAPI dependencies: settings, store and query service come from the app, never from globals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

from sozialgraph.config import Settings
from sozialgraph.store import GraphStore

if TYPE_CHECKING:
    from sozialgraph.queries import QueryRegistry
    from sozialgraph.web.query_service import QueryService


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


def get_query_service(request: Request) -> QueryService:
    service: QueryService = request.app.state.query_service
    return service


def get_registry(request: Request) -> QueryRegistry:
    registry: QueryRegistry = request.app.state.registry
    return registry
