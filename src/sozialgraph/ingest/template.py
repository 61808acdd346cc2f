"""The import template: the sheets' columns, with the allowed values listed beside them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from sozialgraph.ingest.columns import SHEETS, Sheet, sheet_for
from sozialgraph.ingest.vocabulary import Vocabulary
from sozialgraph.store.base import Term

VALUES_SHEET = "Erlaubte Werte"
KIND_TITLES = {
    "strategy": ("Strategie", "Strategy"),
    "version": ("Fassung", "Version"),
    "field": ("Handlungsfelder", "Fields of action"),
    "goal": ("Ziele", "Goals"),
    "commitment": ("ECCAR-Verpflichtungen", "ECCAR commitments"),
    "body": ("Organisationen", "Organisations"),
    "target_group": ("Zielgruppen", "Target groups"),
    "theme": ("Themen", "Themes"),
    "status": ("Status", "Status"),
    "goal_type": ("Art (des Ziels)", "Kind (of goal)"),
}


def allowed_values(rows: Iterable[Mapping[str, Term]], base_iri: str) -> dict[str, list[str]]:
    """For each kind of reference, the labels a sheet may use (German labels first)."""
    vocabulary = Vocabulary.from_rows(rows, base_iri)
    values: dict[str, list[str]] = {}
    for kind in KIND_TITLES:
        if kind == "goal_type":
            values[kind] = ["Leitidee", "strategisches Ziel", "operatives Ziel", "Ziel"]
            continue
        entries = vocabulary.of_kind(kind)
        if kind == "version":
            labels = [f"{e.issued or '?'} ({e.display})" for e in entries]
        elif kind == "commitment":
            labels = [f"{e.iri.rsplit('/', 1)[-1]} – {e.display}" for e in entries]
        else:
            labels = [e.display for e in entries]
        values[kind] = sorted(set(labels), key=_natural)
    return values


def _natural(text: str) -> tuple[int, str]:
    head = text.split(" ", 1)[0]
    return (int(head), text) if head.isdigit() else (10_000, text)


def template_csv(sheet_name: str = "measures", lang: str = "de") -> bytes:
    """The header row of one sheet as CSV (UTF-8 with BOM, ';' as Excel in Germany expects)."""
    sheet = sheet_for(sheet_name) or SHEETS[-1]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([c.header(lang) + (" *" if c.required else "") for c in sheet.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def values_csv(values: dict[str, list[str]], lang: str = "de") -> bytes:
    """The allowed values as CSV: one column per kind."""
    kinds = list(values)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([KIND_TITLES[k][0 if lang == "de" else 1] for k in kinds])
    longest = max((len(v) for v in values.values()), default=0)
    for index in range(longest):
        writer.writerow([values[k][index] if index < len(values[k]) else "" for k in kinds])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(
    values: dict[str, list[str]],
    lang: str = "de",
    rows: Mapping[str, list[list[str]]] | None = None,
) -> bytes:
    """A workbook with the three sheets, the allowed values and drop-down lists where they fit;
    ``rows`` (sheet key → rows of cells in column order) fill it (the export)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    listing = workbook.create_sheet(VALUES_SHEET if lang == "de" else "Allowed values")
    columns: dict[str, str] = {}
    for index, (kind, labels) in enumerate(values.items(), start=1):
        letter = listing.cell(row=1, column=index).column_letter
        listing.cell(
            row=1, column=index, value=KIND_TITLES[kind][0 if lang == "de" else 1]
        ).font = Font(bold=True)
        for row, label in enumerate(labels, start=2):
            listing.cell(row=row, column=index, value=label)
        columns[kind] = f"'{listing.title}'!${letter}$2:${letter}${max(len(labels) + 1, 2)}"
    for sheet in SHEETS:
        _sheet(workbook, sheet, columns, lang, (rows or {}).get(sheet.key, []))
    workbook.move_sheet(listing, offset=len(SHEETS))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet(
    workbook: Workbook, sheet: Sheet, columns: dict[str, str], lang: str, rows: list[list[str]]
) -> None:
    worksheet = workbook.create_sheet(sheet.de if lang == "de" else sheet.en)
    for number, cells in enumerate(rows, start=2):
        for index, value in enumerate(cells, start=1):
            if value:
                worksheet.cell(row=number, column=index, value=value)
    for index, column in enumerate(sheet.columns, start=1):
        cell = worksheet.cell(row=1, column=index, value=column.header(lang))
        cell.font = Font(bold=True)
        help_text = column.help_de if lang == "de" else column.help_en
        required = ("Pflichtfeld. " if lang == "de" else "Required. ") if column.required else ""
        if column.multiple:
            help_text += (
                " Mehrere Werte mit ';' trennen."
                if lang == "de"
                else " Separate several values with ';'."
            )
        if required or help_text:
            cell.comment = Comment((required + help_text).strip(), "sozialgraph")
        worksheet.column_dimensions[cell.column_letter].width = max(
            14, len(column.header(lang)) + 4
        )
        if column.kind in columns and not column.multiple:
            rule = DataValidation(
                type="list", formula1=f"={columns[column.kind]}", allow_blank=True
            )
            rule.error = (
                "Bitte einen Wert aus der Liste wählen."
                if lang == "de"
                else "Please pick a listed value."
            )
            rule.showErrorMessage = False  # labels and IRIs outside the list are accepted too
            worksheet.add_data_validation(rule)
            rule.add(f"{cell.column_letter}2:{cell.column_letter}{max(2000, len(rows) + 1)}")
    worksheet.freeze_panes = "A2"
