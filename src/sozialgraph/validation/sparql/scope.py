"""What a write can affect: the focus nodes whose validation may change when triples change.

A focus node's constraints read its own triples and, along the shapes' paths and nested shapes,
the triples of nodes up to ``depth`` steps away (the types of values included: a value's
``rdf:type`` triple has the value as its subject). So a changed triple can only change the
results of nodes from which its subject (or, for predicates read backwards, its object) is
reached along those predicates in at most ``depth`` steps. Everything else keeps its results,
and the constraints are run for the affected nodes only (``VALUES ?this``).

No scoping (``None``: validate everything) when the shapes read without bound (``*`` and ``+``
paths, recursive shapes), when the class hierarchy changes (``rdfs:subClassOf``), when a blank
node is affected (it cannot be bound in SPARQL) or when the affected nodes are too many to be
worth it (``worth_scoping``: more than one per ``TRIPLES_PER_SCOPED_NODE`` triples, where
validating everything is measured to be faster). SPARQL targets, and SPARQL constraints that
read more than the focus node's own triples (``locality.reads_only_focus``), may read anything:
they always run in full. A SPARQL constraint that reads only triples with ``$this`` as their
subject is scoped like the others: a node none of whose triples changed keeps its results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

#: Above this many affected nodes the whole store is validated instead.
MAX_SCOPED_NODES = 20_000
#: Scoped validation costs about 1.3 s + 0.45 ms per affected node on top of the fixed part,
#: the full one about 40 µs per triple (bench/preview.py at 100k and 1M, loaded 2-core
#: machine, December 2026): they break even near one affected node per 16 triples.
TRIPLES_PER_SCOPED_NODE = 16
#: Below this many affected nodes the scoped path is taken without counting the store
#: (counting costs ~0.15 s at 1M triples; the smallest store on the SPARQL path has 20,000).
SCOPED_WITHOUT_COUNTING = 20_000 // TRIPLES_PER_SCOPED_NODE

_NESTED = (SH.node, SH["not"], SH.qualifiedValueShape)
_NESTED_LISTS = (SH["or"], SH["and"], SH.xone)


@dataclass(frozen=True)
class ReadScope:
    """How far and along which predicates the shapes read from a focus node."""

    forward: frozenset[str]  # read from a node to its values
    inverse: frozenset[str]  # read from a value back to the node (sh:inversePath)
    objects_of: frozenset[str]  # sh:targetObjectsOf: the object is the focus node
    depth: int | None  # None: unbounded, no scoping


def read_scope(shapes: Graph) -> ReadScope:
    return _ScopeReader(shapes).scope()


class _ScopeReader:
    def __init__(self, shapes: Graph) -> None:
        self.graph = shapes
        self.forward: set[str] = set()
        self.inverse: set[str] = set()
        self.bounded = True

    def scope(self) -> ReadScope:
        shapes = {
            *self.graph.subjects(RDF.type, SH.NodeShape),
            *self.graph.subjects(RDF.type, SH.PropertyShape),
            *self.graph.subjects(SH.property, None),
        }
        depth = max((self._depth(shape, ()) for shape in shapes), default=0)
        objects_of = {str(p) for p in self.graph.objects(None, SH.targetObjectsOf)}
        return ReadScope(
            frozenset(self.forward),
            frozenset(self.inverse),
            frozenset(objects_of),
            depth if self.bounded else None,
        )

    def _depth(self, shape: Node, stack: tuple[Node, ...]) -> int:
        if shape in stack:  # a recursive shape reads without bound
            self.bounded = False
            return 0
        stack = (*stack, shape)
        nested = [n for p in _NESTED for n in self.graph.objects(shape, p)]
        for p in _NESTED_LISTS:
            for members in self.graph.objects(shape, p):
                nested += list(Collection(self.graph, members))
        inner = max((self._depth(n, stack) for n in nested), default=0)
        properties = [self._depth(p, stack) for p in self.graph.objects(shape, SH.property)]
        path = self.graph.value(shape, SH.path)
        steps = self._path(path, inverse=False) if path is not None else 0
        return max([steps + inner, *properties])

    def _path(self, node: Node, *, inverse: bool) -> int:
        if isinstance(node, URIRef):
            (self.inverse if inverse else self.forward).add(str(node))
            return 1
        if (node, RDF.first, None) in self.graph:
            return sum(self._path(step, inverse=inverse) for step in Collection(self.graph, node))
        inner = self.graph.value(node, SH.inversePath)
        if inner is not None:
            return self._path(inner, inverse=not inverse)
        inner = self.graph.value(node, SH.zeroOrOnePath)
        if inner is not None:
            return self._path(inner, inverse=inverse)
        alternatives = self.graph.value(node, SH.alternativePath)
        if alternatives is not None:
            steps = [self._path(s, inverse=inverse) for s in Collection(self.graph, alternatives)]
            return max(steps, default=0)
        self.bounded = False  # sh:zeroOrMorePath, sh:oneOrMorePath or unknown
        return 0


def affected_nodes(
    store: ox.Store, changed: Iterable[ox.Triple], scope: ReadScope
) -> list[ox.NamedNode] | None:
    """The focus nodes whose results may differ after ``changed`` (added or removed) triples,
    read on ``store`` as it is after the change; None when the whole store must be validated."""
    if scope.depth is None:
        return None
    seeds: set[ox.NamedNode | ox.BlankNode] = set()
    for triple in changed:
        if triple.predicate.value == str(RDFS.subClassOf):
            return None
        if isinstance(triple.subject, ox.NamedNode | ox.BlankNode):
            seeds.add(triple.subject)
        predicate = triple.predicate.value
        if isinstance(triple.object, ox.NamedNode | ox.BlankNode) and (
            predicate in scope.inverse or predicate in scope.objects_of
        ):
            seeds.add(triple.object)
    if len(seeds) > MAX_SCOPED_NODES or any(isinstance(n, ox.BlankNode) for n in seeds):
        return None  # decided before any lookup: a large upload costs no extra time here
    reached = set(seeds)
    frontier = seeds
    for _ in range(scope.depth):
        following: set[ox.NamedNode | ox.BlankNode] = set()
        for node in frontier:
            for quad in store.quads_for_pattern(None, None, node, None):
                if quad.predicate.value in scope.forward and isinstance(
                    quad.subject, ox.NamedNode | ox.BlankNode
                ):
                    following.add(quad.subject)
            if scope.inverse:
                for quad in store.quads_for_pattern(node, None, None, None):
                    if quad.predicate.value in scope.inverse and isinstance(
                        quad.object, ox.NamedNode | ox.BlankNode
                    ):
                        following.add(quad.object)
        frontier = following - reached
        reached |= frontier
        if len(reached) > MAX_SCOPED_NODES:
            return None
        if not frontier:
            break
    if any(isinstance(node, ox.BlankNode) for node in reached):
        return None
    return sorted((n for n in reached if isinstance(n, ox.NamedNode)), key=lambda n: n.value)


def worth_scoping(nodes: int, store: ox.Store) -> bool:
    """Whether validating ``nodes`` affected nodes is cheaper than validating all of ``store``
    (the store is counted only when the nodes are many enough for the answer to be no)."""
    if nodes <= SCOPED_WITHOUT_COUNTING:
        return True
    return nodes * TRIPLES_PER_SCOPED_NODE <= len(store)
