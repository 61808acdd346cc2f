"""Strategies with their versions, and fields of action, as the API and pages show them."""

from __future__ import annotations

from sozialgraph.readmodel.context import ReadContext, labels_of, text, value
from sozialgraph.readmodel.documents import FieldOfAction, Labels, Strategy, Version


async def strategies(
    ctx: ReadContext, strategy: str | None = None, municipality: str | None = None
) -> list[Strategy]:
    """Every strategy (or one), optionally of one municipality, with its versions."""
    table = await ctx.run("strategies", strategy=strategy, municipality=municipality)
    found: dict[str, Strategy] = {}
    for row in table.rows:
        iri = row["strategy"].value
        item = found.get(iri)
        if item is None:
            labels = labels_of(row, "title")
            umbrella = row.get("umbrella")
            publisher = row.get("municipality")
            item = Strategy(
                iri=iri,
                id=ctx.id_of(iri),
                label=ctx.pick(labels),
                labels=labels,
                municipality=ctx.ref(publisher.value) if publisher is not None else None,
                is_umbrella=value(row.get("is_umbrella")) is True,
                part_of=ctx.ref(umbrella.value) if umbrella is not None else None,
            )
            found[iri] = item
        version = row.get("version")
        if version is not None and all(v.iri != version.value for v in item.versions):
            decision = row.get("decision")
            labels = Labels(de=text(row.get("version_title_de")))
            item.versions.append(
                Version(
                    iri=version.value,
                    id=ctx.id_of(version.value),
                    label=ctx.pick(labels),
                    labels=labels,
                    issued=text(row.get("issued")),
                    adopted_by=ctx.ref(decision.value) if decision is not None else None,
                    decision_identifier=text(row.get("decision_identifier")),
                    decision_date=text(row.get("decision_date")),
                )
            )
    titles = {iri: s.labels for iri, s in found.items()}
    publishers = await ctx.labels(s.municipality.iri for s in found.values() if s.municipality)
    for item in found.values():
        if item.part_of is not None:
            item.part_of = ctx.ref(item.part_of.iri, titles.get(item.part_of.iri))
        if (city := item.municipality) is not None:
            item.municipality = ctx.ref(city.iri, publishers.get(city.iri))
    return list(found.values())


async def fields_of_action(ctx: ReadContext, strategy: str | None = None) -> list[FieldOfAction]:
    """Fields of action per strategy, marked when they belong to its current version."""
    table = await ctx.run("fields-of-action", strategy=strategy)
    fields = []
    for row in table.rows:
        if "field" not in row:
            continue
        labels = labels_of(row, "label")
        fields.append(
            FieldOfAction(
                iri=row["field"].value,
                id=ctx.id_of(row["field"].value),
                label=ctx.pick(labels),
                labels=labels,
                notation=text(row.get("notation")),
                strategy=ctx.ref(row["strategy"].value, labels_of(row, "strategy_title")),
                in_current_version=value(row.get("in_current_version")) is True,
            )
        )
    return fields
