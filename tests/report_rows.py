"""Validation reports as sorted rows, to compare what two validators found."""

from __future__ import annotations

from sozialgraph.validation.report import ValidationReport


def report_rows(report: ValidationReport, *, messages: bool = True) -> list[tuple]:
    """Everything each result says, messages included unless ``messages`` is false (pySHACL's
    own untagged English default messages are always left out: the compiled path has none)."""
    return sorted(
        (
            r.focus_node,
            r.path or "",
            r.value or "",
            r.component,
            r.source_shape,
            r.severity,
            tuple(sorted((k, v) for k, v in r.messages.items() if k)) if messages else (),
        )
        for r in report.results
    )
