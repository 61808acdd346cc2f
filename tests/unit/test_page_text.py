"""Every value the shapes allow for a source's kind has a page label in German and English."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from sozialgraph.readmodel.page_text import SOURCE_KINDS, source_kind_label

SHAPES = Path(__file__).resolve().parents[2] / "shapes" / "common.ttl"
SOURCE_KIND = URIRef("https://w3id.org/sozialgraph/ontology#sourceKind")


def allowed_source_kinds() -> set[str]:
    graph = Graph().parse(SHAPES)
    (shape,) = graph.subjects(SH.path, SOURCE_KIND)
    members = Collection(graph, graph.value(shape, SH["in"]))
    return {str(m) for m in members if isinstance(m, Literal)}


def test_every_allowed_source_kind_has_a_label_in_both_languages() -> None:
    kinds = allowed_source_kinds()
    assert "other" in kinds
    assert kinds <= set(SOURCE_KINDS)
    assert source_kind_label("other", "de") == "sonstige"
    assert all(SOURCE_KINDS[kind]["de"] and SOURCE_KINDS[kind]["en"] for kind in kinds)
