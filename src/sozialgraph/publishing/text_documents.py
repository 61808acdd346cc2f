"""The documents of the text index, read from the store through named queries.

One document per resource under the base IRI that has a text (``queries/search-documents.rq``),
with the graphs its texts are in (so that a write to one graph renews only that graph's
documents), its classes and strategies (``search-facets.rq``) and municipalities
(``search-municipality.rq``). On an embedded store the queries run on the read-only checkpoint
of the version being indexed, the three at once in threads (no result-size limit, no worker
round trips); on a remote store through the query service, graph by graph. The text query has
no per-row filter (that doubled its time): blank nodes, SHACL shapes and build records
(``prov:Activity``) are left out here, in one pass over the rows. A whole index on an embedded
store (and in a build) is made without these queries, from the same texts and links read by
pattern (``text_quads.py``); a test compares both.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox

from sozialgraph.namespaces import DCT_NS as DCTERMS
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.readmodel.context import ReadContext, check_parameters
from sozialgraph.resources import queries_dir
from sozialgraph.store.base import Term, as_term

SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV_ACTIVITY = "http://www.w3.org/ns/prov#Activity"
#: Resources under this prefix are the SHACL shapes: about the data, not data.
SHAPES_PREFIX = "https://w3id.org/sozialgraph/shapes"
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
#: Every indexed text property: the VALUES of ``search-documents.rq`` (a test compares them).
TEXT_PROPERTIES = (
    TITLE_PROPERTIES
    | IDENTIFIER_PROPERTIES
    | frozenset(
        {
            DCTERMS + "description",
            SKOS + "definition",
            RDFS + "comment",
            SKOS + "scopeNote",
            SKOS + "note",
            SKOS + "editorialNote",
        }
    )
)
#: Labels shown for a hit, in this order of preference (as ``labels-of``).
LABEL_PROPERTIES = (SKOS + "prefLabel", DCTERMS + "title", RDFS + "label")
#: Resources per query with a VALUES block of IRIs.
BATCH = 400
_TEXTS = ("resource", "graph", "property", "text")
_FACETS = ("resource", "type", "strategy")
_PLACES = ("resource", "municipality")
_SIZES = ("g", "n")
_LATEST = ("graph", "latest")

#: One answer row: the values of the columns asked for, in their order (None when unbound).
Row = tuple[Term | None, ...]


@dataclass
class TextDocument:
    """Everything the index holds about one resource."""

    iri: str
    graphs: set[str] = field(default_factory=set)
    texts: list[tuple[str, str, str]] = field(default_factory=list)  # (property, lang, text)
    types: set[str] = field(default_factory=set)
    strategies: set[str] = field(default_factory=set)
    municipalities: set[str] = field(default_factory=set)

    def facet_digest(self) -> str:
        """What the filters know of the resource (classes, strategies, municipalities)."""
        text = "|".join(
            " ".join(sorted(values))
            for values in (self.types, self.strategies, self.municipalities)
        )
        return _digest(text)

    def label(self, lang: str) -> str | None:
        for prop in LABEL_PROPERTIES:
            for p, language, value in self.texts:
                if p == prop and language.split("-")[0] == lang:
                    return value
        return None


@lru_cache(maxsize=1 << 14)
def _digest(text: str) -> str:  # many resources share their filter fields
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def digests_of(documents: Mapping[str, TextDocument]) -> dict[str, str]:
    """``facet_digest`` of each document, made once per set of filter fields (at 1M triples
    119,194 documents share 6,533 sets: half the time of one per document)."""
    known: dict[tuple[frozenset[str], ...], str] = {}
    found = {}
    for iri, document in documents.items():
        key = (
            frozenset(document.types),
            frozenset(document.strategies),
            frozenset(document.municipalities),
        )
        digest = known.get(key)
        if digest is None:
            digest = known[key] = document.facet_digest()
        found[iri] = digest
    return found


class RowSource:
    """Runs the project's named queries for the index: on a checkpoint, or via the service."""

    def __init__(self, ctx: ReadContext, checkpoint: str | None) -> None:
        self.ctx = ctx
        self.checkpoint = checkpoint
        self._store: ox.Store | None = None
        self._opening = threading.Lock()  # the queries run at once, in threads

    @property
    def local(self) -> bool:
        return self.checkpoint is not None

    async def rows(
        self, name: str, columns: Sequence[str], **params: str | list[str] | None
    ) -> list[Row]:
        """The answer of the named query ``name``: per row the values of ``columns``."""
        if self.checkpoint is None:
            found = (await self.ctx.run(name, **params)).rows
            return [tuple(row.get(c) for c in columns) for row in found]
        named = self.ctx.registry.get(name)
        given = {k: v for k, v in params.items() if v not in (None, "", [])}
        text = named.bind_terms(named.terms(check_parameters(named, given)))
        return await asyncio.to_thread(self._select, text, columns)

    def _select(self, text: str, columns: Sequence[str]) -> list[Row]:
        return select_on(self.opened(), text, columns)

    def opened(self) -> ox.Store:
        """The checkpoint, opened once (read-only)."""
        with self._opening:
            if self._store is None:
                assert self.checkpoint is not None
                self._store = ox.Store.read_only(self.checkpoint)
            return self._store

    def close(self) -> None:
        self._store = None


def select_on(store: ox.Store, text: str, columns: Sequence[str]) -> list[Row]:
    """The answer of the query ``text`` on ``store``: per row the values of ``columns``."""
    solutions = store.query(text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    # By position, not by name: a third of the time of reading a large answer went into
    # looking its cells up by name. RDF-star triple terms never occur here (as_term).
    if names == list(columns):
        return [tuple(row) for row in solutions]  # type: ignore[misc]
    order = [names.index(c) for c in columns]
    return [
        tuple(as_term(row[i]) if row[i] is not None else None for i in order) for row in solutions
    ]  # type: ignore[arg-type]


async def graph_fingerprints(source: RowSource) -> dict[str, str]:
    """Each named graph's state: its size and its latest write (from the provenance records)."""
    return _fingerprints(
        await source.rows("graph-sizes", _SIZES), await source.rows("graph-fingerprints", _LATEST)
    )


def store_fingerprints(store: ox.Store, sizes: list[Row] | None = None) -> dict[str, str]:
    """``graph_fingerprints`` of an open store (a build's new generation); with ``sizes`` (the
    graph sizes read before its last graphs were added) only the other graphs are counted."""
    if sizes is None:
        sizes = _store_rows(store, "graph-sizes", _SIZES)
    else:
        known = {g.value for g, _ in sizes if g is not None}
        added = []
        for graph in store.named_graphs():
            if isinstance(graph, ox.NamedNode) and graph.value not in known:
                count = sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
                if count:
                    added.append((graph, ox.Literal(str(count))))
        sizes = [*sizes, *added]
    return _fingerprints(sizes, _store_rows(store, "graph-fingerprints", _LATEST))


def store_graph_sizes(store: ox.Store) -> list[Row]:
    """The size of each named graph of an open store (``graph-sizes``)."""
    return _store_rows(store, "graph-sizes", _SIZES)


def _store_rows(store: ox.Store, name: str, columns: Sequence[str]) -> list[Row]:
    named = _registry().get(name)
    return select_on(store, named.bind_terms(named.terms({})), columns)


@lru_cache(maxsize=1)
def _registry() -> QueryRegistry:
    return QueryRegistry(queries_dir())


def _fingerprints(sizes: list[Row], latest: list[Row]) -> dict[str, str]:
    counts = {g.value: n.value for g, n in sizes if g and n}
    ended = {g.value: at.value for g, at in latest if g and at}
    return {g: f"{n} {ended.get(g, '')}" for g, n in counts.items()}


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
        for resource, graph, prop, literal in rows:
            if (
                not isinstance(literal, ox.Literal)
                or not isinstance(resource, ox.NamedNode)
                or graph is None
                or prop is None
                or graph.value in skip
            ):
                continue
            iri = resource.value
            if not iri.startswith(base_iri) or iri.startswith(SHAPES_PREFIX):
                continue
            document = documents.get(iri)
            if document is None:
                document = documents[iri] = TextDocument(iri)
            document.graphs.add(graph.value)
            document.texts.append((prop.value, literal.language or "", literal.value))

    if resources is None:
        if graphs is None and source.local:  # on the checkpoint: no size limit, all at once
            texts, facets, places = await asyncio.gather(
                source.rows("search-documents", _TEXTS),
                source.rows("search-facets", _FACETS),
                source.rows("search-municipality", _PLACES),
            )
            add(texts)
            _facets_into(documents, facets)
            _municipalities_into(documents, places)
            return _without_activities(documents)
        else:  # graph by graph: each answer stays within the server's result limit
            names = graphs if graphs is not None else await _graph_names(source)
            for graph in names:
                if graph not in skip:
                    add(await source.rows("search-documents", _TEXTS, graph=graph))
        if graphs is None:
            await _add_facets(source, documents, everything=False)
            await _add_municipalities(source, documents)
            return _without_activities(documents)
        # the resources with texts in those graphs: read again with their texts in every graph
        resources = list(documents)
        documents = {}
    wanted = sorted(set(resources))
    for start in range(0, len(wanted), BATCH):
        add(await source.rows("search-documents", _TEXTS, resource=wanted[start : start + BATCH]))
    await _add_facets(source, documents, everything=False)
    await _add_municipalities(source, documents)
    return _without_activities(documents)


async def facet_digests(source: RowSource, iris: Iterable[str]) -> dict[str, str]:
    """The filter fields' digest of each of ``iris`` now. A write to one graph can change the
    strategy or municipality of resources whose texts are in other graphs: comparing these
    digests with the index's finds them (the municipality query reads everything anyway)."""
    documents = {iri: TextDocument(iri) for iri in iris}
    if source.local:
        facets, places = await asyncio.gather(
            source.rows("search-facets", _FACETS), source.rows("search-municipality", _PLACES)
        )
        _facets_into(documents, facets)
        _municipalities_into(documents, places)
    else:
        await _add_facets(source, documents, everything=False)
        await _add_municipalities(source, documents)
    return {iri: document.facet_digest() for iri, document in documents.items()}


def _without_activities(documents: dict[str, TextDocument]) -> dict[str, TextDocument]:
    """``documents`` without the build and write records (``prov:Activity``)."""
    return {iri: d for iri, d in documents.items() if PROV_ACTIVITY not in d.types}


async def _graph_names(source: RowSource) -> list[str]:
    return [g.value for g, _ in await source.rows("graph-sizes", _SIZES) if g is not None]


async def _add_facets(
    source: RowSource, documents: dict[str, TextDocument], *, everything: bool
) -> None:
    if everything:
        _facets_into(documents, await source.rows("search-facets", _FACETS))
        return
    wanted = sorted(documents)
    for start in range(0, len(wanted), BATCH):
        rows = await source.rows("search-facets", _FACETS, resource=wanted[start : start + BATCH])
        _facets_into(documents, rows)


def _facets_into(documents: dict[str, TextDocument], rows: list[Row]) -> None:
    for resource, kind, strategy in rows:
        document = documents.get(resource.value) if resource is not None else None
        if document is None or kind is None:
            continue
        document.types.add(kind.value)
        if strategy is not None:
            document.strategies.add(strategy.value)


async def _add_municipalities(source: RowSource, documents: dict[str, TextDocument]) -> None:
    _municipalities_into(documents, await source.rows("search-municipality", _PLACES))


def _municipalities_into(documents: dict[str, TextDocument], rows: list[Row]) -> None:
    for resource, municipality in rows:
        document = documents.get(resource.value) if resource is not None else None
        if document is not None and municipality is not None:
            document.municipalities.add(municipality.value)
