"""Full-text search: ``GET /api/search`` (JSON) and the page ``/suche`` with facets.

Both ask the search service (``publishing/search_service.py``): the text index of the store's
current version, or the plain scan while there is none. The index is made at start-up in the
background and renewed on the first search after a write.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from sozialgraph.publishing.search_service import SearchService
from sozialgraph.querying.service import QueryService
from sozialgraph.readmodel.context import ReadContext
from sozialgraph.readmodel.search import SearchResult, label_facets
from sozialgraph.web.dependencies import Reader, Search, Templates
from sozialgraph.web.languages import ui_language

SEARCH_PAGE = "/suche"
MAX_LIMIT = 100


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Make the index of the current version in the background (searches meanwhile scan)."""
    service: QueryService = app.state.query_service
    settings = app.state.settings

    def context(lang: str) -> ReadContext:
        return ReadContext(service, app.state.registry, lang, settings.base_iri)

    search = SearchService(settings, context, service.backend.snapshot)
    app.state.search = search
    if settings.search_index:
        search.refresh()
    try:
        yield
    finally:
        await search.close()


router = APIRouter(lifespan=lifespan)

Words = Annotated[
    str,
    Query(
        description='Words to find (all of them; the last may be unfinished); "quoted phrases"; '
        "or an identifier such as 25/0529-BV. Nothing in it is an operator.",
        max_length=10_000,
    ),
]
Iris = Annotated[
    list[str] | None,
    Query(description="IRI or id (repeatable: any of them).", max_length=2000),
]
Lang = Annotated[
    str | None,
    Query(
        description="de or en: only texts in this language (and texts without one); labels and "
        "snippets in it.",
        pattern="^(de|en)$",
    ),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=10_000)]


async def _search(
    search: SearchService,
    ctx: ReadContext,
    q: str,
    type_: list[str] | None,
    strategy: list[str] | None,
    municipality: list[str] | None,
    lang: str | None,
    limit: int,
    offset: int,
) -> SearchResult:
    def iris(values: list[str] | None) -> tuple[str, ...]:
        return tuple(ctx.iri_of(v) for v in values or () if v)

    result = await search.search(
        ctx,
        q,
        types=iris(type_),
        strategies=iris(strategy),
        municipalities=iris(municipality),
        lang=lang,
        limit=limit,
        offset=offset,
    )
    return await label_facets(ctx, result)


@router.get(
    "/api/search",
    tags=["API"],
    summary="Full-text search (ranked; German and English; phrases, prefixes, one typo)",
)
async def api_search(
    ctx: Reader,
    search: Search,
    q: Words,
    type: Iris = None,
    strategy: Iris = None,
    municipality: Iris = None,
    lang: Lang = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> SearchResult:
    return await _search(search, ctx, q, type, strategy, municipality, lang, limit, offset)


@router.get(SEARCH_PAGE, summary="Search page (HTML)", tags=["Linked data"])
async def search_page(
    request: Request,
    ctx: Reader,
    search: Search,
    templates: Templates,
    q: Annotated[str, Query(max_length=10_000)] = "",
    type: Iris = None,
    strategy: Iris = None,
    offset: Offset = 0,
) -> Response:
    lang = ui_language(request)
    link = PageLink(q, list(type or ()), list(strategy or ()), lang)
    result = None
    if q.strip():
        result = await _search(search, ctx, q, type, strategy, None, None, 20, offset)
    context: dict[str, Any] = {
        "lang": lang,
        "q": q,
        "result": result,
        "chosen_types": link.types,
        "chosen_strategies": link.strategies,
        # the snippets are built escaped (publishing/snippets.py): only <mark> is markup
        "snippets": {h.iri: Markup(h.snippet) for h in result.hits if h.snippet}  # noqa: S704
        if result
        else {},
        "facets": _facets(result, link, lang) if result else [],
        "page_link": link,
    }
    response = templates.TemplateResponse(request, "search.html", context)
    response.headers["Vary"] = "Accept-Language"
    return response


class PageLink:
    """Links to the search page with the same words and other filters or offset."""

    def __init__(self, q: str, types: list[str], strategies: list[str], lang: str) -> None:
        self.q, self.types, self.strategies, self.lang = q, types, strategies, lang

    def __call__(
        self,
        types: list[str] | None = None,
        strategies: list[str] | None = None,
        offset: int | None = None,
    ) -> str:
        params: list[tuple[str, str]] = [("q", self.q)]
        params += [("type", t) for t in (self.types if types is None else types)]
        params += [("strategy", s) for s in (self.strategies if strategies is None else strategies)]
        if offset:
            params.append(("offset", str(offset)))
        if self.lang == "en":
            params.append(("lang", "en"))
        return SEARCH_PAGE + "?" + urlencode(params)


def _facets(result: SearchResult, link: PageLink, lang: str) -> list[dict[str, Any]]:
    """The facet groups of the page: each value a link that switches it on or off."""
    groups = []
    for title, values, chosen, key in (
        ("Art" if lang == "de" else "Type", result.types, link.types, "types"),
        (
            "Strategie" if lang == "de" else "Strategy",
            result.strategies,
            link.strategies,
            "strategies",
        ),
    ):
        items = []
        for facet in values:
            on = facet.iri in chosen or (facet.id is not None and facet.id in chosen)
            switched = (
                [c for c in chosen if c not in (facet.iri, facet.id)]
                if on
                else [*chosen, facet.iri]
            )
            href = link(types=switched) if key == "types" else link(strategies=switched)
            items.append(
                {"label": facet.label or facet.iri, "count": facet.count, "href": href, "on": on}
            )
        if items:
            groups.append({"title": title, "items": items})
    return groups
