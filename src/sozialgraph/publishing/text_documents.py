"""The documents of the text index, read from the store through named queries.

One document per resource under the base IRI that has a text (``queries/search-documents.rq``),
with the graphs its texts are in (so that a write to one graph renews only that graph's
documents), its classes and strategies (``search-facets.rq``) and municipalities
(``search-municipality.rq``). On an embedded store the queries run on the read-only checkpoint
of the version being indexed, in a thread (no result-size limit, no worker round trips); on a
remote store through the query service, graph by graph.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from sozialgraph.namespaces import DCT_NS as DCTERMS
from sozialgraph.readmodel.context import ReadContext, check_parameters
from sozialgraph.store.base import Term, as_term

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

#: Texts searched with a boost: what a resource is called.
TITLE_PROPERTIES = frozenset(
    {
        DCTERMS + "title",
        SKOS + "prefLabel",
        RDFS + "label",
        SKOS + "altLabel",
        DCTERMS + "alternative",
    }
)
#: Texts also found whole (decision numbers such as ``25/0529-BV``).
IDENTIFIER_PROPERTIES = frozenset({DCTERMS + "identifier", SKOS + "notation"})
#: Labels shown for a hit, in this order of preference (as ``labels-of``).
LABEL_PROPERTIES = (SKOS + "prefLabel", DCTERMS + "title", RDFS + "label")
#: Resources per query with a VALUES block of IRIs.
BATCH = 400

Row = dict[str, Term]


@dataclass
class TextDocument:
    """Everything the index holds about one resource."""

    iri: str
    graphs: set[str] = field(default_factory=set)
    texts: list[tuple[str, str, str]] = field(default_factory=list)  # (property, lang, text)
    types: set[str] = field(default_factory=set)
    strategies: set[str] = field(default_factory=set)
    municipalities: set[str] = field(default_factory=set)

    def label(self, lang: str) -> str | None:
        for prop in LABEL_PROPERTIES:
            for p, language, value in self.texts:
                if p == prop and language.split("-")[0] == lang:
                    return value
        return None


class RowSource:
    """Runs the project's named queries for the index: on a checkpoint, or via the service."""

    def __init__(self, ctx: ReadContext, checkpoint: str | None) -> None:
        self.ctx = ctx
        self.checkpoint = checkpoint
        self._store: ox.Store | None = None

    @property
    def local(self) -> bool:
        return self.checkpoint is not None

    async def rows(self, name: str, **params: str | list[str] | None) -> list[Row]:
        if self.checkpoint is None:
            return (await self.ctx.run(name, **params)).rows
        named = self.ctx.registry.get(name)
        given = {k: v for k, v in params.items() if v not in (None, "", [])}
        text = named.bind_terms(named.terms(check_parameters(named, given)))
        return await asyncio.to_thread(self._select, text)

    def _select(self, text: str) -> list[Row]:
        if self._store is None:
            assert self.checkpoint is not None
            self._store = ox.Store.read_only(self.checkpoint)
        solutions = self._store.query(text, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        return [
            {n: as_term(row[n]) for n in names if row[n] is not None}  # type: ignore[arg-type]
            for row in solutions
        ]

    def close(self) -> None:
        self._store = None


async def graph_fingerprints(source: RowSource) -> dict[str, str]:
    """Each named graph's state: its size and its latest write (from the provenance records)."""
    sizes = {r["g"].value: r["n"].value for r in await source.rows("graph-sizes")}
    latest = {r["graph"].value: r["latest"].value for r in await source.rows("graph-fingerprints")}
    return {g: f"{n} {latest.get(g, '')}" for g, n in sizes.items()}


async def read_documents(
    source: RowSource,
    base_iri: str,
    skip_graphs: Iterable[str],
    *,
    graphs: Sequence[str] | None = None,
    resources: Iterable[str] | None = None,
) -> dict[str, TextDocument]:
    """The documents of every resource (``graphs``/``resources`` None), of the resources with
    texts in ``graphs``, or of the given ``resources``: always with all their texts."""
    skip = set(skip_graphs)
    documents: dict[str, TextDocument] = {}

    def add(rows: list[Row]) -> None:
        for row in rows:
            iri, graph = row["resource"].value, row["graph"].value
            if graph in skip or not iri.startswith(base_iri):
                continue
            literal = row["text"]
            language = literal.language if isinstance(literal, ox.Literal) else None
            document = documents.setdefault(iri, TextDocument(iri))
            document.graphs.add(graph)
            document.texts.append((row["property"].value, language or "", literal.value))

    if resources is None:
        if graphs is None and source.local:  # one query on the checkpoint: no size limit
            add(await source.rows("search-documents"))
        else:  # graph by graph: each answer stays within the server's result limit
            names = graphs if graphs is not None else await _graph_names(source)
            for graph in names:
                if graph not in skip:
                    add(await source.rows("search-documents", graph=graph))
        if graphs is None:
            await _add_facets(source, documents, everything=source.local)
            await _add_municipalities(source, documents)
            return documents
        # the resources with texts in those graphs: read again with their texts in every graph
        resources = list(documents)
        documents = {}
    wanted = sorted(set(resources))
    for start in range(0, len(wanted), BATCH):
        add(await source.rows("search-documents", resource=wanted[start : start + BATCH]))
    await _add_facets(source, documents, everything=False)
    await _add_municipalities(source, documents)
    return documents


async def _graph_names(source: RowSource) -> list[str]:
    return [r["g"].value for r in await source.rows("graph-sizes")]


async def _add_facets(
    source: RowSource, documents: dict[str, TextDocument], *, everything: bool
) -> None:
    def add(rows: list[Row]) -> None:
        for row in rows:
            document = documents.get(row["resource"].value)
            if document is None:
                continue
            document.types.add(row["type"].value)
            if "strategy" in row:
                document.strategies.add(row["strategy"].value)

    if everything:
        add(await source.rows("search-facets"))
        return
    wanted = sorted(documents)
    for start in range(0, len(wanted), BATCH):
        add(await source.rows("search-facets", resource=wanted[start : start + BATCH]))


async def _add_municipalities(source: RowSource, documents: dict[str, TextDocument]) -> None:
    for row in await source.rows("search-municipality"):
        document = documents.get(row["resource"].value)
        if document is not None:
            document.municipalities.add(row["municipality"].value)
