"""Reading a SHACL shapes graph for the compiler: parameters, lists, paths and terms.

What the SPARQL path supports is listed here (the constraint components it compiles and the
parameters it reads alongside them); anything else is collected as a problem, so that the
compiler can raise :class:`UnsupportedShapes` listing each instead of skipping a shape silently.
"""

from __future__ import annotations

import itertools

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from sozialgraph.errors import SozialgraphError
from sozialgraph.validation.report import SEVERITY_NAMES, show
from sozialgraph.validation.sparql.sparql_text import sparql_string

#: The SPARQL path from an instance to its classes (``sh:class`` and class targets).
TYPE_OF = f"<{RDF.type}>/<{RDFS.subClassOf}>*"

# Value-level constraints: each value node is checked on its own (property shapes: the values of
# the path; node shapes: the focus node itself). Parameter -> constraint component.
VALUE_COMPONENTS = {
    SH["class"]: "ClassConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent",
    SH.node: "NodeConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH["and"]: "AndConstraintComponent",
    SH["not"]: "NotConstraintComponent",
    SH.xone: "XoneConstraintComponent",
}
# Constraints on the set of values of a property shape; no sh:value in their results.
SET_COMPONENTS = {
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent",
    SH.qualifiedValueShape: "QualifiedValueShapeConstraintComponent",
}
# Parameters that need no query of their own (read together with another, or not validating).
_PASSIVE = {
    SH.path, SH.property, SH.sparql, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
    SH.targetObjectsOf, SH.target, SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint, SH.message, SH.severity, SH.deactivated, SH.name,
    SH.description, SH.order, SH.group, SH.defaultValue, SH.declare, SH.prefixes,
}  # fmt: skip


class UnsupportedShapes(SozialgraphError):
    """The shapes use SHACL features that the SPARQL path does not check."""

    title = "Unsupported SHACL shapes"

    def __init__(self, problems: list[str]) -> None:
        listing = "\n".join(f"- {problem}" for problem in problems)
        super().__init__(
            f"The shapes use SHACL features that cannot be compiled to SPARQL:\n{listing}",
            de=f"Die Formen nutzen SHACL-Funktionen, die nicht nach SPARQL übersetzt werden:\n"
            f"{listing}",
        )
        self.problems = problems


class ShapesReader:
    """The shapes graph as the compiler reads it; what it cannot compile goes to ``problems``."""

    def __init__(self, shapes: Graph) -> None:
        self.graph = shapes
        self.problems: list[str] = []
        self._names = itertools.count()

    def _objects(self, node: Node, predicate: URIRef) -> list[Node]:
        return sorted(self.graph.objects(node, predicate), key=show)

    def _list(self, node: Node) -> list[Node]:
        return list(Collection(self.graph, node))

    def _is_property_shape(self, shape: Node) -> bool:
        return (shape, SH.path, None) in self.graph

    def _deactivated(self, shape: Node) -> bool:
        return any(
            isinstance(o, Literal) and o.value is True
            for o in self.graph.objects(shape, SH.deactivated)
        )

    def _severity(self, shape: Node) -> str:
        severity = self.graph.value(shape, SH.severity)
        return next((name for iri, name in SEVERITY_NAMES.items() if iri == severity), "Violation")

    def _messages(self, node: Node) -> dict[str, str]:
        messages: dict[str, str] = {}
        for message in self.graph.objects(node, SH.message):
            if isinstance(message, Literal):
                messages.setdefault(message.language or "", str(message))
        return messages

    def _var(self, stem: str = "v") -> str:
        return f"?_{stem}{next(self._names)}"

    # Terms and paths

    def _path(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return f"<{node}>"
        if (node, RDF.first, None) in self.graph:
            return "(" + " / ".join(self._path(step) for step in self._list(node)) + ")"
        unary = {
            SH.inversePath: "^{}",
            SH.zeroOrMorePath: "{}*",
            SH.oneOrMorePath: "{}+",
            SH.zeroOrOnePath: "{}?",
        }
        for predicate, form in unary.items():
            inner = self.graph.value(node, predicate)
            if inner is not None:
                return "(" + form.format(self._path(inner)) + ")"
        alternatives = self.graph.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + " | ".join(self._path(step) for step in self._list(alternatives)) + ")"
        self.problems.append(f"unknown property path {show(node)}")
        return "<urn:x-none>"

    def _term(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return f"<{node}>"
        if isinstance(node, Literal):
            text = sparql_string(str(node))
            if node.language:
                return f"{text}@{node.language}"
            return f"{text}^^<{node.datatype or XSD.string}>"
        self.problems.append(f"a blank node as a value in the shapes: {show(node)}")
        return "<urn:x-none>"

    def _check_parameters(self, shape: Node) -> None:
        """Every SHACL parameter of the shape must be one this compiler understands."""
        known = set(VALUE_COMPONENTS) | set(SET_COMPONENTS) | _PASSIVE
        for predicate in set(self.graph.predicates(shape, None)):
            if str(predicate).startswith(str(SH)) and predicate not in known:
                self.problems.append(f"{show(shape)}: {qname(predicate)}")
        if (shape, SH.property, None) in self.graph and self._is_property_shape(shape):
            self.problems.append(f"{show(shape)}: sh:property on a property shape")
        for prop in self.graph.objects(shape, SH.property):
            if not self._is_property_shape(prop):
                self.problems.append(f"{show(prop)}: a sh:property without sh:path")


def integer_parameter(node: Node | None) -> int:
    """The value of a count parameter (``sh:minCount``, ``sh:qualifiedMaxCount``, ...)."""
    if isinstance(node, Literal) and isinstance(node.value, int):
        return node.value
    raise UnsupportedShapes([f"not an integer where a count is expected: {node!r}"])


def qname(predicate: Node) -> str:
    """``sh:name`` for a SHACL term, else the full IRI."""
    text = str(predicate)
    return "sh:" + text[len(str(SH)) :] if text.startswith(str(SH)) else text
