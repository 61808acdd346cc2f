"""What one store version holds, read for the version journal (``publishing/versions.py``):
its canonical N-Quads, the activities in its metadata graph and, per published resource, a
description, a fingerprint, labels, status and what it belongs to."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from sozialgraph.namespaces import DCT_NS, PROV_NS, RDF_TYPE, RDFS_NS, SG_NS, SKOS_NS
from sozialgraph.store.base import as_term

LABELS = (DCT_NS + "title", SKOS_NS + "prefLabel", RDFS_NS + "label")
STATUS = SG_NS + "status"
ASSESSED_ON = SG_NS + "assessedOn"
HAS_ASSESSMENT = SG_NS + "hasStatusAssessment"
#: Links from a resource to what it belongs to: a change is also a change of these (the feeds
#: of a measure, its strategy and its municipality; ``modified_since`` of the lists).
UPWARD = (
    SG_NS + "belongsToStrategy",
    SG_NS + "servesField",
    SG_NS + "servesGoal",
    SG_NS + "belongsToField",
    SKOS_NS + "inScheme",
    SKOS_NS + "broader",
    DCT_NS + "publisher",
    DCT_NS + "isPartOf",
    SG_NS + "versionOf",
)
#: Links read the other way (the assessment belongs to its measure, the scheme to its strategy).
DOWNWARD = (HAS_ASSESSMENT, SG_NS + "hasFieldScheme", DCT_NS + "hasPart", SG_NS + "hasVersion")
_UPWARD, _DOWNWARD = frozenset(UPWARD), frozenset(DOWNWARD)


@dataclass(frozen=True)
class Activity:
    iri: str
    kind: str
    agent: str
    ended: str


#: Most blank nodes the canonicalisation is asked to label: pyoxigraph's RDFC takes minutes
#: (and gigabytes) for a chain of a few thousand linked blank nodes, e.g. a deep RDF list.
CANONICAL_BLANK_NODES = 1_000


def needs_labels(quads: list[ox.Quad]) -> bool:
    return any(
        isinstance(term, ox.BlankNode)
        for q in quads
        for term in (q.subject, q.object, q.graph_name)
    )


def can_canonicalise(quads: list[ox.Quad]) -> bool:
    """Few blank nodes, none linked to another: RDFC labels these in linear time."""
    blank: set[ox.BlankNode] = set()
    for q in quads:
        if isinstance(q.subject, ox.BlankNode) and isinstance(q.object, ox.BlankNode):
            return False
        for term in (q.subject, q.object):
            if isinstance(term, ox.BlankNode):
                blank.add(term)
                if len(blank) > CANONICAL_BLANK_NODES:
                    return False
    return True


def canonical_lines(quads: list[ox.Quad]) -> list[bytes]:
    """The dataset as N-Quads lines, sorted, so the same data gives the same bytes and SHA-256.

    Blank nodes are labelled by pyoxigraph's canonicalisation when there are few of them and none
    links to another (the cases it labels quickly); otherwise they keep the store's labels,
    which are stable for the same stored data (``canonicalised`` tells which was done).
    """
    if needs_labels(quads) and can_canonicalise(quads):
        dataset = ox.Dataset(quads)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        quads = list(dataset)
    return sorted({(str(q) + " .\n").encode("utf-8") for q in quads})


def activities(quads: list[ox.Quad], meta: str, seen: set[str]) -> list[Activity]:
    """The ``prov:Activity`` records of the metadata graph that earlier versions did not have."""
    facts: dict[str, dict[str, str]] = defaultdict(dict)
    labels: dict[str, str] = {}
    for q in quads:
        if not isinstance(q.graph_name, ox.NamedNode) or q.graph_name.value != meta:
            continue
        subject, predicate = q.subject.value, q.predicate.value  # type: ignore[union-attr]
        if predicate == RDF_TYPE and q.object.value == PROV_NS + "Activity":  # type: ignore[union-attr]
            facts[subject]["activity"] = "yes"
        elif predicate == DCT_NS + "type":
            facts[subject]["kind"] = q.object.value  # type: ignore[union-attr]
        elif predicate == PROV_NS + "endedAtTime":
            facts[subject]["ended"] = q.object.value  # type: ignore[union-attr]
        elif predicate == PROV_NS + "wasAssociatedWith":
            facts[subject]["agent"] = q.object.value  # type: ignore[union-attr]
        elif predicate == RDFS_NS + "label":
            labels[subject] = q.object.value  # type: ignore[union-attr]
    found = [
        Activity(
            iri,
            values.get("kind", ""),
            labels.get(values.get("agent", ""), ""),
            values.get("ended", ""),
        )
        for iri, values in facts.items()
        if "activity" in values and iri not in seen
    ]
    return sorted(found, key=lambda a: (a.ended, a.iri))


class Snapshot:
    """The published resources of one store version: every IRI subject of the data graphs (not
    the metadata and shapes graphs) with its triples and the blank nodes they reach."""

    def __init__(self, quads: list[ox.Quad], meta: str, shapes_prefix: str) -> None:
        self.by_subject: dict[str, list[ox.Triple]] = defaultdict(list)
        self.blank: dict[str, list[ox.Triple]] = defaultdict(list)
        self.up: dict[str, set[str]] = defaultdict(set)  # resource -> what it belongs to
        seen: set[ox.Triple] = set()
        for q in quads:
            graph = q.graph_name
            if isinstance(graph, ox.NamedNode) and (
                graph.value == meta or graph.value.startswith(shapes_prefix)
            ):
                continue
            triple = q.triple
            if triple in seen:
                continue
            seen.add(triple)
            if isinstance(triple.subject, ox.NamedNode):
                self.by_subject[triple.subject.value].append(triple)
                if isinstance(triple.object, ox.NamedNode):
                    if triple.predicate.value in _UPWARD:
                        self.up[triple.subject.value].add(triple.object.value)
                    elif triple.predicate.value in _DOWNWARD:
                        self.up[triple.object.value].add(triple.subject.value)
            elif isinstance(triple.subject, ox.BlankNode):
                self.blank[triple.subject.value].append(triple)

    def description(self, iri: str) -> list[ox.Triple]:
        """The resource's triples and those of the blank nodes they reach (sorted)."""
        found = list(self.by_subject.get(iri, ()))
        queue = [t.object for t in found if isinstance(t.object, ox.BlankNode)]
        visited: set[str] = set()
        while queue:
            node = queue.pop()
            if node.value in visited:
                continue
            visited.add(node.value)
            for triple in self.blank.get(node.value, ()):
                found.append(triple)
                if isinstance(triple.object, ox.BlankNode):
                    queue.append(triple.object)
        return sorted(found, key=str)

    def _values(self, iri: str, predicate: str) -> list[str]:
        return [
            as_term(t.object).value
            for t in self.by_subject.get(iri, ())
            if t.predicate.value == predicate
        ]

    def label(self, iri: str, lang: str) -> str | None:
        for predicate in LABELS:
            for t in self.by_subject.get(iri, ()):
                if (
                    t.predicate.value == predicate
                    and isinstance(t.object, ox.Literal)
                    and (t.object.language or "").startswith(lang)
                ):
                    return t.object.value
        return None

    def status(self, iri: str) -> str | None:
        """The status of the measure's newest assessment."""
        newest: tuple[str, str] | None = None
        for assessment in self._values(iri, HAS_ASSESSMENT):
            statuses = self._values(assessment, STATUS)
            if not statuses:
                continue
            candidate = (min(self._values(assessment, ASSESSED_ON) or [""]), statuses[0])
            if newest is None or candidate > newest:
                newest = candidate
        return newest[1] if newest else None

    def scopes(self, iri: str) -> list[str]:
        """The resource and what it belongs to (up to four links away)."""
        found = {iri}
        frontier = {iri}
        for _ in range(4):
            frontier = {parent for node in frontier for parent in self.up.get(node, ())} - found
            found |= frontier
        return sorted(found)

    def fingerprints(self) -> dict[str, dict[str, Any]]:
        """Per resource: a hash of its description and what feeds need to describe a change."""
        result: dict[str, dict[str, Any]] = {}
        for iri in self.by_subject:
            text = "".join(str(t) + "\n" for t in _relabelled(self.description(iri)))
            status = self.status(iri)
            result[iri] = {
                "hash": hashlib.sha256(text.encode("utf-8")).hexdigest()[:32],
                "types": self._values(iri, RDF_TYPE),
                "label_de": self.label(iri, "de"),
                "label_en": self.label(iri, "en"),
                "status": status,
                "status_label": {
                    lang: label
                    for lang in ("de", "en")
                    if status and (label := self.label(status, lang))
                },
                "scopes": self.scopes(iri),
            }
        return result


def _relabelled(triples: list[ox.Triple]) -> list[ox.Triple]:
    """Blank nodes named by their first use, so equal descriptions hash equally."""
    names: dict[str, ox.BlankNode] = {}

    def term(value: Any) -> Any:
        if isinstance(value, ox.BlankNode):
            return names.setdefault(value.value, ox.BlankNode(f"b{len(names)}"))
        return value

    return [ox.Triple(term(t.subject), t.predicate, term(t.object)) for t in triples]
