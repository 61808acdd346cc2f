"""The event stream's pages: bounded size, a large version split in stored order, stable cuts."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox

from sozialgraph.publishing.ldes import (
    member_slice,
    member_triples,
    page_members,
    page_triples,
    paginate,
    root_triples,
    tombstone_triples,
)

BASE = "https://example.org/"
STREAM = "http://127.0.0.1/ldes#stream"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def members_of(number: int, count: int) -> tuple[bytes, list[str]]:
    """A version's members as stored (with a blank node each, and a tombstone last)."""
    triples: list[ox.Triple] = []
    resources = [f"{BASE}r/{number}/{i:03d}" for i in range(count)]
    for iri in resources[:-1]:
        node = ox.BlankNode("b1")
        description = [
            ox.Triple(ox.NamedNode(iri), ox.NamedNode(BASE + "p"), node),
            ox.Triple(node, ox.NamedNode(BASE + "q"), ox.Literal("x")),
        ]
        triples += member_triples(BASE, number, iri, at(number), description)
    triples += tombstone_triples(BASE, number, resources[-1], at(number))
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", resources


def member_subjects(blob: bytes) -> list[str]:
    subjects = []
    for triple in ox.parse(blob, format=ox.RdfFormat.N_TRIPLES):
        subject = triple.subject
        if isinstance(subject, ox.NamedNode) and subject.value not in subjects:
            subjects.append(subject.value)
    return subjects


def test_versions_that_fit_are_cut_as_before() -> None:
    pages = paginate([(1, at(1), 3), (2, at(2), 0), (3, at(3), 2), (4, at(4), 1)], 5)
    assert [p.versions for p in pages] == [(1, 3), (4,)]
    assert [p.complete for p in pages] == [True, False]
    assert [p.members for p in pages] == [5, 1]


def test_a_large_version_is_split_into_pages_of_the_page_size() -> None:
    pages = paginate([(1, at(1), 2), (2, at(2), 23), (3, at(3), 1)], 10)
    assert [p.members for p in pages] == [2, 10, 10, 4]
    assert [p.complete for p in pages] == [True, True, True, False]
    assert [(q.version, q.first, q.stop) for p in pages for q in p.parts] == [
        (1, 0, 2),
        (2, 0, 10),
        (2, 10, 20),
        (2, 20, 23),
        (3, 0, 1),
    ]
    assert all(p.members <= 10 for p in pages)


def test_pages_stay_stable_when_versions_follow() -> None:
    before = paginate([(1, at(1), 25)], 10)
    after = paginate([(1, at(1), 25), (2, at(2), 4), (3, at(3), 30)], 10)
    assert [p.key for p in before[:-1]] == [p.key for p in after[: len(before) - 1]]
    assert before[-1].parts == after[len(before) - 1].parts[:1]  # the open page only grows


def test_the_slices_of_a_version_hold_each_member_once_in_stored_order() -> None:
    blob, _ = members_of(7, 23)
    pages = paginate([(7, at(7), 23)], 10)
    counts = {7: 23}
    seen: list[str] = []
    for page in pages:
        part = page_members(page, {7: blob}.__getitem__, counts.__getitem__)
        subjects = member_subjects(part)
        assert len(subjects) == page.members
        seen += subjects
        # every blank node stays with its member
        graph = list(ox.parse(part, format=ox.RdfFormat.N_TRIPLES))
        objects = {t.object for t in graph if isinstance(t.object, ox.BlankNode)}
        assert objects == {t.subject for t in graph if isinstance(t.subject, ox.BlankNode)}
    assert len(seen) == len(set(seen)) == 23
    expected = member_subjects(blob)
    assert seen == expected
    assert member_slice(blob, 0, 23) == blob


def test_a_page_links_to_the_next_and_equal_times_get_no_less_than_relation() -> None:
    pages = paginate([(1, at(1), 25)], 10)
    url = "http://127.0.0.1/ldes/{index}"
    blob, _ = members_of(1, 25)
    first = page_triples(
        STREAM, url.format(index=0), pages[0], page_members(pages[0], lambda n: blob, lambda n: 25)
    )
    nodes = [t.object.value for t in first if t.predicate.value == "https://w3id.org/tree#node"]
    assert nodes == ["http://127.0.0.1/ldes/1"]
    last = page_triples(STREAM, url.format(index=2), pages[2], b"")
    assert not [t for t in last if t.predicate.value == "https://w3id.org/tree#node"]
    root = root_triples(STREAM, "http://127.0.0.1/ldes", pages, url, 90)
    kinds = [t.object.value.rsplit("#", 1)[-1] for t in root if t.predicate.value.endswith("type")]
    assert kinds.count("GreaterThanOrEqualToRelation") == 3
    assert kinds.count("LessThanRelation") == 0  # all three pages hold the same time


def test_retention_trims_pages_that_end_before_it_and_keeps_their_numbers() -> None:
    rows = [(1, at(0), 10), (2, at(10), 10), (3, at(20), 25), (4, at(30), 3)]
    pages = paginate(rows, 10)
    assert [p.index for p in pages] == [0, 1, 2, 3, 4]
    # page 0 ends when page 1 starts (minute 10): before minute 15 it is trimmed, page 1 not yet
    trimmed = paginate(rows, 10, since=at(15))
    assert [p.index for p in trimmed] == [1, 2, 3, 4]
    assert [p.key for p in trimmed] == [p.key for p in pages[1:]]
    # the newest page always stays, however old
    assert [p.index for p in paginate(rows, 10, since=at(1000))] == [4]
