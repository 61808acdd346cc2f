"""Jinja2 templates (autoescaped) and the filters that show RDF terms to people."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from fastapi.templating import Jinja2Templates

from sozialgraph.namespaces import compact_iri

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

UI = {
    "de": {
        "run": "Ausführen",
        "query": "Abfrage",
        "examples": "Beispielabfragen",
        "results": "Ergebnis",
        "download": "Herunterladen",
        "rows": "Zeilen",
        "no_rows": "Keine Treffer.",
        "error": "Fehler",
        "shown": "angezeigt",
        "format": "Ausgabe",
        "table": "Tabelle (HTML)",
        "endpoint_note": (
            "Nur lesend. Abfragen werden nach {timeout} s abgebrochen; SERVICE ist nicht erlaubt."
        ),
        "true": "wahr",
        "false": "falsch",
        "language": "English",
    },
    "en": {
        "run": "Run",
        "query": "Query",
        "examples": "Example queries",
        "results": "Result",
        "download": "Download",
        "rows": "rows",
        "no_rows": "No results.",
        "error": "Error",
        "shown": "shown",
        "format": "Output",
        "table": "Table (HTML)",
        "endpoint_note": (
            "Read-only. Queries are stopped after {timeout} s; SERVICE is not allowed."
        ),
        "true": "true",
        "false": "false",
        "language": "Deutsch",
    },
}


def create_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.filters["compact"] = compact_iri
    templates.env.globals["term_kind"] = term_kind
    return templates


def term_kind(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return "iri"
    if isinstance(term, ox.BlankNode):
        return "bnode"
    if isinstance(term, ox.Literal):
        return "literal"
    return "other"
