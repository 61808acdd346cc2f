"""The query page for browsers: an editor with prefixes and examples, results as a table.

It works without JavaScript and without internet access: the form submits to /sparql and the
server renders the result table (every value escaped by the template engine).
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from sozialgraph.errors import SozialgraphError
from sozialgraph.namespaces import PREFIXES
from sozialgraph.querying.service import QueryService
from sozialgraph.web import negotiation as media
from sozialgraph.web.languages import ui_language
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
        "timeout": f"{service.settings.query_timeout:g}",
        "result": None,
        "error": None,
    }
    status = 200
    if query:
        try:
            context["result"] = await _run(service, query)
        except SozialgraphError as error:
            context["error"] = f"{error.title}: {error.message}"
            status = error.status
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(
        request, "sparql.html", context, status_code=status
    )
    response.headers["Vary"] = "Accept"
    return response


async def _run(service: QueryService, query: str) -> dict[str, object]:
    guarded = service.guard(query)
    if guarded.form in ("CONSTRUCT", "DESCRIBE"):
        spool = await service.execute(guarded, media.N_TRIPLES)
        with spool:
            triples = list(ox.parse(spool.read(), format=ox.RdfFormat.N_TRIPLES))
        rows = [[t.subject, t.predicate, t.object] for t in triples]
        variables = ["subject", "predicate", "object"]
        formats = ("turtle", "nt", "jsonld", "rdfxml")
        return _table(query, variables, rows, formats)
    spool = await service.execute(guarded, media.SPARQL_JSON)
    with spool:
        parsed = ox.parse_query_results(io.BytesIO(spool.read()), format=ox.QueryResultsFormat.JSON)
    formats = ("json", "xml", "csv", "tsv")
    if isinstance(parsed, ox.QueryBoolean):
        return {"boolean": bool(parsed), "downloads": _downloads(query, formats)}
    variables = [v.value for v in parsed.variables]
    rows = [[solution[name] for name in variables] for solution in parsed]
    return _table(query, variables, rows, formats)


def _table(
    query: str, variables: list[str], rows: list[list[object]], formats: tuple[str, ...]
) -> dict[str, object]:
    return {
        "variables": variables,
        "rows": rows[:MAX_ROWS_SHOWN],
        "count": len(rows),
        "truncated": len(rows) > MAX_ROWS_SHOWN,
        "downloads": _downloads(query, formats),
    }


def _downloads(query: str, formats: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(name, "/sparql?" + urlencode({"query": query, "format": name})) for name in formats]
