"""The municipalities a store holds (those that publish strategies): the cockpit's switcher, and
the one rule every cockpit page applies to its ``municipality`` parameter."""

from __future__ import annotations

from dataclasses import dataclass

from sozialgraph.errors import NotFound
from sozialgraph.querying.registry import Parameter
from sozialgraph.readmodel.context import ReadContext, labels_of, value
from sozialgraph.readmodel.documents import Municipality

_PARAMETER = Parameter(name="municipality", type="iri", example="")


@dataclass
class Switcher:
    """What the cockpit's municipality switcher shows: the store's municipalities (it is shown
    only when there are several) and the chosen one (its IRI; None: all)."""

    towns: list[Municipality]
    chosen: str | None

    @property
    def shown(self) -> bool:
        return len(self.towns) > 1


async def switcher(ctx: ReadContext, given: str | None) -> Switcher:
    """The switcher of a cockpit page whose ``municipality`` parameter is ``given``."""
    towns = await municipalities(ctx)
    return Switcher(towns, chosen_municipality(ctx, given, towns))


async def municipalities(ctx: ReadContext) -> list[Municipality]:
    """Every municipality that publishes a strategy, in the order of its German label."""
    table = await ctx.run("municipalities")
    found: dict[str, Municipality] = {}
    for row in table.rows:
        iri = row["municipality"].value
        if iri in found:
            continue
        labels = labels_of(row, "label")
        count = value(row.get("strategies"))
        found[iri] = Municipality(
            iri=iri,
            id=ctx.id_of(iri),
            label=ctx.pick(labels),
            labels=labels,
            strategies=count if isinstance(count, int) else 0,
        )
    return list(found.values())


def chosen_municipality(
    ctx: ReadContext, given: str | None, towns: list[Municipality]
) -> str | None:
    """The IRI the ``municipality`` parameter names (None: all of them).

    The pages' rule (the JSON API answers an empty list instead): a value that is no http(s)
    IRI is a 400, an IRI that is not one of ``towns`` (the store's municipalities) a 404; both
    name the parameter.
    """
    if not given:
        return None
    iri = ctx.iri_of(given)
    _PARAMETER.term(iri)  # 400 for what is no IRI
    if iri not in {town.iri for town in towns}:
        raise NotFound(
            f"parameter 'municipality': {iri} is no municipality of this graph",
            de=f"Parameter „municipality“: {iri} ist keine Gemeinde dieses Graphen",
        )
    return iri
