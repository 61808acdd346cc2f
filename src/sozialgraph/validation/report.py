"""What the SHACL gate reports, in German or English, and the error that carries a rejection."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import BNode, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from sozialgraph.errors import SozialgraphError

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


class ValidationFailed(SozialgraphError):
    """The SHACL gate rejected the data; nothing was written."""

    status = 422
    title = "Validation failed"

    def __init__(self, report: ValidationReport, message: str | None = None) -> None:
        super().__init__(
            message or report.format("en"), de=None if message else report.format("de")
        )
        self.report = report

    def details(self, lang: str) -> dict[str, object]:
        return {
            "results": [
                {
                    "focusNode": r.focus_node,
                    "path": r.path,
                    "value": r.value,
                    "constraint": r.component,
                    "shape": r.source_shape,
                    "severity": r.severity,
                    "message": r.message(lang),
                }
                for r in self.report.results
            ]
        }


def show(node: Node | None) -> str:
    """A node as reports show it: IRI, ``_:id`` or N3 literal ("" for none)."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, BNode):
        return "_:" + str(node)
    return node.n3()


def compact_component(node: Node | None) -> str:
    text = str(node) if node is not None else ""
    return "sh:" + text[len(str(SH)) :] if text.startswith(str(SH)) else text
