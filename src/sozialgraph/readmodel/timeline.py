"""Histories: a strategy's versions, council decisions and committee steps in date order
(``decision-history``), and a measure's status assessments over time (``status-history``)."""

from __future__ import annotations

from sozialgraph.readmodel.context import ReadContext, Row, labels_of, text
from sozialgraph.readmodel.documents import (
    Labels,
    Ref,
    StatusChange,
    StrategyTimeline,
    TimelineEvent,
)

#: Order of events on the same day: the committee step, then the decision, then the version.
KIND_ORDER = {"step": 0, "decision": 1, "version": 2}


async def strategy_timeline(ctx: ReadContext, strategy: str) -> StrategyTimeline | None:
    """The dated history of one strategy, or None when it is no strategy."""
    table = await ctx.run("decision-history", strategy=strategy)
    if not table.rows:
        return None
    named = {
        row[column].value
        for row in table.rows
        for column in ("strategy", "version", "decision", "step")
        if column in row
    }
    labels = await ctx.labels(named)
    events: dict[str, TimelineEvent] = {}
    for row in table.rows:
        version = _add_version(ctx, events, row, labels)
        decision = _add_decision(ctx, events, row, labels)
        if (
            decision is not None
            and version is not None
            and all(v.iri != version.iri for v in decision.adopts)
        ):
            decision.adopts.append(version)
        if decision is not None and "step" in row:
            step = row["step"].value
            events.setdefault(
                step,
                TimelineEvent(
                    kind="step",
                    date=text(row.get("step_date")),
                    iri=step,
                    id=ctx.id_of(step),
                    label=ctx.pick(labels.get(step, Labels())),
                    body=text(row.get("step_body_label_de")),
                    outcome=text(row.get("step_outcome")),
                    decision=ctx.ref(decision.iri, labels.get(decision.iri)),
                ),
            )
    ordered = sorted(
        events.values(), key=lambda e: (e.date is None, e.date or "", KIND_ORDER[e.kind], e.iri)
    )
    return StrategyTimeline(strategy=ctx.ref(strategy, labels.get(strategy)), events=ordered)


def _add_version(
    ctx: ReadContext, events: dict[str, TimelineEvent], row: Row, labels: dict[str, Labels]
) -> Ref | None:
    if "version" not in row:
        return None
    iri = row["version"].value
    found = labels.get(iri) or Labels(de=text(row.get("version_title_de")))
    events.setdefault(
        iri,
        TimelineEvent(
            kind="version",
            date=text(row.get("issued")),
            iri=iri,
            id=ctx.id_of(iri),
            label=ctx.pick(found),
        ),
    )
    return ctx.ref(iri, found)


def _add_decision(
    ctx: ReadContext, events: dict[str, TimelineEvent], row: Row, labels: dict[str, Labels]
) -> TimelineEvent | None:
    if "decision" not in row:
        return None
    iri = row["decision"].value
    found = labels.get(iri) or Labels(de=text(row.get("decision_title_de")))
    return events.setdefault(
        iri,
        TimelineEvent(
            kind="decision",
            date=text(row.get("decision_date")),
            iri=iri,
            id=ctx.id_of(iri),
            label=ctx.pick(found),
            identifier=text(row.get("identifier")),
            body=text(row.get("body_label_de")),
        ),
    )


async def status_timeline(ctx: ReadContext, measure: str) -> list[StatusChange]:
    """A measure's status assessments, oldest first (the last is its current status)."""
    table = await ctx.run("status-history", measure=measure)
    return [
        StatusChange(
            status=ctx.ref(row["status"].value, labels_of(row, "status_label")),
            assessed_on=text(row.get("assessed_on")),
            source=text(row.get("source")),
        )
        for row in table.rows
        if "status" in row
    ]
