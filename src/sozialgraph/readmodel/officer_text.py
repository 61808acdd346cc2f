"""Words of the officer pages (``/verwaltung``) in German and English.

Kept beside ``page_text.py`` (the linked-data pages' words) so that each stays small; the
templates get them as ``t``.
"""

from __future__ import annotations

OFFICER_TEXT: dict[str, dict[str, str]] = {
    "de": {
        "desk": "Verwaltung",
        "sign_in": "Anmelden",
        "sign_in_title": "Anmeldung für die Datenpflege",
        "sign_in_intro": (
            "Mit einem Schreib-Token melden Sie sich für die Datenpflege an. Das Token wird "
            "einmal geprüft und gegen eine Sitzung getauscht; es wird nicht gespeichert."
        ),
        "token": "Schreib-Token",
        "token_hint": "mindestens 16 Zeichen, wie von der Betreuung des Dienstes vergeben",
        "token_missing": "Bitte das Schreib-Token eingeben.",
        "token_wrong": "Dieses Token ist nicht bekannt oder darf nicht schreiben.",
        "sign_out": "Abmelden",
        "signed_in_as": "Angemeldet als",
        "session_ends": "Die Sitzung endet um",
        "error_summary": "Es gibt ein Problem",
        "errors_summary": "Es gibt {n} Probleme",
        "template": "Vorlage herunterladen",
        "template_intro": (
            "Die Vorlage enthält die Tabellen Maßnahmen, Ziele und Handlungsfelder und die "
            "erlaubten Werte (in der XLSX-Datei als Auswahllisten)."
        ),
        "template_xlsx": "Vorlage als Excel-Datei (XLSX)",
        "template_csv": "CSV-Vorlage",
        "sheet_measures": "Maßnahmen",
        "sheet_goals": "Ziele",
        "sheet_fields": "Handlungsfelder",
        "sheet_values": "erlaubte Werte",
        "upload": "Datei hochladen",
        "upload_intro": (
            "Eine ausgefüllte Vorlage (CSV, XLSX) oder eine RDF-Datei (Turtle, N-Triples, "
            "JSON-LD, RDF/XML). Zuerst zeigt die Vorschau, was sich ändern würde; "
            "veröffentlicht wird erst nach Bestätigung."
        ),
        "file": "Datei",
        "file_hint": "CSV, XLSX, TTL, NT, JSON-LD oder RDF",
        "file_missing": "Bitte eine Datei auswählen.",
        "graph": "Name des Graphen",
        "graph_hint": "z. B. massnahmen-2025; derselbe Name ersetzt den bisherigen Inhalt",
        "graph_missing": "Bitte einen Namen für den Graphen angeben (höchstens 200 Zeichen).",
        "show_preview": "Vorschau zeigen",
        "oparl": "Beschlüsse aus dem Ratsinformationssystem (OParl)",
        "oparl_intro": (
            "Vorlagen mit Beratungsfolge und Dateien aus einem OParl-System holen; gleiche "
            "Drucksachennummern ergänzen vorhandene Beschlüsse. Nur freigegebene Server "
            "(SOZIALGRAPH_OPARL_HOSTS) werden angefragt."
        ),
        "oparl_url": "Adresse des OParl-Systems, der Körperschaft oder der Vorlage",
        "oparl_url_hint": "z. B. https://ratsinfo.example.de/oparl/v1/system",
        "oparl_url_missing": "Bitte eine http(s)-Adresse eines OParl-Systems angeben.",
        "oparl_since": "Nur seit (optional)",
        "oparl_since_hint": "Datum; nur Vorlagen, die seitdem geändert wurden",
        "oparl_graph": "Name des Graphen für die Beschlüsse",
        "oparl_fetch": "Beschlüsse abrufen und Vorschau zeigen",
        "graphs": "Importierte Graphen",
        "no_graphs": "Noch keine Graphen importiert.",
        "triples": "Tripel",
        "history": "Versionen",
        "export": "Als Vorlage herunterladen",
        "preview": "Vorschau",
        "preview_of": "Vorschau von {file} für den Graphen {graph}",
        "problems": "Probleme",
        "problems_intro": "Es wurde nichts veröffentlicht. Bitte die Datei korrigieren.",
        "sheet": "Tabelle",
        "row": "Zeile",
        "column": "Spalte",
        "value": "Wert in der Zelle",
        "problem": "Problem",
        "empty_cell": "(leer)",
        "changes": "Änderungen",
        "added": "Neu",
        "removed": "Entfernt",
        "changed": "Geändert",
        "no_changes": "Keine Änderungen: der Inhalt entspricht dem veröffentlichten.",
        "property": "Eigenschaft",
        "before": "bisher",
        "after": "neu",
        "warnings": "Hinweise der Prüfung (SHACL)",
        "publish": "Veröffentlichen",
        "publish_note": "Veröffentlicht genau die gezeigten Änderungen.",
        "discard": "Verwerfen und zurück",
        "stale": (
            "Der Graph hat sich seit der Vorschau geändert. Bitte die Datei erneut hochladen, "
            "um eine neue Vorschau zu sehen."
        ),
        "no_pending": "Es gibt keine Vorschau zum Veröffentlichen. Bitte erneut hochladen.",
        "published": "Veröffentlicht",
        "restored": "Wiederhergestellt",
        "versions_of": "Versionen des Graphen {graph}",
        "when": "Zeitpunkt",
        "kind": "Art",
        "agent": "Token",
        "source": "Quelle",
        "compare": "Unterschied zur vorigen Version",
        "restore": "Diese Version wiederherstellen",
        "restore_note": (
            "Wiederherstellen schreibt den Inhalt dieser Version als neue Version "
            "(nach Prüfung); die bisherigen Versionen bleiben erhalten."
        ),
        "current": "aktuell",
        "all_versions": "Alle zitierbaren Datenversionen des ganzen Graphen",
        "diff_title": "Unterschied von {before} zu {after}",
        "resource": "Ressource",
        "change": "Änderung",
        "back_desk": "Zurück zur Verwaltung",
        "deleted": "gelöscht",
    },
    "en": {
        "desk": "Officer's desk",
        "sign_in": "Sign in",
        "sign_in_title": "Sign in to maintain the data",
        "sign_in_intro": (
            "Sign in with a write token to maintain the data. The token is checked once and "
            "exchanged for a session; it is not kept."
        ),
        "token": "Write token",
        "token_hint": "at least 16 characters, as given by the service's operators",
        "token_missing": "Please enter the write token.",
        "token_wrong": "This token is unknown or may not write.",
        "sign_out": "Sign out",
        "signed_in_as": "Signed in as",
        "session_ends": "The session ends at",
        "error_summary": "There is a problem",
        "errors_summary": "There are {n} problems",
        "template": "Download the template",
        "template_intro": (
            "The template holds the sheets measures, goals and fields of action and the allowed "
            "values (as drop-down lists in the XLSX file)."
        ),
        "template_xlsx": "Template as an Excel file (XLSX)",
        "template_csv": "CSV template",
        "sheet_measures": "measures",
        "sheet_goals": "goals",
        "sheet_fields": "fields of action",
        "sheet_values": "allowed values",
        "upload": "Upload a file",
        "upload_intro": (
            "A filled template (CSV, XLSX) or an RDF file (Turtle, N-Triples, JSON-LD, RDF/XML). "
            "The preview shows first what would change; nothing is published before you confirm."
        ),
        "file": "File",
        "file_hint": "CSV, XLSX, TTL, NT, JSON-LD or RDF",
        "file_missing": "Please choose a file.",
        "graph": "Name of the graph",
        "graph_hint": "e.g. massnahmen-2025; the same name replaces the graph's content",
        "graph_missing": "Please give the graph a name (at most 200 characters).",
        "show_preview": "Show the preview",
        "oparl": "Decisions from the council information system (OParl)",
        "oparl_intro": (
            "Fetch papers with their consultations and files from an OParl system; the same "
            "reference number enriches an existing decision. Only allowed servers "
            "(SOZIALGRAPH_OPARL_HOSTS) are asked."
        ),
        "oparl_url": "Address of the OParl system, body or paper",
        "oparl_url_hint": "e.g. https://ratsinfo.example.de/oparl/v1/system",
        "oparl_url_missing": "Please give the http(s) address of an OParl system.",
        "oparl_since": "Only since (optional)",
        "oparl_since_hint": "a date; only papers changed since then",
        "oparl_graph": "Name of the graph for the decisions",
        "oparl_fetch": "Fetch the decisions and show the preview",
        "graphs": "Imported graphs",
        "no_graphs": "No graphs imported yet.",
        "triples": "Triples",
        "history": "Versions",
        "export": "Download as a template",
        "preview": "Preview",
        "preview_of": "Preview of {file} for the graph {graph}",
        "problems": "Problems",
        "problems_intro": "Nothing was published. Please correct the file.",
        "sheet": "Sheet",
        "row": "Row",
        "column": "Column",
        "value": "Value in the cell",
        "problem": "Problem",
        "empty_cell": "(empty)",
        "changes": "Changes",
        "added": "Added",
        "removed": "Removed",
        "changed": "Changed",
        "no_changes": "No changes: the content equals what is published.",
        "property": "Property",
        "before": "before",
        "after": "after",
        "warnings": "Warnings of the check (SHACL)",
        "publish": "Publish",
        "publish_note": "Publishes exactly the changes shown.",
        "discard": "Discard and go back",
        "stale": (
            "The graph changed since the preview. Please upload the file again to see a new "
            "preview."
        ),
        "no_pending": "There is no preview to publish. Please upload again.",
        "published": "Published",
        "restored": "Restored",
        "versions_of": "Versions of the graph {graph}",
        "when": "Time",
        "kind": "Kind",
        "agent": "Token",
        "source": "Source",
        "compare": "Difference to the version before",
        "restore": "Restore this version",
        "restore_note": (
            "Restoring writes this version's content as a new version (after the check); "
            "earlier versions are kept."
        ),
        "current": "current",
        "all_versions": "Every citable data version of the whole graph",
        "diff_title": "Difference from {before} to {after}",
        "resource": "Resource",
        "change": "Change",
        "back_desk": "Back to the officer's desk",
        "deleted": "deleted",
    },
}
