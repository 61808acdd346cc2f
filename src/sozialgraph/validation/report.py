"""The SHACL gate: validate a data graph against the project's shapes, report in German or English.

pySHACL only ever gets rdflib ``Graph`` objects and the project's own shapes graph: given a string
it would fetch or read it, and without a shapes graph it would apply shapes found in the data
(RELIABILITY.md, point 6).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

SEVERITY_NAMES: dict[Node, str] = {
    SH.Violation: "Violation",
    SH.Warning: "Warning",
    SH.Info: "Info",
}


@dataclass(frozen=True)
class ValidationResult:
    """One result of a SHACL report, in the terms a data officer needs."""

    focus_node: str
    path: str | None
    value: str | None
    component: str
    source_shape: str
    severity: str
    messages: dict[str, str] = field(default_factory=dict)

    def message(self, lang: str = "de") -> str:
        """The shape's message in ``lang``, else any message, else the constraint's name."""
        return (
            self.messages.get(lang)
            or self.messages.get("en")
            or self.messages.get("")
            or next(iter(self.messages.values()), self.component)
        )


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of the SHACL gate."""

    conforms: bool
    results: tuple[ValidationResult, ...]

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == "Violation")

    def format(self, lang: str = "de") -> str:
        """A readable report, one block per result."""
        if not self.results:
            return "Die Daten sind gültig." if lang == "de" else "The data are valid."
        words = _WORDS[lang if lang in _WORDS else "en"]
        lines = []
        for result in self.results:
            lines.append(f"[{result.severity}] {result.message(lang)}")
            lines.append(f"  {words['focus']}: {result.focus_node}")
            if result.path:
                lines.append(f"  {words['path']}: {result.path}")
            if result.value is not None:
                lines.append(f"  {words['value']}: {result.value}")
            lines.append(f"  {words['constraint']}: {result.component} ({result.source_shape})")
        return "\n".join(lines)


_WORDS = {
    "de": {"focus": "Ressource", "path": "Eigenschaft", "value": "Wert", "constraint": "Regel"},
    "en": {"focus": "Resource", "path": "Property", "value": "Value", "constraint": "Constraint"},
}


def validate(data: Graph, shapes: Graph) -> ValidationReport:
    """Validate ``data`` (with the ontology, for class hierarchies) against ``shapes``.

    ``data`` is built by the caller for this call; pySHACL may work on it in place.
    """
    if not isinstance(data, Graph) or not isinstance(shapes, Graph):
        raise TypeError("validate() takes rdflib Graph objects only")
    conforms, report_graph, _ = pyshacl.validate(
        data_graph=data,
        shacl_graph=shapes,
        inference="none",
        inplace=True,  # the caller builds the graph for this call; no copy of large graphs
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
        meta_shacl=False,
        advanced=True,
        do_owl_imports=False,
    )
    results = tuple(sorted(_results(report_graph, shapes), key=_sort_key))
    return ValidationReport(conforms=bool(conforms), results=results)


def _results(report: Graph, shapes: Graph) -> Iterable[ValidationResult]:
    details = set(report.objects(None, SH.detail))  # nested results; SHACL reports the parent
    for node in report.subjects(RDF.type, SH.ValidationResult):
        if node in details:
            continue
        messages: dict[str, str] = {}
        for message in report.objects(node, SH.resultMessage):
            if isinstance(message, Literal):
                messages.setdefault(message.language or "", str(message))
        if set(messages) <= {""}:
            # pySHACL drops the language tags of SPARQL constraints' messages: take them from
            # the constraint itself, which the report names.
            source = report.value(node, SH.sourceConstraint) or report.value(node, SH.sourceShape)
            tagged = {
                m.language: str(m)
                for m in shapes.objects(source, SH.message)
                if isinstance(m, Literal) and m.language
            }
            messages = tagged or messages
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        yield ValidationResult(
            focus_node=show(report.value(node, SH.focusNode)),
            path=show(path) if path is not None else None,
            value=show(value) if value is not None else None,
            component=_compact(report.value(node, SH.sourceConstraintComponent)),
            source_shape=show(report.value(node, SH.sourceShape)),
            severity=_severity(report.value(node, SH.resultSeverity)),
            messages=messages,
        )


def _severity(node: Node | None) -> str:
    """The name of a result's severity; a result without one is a violation."""
    return SEVERITY_NAMES.get(node, "Violation") if node is not None else "Violation"


def show(node: Node | None) -> str:
    """A node as reports show it: IRI, ``_:id`` or N3 literal ("" for none)."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, BNode):
        return "_:" + str(node)
    return node.n3()


def _compact(node: Node | None) -> str:
    text = str(node) if node is not None else ""
    return "sh:" + text[len(str(SH)) :] if text.startswith(str(SH)) else text


def _sort_key(result: ValidationResult) -> tuple[str, str, str]:
    return (result.focus_node, result.path or "", result.component)
