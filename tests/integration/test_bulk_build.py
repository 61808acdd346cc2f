"""A build's files parsed by the store itself (``store.bulk``) hold what the build read in Python:
the same triples, rebased data IRIs, blank nodes as labelled in the files, the counts recorded."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from sozialgraph.build import build
from sozialgraph.store.embedded import EmbeddedStore

BASE = "https://example.org/"
TOWN = BASE + "graph/data/town/"


def _canonical(triples: list[ox.Triple]) -> list[str]:
    """The triples as text, every blank node written alike (labels differ from parse to parse)."""
    return sorted(
        " ".join("_:" if isinstance(term, ox.BlankNode) else str(term) for term in triple)
        for triple in triples
    )


def test_the_store_holds_what_the_build_read(mini_root: Path, store_dir: Path) -> None:
    data = mini_root / "data" / "town"
    (data / "plain.ttl").write_text(
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        '<https://example.org/town/p/1> dcterms:title "Eins"@de, "One"@en .\n'
        '<https://example.org/town/p/1> dcterms:title "Eins"@de .\n',  # counted as written
        encoding="utf-8",
    )
    (data / "blank-a.ttl").write_text(
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        '<https://example.org/town/b/1> dcterms:creator _:shared, [ dcterms:title "x" ] .\n'
        '_:shared dcterms:title "geteilt"@de .\n',
        encoding="utf-8",
    )
    (data / "blank-b.ttl").write_text(
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "<https://example.org/town/b/2> dcterms:creator _:shared .\n",
        encoding="utf-8",
    )
    (data / "rebased.ttl").write_text(
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "<https://w3id.org/sozialgraph/town/r/1> dcterms:subject "
        "<https://w3id.org/sozialgraph/ontology#Measure> .\n",
        encoding="utf-8",
    )
    store = EmbeddedStore(store_dir)
    result = build(store, BASE, root=mini_root)

    read = {g.graph: g for g in result.graphs}
    for name in ("plain", "blank-a", "blank-b", "rebased", "things"):
        graph = read[TOWN + name]
        stored = [q.triple for q in store.quads(TOWN + name)]
        assert _canonical(stored) == _canonical(list(set(graph.triples))), name
    assert read[TOWN + "plain"].count == 3  # parsed triples, as before: the duplicate counts
    rebased = {str(q.subject) for q in store.quads(TOWN + "rebased")}
    assert rebased == {"<https://example.org/town/r/1>"}
    objects = {q.object for q in store.quads(TOWN + "rebased")}
    assert objects == {ox.NamedNode("https://w3id.org/sozialgraph/ontology#Measure")}
    # a label in two files is one blank node, as the files were read before
    shared_a = {q.object for q in store.quads(TOWN + "blank-a") if q.subject.value.endswith("/1")}
    shared_b = {q.object for q in store.quads(TOWN + "blank-b")}
    assert len(shared_b) == 1 and shared_b <= shared_a
