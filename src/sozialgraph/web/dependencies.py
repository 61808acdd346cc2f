"""FastAPI dependencies, one module for every router (FastAPI's full-stack template style).

Settings, store, services and the reader's context come from the app, never from globals. They
are coroutines: FastAPI runs plain functions in its thread pool, a hop per request. Routers use
the ``Annotated`` aliases below.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from sozialgraph.config import Settings
from sozialgraph.ingest.write_service import WriteService
from sozialgraph.publishing.dumps import DumpCache
from sozialgraph.publishing.search_service import SearchService
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.querying.service import QueryService
from sozialgraph.readmodel.context import ReadContext
from sozialgraph.store.base import GraphStore
from sozialgraph.web.languages import ui_language


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


async def get_writes(request: Request) -> WriteService:
    writes: WriteService = request.app.state.writes
    return writes


async def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


async def get_dumps(request: Request) -> DumpCache:
    dumps: DumpCache = request.app.state.dumps
    return dumps


async def get_search(request: Request) -> SearchService:
    search: SearchService = request.app.state.search
    return search


async def get_language(request: Request) -> str:
    return ui_language(request)


async def get_reader(request: Request) -> ReadContext:
    """The read model's context for this request: its language and the app's services."""
    service: QueryService = request.app.state.query_service
    return ReadContext(
        service, request.app.state.registry, ui_language(request), service.settings.base_iri
    )


SettingsDep = Annotated[Settings, Depends(get_settings)]
Store = Annotated[GraphStore, Depends(get_store)]
Queries = Annotated[QueryService, Depends(get_query_service)]
Registry = Annotated[QueryRegistry, Depends(get_registry)]
Writes = Annotated[WriteService, Depends(get_writes)]
Templates = Annotated[Jinja2Templates, Depends(get_templates)]
Dumps = Annotated[DumpCache, Depends(get_dumps)]
Search = Annotated[SearchService, Depends(get_search)]
Language = Annotated[str, Depends(get_language)]
Reader = Annotated[ReadContext, Depends(get_reader)]
