"""The measure list as a table for downloads: CSV (UTF-8, RFC 4180) and XLSX (openpyxl).

One row per measure, linked values joined by "; " and shown by their labels in the reader's
language. Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) is
kept as text: an apostrophe before it in CSV (OWASP's advice), a string cell in XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

from sozialgraph.readmodel.documents import Measure, Ref

COLUMNS = {
    "de": (
        "IRI",
        "Titel",
        "Status",
        "Status eingeschätzt am",
        "Strategien",
        "Handlungsfelder",
        "ECCAR-Verpflichtungen",
        "Federführend",
        "Partner",
        "Zielgruppen",
        "Beginn",
        "Ende",
        "Frist",
    ),
    "en": (
        "IRI",
        "Title",
        "Status",
        "Status assessed on",
        "Strategies",
        "Fields of action",
        "ECCAR commitments",
        "Responsible",
        "Partners",
        "Target groups",
        "Start",
        "End",
        "Deadline",
    ),
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def measure_rows(items: Sequence[Measure], lang: str) -> list[list[str]]:
    """The header and one row per measure."""

    def names(refs: Sequence[Ref]) -> str:
        return "; ".join(r.label or r.iri for r in refs)

    rows = [list(COLUMNS.get(lang, COLUMNS["en"]))]
    for m in items:
        rows.append(
            [
                m.iri,
                m.label or "",
                (m.status.status.label or m.status.status.iri) if m.status else "",
                (m.status.assessed_on or "") if m.status else "",
                names(m.strategies),
                names(m.fields),
                names(m.commitments),
                names(m.responsible_bodies),
                names(m.partners),
                names(m.target_groups),
                m.start or "",
                m.end or "",
                m.deadline or "",
            ]
        )
    return rows


def to_csv(rows: Sequence[Sequence[str]]) -> bytes:
    """CSV with a byte order mark (spreadsheets then read UTF-8), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_as_text(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[Sequence[str]], title: str) -> bytes:
    """An XLSX workbook of one sheet; every cell a string, never a formula."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for r, row in enumerate(rows, start=1):
        for c, cell_value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = cell_value
            cell.data_type = TYPE_STRING
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _as_text(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell
