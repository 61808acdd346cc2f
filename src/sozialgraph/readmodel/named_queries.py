"""The named queries as documents: what each asks and takes, and its result as a JSON table."""

from __future__ import annotations

from sozialgraph.querying.registry import NamedQuery
from sozialgraph.readmodel.context import ReadContext, value
from sozialgraph.readmodel.documents import Labels, QueryInfo, QueryParameterInfo, QueryResult


def query_info(named: NamedQuery, lang: str) -> QueryInfo:
    """Title, description, parameters and text of a named query."""
    return QueryInfo(
        name=named.name,
        title=named.title(lang),
        titles=Labels(de=named.titles.get("de"), en=named.titles.get("en")),
        description=named.description(lang),
        descriptions=Labels(de=named.descriptions.get("de"), en=named.descriptions.get("en")),
        parameters=[
            QueryParameterInfo(
                name=p.name,
                type=p.type,
                example=p.example,
                required=p.required,
                description=p.description,
            )
            for p in named.parameters
        ],
        sparql=named.text,
    )


async def query_result(ctx: ReadContext, name: str, text: str) -> QueryResult:
    """The rows of a bound named query with typed JSON values."""
    table = await ctx.service.table(text)
    rows = [{c: value(row.get(c)) for c in table.columns} for row in table.rows]
    return QueryResult(query=name, columns=list(table.columns), rows=rows)
