"""The project's namespaces and IRI minting, in one place (see docs/model.md)."""

from __future__ import annotations

import re
import unicodedata

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

DEFAULT_BASE_IRI = "https://w3id.org/sozialgraph/"
ONTOLOGY_IRI = "https://w3id.org/sozialgraph/ontology"
SG = Namespace(ONTOLOGY_IRI + "#")
SGV = Namespace("https://w3id.org/sozialgraph/vocab/")
SGS = Namespace("https://w3id.org/sozialgraph/shapes#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")

#: Namespace IRIs as plain strings, for IRIs built by concatenation (rdflib's ``Namespace``
#: objects refuse local names they do not know) and for pyoxigraph.
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
OWL_NS = "http://www.w3.org/2002/07/owl#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
DCT_NS = "http://purl.org/dc/terms/"
PROV_NS = "http://www.w3.org/ns/prov#"
ORG_NS = "http://www.w3.org/ns/org#"
FOAF_NS = "http://xmlns.com/foaf/0.1/"
DCAT_NS = "http://www.w3.org/ns/dcat#"
SH_NS = "http://www.w3.org/ns/shacl#"
VCARD_NS = "http://www.w3.org/2006/vcard/ns#"
SD_NS = "http://www.w3.org/ns/sparql-service-description#"
VOID_NS = "http://rdfs.org/ns/void#"
DCATDE_NS = "http://dcat-ap.de/def/dcatde/"
ELI_NS = "http://data.europa.eu/eli/ontology#"
SPDX_NS = "http://spdx.org/rdf/terms#"
RDF_TYPE = RDF_NS + "type"
SG_NS = ONTOLOGY_IRI + "#"

#: Prefixes offered to SPARQL users (query page, named queries) and used in serialisations.
PREFIXES: dict[str, str] = {
    "sg": str(SG),
    "sgv": str(SGV),
    "sgs": str(SGS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "org": str(ORG),
    "eli": str(ELI),
    "dcat": str(DCAT),
    "foaf": str(FOAF),
    "sh": str(SH),
}

#: Vocabularies of the catalog and VoID records, beyond the project's own prefixes.
CATALOG_PREFIXES = {
    "dcatde": str(DCATDE),
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "void": str(VOID),
    "sd": str(SD),
    "adms": "http://www.w3.org/ns/adms#",
    "vann": "http://purl.org/vocab/vann/",
}

#: Every prefix used in serialisations and in the published JSON-LD context.
ALL_PREFIXES: dict[str, str] = {**PREFIXES, **CATALOG_PREFIXES}

#: Namespaces that stay fixed whatever the base IRI is (shared by all municipalities).
FIXED_NAMESPACES = (ONTOLOGY_IRI, str(SGV), str(SGS))

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slugify(text: str) -> str:
    """A readable IRI slug: lower case ASCII, German umlauts transliterated, words joined by '-'."""
    text = text.lower().translate(_TRANSLITERATION)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def graph_iri(base_iri: str, relative_path: str) -> str:
    """The named graph of a source file: ``{base}graph/{path without extension}``."""
    stem = (
        relative_path.rsplit(".", 1)[0]
        if "." in relative_path.rsplit("/", 1)[-1]
        else relative_path
    )
    return f"{base_iri}graph/{stem}"


def meta_graph_iri(base_iri: str) -> str:
    """The metadata graph that records builds and imports."""
    return f"{base_iri}graph/meta"


def rebase(iri: str, base_iri: str) -> str:
    """Map a data IRI written with the default base onto the configured base."""
    if base_iri == DEFAULT_BASE_IRI or not iri.startswith(DEFAULT_BASE_IRI):
        return iri
    if iri.startswith(FIXED_NAMESPACES):
        return iri
    return base_iri + iri[len(DEFAULT_BASE_IRI) :]


def compact_iri(iri: str) -> str:
    """``prefix:local`` where a project prefix fits, else the IRI."""
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri
