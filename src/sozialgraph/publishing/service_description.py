"""The SPARQL 1.1 Service Description of /sparql (returned when it is called without a query)."""

from __future__ import annotations

import pyoxigraph as ox

from sozialgraph.querying.service import QueryService

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS = "http://purl.org/dc/terms/"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "N-Quads",
    "TriG",
)

_GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


async def service_description(service: QueryService, endpoint: str) -> list[ox.Triple]:
    """``sd:Service`` with endpoint, language, formats, features and the default dataset."""
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
        ox.Triple(node, _sd("resultFormat"), ox.NamedNode(FORMATS + f)) for f in RESULT_FORMATS
    ]
    total = 0
    for row in await service.select(_GRAPH_SIZES):
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
