"""Reading import sheets (CSV or XLSX) into rows, with spreadsheet row numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from sozialgraph.errors import BadRequest, PayloadTooLarge
from sozialgraph.ingest.columns import (
    SHEETS,
    Column,
    Sheet,
    normalise_header,
    sheet_for,
    sheet_for_headers,
)
from sozialgraph.ingest.problems import Problem

MAX_ROWS = 20_000
MAX_XLSX_UNPACKED = 100_000_000


@dataclass
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    values: dict[str, str]


@dataclass
class SheetData:
    sheet: Sheet
    rows: list[Row] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # column key → header as written


def read_upload(data: bytes, filename: str) -> tuple[list[SheetData], list[Problem]]:
    """The sheets in a CSV or XLSX upload, and the problems found while reading them."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data, filename)
    if name.endswith((".csv", ".txt")):
        return _read_csv(data, filename)
    raise BadRequest(
        f"{filename}: expected a .csv or .xlsx file",
        de=f"{filename}: erwartet wird eine .csv- oder .xlsx-Datei",
    )


def _read_csv(data: bytes, filename: str) -> tuple[list[SheetData], list[Problem]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # older Excel exports
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise BadRequest(f"{filename} is empty", de=f"{filename} ist leer")
    sheet = sheet_for_headers(rows[0])
    if sheet is None:
        raise BadRequest(
            f"{filename}: the headers fit none of the sheets "
            f"({', '.join(s.de for s in SHEETS)}); use the template",
            de=f"{filename}: Die Spaltenköpfe passen zu keiner Tabelle "
            f"({', '.join(s.de for s in SHEETS)}); bitte die Vorlage verwenden",
        )
    return _rows(sheet, rows[0], rows[1:])


def _read_xlsx(data: bytes, filename: str) -> tuple[list[SheetData], list[Problem]]:
    from openpyxl import load_workbook  # uses defusedxml when installed

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise BadRequest(
            f"{filename} is not an XLSX file", de=f"{filename} ist keine XLSX-Datei"
        ) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise PayloadTooLarge(
            f"{filename} unpacks to {unpacked} bytes", de=f"{filename} ist entpackt zu groß"
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for broken files
        raise BadRequest(
            f"{filename}: {error}", de=f"{filename} lässt sich nicht lesen: {error}"
        ) from None
    found: list[SheetData] = []
    problems: list[Problem] = []
    for worksheet in workbook.worksheets:
        sheet = sheet_for(worksheet.title)
        if sheet is None:
            continue  # e.g. the sheet of allowed values
        cells = [[_cell(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
        if not cells:
            continue
        data_sheets, sheet_problems = _rows(sheet, cells[0], cells[1:])
        found += data_sheets
        problems += sheet_problems
    workbook.close()
    if not found:
        raise BadRequest(
            f"{filename}: no sheet named {', '.join(s.de for s in SHEETS)}",
            de=f"{filename}: keine Tabelle namens {', '.join(s.de for s in SHEETS)}",
        )
    return found, problems


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(
    sheet: Sheet, header: list[str], body: list[list[str]]
) -> tuple[list[SheetData], list[Problem]]:
    problems: list[Problem] = []
    if len(body) > MAX_ROWS:
        raise PayloadTooLarge(
            f"{sheet.de}: more than {MAX_ROWS} rows", de=f"{sheet.de}: mehr als {MAX_ROWS} Zeilen"
        )
    by_header: dict[str, Column] = {}
    for column in sheet.columns:
        by_header[normalise_header(column.de)] = column
        by_header[normalise_header(column.en)] = column
    positions: dict[int, str] = {}
    data = SheetData(sheet)
    for index, title in enumerate(header):
        if not str(title).strip():
            continue
        titled = by_header.get(normalise_header(str(title)))
        if titled is None:
            problems.append(
                Problem(sheet.de, 1, str(title), "unknown_column", {"column": str(title)})
            )
            continue
        positions[index] = titled.key
        data.headers[titled.key] = str(title).strip()
    for column in sheet.columns:
        if column.required and column.key not in data.headers:
            problems.append(
                Problem(sheet.de, 1, column.de, "missing_column", {"column": column.de})
            )
    for offset, cells in enumerate(body, start=2):
        values = {key: str(cells[i]).strip() for i, key in positions.items() if i < len(cells)}
        if any(values.values()):
            data.rows.append(Row(offset, values))
    return [data], problems
