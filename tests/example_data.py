"""Small generated data in the example.org namespace, for endpoint tests."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from sozialgraph.store.embedded import EmbeddedStore

EX = "https://example.org/"
GRAPH = ox.NamedNode(EX + "graph/test/things")
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SCRIPT_TITLE = "<script>alert('x')</script>"


def example_quads(things: int = 600) -> list[ox.Quad]:
    """``things`` resources with a type, a German title and a number; one title is a script tag."""
    quads = []
    for i in range(things):
        subject = ox.NamedNode(f"{EX}thing/{i}")
        quads += [
            ox.Quad(subject, TYPE, ox.NamedNode(EX + "Thing"), GRAPH),
            ox.Quad(subject, TITLE, ox.Literal(f"Ding {i}", language="de"), GRAPH),
            ox.Quad(
                subject,
                ox.NamedNode(EX + "number"),
                ox.Literal(
                    str(i), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
                ),
                GRAPH,
            ),
        ]
    quads.append(ox.Quad(ox.NamedNode(EX + "thing/script"), TITLE, ox.Literal(SCRIPT_TITLE), GRAPH))
    return quads


def make_example_store(path: Path, things: int = 600) -> Path:
    store = EmbeddedStore(path)
    store.rebuild(example_quads(things))
    store.close()
    return path
