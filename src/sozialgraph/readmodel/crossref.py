"""Council decisions, ECCAR commitments with their coverage, and the cross-reference matrix."""

from __future__ import annotations

import asyncio

from sozialgraph.readmodel.context import ReadContext, labels_of, text, unique, value
from sozialgraph.readmodel.documents import (
    Commitment,
    Crossref,
    CrossrefField,
    CrossrefRow,
    Decision,
    FieldOfAction,
    Labels,
    Measure,
)
from sozialgraph.readmodel.measures import measure_ids, measures
from sozialgraph.readmodel.strategies import fields_of_action, strategies


async def decisions(ctx: ReadContext) -> list[Decision]:
    """Council decisions with the strategy versions they adopt."""
    table = await ctx.run("decisions")
    versions = {v.iri: v.labels for s in await strategies(ctx) for v in s.versions}
    found: dict[str, Decision] = {}
    for row in table.rows:
        iri = row["decision"].value
        item = found.get(iri)
        if item is None:
            labels = labels_of(row, "title")
            body = row.get("body")
            item = Decision(
                iri=iri,
                id=ctx.id_of(iri),
                label=ctx.pick(labels),
                labels=labels,
                identifier=text(row.get("identifier")),
                date=text(row.get("decision_date")),
                body=ctx.ref(body.value, Labels(de=text(row.get("body_label_de"))))
                if body is not None
                else None,
            )
            found[iri] = item
        adopts = text(row.get("adopts"))
        if adopts and all(a.iri != adopts for a in item.adopts):
            item.adopts.append(ctx.ref(adopts, versions.get(adopts)))
    return list(found.values())


async def commitments(ctx: ReadContext, municipality: str | None = None) -> list[Commitment]:
    """The ECCAR commitments with the number of measures (of a municipality) implementing each."""
    table = await ctx.run("eccar-coverage", municipality=municipality)
    found = []
    for row in table.rows:
        labels = labels_of(row, "label")
        count = value(row.get("measure_count"))
        found.append(
            Commitment(
                iri=row["commitment"].value,
                id=ctx.id_of(row["commitment"].value),
                label=ctx.pick(labels),
                labels=labels,
                notation=row["notation"].value,
                measure_count=count if isinstance(count, int) else 0,
            )
        )
    return found


async def crossref(
    ctx: ReadContext,
    municipality: str | None = None,
    strategy: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Crossref:
    """Measures × the strategies they serve (and their fields) and the ECCAR commitments they
    implement; one page of measures (ordered by IRI) when ``limit`` is given.

    The page's measures are read with ``measures`` (a VALUES block of their IRIs), so a page of
    the matrix of all towns costs about what a page of one town costs.
    """
    ids = await measure_ids(ctx, municipality=municipality, strategy=strategy)
    shown = ids[offset : offset + limit] if limit is not None else ids[offset:]
    found, known, listed = await asyncio.gather(
        _measures_in_batches(ctx, shown),
        strategies(ctx, municipality=municipality),
        commitments(ctx, municipality=municipality),  # (for their labels: scoped is cheaper)
    )
    umbrellas = {s.iri for s in known if s.is_umbrella}
    rows = [
        CrossrefRow(
            measure=ctx.ref(m.iri, m.labels),
            strategies=[s.iri for s in m.strategies],
            commitments=[c.iri for c in m.commitments],
            fields=[f.iri for f in m.fields],
            cross_strategy=len({s.iri for s in m.strategies} - umbrellas) >= 2,
        )
        for m in found
    ]
    used = set(unique(s for r in rows for s in r.strategies))
    labels = {s.iri: s.labels for s in known}
    missing = [s for s in used if s not in labels]
    labels.update(await ctx.labels(missing) if missing else {})
    # the town's strategies (all of them, so that a strategy without measures shows as a gap),
    # then any other strategy a listed measure serves
    columns = [s.iri for s in known if municipality or s.iri in used]
    columns += sorted(used - set(columns))
    field_lists = await asyncio.gather(*(fields_of_action(ctx, strategy=s) for s in columns))
    return Crossref(
        strategies=[ctx.ref(s, labels.get(s)) for s in columns],
        commitments=[ctx.ref(c.iri, c.labels) for c in listed],
        measures=rows,
        fields=[
            CrossrefField(
                iri=f.iri,
                id=f.id,
                label=f.label,
                labels=f.labels,
                notation=f.notation,
                strategy=f.strategy.iri,
            )
            for found_fields in field_lists
            for f in _distinct(found_fields)
        ],
        umbrellas=[s for s in columns if s in umbrellas],
        total=len(ids),
        limit=limit,
        offset=offset,
    )


#: Measures per ``measures`` query (a VALUES block of that many IRIs).
MEASURE_BATCH = 200


async def _measures_in_batches(ctx: ReadContext, iris: list[str]) -> list[Measure]:
    batches = [iris[i : i + MEASURE_BATCH] for i in range(0, len(iris), MEASURE_BATCH)]
    found = await asyncio.gather(*(measures(ctx, batch) for batch in batches))
    return [m for batch in found for m in batch]


def _distinct(fields: list[FieldOfAction]) -> list[FieldOfAction]:
    """Each field once (the query gives a row per version that lists it)."""
    return list({f.iri: f for f in fields}.values())
