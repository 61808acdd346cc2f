"""The triples of the DCAT-AP.de catalog record and of the VoID description.

IRIs: the catalog is ``{base}catalog``; its dataset, distributions, data service, contact point
and period are ``{base}catalog#…``, so all of them resolve to the catalog document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pyoxigraph as ox

from sozialgraph.config import Settings
from sozialgraph.formats import GZIP
from sozialgraph.namespaces import ALL_PREFIXES, ONTOLOGY_IRI
from sozialgraph.namespaces import DCAT_NS as DCAT
from sozialgraph.namespaces import DCATDE_NS as DCATDE
from sozialgraph.namespaces import DCT_NS as DCT
from sozialgraph.namespaces import FOAF_NS as FOAF
from sozialgraph.namespaces import RDF_TYPE as TYPE
from sozialgraph.namespaces import VCARD_NS as VCARD
from sozialgraph.namespaces import VOID_NS as VOID
from sozialgraph.namespaces import XSD_NS as XSD
from sozialgraph.publishing.dumps import DumpFormat

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/"
GEOCODING_LEVEL = "http://dcat-ap.de/def/politicalGeocodingLevel/municipality"
LOCAL_AUTHORITY = "http://purl.org/adms/publishertype/LocalAuthority"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"

KEYWORDS = {
    "de": (
        "Sozialstrategie",
        "Armutsprävention",
        "Integration",
        "Antirassismus",
        "Kommunalpolitik",
        "Linked Open Data",
    ),
    "en": (
        "social strategy",
        "poverty prevention",
        "integration",
        "anti-racism",
        "local government",
        "linked open data",
    ),
}


@dataclass(frozen=True)
class DumpFacts:
    format: DumpFormat
    compressed: bool
    path: str  # e.g. /dumps/sozialgraph.ttl (without .gz)
    size: int | None


@dataclass
class CatalogFacts:
    """Figures the records state, counted on the store."""

    triples: int
    first_build: str | None
    last_build: str | None
    earliest: dt.date | None
    latest: dt.date | None
    dumps: list[DumpFacts]
    classes: list[tuple[str, int]] = field(default_factory=list)
    properties: list[tuple[str, int]] = field(default_factory=list)


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _text(value: str, lang: str) -> ox.Literal:
    return ox.Literal(value, language=lang)


def _typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=_n(XSD + datatype))


class _Triples(list[ox.Triple]):
    def add(
        self, s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        self.append(ox.Triple(s, _n(p), o))


def catalog_iris(settings: Settings) -> dict[str, str]:
    base = settings.base_iri
    catalog = base + "catalog"
    return {
        "catalog": catalog,
        "dataset": catalog + "#dataset",
        "service": catalog + "#sparql-endpoint",
        "contact": catalog + "#contact-point",
        "period": catalog + "#period",
        "publisher": settings.municipality_iri,
        "endpoint": base + "sparql",
        "void": base + ".well-known/void",
    }


def catalog_triples(facts: CatalogFacts, settings: Settings) -> list[ox.Triple]:
    """dcat:Catalog → dcat:Dataset → dcat:Distribution per dump, and the SPARQL dcat:DataService."""
    iri = catalog_iris(settings)
    base = settings.base_iri
    name = settings.publisher_name
    catalog, dataset, service = _n(iri["catalog"]), _n(iri["dataset"]), _n(iri["service"])
    publisher, contact = _n(iri["publisher"]), _n(iri["contact"])
    license_ = _n(settings.license)
    t = _Triples()

    t.add(catalog, TYPE, _n(DCAT + "Catalog"))
    t.add(catalog, DCT + "title", _text(f"sozialgraph-Katalog: Sozialstrategie ({name})", "de"))
    t.add(catalog, DCT + "title", _text(f"sozialgraph catalogue: social strategy ({name})", "en"))
    t.add(
        catalog,
        DCT + "description",
        _text(
            "Katalog des Wissensgraphen zur kommunalen Sozialstrategie: der Datensatz, seine "
            "Downloads und der SPARQL-Endpunkt.",
            "de",
        ),
    )
    t.add(
        catalog,
        DCT + "description",
        _text(
            "Catalogue of the knowledge graph of the municipal social strategy: the dataset, its "
            "downloads and the SPARQL endpoint.",
            "en",
        ),
    )
    t.add(catalog, DCT + "publisher", publisher)
    t.add(catalog, FOAF + "homepage", _n(base))
    t.add(catalog, DCT + "license", license_)
    t.add(catalog, DCAT + "themeTaxonomy", _n(EU + "data-theme"))
    t.add(catalog, DCT + "spatial", _n(GEOCODING + settings.municipality_key))
    for code in ("DEU", "ENG"):
        t.add(catalog, DCT + "language", _n(EU + "language/" + code))
    t.add(catalog, DCAT + "dataset", dataset)
    t.add(catalog, DCAT + "service", service)
    _dates(t, catalog, facts)

    t.add(dataset, TYPE, _n(DCAT + "Dataset"))
    t.add(dataset, DCT + "title", _text(f"Sozialgraph: Kommunale Sozialstrategie ({name})", "de"))
    t.add(dataset, DCT + "title", _text(f"Sozialgraph: municipal social strategy ({name})", "en"))
    t.add(
        dataset,
        DCT + "description",
        _text(
            "Die Sozialstrategie als Wissensgraph: Strategien und ihre Fassungen, Handlungsfelder, "
            "Ziele, Maßnahmen, Beschlüsse, Gremien, Förderungen und die ECCAR-Verpflichtungen; "
            "jede Aussage mit ihrer öffentlichen Quelle.",
            "de",
        ),
    )
    t.add(
        dataset,
        DCT + "description",
        _text(
            "The social strategy as a knowledge graph: strategies and their versions, fields of "
            "action, goals, measures, council decisions, bodies, grants and the ECCAR commitments; "
            "every statement with its public source.",
            "en",
        ),
    )
    t.add(dataset, DCT + "publisher", publisher)
    t.add(dataset, DCAT + "contactPoint", contact)
    t.add(dataset, DCAT + "theme", _n(EU + "data-theme/SOCI"))
    for lang, words in KEYWORDS.items():
        for word in words:
            t.add(dataset, DCAT + "keyword", _text(word, lang))
    t.add(dataset, DCT + "spatial", _n(GEOCODING + settings.municipality_key))
    t.add(dataset, DCATDE + "politicalGeocodingURI", _n(GEOCODING + settings.municipality_key))
    t.add(dataset, DCATDE + "politicalGeocodingLevelURI", _n(GEOCODING_LEVEL))
    if settings.contributor_id:
        t.add(dataset, DCATDE + "contributorID", _n(settings.contributor_id))
    t.add(dataset, DCAT + "landingPage", _n(base))
    t.add(dataset, DCT + "conformsTo", _n(ONTOLOGY_IRI))
    t.add(dataset, DCT + "accessRights", _n(EU + "access-right/PUBLIC"))
    for code in ("DEU", "ENG"):
        t.add(dataset, DCT + "language", _n(EU + "language/" + code))
    _dates(t, dataset, facts)
    if facts.earliest is not None and facts.latest is not None:
        period = _n(iri["period"])
        t.add(dataset, DCT + "temporal", period)
        t.add(period, TYPE, _n(DCT + "PeriodOfTime"))
        t.add(period, DCAT + "startDate", _typed(facts.earliest.isoformat(), "date"))
        t.add(period, DCAT + "endDate", _typed(facts.latest.isoformat(), "date"))

    t.add(contact, TYPE, _n(VCARD + "Organization"))
    t.add(contact, VCARD + "fn", ox.Literal(settings.contact_name))
    t.add(contact, VCARD + "hasURL", _n(settings.contact_url))
    if settings.contact_email:
        t.add(contact, VCARD + "hasEmail", _n("mailto:" + settings.contact_email))

    t.add(publisher, TYPE, _n(FOAF + "Agent"))
    t.add(publisher, TYPE, _n(FOAF + "Organization"))
    t.add(publisher, FOAF + "name", _text(name, "de"))
    t.add(publisher, DCT + "type", _n(LOCAL_AUTHORITY))

    for dump in facts.dumps:
        _distribution(t, dataset, dump, facts, settings)

    t.add(service, TYPE, _n(DCAT + "DataService"))
    t.add(service, DCT + "title", _text("SPARQL-Endpunkt des Sozialgraphen", "de"))
    t.add(service, DCT + "title", _text("SPARQL endpoint of the Sozialgraph", "en"))
    t.add(
        service,
        DCT + "description",
        _text(
            "Nur lesender SPARQL-1.1-Endpunkt; Abfragen sind zeitlich und in der Ergebnisgröße "
            "begrenzt.",
            "de",
        ),
    )
    t.add(
        service,
        DCT + "description",
        _text("Read-only SPARQL 1.1 endpoint; queries are bounded in time and result size.", "en"),
    )
    t.add(service, DCAT + "endpointURL", _n(iri["endpoint"]))
    t.add(service, DCAT + "endpointDescription", _n(iri["endpoint"]))
    t.add(service, DCAT + "servesDataset", dataset)
    t.add(service, DCT + "conformsTo", _n(SPARQL_PROTOCOL))
    t.add(service, DCT + "license", license_)
    t.add(service, DCT + "publisher", publisher)
    return list(t)


def _distribution(
    t: _Triples, dataset: ox.NamedNode, dump: DumpFacts, facts: CatalogFacts, settings: Settings
) -> None:
    fmt = dump.format
    suffix = "-gz" if dump.compressed else ""
    node = _n(f"{settings.base_iri}catalog#dump-{fmt.extension}{suffix}")
    url = _n(settings.base_iri + dump.path.lstrip("/") + (".gz" if dump.compressed else ""))
    packed_de = ", gzip-komprimiert" if dump.compressed else ""
    packed_en = ", gzip-compressed" if dump.compressed else ""
    t.add(dataset, DCAT + "distribution", node)
    t.add(node, TYPE, _n(DCAT + "Distribution"))
    t.add(node, DCT + "title", _text(f"Gesamter Graph als {fmt.name}{packed_de}", "de"))
    t.add(node, DCT + "title", _text(f"Whole graph as {fmt.name}{packed_en}", "en"))
    graphs = "mit benannten Graphen" if fmt.rdf_format.supports_datasets else "alle Graphen vereint"
    graphs_en = "with named graphs" if fmt.rdf_format.supports_datasets else "all graphs merged"
    t.add(
        node,
        DCT + "description",
        _text(
            f"Vollständiger Abzug des Datensatzes ({graphs}), neu erzeugt bei jeder Änderung.", "de"
        ),
    )
    t.add(
        node,
        DCT + "description",
        _text(f"Complete dump of the dataset ({graphs_en}), regenerated on every change.", "en"),
    )
    t.add(node, DCAT + "accessURL", url)
    t.add(node, DCAT + "downloadURL", url)
    t.add(node, DCAT + "mediaType", _n(IANA + fmt.media_type))
    t.add(node, DCT + "format", _n(fmt.file_type))
    if dump.compressed:
        t.add(node, DCAT + "compressFormat", _n(IANA + GZIP))
    t.add(node, DCT + "license", _n(settings.license))
    t.add(node, DCATDE + "licenseAttributionByText", _text(settings.license_attribution, "de"))
    if dump.size is not None:
        t.add(node, DCAT + "byteSize", _typed(str(dump.size), "decimal"))
    _dates(t, node, facts)


def _dates(t: _Triples, node: ox.NamedNode, facts: CatalogFacts) -> None:
    if facts.first_build:
        t.add(node, DCT + "issued", _typed(facts.first_build, "dateTime"))
    if facts.last_build:
        t.add(node, DCT + "modified", _typed(facts.last_build, "dateTime"))


def void_triples(facts: CatalogFacts, settings: Settings) -> list[ox.Triple]:
    """VoID: URI space, endpoint, size, class and property partitions, dumps, vocabularies."""
    iri = catalog_iris(settings)
    base = settings.base_iri
    dataset, document = _n(iri["dataset"]), _n(iri["void"])
    t = _Triples()
    t.add(document, TYPE, _n(VOID + "DatasetDescription"))
    t.add(document, DCT + "title", _text("VoID-Beschreibung des Sozialgraphen", "de"))
    t.add(document, DCT + "title", _text("VoID description of the Sozialgraph", "en"))
    t.add(document, FOAF + "primaryTopic", dataset)
    t.add(dataset, TYPE, _n(VOID + "Dataset"))
    t.add(dataset, DCT + "title", _text(f"Sozialgraph ({settings.publisher_name})", "de"))
    t.add(dataset, DCT + "license", _n(settings.license))
    t.add(dataset, FOAF + "homepage", _n(base))
    t.add(dataset, VOID + "uriSpace", ox.Literal(base))
    t.add(dataset, VOID + "sparqlEndpoint", _n(iri["endpoint"]))
    t.add(dataset, VOID + "triples", _typed(str(facts.triples), "integer"))
    t.add(dataset, VOID + "classes", _typed(str(len(facts.classes)), "integer"))
    t.add(dataset, VOID + "properties", _typed(str(len(facts.properties)), "integer"))
    for dump in facts.dumps:
        if not dump.compressed:
            t.add(dataset, VOID + "dataDump", _n(base + dump.path.lstrip("/")))
    for vocabulary in sorted(_vocabularies(facts)):
        t.add(dataset, VOID + "vocabulary", _n(vocabulary))
    for class_iri, entities in facts.classes:
        part = ox.BlankNode()
        t.add(dataset, VOID + "classPartition", part)
        t.add(part, VOID + "class", _n(class_iri))
        t.add(part, VOID + "entities", _typed(str(entities), "integer"))
    for property_iri, triples in facts.properties:
        part = ox.BlankNode()
        t.add(dataset, VOID + "propertyPartition", part)
        t.add(part, VOID + "property", _n(property_iri))
        t.add(part, VOID + "triples", _typed(str(triples), "integer"))
    return list(t)


def _vocabularies(facts: CatalogFacts) -> set[str]:
    """The vocabularies (namespace IRIs without a trailing '#') whose terms the data uses."""
    namespaces = sorted(ALL_PREFIXES.values(), key=len, reverse=True)
    found = set()
    for term in [c for c, _ in facts.classes] + [p for p, _ in facts.properties]:
        for namespace in namespaces:
            if term.startswith(namespace):
                found.add(namespace.rstrip("#"))
                break
    return found
