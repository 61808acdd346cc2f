"""The measure list of the cockpit: the API's rows (``measure_ids`` + ``measures``), sorted,
a page of them, and the values its filters can take.

The rows are those of ``/api/measures`` for the same filters: the same two read-model functions
choose them; this module only orders them (``measure-sort-keys``) and offers the filter values
(``measure-facets``, the status scheme).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from sozialgraph.readmodel import measures as measure_model
from sozialgraph.readmodel.context import ReadContext, Row, value
from sozialgraph.readmodel.documents import FilterFacet, FilterOption, Measure, MeasureList

#: The filters of ``/api/measures`` (and of the page), in the order the page shows them.
FILTERS = ("municipality", "strategy", "field", "commitment", "status", "body", "target_group")
SORTS = ("title", "status", "deadline", "id")
#: Above this many matching measures the list keeps the IRI order (sorting would read them all).
SORTABLE_LIMIT = 3000
#: Measures per ``measures`` query when a whole selection is read (the downloads).
BATCH = 200
STATUS_SCHEME = "https://w3id.org/sozialgraph/vocab/status"

Filters = Mapping[str, str | None]


async def matching(ctx: ReadContext, filters: Filters, q: str | None) -> list[str]:
    """The IRIs of the measures that match, in the API's order (by IRI)."""
    given = {name: filters.get(name) for name in FILTERS}
    return await measure_model.measure_ids(ctx, q=q, **given)


async def ordered(
    ctx: ReadContext, iris: list[str], sort: str, municipality: str | None
) -> tuple[list[str], bool]:
    """``iris`` in the order ``sort`` asks (``-`` first: descending), and whether it could.

    Titles, deadlines and the current status come from ``measure-sort-keys`` of the scope
    (the municipality, or the whole store), one query cached per store version.
    """
    key, descending = sort.lstrip("-"), sort.startswith("-")
    if key == "id":
        return (iris[::-1] if descending else iris), True
    if len(iris) > SORTABLE_LIMIT:
        return iris, False
    table = await ctx.run("measure-sort-keys", municipality=ctx.optional_iri(municipality))
    keys = _sort_keys(table.rows)
    statuses = await ctx.labels({s for k in keys.values() if (s := k.get("status"))})

    first, second = ("title_de", "title_en") if ctx.lang == "de" else ("title_en", "title_de")
    titles = {
        iri: (entry.get(first) or entry.get(second) or iri).casefold()
        for iri, entry in keys.items()
    }

    def title(iri: str) -> str:
        return titles.get(iri) or iri.casefold()

    def sort_key(iri: str) -> tuple[int, str, str]:
        entry = keys.get(iri, {})
        if key == "status":
            status = entry.get("status")
            label = ctx.pick(statuses[status]) if status in statuses else status
            chosen = (label or "").casefold()
        else:
            chosen = entry.get("deadline") or ""
        # (measures without the value go last in both directions)
        missing = 0 if chosen else 1
        return (missing if not descending else -missing, chosen, title(iri))

    if key == "title":
        return sorted(iris, key=title, reverse=descending), True
    found = sorted(iris, key=sort_key, reverse=descending)
    return found, True


async def measure_list(
    ctx: ReadContext,
    filters: Filters,
    q: str | None = None,
    sort: str = "title",
    limit: int = 25,
    offset: int = 0,
) -> MeasureList:
    """One page of the matching measures in the chosen order."""
    found = await matching(ctx, filters, q)
    chosen, as_asked = await ordered(ctx, found, sort, filters.get("municipality"))
    items = await measure_model.measures(ctx, chosen[offset : offset + limit])
    return MeasureList(
        items=items,
        total=len(found),
        limit=limit,
        offset=offset,
        sort=sort if as_asked else "id",
        sorted_as_asked=as_asked,
    )


async def every_measure(
    ctx: ReadContext, filters: Filters, q: str | None = None, sort: str = "title"
) -> list[Measure]:
    """All matching measures in the chosen order (for the downloads), read in batches."""
    found = await matching(ctx, filters, q)
    chosen, _ = await ordered(ctx, found, sort, filters.get("municipality"))
    items: list[Measure] = []
    for start in range(0, len(chosen), BATCH):
        items += await measure_model.measures(ctx, chosen[start : start + BATCH])
    return items


async def filter_options(ctx: ReadContext, municipality: str | None) -> list[FilterFacet]:
    """The values each filter (but the municipality and the text) can take in the scope.

    Strategies, fields, commitments, bodies and target groups as the scope's measures have
    them (with their numbers); the status as its scheme lists it (the current status is
    computed per measure, so every status is offered).
    """
    facets, statuses = await asyncio.gather(
        ctx.run("measure-facets", municipality=ctx.optional_iri(municipality)),
        ctx.run("scheme-concepts", scheme=STATUS_SCHEME),
    )
    counts: dict[str, dict[str, int | None]] = {name: {} for name in FILTERS[1:]}
    for row in facets.rows:
        number = value(row.get("measures"))
        counts.setdefault(row["facet"].value, {})[row["value"].value] = (
            number if isinstance(number, int) else None
        )
    for row in statuses.rows:
        counts["status"].setdefault(row["concept"].value, None)
    labels = await ctx.labels({iri for values in counts.values() for iri in values})
    result = []
    for name in FILTERS[1:]:
        options = [
            FilterOption(value=ctx.ref(iri, labels.get(iri)), measures=number)
            for iri, number in counts[name].items()
        ]
        options.sort(key=lambda o: (o.value.label or o.value.iri).casefold())
        result.append(FilterFacet(name=name, options=options))
    return result


def _sort_keys(rows: list[Row]) -> dict[str, dict[str, str | None]]:
    """Per measure its titles, deadline and current status (the newest assessment)."""
    keys: dict[str, dict[str, str | None]] = {}
    newest: dict[str, tuple[str, str]] = {}
    for row in rows:
        iri = row["measure"].value
        entry = keys.get(iri)
        if entry is None:
            entry = keys[iri] = {
                column: row[column].value if column in row else None
                for column in ("title_de", "title_en", "deadline")
            }
        if "assessment" in row and "status" in row:
            assessed_on = row["assessed_on"].value if "assessed_on" in row else ""
            rank = (assessed_on, row["assessment"].value)
            if iri not in newest or rank > newest[iri]:
                newest[iri] = rank
                entry["status"] = row["status"].value
    return keys
