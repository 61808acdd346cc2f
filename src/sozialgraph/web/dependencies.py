"""FastAPI dependencies: settings, store and query service come from the app, never from globals.

They are coroutines: FastAPI runs plain functions in its thread pool, a hop per request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

from sozialgraph.config import Settings
from sozialgraph.store import GraphStore

if TYPE_CHECKING:
    from sozialgraph.querying.registry import QueryRegistry
    from sozialgraph.querying.service import QueryService


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


async def get_query_service(request: Request) -> QueryService:
    service: QueryService = request.app.state.query_service
    return service


async def get_registry(request: Request) -> QueryRegistry:
    registry: QueryRegistry = request.app.state.registry
    return registry
