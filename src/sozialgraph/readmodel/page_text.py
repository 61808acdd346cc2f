"""Words of the linked-data pages in German and English, and names for reused terms.

The ontology labels its own terms (``rdfs:label`` in ``@de`` and ``@en``); the terms it reuses
from SKOS, DCTERMS, PROV, ORG, FOAF and RDF(S) get their page labels here.
"""

from __future__ import annotations

from sozialgraph.namespaces import DCT_NS as _DCT
from sozialgraph.namespaces import ELI_NS as _ELI
from sozialgraph.namespaces import FOAF_NS as _FOAF
from sozialgraph.namespaces import ORG_NS as _ORG
from sozialgraph.namespaces import OWL_NS as _OWL
from sozialgraph.namespaces import PROV_NS as _PROV
from sozialgraph.namespaces import RDF_NS as _RDF
from sozialgraph.namespaces import RDFS_NS as _RDFS
from sozialgraph.namespaces import SKOS_NS as _SKOS

TEXT: dict[str, dict[str, str]] = {
    "de": {
        "home_title": "Sozialgraph: Kommunale Sozialstrategie",
        "home_intro": (
            "Die Sozialstrategie als verknüpfte offene Daten: jede Strategie, jedes Handlungsfeld, "
            "jede Maßnahme und jeder Beschluss hat eine eigene Adresse, jede Aussage eine Quelle."
        ),
        "strategies": "Strategien",
        "part_of_umbrella": "Teil der Dachstrategie",
        "current_version": "Aktuelle Fassung",
        "fields": "Handlungsfelder",
        "fields_of_version": "Handlungsfelder der aktuellen Fassung",
        "fields_of_scheme": "Handlungsfelder laut Handlungsfeldschema",
        "no_fields": "Keine Handlungsfelder öffentlich bekannt.",
        "other_strategies": "Weitere Strategien",
        "explore": "Weiter erkunden",
        "explore_sparql": "SPARQL-Abfragen",
        "explore_catalog": "Katalog und Downloads",
        "explore_ontology": "Ontologie",
        "types": "Typ",
        "properties": "Eigenschaften",
        "backlinks": "Verweise auf diese Ressource",
        "backlinks_intro": "Diese Ressourcen verweisen hierher.",
        "sources": "Quellen",
        "editorial_note": "Redaktioneller Hinweis",
        "formats": "Diese Ressource als",
        "iri": "IRI",
        "concepts": "Begriffe",
        "notation": "Notation",
        "label": "Bezeichnung",
        "definition": "Definition",
        "classes": "Klassen",
        "object_properties": "Eigenschaften",
        "subclass_of": "Unterklasse von",
        "subproperty_of": "Untereigenschaft von",
        "domain": "Definitionsbereich",
        "range": "Wertebereich",
        "term": "Begriff",
        "version": "Version",
        "license": "Lizenz",
        "not_found_title": "Nicht gefunden",
        "not_found_text": "Zu dieser Adresse gibt es keine Ressource im Graphen.",
        "not_found_hint": "Zur Startseite",
        "publisher": "Herausgeber",
        "contact": "Kontakt",
        "spatial": "Räumlicher Bezug",
        "temporal": "Zeitraum",
        "modified": "Zuletzt geändert",
        "issued": "Veröffentlicht",
        "distributions": "Downloads",
        "format": "Format",
        "size": "Größe",
        "service": "SPARQL-Endpunkt",
        "themes": "Thema",
        "keywords": "Schlagwörter",
        "catalog_title": "Katalog",
        "void": "VoID-Beschreibung",
        "more": "weitere",
    },
    "en": {
        "home_title": "Sozialgraph: Municipal Social Strategy",
        "home_intro": (
            "The social strategy as linked open data: every strategy, field of action, measure "
            "and council decision has its own address, and every statement has a source."
        ),
        "strategies": "Strategies",
        "part_of_umbrella": "Part of the umbrella strategy",
        "current_version": "Current version",
        "fields": "Fields of action",
        "fields_of_version": "Fields of action of the current version",
        "fields_of_scheme": "Fields of action in the field scheme",
        "no_fields": "No fields of action are publicly known.",
        "other_strategies": "Other strategies",
        "explore": "Explore further",
        "explore_sparql": "SPARQL queries",
        "explore_catalog": "Catalog and downloads",
        "explore_ontology": "Ontology",
        "types": "Type",
        "properties": "Properties",
        "backlinks": "Links to this resource",
        "backlinks_intro": "These resources link here.",
        "sources": "Sources",
        "editorial_note": "Editorial note",
        "formats": "This resource as",
        "iri": "IRI",
        "concepts": "Concepts",
        "notation": "Notation",
        "label": "Label",
        "definition": "Definition",
        "classes": "Classes",
        "object_properties": "Properties",
        "subclass_of": "Subclass of",
        "subproperty_of": "Subproperty of",
        "domain": "Domain",
        "range": "Range",
        "term": "Term",
        "version": "Version",
        "license": "Licence",
        "not_found_title": "Not found",
        "not_found_text": "There is no resource in the graph at this address.",
        "not_found_hint": "To the start page",
        "publisher": "Publisher",
        "contact": "Contact",
        "spatial": "Spatial coverage",
        "temporal": "Period",
        "modified": "Last modified",
        "issued": "Issued",
        "distributions": "Downloads",
        "format": "Format",
        "size": "Size",
        "service": "SPARQL endpoint",
        "themes": "Theme",
        "keywords": "Keywords",
        "catalog_title": "Catalog",
        "void": "VoID description",
        "more": "more",
    },
}

#: Kinds of sources (``sg:sourceKind``).
SOURCE_KINDS = {
    "official": {"de": "amtlich", "en": "official"},
    "press": {"de": "Presse", "en": "press"},
    "partisan": {"de": "Partei", "en": "political party"},
    "aggregator": {"de": "Sammelseite", "en": "aggregator"},
    "network": {"de": "Netzwerk", "en": "network"},
    "other": {"de": "sonstige", "en": "other"},
}


#: Page labels of reused properties and classes: IRI → (German, English).
REUSED_TERMS: dict[str, tuple[str, str]] = {
    _RDF + "type": ("Typ", "type"),
    _RDFS + "label": ("Bezeichnung", "label"),
    _RDFS + "comment": ("Kommentar", "comment"),
    _RDFS + "seeAlso": ("siehe auch", "see also"),
    _RDFS + "isDefinedBy": ("definiert in", "defined by"),
    _RDFS + "subClassOf": ("Unterklasse von", "subclass of"),
    _RDFS + "subPropertyOf": ("Untereigenschaft von", "subproperty of"),
    _RDFS + "domain": ("Definitionsbereich", "domain"),
    _RDFS + "range": ("Wertebereich", "range"),
    _SKOS + "prefLabel": ("Bezeichnung", "preferred label"),
    _SKOS + "altLabel": ("auch genannt", "alternative label"),
    _SKOS + "definition": ("Definition", "definition"),
    _SKOS + "scopeNote": ("Anwendungshinweis", "scope note"),
    _SKOS + "note": ("Anmerkung", "note"),
    _SKOS + "editorialNote": ("Redaktioneller Hinweis", "editorial note"),
    _SKOS + "notation": ("Notation", "notation"),
    _SKOS + "inScheme": ("im Schema", "in scheme"),
    _SKOS + "topConceptOf": ("oberster Begriff von", "top concept of"),
    _SKOS + "hasTopConcept": ("hat obersten Begriff", "has top concept"),
    _SKOS + "broader": ("Oberbegriff", "broader"),
    _SKOS + "narrower": ("Unterbegriff", "narrower"),
    _SKOS + "related": ("verwandt mit", "related"),
    _SKOS + "closeMatch": ("entspricht weitgehend", "close match"),
    _SKOS + "exactMatch": ("entspricht", "exact match"),
    _SKOS + "relatedMatch": ("verwandt mit", "related match"),
    _SKOS + "Concept": ("Begriff", "Concept"),
    _SKOS + "ConceptScheme": ("Begriffsschema", "Concept scheme"),
    _DCT + "title": ("Titel", "title"),
    _DCT + "description": ("Beschreibung", "description"),
    _DCT + "source": ("Quelle", "source"),
    _DCT + "hasPart": ("hat Teil", "has part"),
    _DCT + "isPartOf": ("ist Teil von", "is part of"),
    _DCT + "issued": ("beschlossen/veröffentlicht am", "issued"),
    _DCT + "created": ("erstellt am", "created"),
    _DCT + "modified": ("geändert am", "modified"),
    _DCT + "identifier": ("Kennung", "identifier"),
    _DCT + "relation": ("Bezug", "relation"),
    _DCT + "publisher": ("Herausgeber", "publisher"),
    _DCT + "creator": ("Urheber", "creator"),
    _DCT + "license": ("Lizenz", "licence"),
    _DCT + "subject": ("Thema", "subject"),
    _DCT + "audience": ("Zielgruppe", "audience"),
    _DCT + "date": ("Datum", "date"),
    _PROV + "wasRevisionOf": ("Überarbeitung von", "revision of"),
    _PROV + "wasAttributedTo": ("zugeordnet", "attributed to"),
    _PROV + "wasInfluencedBy": ("beeinflusst durch", "influenced by"),
    _PROV + "wasDerivedFrom": ("abgeleitet von", "derived from"),
    _ORG + "member": ("Mitglied", "member"),
    _ORG + "organization": ("Organisation", "organisation"),
    _ORG + "unitOf": ("Einheit von", "unit of"),
    _ORG + "hasUnit": ("hat Einheit", "has unit"),
    _ORG + "subOrganizationOf": ("Teil von", "suborganisation of"),
    _ORG + "hasSubOrganization": ("hat Teilorganisation", "has suborganisation"),
    _ORG + "Organization": ("Organisation", "Organisation"),
    _ORG + "FormalOrganization": ("Formale Organisation", "Formal organisation"),
    _ORG + "OrganizationalUnit": ("Organisationseinheit", "Organisational unit"),
    _ORG + "Membership": ("Mitgliedschaft", "Membership"),
    _FOAF + "homepage": ("Website", "homepage"),
    _FOAF + "name": ("Name", "name"),
    _FOAF + "Document": ("Dokument (Quelle)", "Document (source)"),
    _FOAF + "Organization": ("Organisation", "Organisation"),
    _OWL + "Class": ("Klasse", "Class"),
    _OWL + "ObjectProperty": ("Objekteigenschaft", "Object property"),
    _OWL + "DatatypeProperty": ("Datentypeigenschaft", "Datatype property"),
    _OWL + "Ontology": ("Ontologie", "Ontology"),
    _OWL + "versionInfo": ("Version", "version"),
    _OWL + "versionIRI": ("Versions-IRI", "version IRI"),
    _ELI + "passed_by": ("beschlossen von", "passed by"),
    _ELI + "LegalResource": ("Rechtsakt", "Legal resource"),
    _PROV + "Entity": ("Entität (PROV)", "Entity (PROV)"),
    _PROV + "Plan": ("Plan (PROV)", "Plan (PROV)"),
    _PROV + "Activity": ("Aktivität (PROV)", "Activity (PROV)"),
}


def reused_label(iri: str, lang: str) -> str | None:
    names = REUSED_TERMS.get(iri)
    if names is None:
        return None
    return names[0] if lang == "de" else names[1]


def source_kind_label(kind: str, lang: str) -> str:
    return SOURCE_KINDS.get(kind, {}).get(lang, kind)


# -- matrix and timelines (issue 16) -----------------------------------------------------------

_MATRIX_TEXT: dict[str, dict[str, str]] = {
    "de": {
        "matrix_title": "Verflechtung: Maßnahmen, Strategien und ECCAR-Verpflichtungen",
        "matrix_link": "Verflechtung der Maßnahmen mit Strategien und ECCAR-Verpflichtungen",
        "matrix_intro": (
            "Welche Maßnahme dient welcher Strategie (und welchem ihrer Handlungsfelder) und "
            "setzt welche Verpflichtung des Zehn-Punkte-Aktionsplans der ECCAR um? Ein Quadrat "
            "(■) steht für eine Verknüpfung; die Tabelle unter dem Bild sagt dasselbe in Worten."
        ),
        "matrix_cross_note": (
            "◆ und ein dicker Rahmen kennzeichnen Maßnahmen, die mehreren Strategien dienen "
            "(Dachstrategien nicht mitgezählt)."
        ),
        "matrix_filter": "Auswahl",
        "matrix_strategy": "Strategie",
        "matrix_all_strategies": "Alle Strategien",
        "matrix_choose_municipality": "Für die Strategieauswahl zuerst oben eine Kommune wählen.",
        "matrix_apply": "Anzeigen",
        "matrix_picture": "Bild der Verflechtung",
        "matrix_table": "Tabelle der Verflechtung",
        "matrix_caption": "Maßnahmen (Zeilen) × Strategien mit Handlungsfeldern und "
        "ECCAR-Verpflichtungen (Spalten)",
        "matrix_measure": "Maßnahme",
        "matrix_cross": "strategieübergreifend",
        "matrix_serves_n": "dient {n} Strategien",
        "matrix_yes": "ja",
        "matrix_direct": "ohne Handlungsfeld",
        "matrix_eccar": "ECCAR-Verpflichtungen",
        "matrix_umbrella": "Dachstrategie",
        "matrix_downloads": "Herunterladen",
        "matrix_page": "Seite {page} von {pages}",
        "matrix_measures_of": "Maßnahmen {first}–{last} von {total}",
        "matrix_previous": "Vorige Seite",
        "matrix_next": "Nächste Seite",
        "matrix_pages": "Seiten",
        "matrix_above": "oben",
        "matrix_below": "unten",
        "matrix_empty": "Keine Maßnahmen in dieser Auswahl.",
        "matrix_commitments_legend": "Die ECCAR-Verpflichtungen",
        "timeline": "Verlauf",
        "timeline_title": "Verlauf: {title}",
        "timeline_link": "Verlauf: Fassungen, Beschlüsse und Beratungen",
        "timeline_intro": (
            "Wie die Strategie entstanden ist: ihre Fassungen, die Stadtratsbeschlüsse, die sie "
            "beschlossen haben, und die Beratungen in Ausschüssen davor."
        ),
        "timeline_empty": "Keine datierten Schritte bekannt.",
        "timeline_undated": "ohne Datum",
        "timeline_version": "Fassung",
        "timeline_decision": "Beschluss",
        "timeline_step": "Beratung",
        "timeline_adopts": "beschließt",
        "timeline_prepares": "zur Vorlage",
        "status_history": "Umsetzungsstand im Verlauf",
        "status_history_empty": "Keine Statuseinschätzung bekannt.",
        "status_source": "Quelle",
        "back_to": "Zurück zu",
    },
    "en": {
        "matrix_title": "Cross-references: measures, strategies and ECCAR commitments",
        "matrix_link": "Cross-references of measures with strategies and ECCAR commitments",
        "matrix_intro": (
            "Which measure serves which strategy (and which of its fields of action), and which "
            "commitment of ECCAR's ten-point plan of action does it implement? A square (■) "
            "stands for a link; the table below the picture says the same in words."
        ),
        "matrix_cross_note": (
            "◆ and a thick frame mark measures that serve several strategies (umbrella "
            "strategies not counted)."
        ),
        "matrix_filter": "Selection",
        "matrix_strategy": "Strategy",
        "matrix_all_strategies": "All strategies",
        "matrix_choose_municipality": "Choose a municipality above first to choose a strategy.",
        "matrix_apply": "Show",
        "matrix_picture": "Picture of the cross-references",
        "matrix_table": "Table of the cross-references",
        "matrix_caption": "Measures (rows) × strategies with fields of action and ECCAR "
        "commitments (columns)",
        "matrix_measure": "Measure",
        "matrix_cross": "cross-strategy",
        "matrix_serves_n": "serves {n} strategies",
        "matrix_yes": "yes",
        "matrix_direct": "no field of action",
        "matrix_eccar": "ECCAR commitments",
        "matrix_umbrella": "umbrella strategy",
        "matrix_downloads": "Download",
        "matrix_page": "Page {page} of {pages}",
        "matrix_measures_of": "Measures {first}–{last} of {total}",
        "matrix_previous": "Previous page",
        "matrix_next": "Next page",
        "matrix_pages": "Pages",
        "matrix_above": "above",
        "matrix_below": "below",
        "matrix_empty": "No measures in this selection.",
        "matrix_commitments_legend": "The ECCAR commitments",
        "timeline": "History",
        "timeline_title": "History: {title}",
        "timeline_link": "History: versions, decisions and committee steps",
        "timeline_intro": (
            "How the strategy came about: its versions, the council decisions that adopted them "
            "and the committee consultations before them."
        ),
        "timeline_empty": "No dated steps known.",
        "timeline_undated": "undated",
        "timeline_version": "Version",
        "timeline_decision": "Decision",
        "timeline_step": "Committee step",
        "timeline_adopts": "adopts",
        "timeline_prepares": "on the proposal",
        "status_history": "Implementation status over time",
        "status_history_empty": "No status assessment known.",
        "status_source": "source",
        "back_to": "Back to",
    },
}
for _lang, _words in _MATRIX_TEXT.items():
    TEXT[_lang].update(_words)
