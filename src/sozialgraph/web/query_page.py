"""The query page for browsers: an editor with prefixes and examples, results as a table.

It works without JavaScript and without internet access: the form submits to /sparql and the
server renders the result table (every value escaped by the template engine). With JavaScript
the vendored YASGUI editor replaces the form (``static/sparql.js``), configured from the page:
the endpoint, the project's prefixes and the named queries as examples.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import IO
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from sozialgraph.errors import SozialgraphError
from sozialgraph.namespaces import PREFIXES
from sozialgraph.publishing.change_catalog import version_iri
from sozialgraph.querying.service import QueryService
from sozialgraph.web import negotiation as media
from sozialgraph.web.languages import ui_language
from sozialgraph.web.sparql_fast import client_address
from sozialgraph.web.templating import UI

MAX_ROWS_SHOWN = 1000
PAGE_PREFIXES = ("sg", "sgv", "skos", "dcterms", "prov", "org", "eli", "rdfs", "xsd")
DEFAULT_BODY = """SELECT ?strategie ?titel WHERE {
  ?strategie a sg:Strategy ; dcterms:title ?titel .
  FILTER(LANG(?titel) = "de")
}
ORDER BY ?titel"""


def prefix_block() -> str:
    return "\n".join(f"PREFIX {p}: <{PREFIXES[p]}>" for p in PAGE_PREFIXES)


def data_version(request: Request) -> dict[str, object] | None:
    """The recorded version the page answers from: number, date and the IRI to cite."""
    journal = getattr(request.app.state, "journal", None)
    if journal is None:
        return None
    number = journal.number_of(request.app.state.store.version())
    record = journal.get(number) if number is not None else None
    if record is None:
        return None
    base = request.app.state.settings.base_iri
    return {
        "number": record.number,
        "date": record.created[:10],
        "cite": version_iri(base, record.number),
        "page": f"/versionen/{record.number}",
    }


async def render_query_page(request: Request, service: QueryService, query: str | None) -> Response:
    lang = ui_language(request)
    registry = request.app.state.registry
    examples = []
    for named in registry:
        examples.append(
            {
                "name": named.name,
                "title": named.title(lang),
                "description": named.description(lang),
                "text": named.bind({p.name: p.example for p in named.parameters if p.required}),
            }
        )
    context: dict[str, object] = {
        "lang": lang,
        "ui": UI[lang],
        "query": query if query is not None else f"{prefix_block()}\n\n{DEFAULT_BODY}",
        "examples": examples,
        "prefixes": PREFIXES,
        "timeout": f"{service.settings.query_timeout:g}",
        "result": None,
        "error": None,
    }
    context["data_version"] = data_version(request)
    status = 200
    retry_after = None
    if query:
        try:
            context["result"] = await _run(service, query, client_address(request.scope))
        except SozialgraphError as error:
            context["error"] = f"{error.title}: {error.message}"
            status = error.status
            retry_after = getattr(error, "retry_after", None)
    templates = request.app.state.templates
    # a page of a thousand rows takes tens of milliseconds to render: not on the event loop
    response: Response = await asyncio.to_thread(
        templates.TemplateResponse, request, "sparql.html", context, status_code=status
    )
    response.headers["Vary"] = "Accept"
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def _run(service: QueryService, query: str, client: str) -> dict[str, object]:
    guarded = service.guard(query)
    graph = guarded.form in ("CONSTRUCT", "DESCRIBE")
    media_type = media.N_TRIPLES if graph else media.SPARQL_JSON
    spool = await service.execute(guarded, media_type, client=client)
    # parsing a large result takes about a second per 100,000 rows: in a thread, keeping only
    # the rows the page shows
    with spool:
        if graph:
            return await asyncio.to_thread(_graph_table, query, spool)
        return await asyncio.to_thread(_solutions_table, query, spool)


def _graph_table(query: str, spool: IO[bytes]) -> dict[str, object]:
    triples = ox.parse(spool, format=ox.RdfFormat.N_TRIPLES)
    rows = _first_rows([t.subject, t.predicate, t.object] for t in triples)
    variables = ["subject", "predicate", "object"]
    return _table(query, variables, rows, ("turtle", "nt", "jsonld", "rdfxml"))


def _solutions_table(query: str, spool: IO[bytes]) -> dict[str, object]:
    parsed = ox.parse_query_results(spool, format=ox.QueryResultsFormat.JSON)
    formats = ("json", "xml", "csv", "tsv")
    if isinstance(parsed, ox.QueryBoolean):
        return {"boolean": bool(parsed), "downloads": _downloads(query, formats)}
    variables = [v.value for v in parsed.variables]
    rows = _first_rows([solution[name] for name in variables] for solution in parsed)
    return _table(query, variables, rows, formats)


def _first_rows(rows: Iterator[list[object]]) -> tuple[list[list[object]], int]:
    """The first ``MAX_ROWS_SHOWN`` rows, and how many there are in all."""
    shown = list(itertools.islice(rows, MAX_ROWS_SHOWN))
    return shown, len(shown) + sum(1 for _ in rows)


def _table(
    query: str,
    variables: list[str],
    rows: tuple[list[list[object]], int],
    formats: tuple[str, ...],
) -> dict[str, object]:
    shown, count = rows
    return {
        "variables": variables,
        "rows": shown,
        "count": count,
        "truncated": count > len(shown),
        "downloads": _downloads(query, formats),
    }


def _downloads(query: str, formats: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(name, "/sparql?" + urlencode({"query": query, "format": name})) for name in formats]
