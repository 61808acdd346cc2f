"""The application factory: wires settings, store, query workers, routers and error handlers."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from sozialgraph import __version__
from sozialgraph.config import Settings
from sozialgraph.ingest.write_service import WriteService
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.querying.result_cache import RawHeaders
from sozialgraph.querying.service import QueryService
from sozialgraph.resources import queries_dir
from sozialgraph.store import GraphStore, open_store
from sozialgraph.web import (
    api,
    api_docs,
    catalog,
    cockpit_matrix,
    cockpit_pages,
    dumps,
    feeds,
    graph_store,
    ingest,
    ldes,
    linked_data,
    officer,
    officer_upload,
    oparl,
    pages,
    search,
    sparql,
    versions,
)
from sozialgraph.web.api_cache import ApiResponseCache
from sozialgraph.web.cors import ReadOnlyCORS
from sozialgraph.web.iri_paths import link_target
from sozialgraph.web.problems import install_error_handlers
from sozialgraph.web.security_headers import ALWAYS, with_headers, with_security_headers
from sozialgraph.web.sparql_fast import Ready, SparqlFastPath
from sozialgraph.web.templating import STATIC_DIR, create_templates
from sozialgraph.web.write_auth import FailedAuthThrottle


class SozialgraphApp(FastAPI):
    """FastAPI with the SPARQL fast path in front of its middleware stack.

    The headers every HTTP answer carries (``security_headers``, ``Sozialgraph-Version``) are
    worked out here once per request, from one look at the store's version: the fast path puts
    them into its answers itself; everything else gets them through one wrapped ``send``.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.fast_path = SparqlFastPath(self.state)
        self.version_header = versions.VersionHeader(self.state)
        # The started query service (``state.query_service`` while the app runs), read by every
        # request without Starlette's ``State.__getattr__``.
        self.query_service: QueryService | None = None
        self._process: RawHeaders = []  # ``Sozialgraph-Process`` (``name_process``)
        self._unversioned: RawHeaders = ALWAYS  # the headers of every answer without a version
        self._extra: tuple[tuple[bytes, bytes] | None, RawHeaders] = (None, ALWAYS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        service = self.query_service
        # The embedded store's version (``store.version_file``); None for a remote store or
        # before the start: then no fast path, and the version the service saw last.
        local = service.backend.known_version() if service is not None else None
        version = self.version_header.header(scope, local)
        extra = self._headers_with(version)
        if (
            service is not None
            and local is not None
            and await self.fast_path.answer(scope, receive, send, service, local, extra)
        ):
            return
        if len(extra) > len(ALWAYS):  # the version's and the process's headers
            send = with_headers(send, extra[len(ALWAYS) :])
        await super().__call__(scope, receive, with_security_headers(scope, send))

    def name_process(self) -> None:
        """Name this process in every answer (``Sozialgraph-Process: <pid>``), so that clients
        and tests can tell several web processes apart (``serve --workers N``)."""
        self._process = [(b"sozialgraph-process", str(os.getpid()).encode("ascii"))]
        self._unversioned = [*ALWAYS, *self._process]
        self._extra = (None, self._unversioned)

    def _headers_with(self, version: tuple[bytes, bytes] | None) -> RawHeaders:
        """The headers every answer carries: ``ALWAYS`` first (``with_security_headers`` adds
        them to the full path's answers), then ``version``'s and the process's; one list per
        version, not one per request."""
        if version is None:
            return self._unversioned
        kept, extra = self._extra
        if kept is not version:
            extra = [*ALWAYS, version, *self._process]
            self._extra = (version, extra)
        return extra

    def answer_now(self, scope: Scope) -> Ready | None:
        """The fast path's answer to an HTTP ``scope`` when it is ready without waiting (status,
        headers, body: the same as through ``__call__``); None: call the app."""
        service = self.query_service
        local = service.backend.known_version() if service is not None else None
        if service is None or local is None:
            return None
        version = self.version_header.header(scope, local)
        extra = self._headers_with(version)
        return self.fast_path.answer_now(scope, service, local, extra)


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> FastAPI:
    """A new app on its own settings and store (no global state)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store or open_store(settings)
        app.state.query_service = QueryService(settings, app.state.store)
        await app.state.query_service.start()
        assert isinstance(app, SozialgraphApp)
        app.query_service = app.state.query_service
        app.state.writes = WriteService(settings, app.state.store, app.state.query_service)
        # Everything loaded so far lives as long as the server: keep it out of the garbage
        # collector's full passes, which otherwise pause requests for ~80 ms now and then (p99).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            app.query_service = None
            await app.state.writes.settled()
            await app.state.query_service.close()
            if owned:
                app.state.store.close()

    app = SozialgraphApp(
        title="sozialgraph",
        version=__version__,
        description=(
            "Knowledge graph of a municipal social strategy (first city: Jena): "
            "SPARQL 1.1 endpoint, JSON API over named queries, linked data."
        ),
        lifespan=lifespan,
        # Swagger UI is served from the package by web/api_docs.py (no CDN); no ReDoc
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.auth_throttle = FailedAuthThrottle(settings.auth_failures_per_minute)
    app.state.registry = QueryRegistry(queries_dir())
    templates = create_templates()
    templates.env.filters["local_link"] = local_link_filter(settings.base_iri)
    app.state.templates = templates
    install_error_handlers(app)
    app.include_router(sparql.router)
    app.include_router(api_docs.router)
    app.include_router(api.router)
    app.include_router(ingest.router)
    app.include_router(oparl.router)
    app.include_router(graph_store.router)
    app.include_router(pages.router)
    app.include_router(catalog.router)
    app.include_router(dumps.router)
    app.include_router(versions.router)
    app.include_router(ldes.router)
    app.include_router(feeds.router)
    app.include_router(search.router)
    app.include_router(officer.router)
    app.include_router(officer_upload.router)
    app.include_router(cockpit_matrix.router)
    app.include_router(cockpit_pages.router)
    app.include_router(linked_data.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # The IRI catch-all answers every other path: it must stay the last route.
    app.include_router(linked_data.catch_all)
    app.add_middleware(ApiResponseCache)
    app.add_middleware(ReadOnlyCORS)
    return app


def local_link_filter(base_iri: str):  # noqa: ANN201
    """Links to IRIs of this graph point at this server, so they work behind any host; other
    http(s) IRIs link to themselves; anything else (``javascript:``…) is no link (None)."""

    def local_link(iri: str) -> str | None:
        return link_target(iri, base_iri)

    return local_link
