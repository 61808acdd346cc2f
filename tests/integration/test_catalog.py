"""The DCAT-AP.de catalog record and VoID: valid, true to the store, and their dumps download."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, RDF, SH

from tests.support import LiveServer, live_server

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")

BASE = "https://w3id.org/sozialgraph/"
SHAPES = Path(__file__).parents[1] / "data" / "dcat-ap-de" / "dcat-ap-de-shapes.ttl"
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
# Plain namespaces: pytest looks at module attributes, and rdflib's closed ones warn on that.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
VOID = Namespace("http://rdfs.org/ns/void#")
CATALOG = URIRef(BASE + "catalog")
DATASET = URIRef(BASE + "catalog#dataset")
SERVICE = URIRef(BASE + "catalog#sparql-endpoint")
CONTRIBUTOR = "http://dcat-ap.de/def/contributors/sozialgraphTest"


def _copy(jena_store_dir: Path, folder: Path) -> Path:
    copy = folder / "store"
    shutil.copytree(jena_store_dir, copy, symlinks=True)
    return copy


@pytest.fixture(scope="module")
def server(jena_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_copy(jena_store_dir, tmp_path_factory.mktemp("catalog"))) as live:
        # the first dump request waits for the dumps, so the record then states their sizes
        assert httpx.get(live.url + "/dumps/sozialgraph.nt", timeout=120).status_code == 200
        yield live


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def catalog_graph(server: LiveServer, accept: str = "text/turtle") -> Graph:
    response = httpx.get(server.url + "/catalog", headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200, response.text
    fmt = {
        "text/turtle": "turtle",
        "application/ld+json": "json-ld",
        "application/n-triples": "nt",
        "application/rdf+xml": "xml",
    }[accept]
    return Graph().parse(data=response.content, format=fmt)


def void_graph(server: LiveServer) -> Graph:
    response = httpx.get(server.url + "/.well-known/void", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    return Graph().parse(data=response.content, format="turtle")


def sparql(server: LiveServer, query: str) -> list[dict[str, str]]:
    response = httpx.get(
        server.url + "/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    return [
        {k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]
    ]


def results(report: Graph) -> list[tuple[str, str, str]]:
    """(severity, focus node, path) of each validation result."""
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        found.append(
            (
                str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
                str(report.value(result, SH.focusNode)),
                str(report.value(result, SH.resultPath)),
            )
        )
    return sorted(found)


def test_catalog_validates_against_dcat_ap_de_shapes(server: LiveServer, shapes: Graph) -> None:
    _, report, text = validate(catalog_graph(server), shacl_graph=shapes)
    # Everything mandatory and recommended is there; only the contributor ID is a setting
    # without a default (no ID from DCAT-AP.de's list is invented).
    assert results(report) == [("Warning", str(DATASET), str(DCATDE.contributorID))], text


def test_catalog_with_contributor_id_has_no_findings(
    jena_store_dir: Path, tmp_path: Path, shapes: Graph
) -> None:
    env = {"SOZIALGRAPH_CONTRIBUTOR_ID": CONTRIBUTOR}
    with live_server(_copy(jena_store_dir, tmp_path), env=env) as live:
        graph = catalog_graph(live)
    conforms, _, text = validate(graph, shacl_graph=shapes)
    assert conforms, text
    assert (DATASET, DCATDE.contributorID, URIRef(CONTRIBUTOR)) in graph


@pytest.mark.parametrize(
    ("node", "path"),
    [
        (CATALOG, DCTERMS.title),
        (CATALOG, DCTERMS.publisher),
        (DATASET, DCTERMS.description),
        (URIRef(BASE + "catalog#dump-ttl"), DCAT.accessURL),
        (URIRef(BASE + "catalog#dump-nt-gz"), DCTERMS.license),
        (SERVICE, DCAT.endpointURL),
    ],
)
def test_shapes_reject_a_record_without_a_mandatory_property(
    server: LiveServer, shapes: Graph, node: URIRef, path: URIRef
) -> None:
    graph = catalog_graph(server)
    graph.add((DATASET, DCATDE.contributorID, URIRef(CONTRIBUTOR)))
    assert (node, path, None) in graph
    graph.remove((node, path, None))
    conforms, report, _ = validate(graph, shacl_graph=shapes)
    assert not conforms
    assert results(report) == [("Violation", str(node), str(path))]


def test_catalog_formats_say_the_same(server: LiveServer) -> None:
    turtle = catalog_graph(server)
    for accept in ("application/ld+json", "application/n-triples", "application/rdf+xml"):
        assert isomorphic(catalog_graph(server, accept), turtle), accept
    by_extension = httpx.get(server.url + "/catalog.jsonld", timeout=30)
    assert isomorphic(Graph().parse(data=by_extension.content, format="json-ld"), turtle)


def test_catalog_html_view(server: LiveServer) -> None:
    response = httpx.get(server.url + "/catalog", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Vary" in response.headers and "Accept" in response.headers["vary"]
    assert "<h1>Katalog: Sozialgraph (Stadt Jena)</h1>" in response.text
    assert 'href="/dumps/sozialgraph.ttl.gz"' in response.text
    english = httpx.get(server.url + "/catalog.html?lang=en", timeout=30)
    assert "<h1>Catalog: Sozialgraph (Stadt Jena)</h1>" in english.text


def test_catalog_states_publisher_licence_place_and_contact(server: LiveServer) -> None:
    graph = catalog_graph(server)
    publisher = graph.value(DATASET, DCTERMS.publisher)
    assert publisher == URIRef(BASE + "jena/organisation/stadt-jena")
    assert graph.value(publisher, FOAF.name) == Literal("Stadt Jena", lang="de")
    licence = URIRef("http://dcat-ap.de/def/licenses/dl-by-de/2.0")
    assert graph.value(CATALOG, DCTERMS.license) == licence
    for distribution in graph.objects(DATASET, DCAT.distribution):
        assert graph.value(distribution, DCTERMS.license) == licence
        assert graph.value(distribution, DCATDE.licenseAttributionByText) is not None
    jena = URIRef("http://dcat-ap.de/def/politicalGeocoding/municipalityKey/16053000")
    assert graph.value(DATASET, DCTERMS.spatial) == jena
    assert graph.value(DATASET, DCATDE.politicalGeocodingLevelURI) == URIRef(
        "http://dcat-ap.de/def/politicalGeocodingLevel/municipality"
    )
    assert graph.value(DATASET, DCAT.theme) == URIRef(
        "http://publications.europa.eu/resource/authority/data-theme/SOCI"
    )
    contact = graph.value(DATASET, DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasURL) == URIRef("https://www.jena.de/")
    assert graph.value(contact, VCARD.hasEmail) is None  # no address is invented
    assert {lit.language for lit in graph.objects(DATASET, DCTERMS.title)} == {"de", "en"}
    assert len(list(graph.objects(DATASET, DCAT.keyword))) >= 4


def test_catalog_dates_come_from_the_store(server: LiveServer) -> None:
    graph = catalog_graph(server)
    newest = sparql(
        server,
        "SELECT (MAX(?t) AS ?newest) WHERE { GRAPH <" + BASE + "graph/meta> "
        "{ ?a <http://www.w3.org/ns/prov#endedAtTime> ?t } }",
    )[0]["newest"]
    assert graph.value(DATASET, DCTERMS.modified) == Literal(newest, datatype=XSD.dateTime)
    assert graph.value(CATALOG, DCTERMS.modified) == Literal(newest, datatype=XSD.dateTime)
    period = graph.value(DATASET, DCTERMS.temporal)
    start = graph.value(period, DCAT.startDate).toPython()
    end = graph.value(period, DCAT.endDate).toPython()
    dates = sparql(
        server,
        "SELECT (MIN(?d) AS ?first) (MAX(?d) AS ?last) WHERE { GRAPH ?g { ?s ?p ?d } "
        'FILTER(DATATYPE(?d) = <http://www.w3.org/2001/XMLSchema#date> && STRSTARTS(STR(?g), "'
        + BASE
        + 'graph/data/")) }',
    )[0]
    assert str(start) <= dates["first"]
    assert str(end) >= dates["last"]


def test_distributions_use_iana_and_eu_vocabularies(server: LiveServer) -> None:
    graph = catalog_graph(server)
    distributions = list(graph.objects(DATASET, DCAT.distribution))
    changes = {URIRef(BASE + "catalog#ldes"), URIRef(BASE + "catalog#feed")}
    assert changes <= set(distributions)  # the event stream and the Atom feed (issue 19)
    distributions = [d for d in distributions if d not in changes]
    assert len(distributions) == 8  # four formats, each also gzip-compressed
    formats = set()
    for distribution in distributions:
        media_type = str(graph.value(distribution, DCAT.mediaType))
        assert media_type.startswith("https://www.iana.org/assignments/media-types/")
        formats.add(str(graph.value(distribution, DCTERMS.format)).rsplit("/", 1)[-1])
        assert graph.value(distribution, DCAT.accessURL) is not None
        assert int(graph.value(distribution, DCAT.byteSize)) > 0
    assert formats == {"RDF_TURTLE", "RDF_N_TRIPLES", "RDF_TRIG", "JSON_LD"}
    assert graph.value(SERVICE, DCAT.endpointURL) == URIRef(BASE + "sparql")
    assert graph.value(SERVICE, DCAT.servesDataset) == DATASET
    assert (CATALOG, DCAT.service, SERVICE) in graph


def test_every_download_url_gives_the_whole_dataset(server: LiveServer) -> None:
    graph = catalog_graph(server)
    triples = int(void_graph(server).value(DATASET, VOID.triples))
    urls = sorted(str(url) for url in graph.objects(None, DCAT.downloadURL))
    assert len(urls) == 8
    for url in urls:
        assert url.startswith(BASE)
        response = httpx.get(server.url + "/" + url.removeprefix(BASE), timeout=60)
        assert response.status_code == 200, url
        data = response.content
        name = url.rsplit("/", 1)[-1]
        if name.endswith(".gz"):
            assert response.headers["content-type"] == "application/gzip"
            data, name = gzip.decompress(data), name.removesuffix(".gz")
        fmt = ox.RdfFormat.from_extension(name.rsplit(".", 1)[-1])
        assert sum(1 for _ in ox.parse(data, format=fmt)) == triples, url


def test_void_describes_size_partitions_dumps_and_vocabularies(server: LiveServer) -> None:
    graph = void_graph(server)
    assert graph.value(DATASET, VOID.uriSpace) == Literal(BASE)
    assert graph.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    total = int(graph.value(DATASET, VOID.triples))
    # the data's graphs (on Virtuoso, the union also holds the server's own graphs)
    data = f'FILTER(STRSTARTS(STR(?g), "{BASE}graph/"))'
    counted = sparql(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {data} }}")
    assert total == int(counted[0]["n"])
    by_property = {
        str(graph.value(part, VOID.property)): int(graph.value(part, VOID.triples))
        for part in graph.objects(DATASET, VOID.propertyPartition)
    }
    assert sum(by_property.values()) == total
    assert by_property[str(DCTERMS.source)] == int(
        sparql(
            server,
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s <http://purl.org/dc/terms/source> ?o } }",
        )[0]["n"]
    )
    by_class = {
        str(graph.value(part, VOID["class"])): int(graph.value(part, VOID.entities))
        for part in graph.objects(DATASET, VOID.classPartition)
    }
    measures = sparql(
        server,
        "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a <https://w3id.org/sozialgraph/ontology#Measure> }",
    )[0]["n"]
    assert by_class["https://w3id.org/sozialgraph/ontology#Measure"] == int(measures)
    dumps = {str(url) for url in graph.objects(DATASET, VOID.dataDump)}
    assert BASE + "dumps/sozialgraph.nt" in dumps
    vocabularies = {str(v) for v in graph.objects(DATASET, VOID.vocabulary)}
    assert {
        "https://w3id.org/sozialgraph/ontology",
        "http://www.w3.org/2004/02/skos/core",
        "http://purl.org/dc/terms/",
    } <= vocabularies
    jsonld = httpx.get(
        server.url + "/.well-known/void", headers={"Accept": "application/ld+json"}, timeout=30
    )
    assert jsonld.headers["content-type"].startswith("application/ld+json")
