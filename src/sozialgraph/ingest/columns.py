"""The import sheets: which sheets, which columns, what each column accepts.

One row per measure (goal, field of action). Headers are German (English accepted too);
where a column refers to a vocabulary, a label is enough: the importer resolves it to the IRI.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    de: str
    en: str
    required: bool = False
    multiple: bool = False  # several values separated by ';'
    kind: str = "text"  # text, date, url, notation, or a vocabulary name
    help_de: str = ""
    help_en: str = ""

    def header(self, lang: str = "de") -> str:
        return self.de if lang == "de" else self.en


@dataclass(frozen=True)
class Sheet:
    key: str  # measures, goals, fields
    de: str
    en: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


VOCABULARY_KINDS = (
    "strategy",
    "version",
    "field",
    "goal",
    "commitment",
    "body",
    "target_group",
    "theme",
    "status",
    "goal_type",
)

_IDENTIFIER = Column(
    "identifier",
    "Kennung",
    "Identifier",
    required=True,
    help_de="Eindeutige Kennung, z. B. APS-3-01; daraus wird die IRI gebildet. Nicht mehr ändern.",
    help_en="Unique identifier, e.g. APS-3-01; the IRI is made from it. Do not change it later.",
)
_SOURCE = Column(
    "source",
    "Quelle",
    "Source",
    required=True,
    multiple=True,
    kind="url",
    help_de="Öffentliche Adresse (URL) der Quelle, mehrere mit ';' getrennt.",
    help_en="Public address (URL) of the source; several separated by ';'.",
)

MEASURES = Sheet(
    "measures",
    "Maßnahmen",
    "Measures",
    (
        _IDENTIFIER,
        Column(
            "title",
            "Titel",
            "Title",
            required=True,
            help_de="Titel auf Deutsch.",
            help_en="Title in German.",
        ),
        Column(
            "title_en",
            "Titel (englisch)",
            "Title (English)",
            help_de="Titel auf Englisch.",
            help_en="Title in English.",
        ),
        Column("description", "Beschreibung", "Description"),
        Column("description_en", "Beschreibung (englisch)", "Description (English)"),
        Column("strategy", "Strategie", "Strategy", required=True, multiple=True, kind="strategy"),
        Column("fields", "Handlungsfelder", "Fields of action", multiple=True, kind="field"),
        Column("goals", "Ziele", "Goals", multiple=True, kind="goal"),
        Column(
            "commitments",
            "ECCAR-Verpflichtungen",
            "ECCAR commitments",
            multiple=True,
            kind="commitment",
            help_de="Nummern 1–10 oder Titel der Verpflichtungen.",
            help_en="Numbers 1–10 or titles of the commitments.",
        ),
        Column("responsible", "Federführung", "Responsible body", multiple=True, kind="body"),
        Column("partners", "Partner", "Partners", multiple=True, kind="body"),
        Column("target_groups", "Zielgruppen", "Target groups", multiple=True, kind="target_group"),
        Column("themes", "Themen", "Themes", multiple=True, kind="theme"),
        Column("status", "Status", "Status", kind="status"),
        Column(
            "status_date",
            "Statusdatum",
            "Status date",
            kind="date",
            help_de="Datum der Statuseinschätzung (TT.MM.JJJJ oder JJJJ-MM-TT).",
            help_en="Date of the status assessment (DD.MM.YYYY or YYYY-MM-DD).",
        ),
        Column("start", "Beginn", "Start", kind="date"),
        Column("end", "Ende", "End", kind="date"),
        Column("deadline", "Frist", "Deadline", kind="date"),
        _SOURCE,
    ),
)

GOALS = Sheet(
    "goals",
    "Ziele",
    "Goals",
    (
        _IDENTIFIER,
        Column("goal_type", "Art", "Kind", required=True, kind="goal_type"),
        Column("title", "Titel", "Title", required=True),
        Column("title_en", "Titel (englisch)", "Title (English)"),
        Column("description", "Beschreibung", "Description"),
        Column("description_en", "Beschreibung (englisch)", "Description (English)"),
        Column("strategy", "Strategie", "Strategy", required=True, kind="strategy"),
        Column("fields", "Handlungsfelder", "Fields of action", multiple=True, kind="field"),
        Column("specifies", "Konkretisiert", "Specifies", multiple=True, kind="goal"),
        Column("deadline", "Frist", "Deadline", kind="date"),
        _SOURCE,
    ),
)

FIELDS = Sheet(
    "fields",
    "Handlungsfelder",
    "Fields of action",
    (
        _IDENTIFIER,
        Column("strategy", "Strategie", "Strategy", required=True, kind="strategy"),
        Column(
            "version",
            "Fassung",
            "Version",
            kind="version",
            help_de="Jahr der Fassung, die das Feld nennt (leer: neueste).",
            help_en="Year of the version that lists the field (empty: newest).",
        ),
        Column("label", "Bezeichnung", "Name", required=True),
        Column("label_en", "Bezeichnung (englisch)", "Name (English)", required=True),
        Column("notation", "Nummer", "Number", kind="notation"),
        Column("definition", "Beschreibung", "Description"),
        Column("definition_en", "Beschreibung (englisch)", "Description (English)"),
        _SOURCE,
    ),
)

SHEETS = (FIELDS, GOALS, MEASURES)

GOAL_TYPES = {
    "leitidee": "GuidingIdea",
    "strategische leitidee": "GuidingIdea",
    "guiding idea": "GuidingIdea",
    "strategisches ziel": "StrategicGoal",
    "strategic goal": "StrategicGoal",
    "operatives ziel": "OperationalGoal",
    "operational goal": "OperationalGoal",
    "ziel": "Goal",
    "goal": "Goal",
}


def sheet_for(name: str) -> Sheet | None:
    """The sheet whose German or English name (or key) is ``name``."""
    wanted = name.strip().lower().replace("ß", "ss")
    for sheet in SHEETS:
        names = {sheet.key, sheet.de.lower().replace("ß", "ss"), sheet.en.lower()}
        if wanted in names:
            return sheet
    return None


def sheet_for_headers(headers: list[str]) -> Sheet | None:
    """Recognise a CSV file's sheet by its headers (the best match of required columns)."""
    given = {normalise_header(h) for h in headers}
    best, best_score = None, 0
    for sheet in SHEETS:
        required = [c for c in sheet.columns if c.required]
        score = sum(
            1
            for c in required
            if normalise_header(c.de) in given or normalise_header(c.en) in given
        )
        if score == len(required) and score > best_score:
            best, best_score = sheet, score
    return best


def normalise_header(text: str) -> str:
    return " ".join(text.replace("*", "").strip().lower().split())
