"""The search's documents (API and page) and the plain scan used while there is no text index.

The text index itself is an artefact of a store version (``publishing/text_index.py``); this
module holds what both share: the response models and the old ``search`` query as a fallback.
"""

from __future__ import annotations

import html
from collections import Counter

from pydantic import BaseModel, Field

from sozialgraph.readmodel.context import ReadContext, labels_of, text
from sozialgraph.readmodel.documents import Labels

#: The types and strategies offered as facets come from this many best hits at most.
FACET_HITS = 500


class SearchHit(BaseModel):
    """One resource found."""

    iri: str = Field(description="The resource's IRI.")
    id: str | None = Field(None, description="Path of the IRI below the base IRI.")
    type: str | None = Field(
        None, description="Its class (preferably of the sozialgraph ontology)."
    )
    types: list[str] = Field(default_factory=list, description="All its classes.")
    label: str | None = Field(None, description="Label in the chosen language.")
    labels: Labels = Field(default_factory=Labels)
    score: float = Field(description="Relevance (BM25 with boosts); higher is better.")
    snippet: str | None = Field(
        None,
        description="HTML: the best matching text, escaped, with the matched words in <mark>.",
    )


class FacetCount(BaseModel):
    iri: str
    id: str | None = None
    label: str | None = None
    count: int


class SearchResult(BaseModel):
    """A page of hits."""

    q: str
    total: int = Field(description="Number of resources found (all pages).")
    offset: int
    limit: int
    engine: str = Field(description="'index' (the text index) or 'scan' (no index: plain scan).")
    version: str | None = Field(None, description="The store version the hits come from.")
    note: str | None = Field(None, description="Why nothing was searched, if so.")
    hits: list[SearchHit] = Field(default_factory=list)
    types: list[FacetCount] = Field(default_factory=list, description="Facet: classes of the hits.")
    strategies: list[FacetCount] = Field(
        default_factory=list, description="Facet: strategies of the hits."
    )


async def scan_search(
    ctx: ReadContext,
    q: str,
    *,
    municipality: str | None = None,
    type_iri: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    """The ``search`` query (substring scan, no ranking): the fallback when there is no index."""
    table = await ctx.run("search", q=q, municipality=municipality)
    rows = [r for r in table.rows if type_iri is None or text(r.get("type")) == type_iri]
    hits = []
    for row in rows[offset : offset + limit]:
        iri = row["resource"].value
        labels = labels_of(row, "label")
        matched = text(row.get("matched"))
        hits.append(
            SearchHit(
                iri=iri,
                id=ctx.id_of(iri),
                type=text(row.get("type")),
                types=[t for t in [text(row.get("type"))] if t],
                label=ctx.pick(labels),
                labels=labels,
                score=0.0,
                snippet=html.escape(matched) if matched else None,
            )
        )
    types = Counter(text(r.get("type")) for r in rows if r.get("type") is not None)
    return SearchResult(
        q=q,
        total=len(rows),
        offset=offset,
        limit=limit,
        engine="scan",
        hits=hits,
        types=[FacetCount(iri=t, id=ctx.id_of(t), count=n) for t, n in types.most_common() if t],
    )


async def label_facets(ctx: ReadContext, result: SearchResult) -> SearchResult:
    """``result`` with the labels of its facets' classes and strategies filled in."""
    facets = [*result.types, *result.strategies]
    if not facets:
        return result
    labels = await ctx.labels(f.iri for f in facets)
    for facet in facets:
        facet.label = ctx.pick(labels.get(facet.iri, Labels())) or facet.iri.rsplit("#", 1)[-1]
    return result
