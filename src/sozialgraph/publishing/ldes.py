"""The Linked Data Event Stream (W3C TREE / SEMIC LDES) of the published resources.

Members are versioned snapshots: when a version (``publishing/versions.py``) adds or changes a
resource, the stream gets a member ``<…/ldes/mitglied/{n}/{key}>`` with the resource's triples
(the resource's IRI replaced by the member's), ``dcterms:isVersionOf`` the resource and
``dcterms:created`` the version's time; a removed resource gets a tombstone (``a as:Delete``).

Pages hold versions, oldest first, and are cut when they reach ``page_size`` members, so every
member of page k is no newer than any member of page k+1. A version with more than
``page_size`` members (the first version of a large store) is split: its members, in their
stored order, fill pages of exactly ``page_size`` of their own (the remainder starts the next
page), so no page grows with the store. Page IRIs stay stable: for versions that fit, the cut is
the one it always was; a page is complete (immutable) once the next page exists. The root
node ``/ldes`` describes the stream (paths, retention policy) and points at each page with
relations on the timestamp path (``tree:GreaterThanOrEqualToRelation`` its first time,
``tree:LessThanRelation`` the next page's first time when later); each page also points at the
next one, so the pages form a chain a client can follow from the first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
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
class Part:
    """Members ``first`` up to (not including) ``stop`` of version ``version``."""

    version: int
    created: dt.datetime
    first: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.first


@dataclass(frozen=True)
class Page:
    """Page ``index``: the members of ``parts`` (oldest first)."""

    index: int
    parts: tuple[Part, ...]
    start: dt.datetime
    members: int
    complete: bool
    next_start: dt.datetime | None = None  # the first time of the next page, if there is one

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(p.version for p in self.parts))

    @property
    def key(self) -> str:
        """What the page holds, for caches: its parts and whether it is complete."""
        parts = ",".join(f"{p.version}:{p.first}-{p.stop}" for p in self.parts)
        return f"{parts};{int(self.complete)}"


def paginate(
    counts: list[tuple[int, dt.datetime, int]], page_size: int, since: dt.datetime | None = None
) -> list[Page]:
    """Pages from ``(number, created, members)`` rows (versions without members are left out):
    whole versions while they fit, a larger version split into pages of ``page_size``. Pages
    that end before ``since`` (retention) are dropped."""
    size = max(1, page_size)
    pages: list[Page] = []
    current: list[Part] = []

    def close(complete: bool) -> None:
        if current:
            pages.append(
                Page(
                    len(pages),
                    tuple(current),
                    current[0].created,
                    sum(p.size for p in current),
                    complete,
                )
            )
            current.clear()

    for number, created, members in counts:
        if members == 0:
            continue
        if current and sum(p.size for p in current) >= size:
            close(True)
        if members <= size:
            current.append(Part(number, created, 0, members))
            continue
        close(True)  # a large version starts a page of its own ...
        for first in range(0, members, size):  # ... and fills as many as it needs
            current.append(Part(number, created, first, min(members, first + size)))
            if first + size < members:
                close(True)
    close(bool(current) and sum(p.size for p in current) >= size)
    # A page is complete (immutable) once the next one exists: then its members and its link
    # to the next page (with that page's first time) are final.
    pages = [
        Page(
            p.index,
            p.parts,
            p.start,
            p.members,
            i + 1 < len(pages),
            pages[i + 1].start if i + 1 < len(pages) else None,
        )
        for i, p in enumerate(pages)
    ]
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
        if i + 1 < len(pages) and pages[i + 1].start > page.start:
            bounds.append(("LessThanRelation", pages[i + 1].start))
        for kind, moment in bounds:
            triples += _relation(node, f"r{page.index}{kind[0]}", kind, target, moment)
    return triples


def _relation(
    node: ox.NamedNode, label: str, kind: str, target: ox.NamedNode, moment: dt.datetime
) -> list[ox.Triple]:
    relation = ox.BlankNode(label)
    return [
        ox.Triple(node, _n(TREE, "relation"), relation),
        ox.Triple(relation, TYPE, _n(TREE, kind)),
        ox.Triple(relation, _n(TREE, "node"), target),
        ox.Triple(relation, _n(TREE, "path"), CREATED),
        ox.Triple(relation, _n(TREE, "value"), _time(moment)),
    ]


def member_slice(members: bytes, first: int, stop: int) -> bytes:
    """Members ``first`` to ``stop`` (not including) of a version's N-Triples, in stored order.

    A version's members are written one after the other, each starting with a line whose
    subject is the member's IRI (blank nodes inside a member follow it), so a new member
    begins at each line with a member IRI not seen just before.
    """
    out: list[bytes] = []
    number, current = -1, b""
    for line in members.splitlines(keepends=True):
        subject = line.split(b" ", 1)[0]
        if subject.startswith(b"<") and b"/ldes/mitglied/" in subject and subject != current:
            number, current = number + 1, subject
            if number >= stop:
                break
        if first <= number:
            out.append(line)
    return b"".join(out)


def page_members(
    page: Page, members: Callable[[int], bytes], counts: Callable[[int], int]
) -> bytes:
    """The N-Triples of the page's members: ``members(n)`` gives version n's, ``counts(n)``
    how many it has (a part that is a whole version is taken as it is)."""
    out = []
    for part in page.parts:
        blob = members(part.version)
        whole = part.first == 0 and part.stop >= counts(part.version)
        out.append(blob if whole else member_slice(blob, part.first, part.stop))
    return b"".join(out)


def _next_page(url: str, index: int) -> str:
    stem = url.removesuffix(str(index))
    return f"{stem}{index + 1}"


def page_triples(stream: str, url: str, page: Page, members: bytes) -> list[ox.Triple]:
    """Page ``page``: its members (N-Triples of its versions) and ``tree:member`` links."""
    es, node = ox.NamedNode(stream), ox.NamedNode(url)
    body = list(ox.parse(members, format=ox.RdfFormat.N_TRIPLES)) if members else []
    triples = [ox.Triple(node, TYPE, _n(TREE, "Node"))]
    if page.next_start is not None:  # the chain to the next page
        following = ox.NamedNode(_next_page(url, page.index))
        triples += _relation(
            node, f"p{page.index}next", "GreaterThanOrEqualToRelation", following, page.next_start
        )
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
