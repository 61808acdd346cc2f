"""The SPARQL 1.1 Service Description of /sparql (returned when it is called without a query)."""

from __future__ import annotations

import pyoxigraph as ox

from sozialgraph.formats import BY_MEDIA_TYPE, GRAPH_TYPES, RESULT_TYPES, W3C_FORMATS
from sozialgraph.namespaces import DCT_NS as DCTERMS
from sozialgraph.namespaces import SD_NS as SD
from sozialgraph.namespaces import VOID_NS as VOID
from sozialgraph.querying.service import QueryService

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

#: Names in http://www.w3.org/ns/formats/ of every format /sparql answers in.
RESULT_FORMATS = tuple(str(BY_MEDIA_TYPE[t].w3c) for t in (*RESULT_TYPES, *GRAPH_TYPES))


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


async def service_description(
    service: QueryService, endpoint: str, graph_sizes: str
) -> list[ox.Triple]:
    """``sd:Service`` with endpoint, language, formats, features and the default dataset.

    ``graph_sizes`` is the text of the named query ``graph-sizes`` (from the app's registry).
    """
    node = ox.NamedNode(endpoint)
    dataset, default_graph = ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(node, RDF_TYPE, _sd("Service")),
        ox.Triple(node, _sd("endpoint"), node),
        ox.Triple(node, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(node, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(
            node,
            _sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        ox.Triple(
            node,
            ox.NamedNode(DCTERMS + "title"),
            ox.Literal("sozialgraph SPARQL endpoint", language="en"),
        ),
        ox.Triple(
            node,
            ox.NamedNode(DCTERMS + "description"),
            ox.Literal(
                f"Read-only SPARQL 1.1 query endpoint. Queries are stopped after "
                f"{service.settings.query_timeout:g} s; results are limited to "
                f"{service.settings.max_result_bytes} bytes; "
                "SERVICE and SPARQL Update are refused. "
                "The default graph is the union of all named graphs.",
                language="en",
            ),
        ),
        ox.Triple(node, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, _sd("Graph")),
    ]
    triples += [
        ox.Triple(node, _sd("resultFormat"), ox.NamedNode(W3C_FORMATS + f)) for f in RESULT_FORMATS
    ]
    total = 0
    for row in await service.select(graph_sizes):
        graph, count = row["g"], row["n"]
        total += int(count.value)
        named, described = ox.BlankNode(), ox.BlankNode()
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), graph),
            ox.Triple(named, _sd("graph"), described),
            ox.Triple(described, RDF_TYPE, _sd("Graph")),
            ox.Triple(
                described,
                ox.NamedNode(VOID + "triples"),
                ox.Literal(count.value, datatype=XSD_INTEGER),
            ),
        ]
    triples.append(
        ox.Triple(
            default_graph,
            ox.NamedNode(VOID + "triples"),
            ox.Literal(str(total), datatype=XSD_INTEGER),
        )
    )
    return triples
