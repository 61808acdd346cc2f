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
