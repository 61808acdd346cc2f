"""The reference path of the SHACL gate: pySHACL over rdflib graphs.

pySHACL only ever gets rdflib ``Graph`` objects and the project's own shapes graph: given a string
it would fetch or read it, and without a shapes graph it would apply shapes found in the data
(RELIABILITY.md, point 6).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyshacl
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from sozialgraph.validation.report import (
    SEVERITY_NAMES,
    ValidationReport,
    ValidationResult,
    compact_component,
    show,
)


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
            component=compact_component(report.value(node, SH.sourceConstraintComponent)),
            source_shape=show(report.value(node, SH.sourceShape)),
            severity=_severity(report.value(node, SH.resultSeverity)),
            messages=messages,
        )


def _severity(node: Node | None) -> str:
    """The name of a result's severity; a result without one is a violation."""
    return SEVERITY_NAMES.get(node, "Violation") if node is not None else "Violation"


def _sort_key(result: ValidationResult) -> tuple[str, str, str]:
    return (result.focus_node, result.path or "", result.component)
