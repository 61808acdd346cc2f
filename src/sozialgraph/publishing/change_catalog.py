"""What the catalog record and VoID say about following the changes: the citable versions
(``dcat:hasVersion``, ``dcat:version``), the event stream and the Atom feed as distributions
(as SEMIC's DCAT-AP feeds work lists a dataset's change feeds)."""

from __future__ import annotations

import pyoxigraph as ox

from sozialgraph.config import Settings
from sozialgraph.formats import EU_FILE_TYPE
from sozialgraph.namespaces import DCAT_NS, DCATDE_NS, DCT_NS, RDF_TYPE, RDFS_NS, SPDX_NS, XSD_NS
from sozialgraph.publishing.catalog_record import IANA
from sozialgraph.publishing.ldes import LDES
from sozialgraph.publishing.versions import VersionRecord

LDES_SPECIFICATION = "https://w3id.org/ldes/specification"
ATOM_SPECIFICATION = "https://www.rfc-editor.org/rfc/rfc4287"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def version_iri(base_iri: str, number: int) -> str:
    """The permanent identifier of version ``number``."""
    return f"{base_iri}versionen/{number}"


def change_triples(
    dataset: str,
    settings: Settings,
    server: str,
    records: list[VersionRecord],
) -> list[ox.Triple]:
    """Versions of ``dataset`` and its change distributions (``server``: this server's root)."""
    node = _n(dataset)
    triples: list[ox.Triple] = []
    for record in records:
        version = _n(version_iri(settings.base_iri, record.number))
        created = ox.Literal(record.created, datatype=_n(XSD_NS + "dateTime"))
        triples += [
            ox.Triple(node, _n(DCAT_NS + "hasVersion"), version),
            ox.Triple(version, _n(DCAT_NS + "isVersionOf"), node),
            ox.Triple(version, _n(DCAT_NS + "version"), ox.Literal(str(record.number))),
            ox.Triple(version, _n(DCT_NS + "issued"), created),
            ox.Triple(version, _n(SPDX_NS + "checksum"), ox.Literal(record.sha256)),
        ]
    if records:
        latest = str(records[-1].number)
        triples.append(ox.Triple(node, _n(DCAT_NS + "version"), ox.Literal(latest)))
    for path, media_type, spec, file_type, title, description in (
        (
            "ldes",
            "text/turtle",
            LDES_SPECIFICATION,
            "RDF_TURTLE",
            "Linked Data Event Stream",
            ("Jede Version jeder Ressource, seitenweise nach Zeit", "de"),
        ),
        (
            "feed",
            "application/atom+xml",
            ATOM_SPECIFICATION,
            "ATOM",
            "Atom feed",
            ("Jede Änderung als Eintrag, zweisprachig", "de"),
        ),
    ):
        distribution = _n(f"{dataset.split('#')[0]}#{path}")
        triples += [
            ox.Triple(node, _n(DCAT_NS + "distribution"), distribution),
            ox.Triple(distribution, _n(RDF_TYPE), _n(DCAT_NS + "Distribution")),
            ox.Triple(distribution, _n(DCT_NS + "title"), ox.Literal(title, language="en")),
            ox.Triple(distribution, _n(DCAT_NS + "accessURL"), _n(f"{server}/{path}")),
            ox.Triple(
                distribution,
                _n(DCAT_NS + "mediaType"),
                _n(IANA + media_type),
            ),
            ox.Triple(distribution, _n(DCT_NS + "conformsTo"), _n(spec)),
            ox.Triple(distribution, _n(DCT_NS + "format"), _n(EU_FILE_TYPE + file_type)),
            ox.Triple(
                distribution,
                _n(DCT_NS + "description"),
                ox.Literal(description[0], language=description[1]),
            ),
            ox.Triple(distribution, _n(DCT_NS + "license"), _n(settings.license)),
            ox.Triple(
                distribution,
                _n(DCATDE_NS + "licenseAttributionByText"),
                ox.Literal(settings.license_attribution, language="de"),
            ),
        ]
    return triples


def void_change_triples(dataset: str, server: str) -> list[ox.Triple]:
    """VoID: the dataset's event stream."""
    stream = _n(f"{server}/ldes#stream")
    return [
        ox.Triple(_n(dataset), _n(RDFS_NS + "seeAlso"), stream),
        ox.Triple(stream, _n(RDF_TYPE), _n(LDES + "EventStream")),
    ]
