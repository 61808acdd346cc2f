"""Measures: the filtered list and the details of each, with what they link to."""

from __future__ import annotations

from sozialgraph.readmodel.context import ReadContext, Row, labels_of, text, unique
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
    for row in table.rows:
        grouped.setdefault(row["measure"].value, []).append(row)
    linked = {row[c].value for row in table.rows for c in LINK_COLUMNS if c in row}
    labels = await ctx.labels(linked)

    def refs(rows: list[Row], column: str) -> list[Ref]:
        return [ctx.ref(iri, labels.get(iri)) for iri in unique(text(r.get(column)) for r in rows)]

    found: list[Measure] = []
    for iri, rows in grouped.items():
        if not rows:
            continue
        first = rows[0]
        title = labels_of(first, "title")
        status_iri = text(first.get("status"))
        found.append(
            Measure(
                iri=iri,
                id=ctx.id_of(iri),
                label=ctx.pick(title),
                labels=title,
                descriptions=labels_of(first, "description"),
                strategies=refs(rows, "strategy"),
                fields=refs(rows, "field"),
                commitments=refs(rows, "commitment"),
                status=Status(
                    status=ctx.ref(status_iri, labels.get(status_iri)),
                    assessed_on=text(first.get("status_date")),
                )
                if status_iri
                else None,
                responsible_bodies=refs(rows, "body"),
                partners=refs(rows, "partner"),
                target_groups=refs(rows, "target_group"),
                themes=refs(rows, "theme"),
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
