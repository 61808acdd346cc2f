"""Problems found in an import, by sheet, row and column, in German and English."""

from __future__ import annotations

from dataclasses import dataclass, field

MESSAGES = {
    "unknown_column": (
        "unbekannte Spalte „{column}“; bitte die Vorlage verwenden",
        "unknown column '{column}'; please use the template",
    ),
    "missing_column": (
        "die Pflichtspalte „{column}“ fehlt",
        "the required column '{column}' is missing",
    ),
    "required": ("hier ist ein Wert nötig", "a value is required here"),
    "not_allowed": (
        "„{value}“ ist kein erlaubter Wert; erlaubt: {allowed}",
        "'{value}' is not an allowed value; allowed: {allowed}",
    ),
    "ambiguous": (
        "„{value}“ ist mehrdeutig: {candidates}; bitte die Kennung oder IRI angeben",
        "'{value}' is ambiguous: {candidates}; please give the identifier or IRI",
    ),
    "bad_date": (
        "„{value}“ ist kein Datum (TT.MM.JJJJ, JJJJ-MM-TT, MM.JJJJ oder JJJJ)",
        "'{value}' is not a date (DD.MM.YYYY, YYYY-MM-DD, MM.YYYY or YYYY)",
    ),
    "bad_url": ("„{value}“ ist keine http(s)-Adresse", "'{value}' is not an http(s) address"),
    "bad_identifier": (
        "„{value}“ ergibt keine gültige Kennung (Buchstaben oder Ziffern nötig)",
        "'{value}' gives no valid identifier (letters or digits needed)",
    ),
    "duplicate": (
        "die Kennung „{value}“ kommt schon in Zeile {other} vor",
        "the identifier '{value}' is already used in row {other}",
    ),
    "status_needs_date": (
        "zu einem Status gehört ein Statusdatum (und umgekehrt)",
        "a status needs a status date (and the other way round)",
    ),
    "no_scheme": (
        "die Strategie „{value}“ hat kein Handlungsfeldschema",
        "the strategy '{value}' has no scheme of fields of action",
    ),
    "shacl": ("{message}", "{message}"),
}


@dataclass(frozen=True)
class Problem:
    """One problem, located as a data officer sees it: sheet, row, column."""

    sheet: str
    row: int | None
    column: str | None
    code: str
    details: dict[str, str] = field(default_factory=dict)
    focus_node: str | None = None
    path: str | None = None

    def message(self, lang: str = "de") -> str:
        german, english = MESSAGES[self.code]
        details = dict(self.details)
        if self.code == "shacl":
            details["message"] = self.details.get(f"message_{lang}") or self.details.get(
                "message_en", ""
            )
        return (german if lang == "de" else english).format(**details)

    def text(self, lang: str = "de") -> str:
        """E.g. 'Maßnahmen, Zeile 14, Spalte Status: …'."""
        words = ("Zeile", "Spalte") if lang == "de" else ("row", "column")
        where = [self.sheet] if self.sheet else []
        if self.row is not None:
            where.append(f"{words[0]} {self.row}")
        if self.column:
            where.append(f"{words[1]} {self.column}")
        if self.focus_node and self.row is None:
            where.append(self.focus_node)
        return f"{', '.join(where)}: {self.message(lang)}"

    def as_dict(self, lang: str = "de") -> dict[str, object]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message(lang),
            "text": self.text(lang),
            "focusNode": self.focus_node,
            "path": self.path,
        }
