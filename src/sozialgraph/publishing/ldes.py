"""The Linked Data Event Stream (W3C TREE / SEMIC LDES) of the published resources.

Members are versioned snapshots: when a version (``publishing/versions.py``) adds or changes a
resource, the stream gets a member ``<…/ldes/mitglied/{n}/{key}>`` with the resource's triples
(the resource's IRI replaced by the member's), ``dcterms:isVersionOf`` the resource and
``dcterms:created`` the version's time; a removed resource gets a tombstone (``a as:Delete``).

Pages hold whole versions, oldest first, and are cut when they reach ``page_size`` members, so
every member of page k is older than every member of page k+1. The root node ``/ldes`` describes
the stream (paths, retention policy) and points at each page with a pair of relations on the
timestamp path (``tree:GreaterThanOrEqualToRelation`` its first time, ``tree:LessThanRelation``
the next page's first time). A page that is full (or has a successor) never changes again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pyoxigraph as ox

from sozialgraph.namespaces import DCT_NS, RDF_TYPE, XSD_NS

LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
AS = "https://www.w3.org/ns/activitystreams#"
IS_VERSION_OF = ox.NamedNode(DCT_NS + "isVersionOf")
CREATED = ox.NamedNode(DCT_NS + "created")
TYPE = ox.NamedNode(RDF_TYPE)
DELETE = ox.NamedNode(AS + "Delete")

PREFIXES = {
    "ldes": LDES,
    "tree": TREE,
    "as": AS,
    "dcterms": DCT_NS,
    "xsd": XSD_NS,
}


def _n(namespace: str, local: str) -> ox.NamedNode:
    return ox.NamedNode(namespace + local)


def member_iri(base_iri: str, number: int, resource: str) -> ox.NamedNode:
    key = hashlib.sha256(resource.encode("utf-8")).hexdigest()[:16]
    return ox.NamedNode(f"{base_iri}ldes/mitglied/{number}/{key}")


def _time(moment: dt.datetime) -> ox.Literal:
    return ox.Literal(moment.isoformat(), datatype=ox.NamedNode(XSD_NS + "dateTime"))


def member_triples(
    base_iri: str, number: int, resource: str, created: dt.datetime, description: list[ox.Triple]
) -> list[ox.Triple]:
    """The member that records ``resource`` as ``description`` in version ``number``."""
    member = member_iri(base_iri, number, resource)
    subject = ox.NamedNode(resource)
    prefix = member.value.rsplit("/", 1)[-1]

    def term(value: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple):  # noqa: ANN202
        if value == subject:
            return member
        if isinstance(value, ox.BlankNode):  # one page holds many members: keep them apart
            return ox.BlankNode(f"m{number}x{prefix}x{value.value}")
        return value

    triples = [
        ox.Triple(term(t.subject), t.predicate, term(t.object))  # type: ignore[arg-type]
        for t in description
    ]
    return [
        ox.Triple(member, IS_VERSION_OF, subject),
        ox.Triple(member, CREATED, _time(created)),
        *triples,
    ]


def tombstone_triples(
    base_iri: str, number: int, resource: str, created: dt.datetime
) -> list[ox.Triple]:
    """The member that records that ``resource`` was removed in version ``number``."""
    member = member_iri(base_iri, number, resource)
    return [
        ox.Triple(member, TYPE, DELETE),
        ox.Triple(member, IS_VERSION_OF, ox.NamedNode(resource)),
        ox.Triple(member, CREATED, _time(created)),
    ]


@dataclass(frozen=True)
class Page:
    """Page ``index``: the members of versions ``versions`` (oldest first)."""

    index: int
    versions: tuple[int, ...]
    start: dt.datetime
    members: int
    complete: bool


def paginate(
    counts: list[tuple[int, dt.datetime, int]], page_size: int, since: dt.datetime | None = None
) -> list[Page]:
    """Pages of whole versions from ``(number, created, members)`` rows; versions without
    members are left out. Pages that end before ``since`` (retention) are dropped."""
    pages: list[Page] = []
    current: list[tuple[int, dt.datetime, int]] = []

    def close(complete: bool) -> None:
        if current:
            pages.append(
                Page(
                    len(pages),
                    tuple(n for n, _, _ in current),
                    current[0][1],
                    sum(c for _, _, c in current),
                    complete,
                )
            )

    for row in counts:
        if row[2] == 0:
            continue
        if current and sum(c for _, _, c in current) >= page_size:
            close(True)
            current = []
        current.append(row)
    close(bool(current) and sum(c for _, _, c in current) >= page_size)
    if since is not None:
        pages = [
            p for i, p in enumerate(pages) if i + 1 == len(pages) or pages[i + 1].start > since
        ]
    return pages


def root_triples(
    stream: str,
    root: str,
    pages: list[Page],
    page_url: str,
    retention_days: int,
    catalog: str | None = None,
) -> list[ox.Triple]:
    """The stream's description and the root node with two relations per page."""
    es, node = ox.NamedNode(stream), ox.NamedNode(root)
    policy = ox.BlankNode("retention")
    triples = [
        ox.Triple(es, TYPE, _n(LDES, "EventStream")),
        ox.Triple(es, _n(LDES, "timestampPath"), CREATED),
        ox.Triple(es, _n(LDES, "versionOfPath"), IS_VERSION_OF),
        ox.Triple(es, _n(LDES, "versionDeletePath"), TYPE),
        ox.Triple(es, _n(LDES, "versionDeleteObject"), DELETE),
        ox.Triple(es, _n(TREE, "view"), node),
        ox.Triple(node, TYPE, _n(TREE, "Node")),
        ox.Triple(node, TYPE, _n(LDES, "EventSource")),
        ox.Triple(node, _n(LDES, "retentionPolicy"), policy),
        ox.Triple(policy, TYPE, _n(LDES, "RetentionPolicy")),
        ox.Triple(
            policy,
            _n(LDES, "fullLogDuration"),
            ox.Literal(f"P{retention_days}D", datatype=ox.NamedNode(XSD_NS + "duration")),
        ),
    ]
    if catalog:
        triples.append(ox.Triple(es, ox.NamedNode(DCT_NS + "isPartOf"), ox.NamedNode(catalog)))
    for i, page in enumerate(pages):
        target = ox.NamedNode(page_url.format(index=page.index))
        bounds = [("GreaterThanOrEqualToRelation", page.start)]
        if i + 1 < len(pages):
            bounds.append(("LessThanRelation", pages[i + 1].start))
        for kind, moment in bounds:
            relation = ox.BlankNode(f"r{page.index}{kind[0]}")
            triples += [
                ox.Triple(node, _n(TREE, "relation"), relation),
                ox.Triple(relation, TYPE, _n(TREE, kind)),
                ox.Triple(relation, _n(TREE, "node"), target),
                ox.Triple(relation, _n(TREE, "path"), CREATED),
                ox.Triple(relation, _n(TREE, "value"), _time(moment)),
            ]
    return triples


def page_triples(stream: str, url: str, page: Page, members: bytes) -> list[ox.Triple]:
    """Page ``page``: its members (N-Triples of its versions) and ``tree:member`` links."""
    es, node = ox.NamedNode(stream), ox.NamedNode(url)
    body = list(ox.parse(members, format=ox.RdfFormat.N_TRIPLES)) if members else []
    triples = [ox.Triple(node, TYPE, _n(TREE, "Node"))]
    if page.complete:
        triples.append(
            ox.Triple(
                node,
                _n(LDES, "immutable"),
                ox.Literal("true", datatype=ox.NamedNode(XSD_NS + "boolean")),
            )
        )
    listed = {t.subject for t in body if t.predicate == IS_VERSION_OF}
    triples += [ox.Triple(es, _n(TREE, "member"), m) for m in sorted(listed, key=str)]  # type: ignore[arg-type]
    return triples + body  # type: ignore[return-value]
