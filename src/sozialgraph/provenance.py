"""Provenance records for the metadata graph: one ``prov:Activity`` per build or write.

Each activity generates one entity per written graph (a *graph version*, ``prov:specializationOf``
the named graph) with its source, triple count and SHA-256 checksum, and the SHACL report's
outcome. The newest version of a graph is its current state; older ones are its history.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from sozialgraph.namespaces import DCT_NS as DCTERMS
from sozialgraph.namespaces import PROV_NS as PROV
from sozialgraph.namespaces import SH_NS as SH
from sozialgraph.namespaces import SPDX_NS as SPDX
from sozialgraph.namespaces import XSD_NS as XSD
from sozialgraph.namespaces import meta_graph_iri

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")


@dataclass(frozen=True)
class GraphRecord:
    """What was written into one named graph."""

    graph: str
    source: str
    sha256: str
    triples: int


@dataclass(frozen=True)
class ActivityRecord:
    """One build or write."""

    kind: str  # "build", "import", "graph-store"
    agent: str  # a name, never a token
    started: dt.datetime
    ended: dt.datetime
    graphs: Sequence[GraphRecord]
    conforms: bool = True
    warnings: int = 0
    deleted: Sequence[str] = ()


def new_activity_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + secrets.token_hex(3)


def activity_quads(record: ActivityRecord, base_iri: str, activity_id: str) -> list[ox.Quad]:
    """The quads that describe ``record`` in the metadata graph."""
    meta = ox.NamedNode(meta_graph_iri(base_iri))
    activity = ox.NamedNode(f"{base_iri}aktivitaet/{activity_id}")
    agent = ox.NamedNode(f"{base_iri}agent/{_slug(record.agent)}")
    report = ox.NamedNode(f"{activity.value}/bericht")
    quads: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]] = [
        (activity, RDF_TYPE, ox.NamedNode(PROV + "Activity")),
        (activity, RDFS_LABEL, ox.Literal(f"{record.kind} {record.ended.isoformat()}")),
        (activity, ox.NamedNode(DCTERMS + "type"), ox.Literal(record.kind)),
        (activity, ox.NamedNode(PROV + "startedAtTime"), _datetime(record.started)),
        (activity, ox.NamedNode(PROV + "endedAtTime"), _datetime(record.ended)),
        (activity, ox.NamedNode(PROV + "wasAssociatedWith"), agent),
        (agent, RDF_TYPE, ox.NamedNode(PROV + "Agent")),
        (agent, RDFS_LABEL, ox.Literal(record.agent)),
        (activity, ox.NamedNode(PROV + "generated"), report),
        (report, RDF_TYPE, ox.NamedNode(SH + "ValidationReport")),
        (report, ox.NamedNode(SH + "conforms"), _boolean(record.conforms)),
        (report, ox.NamedNode(DCTERMS + "description"), ox.Literal(f"{record.warnings} warnings")),
    ]
    for graph in record.deleted:
        quads.append((activity, ox.NamedNode(PROV + "invalidated"), ox.NamedNode(graph)))
    for number, item in enumerate(record.graphs, start=1):
        version = ox.NamedNode(f"{activity.value}/graph/{number}")
        checksum = ox.NamedNode(f"{version.value}/checksum")
        quads += [
            (activity, ox.NamedNode(PROV + "generated"), version),
            (version, RDF_TYPE, ox.NamedNode(PROV + "Entity")),
            (version, ox.NamedNode(PROV + "specializationOf"), ox.NamedNode(item.graph)),
            (version, ox.NamedNode(PROV + "wasGeneratedBy"), activity),
            (version, ox.NamedNode(PROV + "generatedAtTime"), _datetime(record.ended)),
            (version, ox.NamedNode(DCTERMS + "source"), ox.Literal(item.source)),
            (
                version,
                VOID_TRIPLES,
                ox.Literal(str(item.triples), datatype=ox.NamedNode(XSD + "integer")),
            ),
            (version, ox.NamedNode(SPDX + "checksum"), checksum),
            (checksum, RDF_TYPE, ox.NamedNode(SPDX + "Checksum")),
            (
                checksum,
                ox.NamedNode(SPDX + "algorithm"),
                ox.NamedNode(SPDX + "checksumAlgorithm_sha256"),
            ),
            (checksum, ox.NamedNode(SPDX + "checksumValue"), ox.Literal(item.sha256)),
        ]
    return [ox.Quad(s, p, o, meta) for s, p, o in quads]


def _datetime(value: dt.datetime) -> ox.Literal:
    return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "dateTime"))


def _boolean(value: bool) -> ox.Literal:
    return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text.lower()) or "anonym"
