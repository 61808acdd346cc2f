"""Measures: the filtered list and the details of each, with what they link to."""

from __future__ import annotations

from sozialgraph.readmodel.context import ReadContext, Row, labels_of, text
from sozialgraph.readmodel.documents import Measure, MeasureDetail, Ref, Status, StatusChange

#: Columns of the ``measures`` query that link a measure to other resources.
LINK_COLUMNS = (
    "strategy",
    "field",
    "commitment",
    "status",
    "body",
    "partner",
    "target_group",
    "theme",
)


async def measure_ids(ctx: ReadContext, q: str | None = None, **filters: str | None) -> list[str]:
    """The IRIs of the measures that match the filters, in a stable order."""
    iris = {k: ctx.iri_of(v) for k, v in filters.items() if v}
    table = await ctx.run("measure-ids", q=q, **iris)
    return [row["item"].value for row in table.rows if "item" in row]


async def measures(ctx: ReadContext, iris: list[str]) -> list[Measure]:
    """The details of the given measures, in the given order, with labels of what they link."""
    if not iris:
        return []
    table = await ctx.run("measures", measure=iris)
    grouped: dict[str, list[Row]] = {iri: [] for iri in iris}
    # one pass over the rows: per measure, the linked IRIs of each column in row order
    links: dict[str, dict[str, dict[str, None]]] = {}
    for row in table.rows:
        measure = row["measure"].value
        grouped.setdefault(measure, []).append(row)
        columns = links.setdefault(measure, {c: {} for c in LINK_COLUMNS})
        for column in LINK_COLUMNS:
            term = row.get(column)
            if term is not None:
                columns[column][term.value] = None
    labels = await ctx.labels({iri for m in links.values() for c in m.values() for iri in c})
    made: dict[str, Ref] = {}  # one Ref per linked IRI, shared by the measures that link it

    def ref(iri: str) -> Ref:
        found = made.get(iri)
        if found is None:
            found = made[iri] = ctx.ref(iri, labels.get(iri))
        return found

    found: list[Measure] = []
    for iri, rows in grouped.items():
        if not rows:
            continue
        first = rows[0]
        linked = {column: [ref(i) for i in values] for column, values in links[iri].items()}
        title = labels_of(first, "title")
        status_iri = text(first.get("status"))
        found.append(
            Measure(
                iri=iri,
                id=ctx.id_of(iri),
                label=ctx.pick(title),
                labels=title,
                descriptions=labels_of(first, "description"),
                strategies=linked["strategy"],
                fields=linked["field"],
                commitments=linked["commitment"],
                status=Status(status=ref(status_iri), assessed_on=text(first.get("status_date")))
                if status_iri
                else None,
                responsible_bodies=linked["body"],
                partners=linked["partner"],
                target_groups=linked["target_group"],
                themes=linked["theme"],
                start=text(first.get("start")),
                end=text(first.get("end")),
                deadline=text(first.get("deadline")),
            )
        )
    return found


async def measure_detail(ctx: ReadContext, iri: str) -> MeasureDetail | None:
    """One measure with its status assessments over time, or None."""
    found = await measures(ctx, [iri])
    if not found:
        return None
    history = await ctx.run("status-history", measure=iri)
    changes = [
        StatusChange(
            status=ctx.ref(row["status"].value, labels_of(row, "status_label")),
            assessed_on=text(row.get("assessed_on")),
            source=text(row.get("source")),
        )
        for row in history.rows
        if "status" in row
    ]
    return MeasureDetail(**found[0].model_dump(), status_history=changes)
