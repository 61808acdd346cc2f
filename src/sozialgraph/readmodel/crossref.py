"""Council decisions, ECCAR commitments with their coverage, and the cross-reference matrix."""

from __future__ import annotations

from sozialgraph.readmodel.context import ReadContext, labels_of, text, unique, value
from sozialgraph.readmodel.documents import Commitment, Crossref, CrossrefRow, Decision, Labels
from sozialgraph.readmodel.strategies import strategies


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


async def crossref(ctx: ReadContext, municipality: str | None = None) -> Crossref:
    """Measures × the strategies they serve and the ECCAR commitments they implement."""
    table = await ctx.run("crossref", municipality=municipality)
    commitment_labels = {c.iri: c.labels for c in await commitments(ctx)}
    strategy_labels = {s.iri: s.labels for s in await strategies(ctx)}
    rows: dict[str, CrossrefRow] = {}
    for row in table.rows:
        iri = row["measure"].value
        entry = rows.setdefault(
            iri,
            CrossrefRow(
                measure=ctx.ref(iri, labels_of(row, "title")), strategies=[], commitments=[]
            ),
        )
        strategy, commitment = text(row.get("strategy")), text(row.get("commitment"))
        if strategy and strategy not in entry.strategies:
            entry.strategies.append(strategy)
        if commitment and commitment not in entry.commitments:
            entry.commitments.append(commitment)
    used_strategies = unique(s for r in rows.values() for s in r.strategies)
    return Crossref(
        strategies=[ctx.ref(s, strategy_labels.get(s)) for s in used_strategies],
        commitments=[ctx.ref(c, label) for c, label in commitment_labels.items()],
        measures=list(rows.values()),
    )
