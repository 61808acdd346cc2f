"""The filter fields of a document (classes, strategies, municipalities) from noted links.

The links between resources that the property paths of ``search-facets.rq`` and
``search-municipality.rq`` follow, by role, and :class:`FilterFields`, which follows them in
dictionaries as those paths do (tests compare both on Jena's data and a generated town).
"""

from __future__ import annotations

from collections import defaultdict

from sozialgraph.namespaces import DCT_NS as DCTERMS
from sozialgraph.publishing.text_documents import SKOS

SG = "https://w3id.org/sozialgraph/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
STRATEGY = SG + "Strategy"
ORG = "http://www.w3.org/ns/org#"
#: The links the filter fields follow (the property paths of the two queries), by role.
LINKS = {
    RDF_TYPE: "type",
    SG + "hasStatusAssessment": "status",  # followed backwards
    SG + "hasCommitteeStep": "step",  # followed backwards
    SG + "versionOf": "up",
    SG + "goalOfStrategy": "up",
    SG + "belongsToStrategy": "up",
    SG + "hasFieldScheme": "scheme_of",  # followed backwards
    SKOS + "inScheme": "in_scheme",
    SG + "servesField": "serves",
    DCTERMS + "publisher": "publisher",
    "http://data.europa.eu/eli/ontology#passed_by": "passed_by",
    ORG + "unitOf": "unit_of",
    ORG + "subOrganizationOf": "unit_of",
    SG + "localTo": "unit_of",  # an association belongs to its town's search like a unit
}
Pairs = list[tuple[str, str]]
Links = dict[str, list[str]]


def _forward(pairs: Pairs) -> Links:
    found: Links = defaultdict(list)
    for subject, target in pairs:
        found[subject].append(target)
    return dict(found)


def _backward(pairs: Pairs) -> Links:
    found: Links = defaultdict(list)
    for subject, target in pairs:
        found[target].append(subject)
    return dict(found)


class FilterFields:
    """Classes, strategies and municipalities of a resource, following the links as the
    property paths of ``search-facets.rq`` and ``search-municipality.rq`` do."""

    def __init__(self, links: dict[str, Pairs]) -> None:
        empty: Pairs = []
        self.types = _forward(links.get("type", empty))
        self.strategies = {s for s, t in links.get("type", empty) if t == STRATEGY}
        self.assessed_by = _backward(links.get("status", empty))
        self.stepped_by = _backward(links.get("step", empty))
        self.up = _forward(links.get("up", empty))
        self.in_scheme = _forward(links.get("in_scheme", empty))
        self.serves = _forward(links.get("serves", empty))
        self.scheme_of = _backward(links.get("scheme_of", empty))
        self.publisher = _forward(links.get("publisher", empty))
        self.passed_by = _forward(links.get("passed_by", empty))
        self.unit_of = _forward(links.get("unit_of", empty))
        self.municipalities = {m for s in self.strategies for m in self.publisher.get(s, ())}
        self._reach: dict[str, set[str]] = {}
        #: the nodes a path step starts from (``of`` skips the others)
        self.linked = {
            *self.up,
            *self.scheme_of,
            *self.in_scheme,
            *self.serves,
            *self.passed_by,
            *self.unit_of,
            *self.municipalities,
        }

    def _bodies(self, node: str) -> set[str]:
        """The municipalities among the nodes ``(unitOf|subOrganizationOf|localTo)*`` reaches."""
        known = self._reach.get(node)
        if known is None:
            seen, todo = {node}, [node]
            while todo:
                for target in self.unit_of.get(todo.pop(), ()):
                    if target not in seen:
                        seen.add(target)
                        todo.append(target)
            known = self._reach[node] = seen & self.municipalities
        return known

    def of(self, iri: str) -> tuple[set[str], set[str], set[str]]:
        """``iri``'s classes, strategies (when it has a class) and municipalities."""
        up, scheme_of, in_scheme = self.up, self.scheme_of, self.in_scheme
        municipalities, unit_of, publisher = self.municipalities, self.unit_of, self.publisher
        starts = [iri]  # (^hasStatusAssessment|^hasCommitteeStep)?
        if iri in self.assessed_by:
            starts += self.assessed_by[iri]
        if iri in self.stepped_by:
            starts += self.stepped_by[iri]
        ends: set[str] = set(starts)
        places: set[str] = set()
        for start in starts:
            if start not in self.linked:  # most resources: no link to follow from here
                continue
            if start in up:
                ends.update(up[start])
            if start in scheme_of:
                ends.update(scheme_of[start])
            for scheme in in_scheme.get(start, ()):
                ends.update(scheme_of.get(scheme, ()))
            for field_ in self.serves.get(start, ()):
                for scheme in in_scheme.get(field_, ()):
                    ends.update(scheme_of.get(scheme, ()))
            for body in (start, *self.passed_by.get(start, ())):  # eli:passed_by?
                if body in unit_of:
                    places |= self._bodies(body)
                elif body in municipalities:
                    places.add(body)
        for end in ends:  # (...)?/dcterms:publisher
            if end in publisher:
                places.update(p for p in publisher[end] if p in municipalities)
        types = self.types.get(iri)
        if not types:
            return set(), set(), places
        return set(types), ends & self.strategies, places
