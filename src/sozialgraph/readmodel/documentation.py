"""What is publicly documented of each strategy and version: the graph's counts beside the
numbers the sources state (``sg:StatedCount``), and the sources by kind.

Built from ``documentation-status``, ``strategy-contents``, ``stated-counts`` and
``source-kinds``; the stated numbers
are data with their source, never derived from what the graph holds (docs/model.md).
"""

from __future__ import annotations

import asyncio

from sozialgraph.readmodel.context import ReadContext, Row, labels_of, text, value
from sozialgraph.readmodel.documents import (
    DocumentationStatus,
    StatedCountInfo,
    StrategyDocumentation,
    VersionDocumentation,
)

SG = "https://w3id.org/sozialgraph/ontology#"
#: What a stated count counts, by its sg:countedClass.
COUNTED = {SG + "FieldOfAction": "fields", SG + "Goal": "goals", SG + "Measure": "measures"}
#: The kinds of sources in the order pages show them (sg:sourceKind); others follow.
SOURCE_KINDS = ("official", "press", "partisan", "aggregator", "network", "other")


async def documentation_status(
    ctx: ReadContext, municipality: str | None = None
) -> DocumentationStatus:
    """Per strategy (of a municipality) and version: named vs. stated, with sources by kind."""
    counts, contents, stated, kinds = await asyncio.gather(
        ctx.run("documentation-status", municipality=municipality),
        ctx.run("strategy-contents", municipality=municipality),
        ctx.run("stated-counts", municipality=municipality),
        ctx.run("source-kinds", municipality=municipality),
    )
    stated_by_version = _stated_counts(ctx, stated.rows)
    held = {(row["strategy"].value, row["kind"].value): _int(row, "items") for row in contents.rows}
    strategies: dict[str, StrategyDocumentation] = {}
    for row in counts.rows:
        iri = row["strategy"].value
        entry = strategies.get(iri)
        if entry is None:
            town = text(row.get("municipality"))
            entry = strategies[iri] = StrategyDocumentation(
                strategy=ctx.ref(iri, labels_of(row, "title")),
                municipality=ctx.ref(town) if town else None,
                goals_named=held.get((iri, "goals"), 0),
                measures_known=held.get((iri, "measures"), 0),
                measures_with_status=held.get((iri, "measures_with_status"), 0),
            )
        version = text(row.get("version"))
        if version and all(v.version.iri != version for v in entry.versions):
            entry.versions.append(
                VersionDocumentation(
                    version=ctx.ref(version, labels_of(row, "version_title")),
                    issued=text(row.get("issued")),
                    fields_named=_int(row, "fields_named"),
                    stated=stated_by_version.get(version, []),
                )
            )
    for row in kinds.rows:
        entry = strategies.get(row["strategy"].value)
        if entry is not None:
            entry.sources_by_kind[row["kind"].value] = _int(row, "documents")
    for entry in strategies.values():
        entry.sources_by_kind = dict(sorted(entry.sources_by_kind.items(), key=_kind_order))
    towns = {s.municipality.iri for s in strategies.values() if s.municipality}
    town_labels = await ctx.labels(towns)
    for entry in strategies.values():
        if entry.municipality is not None:
            entry.municipality = ctx.ref(
                entry.municipality.iri, town_labels.get(entry.municipality.iri)
            )
    return DocumentationStatus(strategies=list(strategies.values()))


def _stated_counts(ctx: ReadContext, rows: list[Row]) -> dict[str, list[StatedCountInfo]]:
    """The stated counts per version IRI (rows of ``stated-counts``: one per count and source)."""
    found: dict[str, StatedCountInfo] = {}
    version_of: dict[str, str] = {}
    for row in rows:
        iri = row["stated"].value
        item = found.get(iri)
        if item is None:
            counted_class = row["counted_class"].value
            number = value(row.get("stated_count"))
            item = found[iri] = StatedCountInfo(
                iri=iri,
                counted=COUNTED.get(counted_class, counted_class),
                stated=number if isinstance(number, int) else 0,
                label=ctx.pick(labels_of(row, "label")),
                labels=labels_of(row, "label"),
                note=labels_of(row, "note"),
                editorial_note=labels_of(row, "editorial_note"),
            )
            version_of[iri] = row["version"].value
        source = text(row.get("source"))
        if source and source not in item.sources:
            item.sources.append(source)
    by_version: dict[str, list[StatedCountInfo]] = {}
    for iri, item in found.items():
        by_version.setdefault(version_of[iri], []).append(item)
    return by_version


def _int(row: Row, column: str) -> int:
    number = value(row.get(column))
    return number if isinstance(number, int) else 0


def _kind_order(item: tuple[str, int]) -> tuple[int, str]:
    kind = item[0]
    return (SOURCE_KINDS.index(kind) if kind in SOURCE_KINDS else len(SOURCE_KINDS), kind)
