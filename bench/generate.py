"""Deterministic synthetic municipalities in the sozialgraph model, for benchmarks (issue 8).

Each municipality gets what a real one has: an umbrella social strategy and three strategies
(poverty prevention, integration, action plan against racism), two adopted versions of each with
their council decisions and committee steps, 6 to 9 fields of action per strategy (some
``skos:closeMatch`` across strategies), guiding ideas, strategic and operational goals, and the
bulk of the data: measures with fields, goals, ECCAR commitments (racism plan; some commitments
stay without a measure), one to three status assessments, responsible bodies and partners from
about twenty bodies, target groups, themes and dates. Plus source documents, an ECCAR membership
and grants. About 10 % of the measures serve fields of two strategies; about 5 % lack an English
title (a Warning, as in real data). Everything conforms to the project's shapes.

Data IRIs are in ``https://example.org/`` (``https://example.org/gemeinde-7/massnahme/m-123``);
ontology and vocabulary IRIs are the real ones. Each municipality is its own named graph
``https://example.org/graph/data/gemeinde-{n}``; shared facts (ECCAR, funding programmes) are in
``https://example.org/graph/data/gemeinsam``. The output is a stream: municipalities are built one
at a time, so five million triples never sit in a list.

    python -m bench.generate --triples 1000000 --out bench/results/1m.nq
    python -m bench.generate --municipalities 2 --errors 12 --expected errors.json --out x.nq
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

EX = "https://example.org/"
COMMON_GRAPH = EX + "graph/data/gemeinsam"
SG = "https://w3id.org/sozialgraph/ontology#"
SGV = "https://w3id.org/sozialgraph/vocab/"
SGS = "https://w3id.org/sozialgraph/shapes#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

#: Average triples per municipality with the default number of measures (measured; see README).
TRIPLES_PER_MUNICIPALITY = 6900
#: Triples per measure (with its status assessments), used when the number of measures is fixed.
TRIPLES_PER_MEASURE = 24.4
#: Triples of a municipality apart from its measures.
TRIPLES_BESIDES_MEASURES = 1330
DEFAULT_MEASURES = (40, 110)  # measures per strategy, drawn per strategy and municipality


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


A = _n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
TITLE, DESCRIPTION, SOURCE = (
    _n(DCTERMS + "title"),
    _n(DCTERMS + "description"),
    _n(DCTERMS + "source"),
)
IDENTIFIER, ISSUED = _n(DCTERMS + "identifier"), _n(DCTERMS + "issued")
HAS_PART, IS_PART_OF = _n(DCTERMS + "hasPart"), _n(DCTERMS + "isPartOf")
PUBLISHER = _n(DCTERMS + "publisher")
PREF_LABEL, ALT_LABEL, IN_SCHEME = (
    _n(SKOS + "prefLabel"),
    _n(SKOS + "altLabel"),
    _n(SKOS + "inScheme"),
)
NOTATION, CLOSE_MATCH = _n(SKOS + "notation"), _n(SKOS + "closeMatch")
RELATED_MATCH, EDITORIAL_NOTE = _n(SKOS + "relatedMatch"), _n(SKOS + "editorialNote")
LABEL = _n(RDFS + "label")
UNIT_OF, SUB_ORG_OF, HAS_UNIT = (
    _n(ORG + "unitOf"),
    _n(ORG + "subOrganizationOf"),
    _n(ORG + "hasUnit"),
)
MEMBER, ORGANIZATION = _n(ORG + "member"), _n(ORG + "organization")
LOCAL_TO = _n(SG + "localTo")
REVISION_OF = _n("http://www.w3.org/ns/prov#wasRevisionOf")
PASSED_BY = _n("http://data.europa.eu/eli/ontology#passed_by")
SOURCE_KIND = _n(SG + "sourceKind")
DOCUMENT = _n("http://xmlns.com/foaf/0.1/Document")
CONCEPT_SCHEME = _n(SKOS + "ConceptScheme")
FORMAL_ORGANIZATION = _n(ORG + "FormalOrganization")
XSD_DATE, XSD_YEAR_MONTH, XSD_YEAR = _n(XSD + "date"), _n(XSD + "gYearMonth"), _n(XSD + "gYear")


@cache
def sg(name: str) -> ox.NamedNode:
    """A term of the ontology."""
    return _n(SG + name)


def de(text: str) -> ox.Literal:
    return ox.Literal(text, language="de")


def en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def date_literal(day: dt.date, precision: str = "day") -> ox.Literal:
    if precision == "year":
        return ox.Literal(f"{day.year:04d}", datatype=XSD_YEAR)
    if precision == "month":
        return ox.Literal(f"{day.year:04d}-{day.month:02d}", datatype=XSD_YEAR_MONTH)
    return ox.Literal(day.isoformat(), datatype=XSD_DATE)


# --- What municipalities are made of --------------------------------------------------------------

STRATEGIES = (  # slug, German title, English title
    ("armutspraeventionsstrategie", "Armutspräventionsstrategie", "Poverty prevention strategy"),
    ("integrationskonzept", "Integrationskonzept", "Integration concept"),
    ("aktionsplan-gegen-rassismus", "Aktionsplan gegen Rassismus", "Action plan against racism"),
)
RACISM_PLAN = "aktionsplan-gegen-rassismus"
UMBRELLA = ("sozialstrategie", "Sozialstrategie", "Social strategy")

FIELDS = {  # strategy -> (slug, German, English, theme slug or "")
    "armutspraeventionsstrategie": (
        ("bildung", "Bildung", "Education", "bildung"),
        ("wohnen", "Wohnen", "Housing", "wohnen"),
        ("arbeit", "Arbeit und Beschäftigung", "Work and employment", "arbeitsmarkt"),
        ("gesundheit", "Gesundheit", "Health", "gesundheit"),
        ("teilhabe", "Soziale Teilhabe", "Social participation", "soziale-teilhabe"),
        ("familie", "Kinder, Jugend und Familie", "Children, youth and family",
         "kinder-jugend-familie"),
        ("alter", "Leben im Alter", "Ageing well", "soziales-senioren"),
        ("kultur", "Kultur, Freizeit und Sport", "Culture, leisure and sport",
         "kultur-freizeit-sport"),
        ("quartier", "Quartiersentwicklung", "Neighbourhood development", "stadtentwicklung"),
    ),
    "integrationskonzept": (
        ("sprache-und-bildung", "Sprache und Bildung", "Language and education", "bildung"),
        ("arbeit-und-ausbildung", "Arbeit und Ausbildung", "Work and training", "arbeitsmarkt"),
        ("wohnen-und-nachbarschaft", "Wohnen und Nachbarschaft", "Housing and neighbourhood",
         "wohnen"),
        ("gesundheit-und-pflege", "Gesundheit und Pflege", "Health and care", "gesundheit"),
        ("teilhabe-und-engagement", "Teilhabe und Engagement", "Participation and volunteering",
         "soziale-teilhabe"),
        ("interkulturelle-oeffnung", "Interkulturelle Öffnung der Verwaltung",
         "Intercultural opening of the administration", "antidiskriminierung"),
        ("kinder-und-familien", "Kinder und Familien", "Children and families",
         "kinder-jugend-familie"),
        ("kultur-und-sport", "Kultur und Sport", "Culture and sport", "kultur-freizeit-sport"),
        ("beratung", "Beratung und Orientierung", "Advice and orientation", ""),
    ),
    "aktionsplan-gegen-rassismus": (
        ("verwaltung", "Diskriminierungsfreie Verwaltung", "Non-discriminatory administration",
         "antidiskriminierung"),
        ("beratung", "Beratung für Betroffene", "Counselling for people affected",
         "antidiskriminierung"),
        ("bildung", "Bildung und Prävention", "Education and prevention", "bildung"),
        ("wohnen", "Zugang zu Wohnraum", "Access to housing", "wohnen"),
        ("arbeit", "Chancengleichheit im Beruf", "Equal opportunities at work", "arbeitsmarkt"),
        ("kultur", "Kulturelle Vielfalt", "Cultural diversity", "kultur-freizeit-sport"),
        ("monitoring", "Monitoring und Berichterstattung", "Monitoring and reporting", ""),
        ("netzwerke", "Netzwerke und Zivilgesellschaft", "Networks and civil society",
         "soziale-teilhabe"),
        ("schutz", "Schutz vor Gewalt", "Protection against violence", ""),
    ),
}  # fmt: skip

BODIES = (  # slug, class, German name, English name or "", relation to (predicate, body);
    # a body without a relation is local to the town (sg:localTo)
    ("stadt", "Municipality", "Stadt {town}", "City of {town}", None),
    ("stadtrat", "Council", "Stadtrat", "City council", ("unitOf", "stadt")),
    ("hauptausschuss", "Committee", "Hauptausschuss", "Main committee", ("sub", "stadtrat")),
    ("sozialausschuss", "Committee", "Ausschuss für Soziales", "Social affairs committee",
     ("sub", "stadtrat")),
    ("jugendhilfeausschuss", "Committee", "Jugendhilfeausschuss", "Youth welfare committee",
     ("sub", "stadtrat")),
    ("bildungsausschuss", "Committee", "Ausschuss für Bildung", "Education committee",
     ("sub", "stadtrat")),
    ("integrationsbeirat", "AdvisoryBoard", "Integrationsbeirat", "Integration advisory board",
     ("sub", "stadt")),
    ("seniorenbeirat", "AdvisoryBoard", "Seniorenbeirat", "Senior citizens' advisory board",
     ("sub", "stadt")),
    ("behindertenbeirat", "AdvisoryBoard", "Beirat für Menschen mit Behinderungen",
     "Advisory board for people with disabilities", ("sub", "stadt")),
    ("fachdienst-soziales", "AdministrativeUnit", "Fachdienst Soziales", "Social services",
     ("unitOf", "stadt")),
    ("jugendamt", "AdministrativeUnit", "Jugendamt", "Youth welfare office", ("unitOf", "stadt")),
    ("integrationsbuero", "AdministrativeUnit", "Büro für Integration und Migration",
     "Office for integration and migration", ("unitOf", "stadt")),
    ("gleichstellungsbuero", "AdministrativeUnit", "Gleichstellungsbüro", "Equality office",
     ("unitOf", "stadt")),
    ("bildungsbuero", "AdministrativeUnit", "Bildungsbüro", "Education office",
     ("unitOf", "stadt")),
    ("antidiskriminierungsstelle", "AdministrativeUnit", "Antidiskriminierungsstelle",
     "Anti-discrimination office", ("unitOf", "stadt")),
    ("netzwerk-vielfalt", "Network", "Netzwerk für Demokratie und Vielfalt",
     "Network for democracy and diversity", None),
    ("awo", "", "AWO Kreisverband {town} e. V.", "", None),
    ("diakonie", "", "Diakonie {town} e. V.", "", None),
    ("volkshochschule", "", "Volkshochschule {town}", "Adult education centre {town}", None),
    ("jobcenter", "", "Jobcenter {town}", "Job centre {town}", None),
)  # fmt: skip
UNITS = tuple(b[0] for b in BODIES if b[1] == "AdministrativeUnit")
CONSULTING = tuple(b[0] for b in BODIES if b[1] in ("Committee", "AdvisoryBoard"))
PARTNERS = tuple(
    b[0] for b in BODIES if b[1] in ("AdministrativeUnit", "Network", "", "AdvisoryBoard")
)

MEASURE_KINDS = (  # German, English
    ("Beratungsstelle", "Advice centre"),
    ("Lotsenprogramm", "Guide programme"),
    ("Fortbildungsreihe", "Training series"),
    ("Netzwerktreffen", "Network meetings"),
    ("Projektfonds", "Project fund"),
    ("Offene Sprechstunde", "Open consultation hour"),
    ("Aktionswoche", "Action week"),
    ("Leitfaden", "Guideline"),
    ("Bericht", "Report"),
    ("Modellprojekt", "Pilot project"),
    ("Patenschaftsprogramm", "Mentoring programme"),
    ("Informationskampagne", "Information campaign"),
)
STRATEGIC_GOALS = (  # German, English; the field's name is put in front
    ("gleiche Chancen für alle", "equal opportunities for all"),
    ("Zugänge erleichtern", "easier access"),
    ("Angebote vernetzen", "connected services"),
    ("Beteiligung stärken", "stronger participation"),
)
PROGRAMMES = (  # slug, German, English, strategy it funds
    ("landesprogramm-armutspraevention", "Landesprogramm Armutsprävention",
     "State programme for poverty prevention", "armutspraeventionsstrategie"),
    ("landesprogramm-integration", "Landesprogramm Integration vor Ort",
     "State programme for local integration", "integrationskonzept"),
    ("bundesprogramm-vielfalt", "Bundesprogramm Demokratie und Vielfalt",
     "Federal programme for democracy and diversity", RACISM_PLAN),
)  # fmt: skip
STATUS_PATHS = (  # plausible histories of a measure's status
    ("geplant",),
    ("geplant", "in-umsetzung"),
    ("geplant", "in-umsetzung", "umgesetzt"),
    ("in-umsetzung",),
    ("in-umsetzung", "daueraufgabe"),
    ("geplant", "entfallen"),
    ("bereits-erreicht",),
    ("in-umsetzung", "neu-gefasst"),
    ("daueraufgabe",),
)
TOWN_PREFIXES = ("Alt", "Neu", "Ober", "Nieder", "Groß", "Klein", "Hohen", "Langen", "Bad ")
TOWN_STEMS = ("berg", "bach", "feld", "hausen", "dorf", "stadt", "heim", "au", "brück", "burg")


@dataclass(frozen=True)
class Vocabulary:
    """Concepts of the shared vocabularies (read from ontology/vocab/, so they always exist)."""

    target_groups: tuple[str, ...]
    themes: tuple[str, ...]

    @classmethod
    @cache
    def load(cls) -> Vocabulary:
        from sozialgraph.resources import ontology_dir

        store = ox.Store()
        for path in sorted((ontology_dir() / "vocab").glob("*.ttl")):
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)

        def members(kind: str) -> tuple[str, ...]:
            query = f"SELECT ?c WHERE {{ ?c a <{SG}{kind}> }} ORDER BY ?c"
            return tuple(row["c"].value for row in store.query(query))  # type: ignore[union-attr]

        return cls(members("TargetGroup"), members("Theme"))


# --- The generator --------------------------------------------------------------------------------


def generate(
    municipalities: int, *, seed: int = 0, measures_per_strategy: int | None = None
) -> Iterator[ox.Quad]:
    """The quads of ``municipalities`` synthetic municipalities (and the shared facts), streamed.

    The same arguments give the same quads in the same order. ``measures_per_strategy`` fixes the
    number of measures of each strategy; by default it is drawn from 40 to 110.
    """
    vocabulary = Vocabulary.load()
    yield from _common_quads()
    for number in range(1, municipalities + 1):
        yield from _Municipality(number, seed, measures_per_strategy, vocabulary).build()


def municipalities_for(triples: int, *, measures_per_strategy: int | None = None) -> int:
    """The number of municipalities whose data come closest to ``triples`` triples (at least 1)."""
    if measures_per_strategy is None:
        per_municipality = TRIPLES_PER_MUNICIPALITY
    else:
        measures = 3 * measures_per_strategy
        per_municipality = int(TRIPLES_BESIDES_MEASURES + measures * TRIPLES_PER_MEASURE)
    return max(1, round(triples / per_municipality))


def ontology_quads(base_iri: str = EX) -> Iterator[ox.Quad]:
    """The project's ontology and vocabularies, each file in its graph, as a build loads them."""
    from sozialgraph.resources import load_files, source_files

    files = [f for f in source_files(base_iri) if f.relative.startswith("ontology/")]
    for loaded in load_files(files, base_iri):
        graph = _n(loaded.graph)
        for triple in loaded.triples:
            yield ox.Quad(triple.subject, triple.predicate, triple.object, graph)


def _common_quads() -> Iterator[ox.Quad]:
    """Facts beyond one municipality: ECCAR and the funding programmes, with their sources."""
    graph = _n(COMMON_GRAPH)
    members = _n(EX + "netzwerk/eccar-mitglieder")
    eccar = _n(EX + "organisation/eccar")
    triples = [
        (members, A, DOCUMENT),
        (members, TITLE, en("ECCAR: Member cities")),
        (members, PUBLISHER, ox.Literal("ECCAR")),
        (members, SOURCE_KIND, ox.Literal("network")),
        (eccar, A, sg("Network")),
        (eccar, PREF_LABEL, de("Europäische Städtekoalition gegen Rassismus")),
        (eccar, PREF_LABEL, en("European Coalition of Cities against Racism")),
        (eccar, ALT_LABEL, de("ECCAR")),
        (eccar, SOURCE, members),
    ]
    for slug, german, english, _ in PROGRAMMES:
        programme = _n(f"{EX}foerderprogramm/{slug}")
        guideline = _n(f"{EX}land/richtlinie-{slug}")
        triples += [
            (guideline, A, DOCUMENT),
            (guideline, TITLE, de(f"Richtlinie {german}")),
            (guideline, PUBLISHER, ox.Literal("Landesministerium für Soziales")),
            (guideline, SOURCE_KIND, ox.Literal("official")),
            (programme, A, sg("FundingProgramme")),
            (programme, TITLE, de(german)),
            (programme, TITLE, en(english)),
            (programme, SOURCE, guideline),
        ]
    for s, p, o in triples:
        yield ox.Quad(s, p, o, graph)


class _Municipality:
    """One municipality, built as a list of quads (a few thousand) and then handed out."""

    def __init__(
        self, number: int, seed: int, measures: int | None, vocabulary: Vocabulary
    ) -> None:
        self.rng = random.Random(f"sozialgraph-bench:{seed}:{number}")
        self.base = f"{EX}gemeinde-{number}/"
        self.graph = _n(f"{EX}graph/data/gemeinde-{number}")
        self.measures_per_strategy = measures
        self.vocabulary = vocabulary
        self.town = self.rng.choice(TOWN_PREFIXES) + self.rng.choice(TOWN_STEMS)
        self.quads: list[ox.Quad] = []
        self.identifiers: set[str] = set()
        self.fields: dict[str, list[tuple[ox.NamedNode, str, str, str]]] = {}
        self.goals: dict[tuple[str, ox.NamedNode], list[ox.NamedNode]] = {}
        self.papers: dict[str, ox.NamedNode] = {}
        self.press: list[ox.NamedNode] = []
        self.adopted: dict[str, int] = {}  # strategy -> year of the first version
        self.measure_count = 0

    def node(self, path: str) -> ox.NamedNode:
        return _n(self.base + path)

    def add(self, subject: ox.NamedNode, predicate: ox.NamedNode, obj) -> None:
        self.quads.append(ox.Quad(subject, predicate, obj, self.graph))

    def build(self) -> list[ox.Quad]:
        self._documents()
        self._bodies()
        for slug, german, english in (UMBRELLA, *STRATEGIES):
            self._strategy(slug, german, english)
        self._membership()
        self._grants()
        for slug, _, _ in STRATEGIES:
            self._measures(slug)
        return self.quads

    # Sources

    def _document(self, path: str, title: str, publisher: str, kind: str) -> ox.NamedNode:
        document = self.node(path)
        self.add(document, A, DOCUMENT)
        self.add(document, TITLE, de(title))
        self.add(document, PUBLISHER, ox.Literal(publisher))
        self.add(document, SOURCE_KIND, ox.Literal(kind))
        return document

    def _documents(self) -> None:
        city = f"Stadt {self.town}"
        self.council_info = self._document(
            "ratsinfo/gremien", "Ratsinformationssystem: Gremien", city, "official"
        )
        for k in range(4):
            day = dt.date(2019 + k, self.rng.randint(1, 12), self.rng.randint(1, 28))
            self.press.append(
                self._document(
                    f"presse/{day.isoformat()}-sozialpolitik",
                    f"{self.town}: Neues aus der Sozialpolitik",
                    f"{self.town}er Tageblatt",
                    "press",
                )
            )
        self.motion = self._document(
            "partei/antrag-eccar", "Antrag: Beitritt zu ECCAR", "Fraktion im Stadtrat", "partisan"
        )

    def _source(self, subject: ox.NamedNode, *documents: ox.NamedNode) -> None:
        for document in documents:
            self.add(subject, SOURCE, document)

    # Bodies

    def _bodies(self) -> None:
        strategy_paper = self.node("dokumente/verwaltungsgliederung.pdf")
        self._document(
            "dokumente/verwaltungsgliederung.pdf",
            "Verwaltungsgliederung",
            f"Stadt {self.town}",
            "official",
        )
        for slug, kind, german, english, relation in BODIES:
            body = self.node(f"organisation/{slug}")
            self.add(body, A, sg(kind) if kind else FORMAL_ORGANIZATION)
            self.add(body, PREF_LABEL, de(german.format(town=self.town)))
            if english:
                self.add(body, PREF_LABEL, en(english.format(town=self.town)))
            if relation:
                predicate = UNIT_OF if relation[0] == "unitOf" else SUB_ORG_OF
                self.add(body, predicate, self.node(f"organisation/{relation[1]}"))
            elif kind != "Municipality":  # the town's associations and networks
                self.add(body, LOCAL_TO, self.node("organisation/stadt"))
            if slug == "stadt":
                self.add(body, HAS_UNIT, self.node("organisation/fachdienst-soziales"))
            if kind in ("Council", "Committee", "AdvisoryBoard"):
                self._source(body, self.council_info)
            elif kind:
                self._source(body, strategy_paper)
            else:
                self._source(body, self.rng.choice(self.press))

    # Strategies, versions, decisions

    def _strategy(self, slug: str, german: str, english: str) -> None:
        strategy = self.node(f"strategie/{slug}")
        first = self.rng.randint(2014, 2019)
        second = min(first + self.rng.randint(4, 6), 2025)
        self.adopted[slug] = first
        papers = [
            self._document(
                f"dokumente/{slug}-{year}.pdf",
                f"{german} der Stadt {self.town} ({year})",
                f"Stadt {self.town}",
                "official",
            )
            for year in (first, second)
        ]
        self.papers[slug] = papers[1]
        self.add(strategy, A, sg("UmbrellaStrategy" if slug == UMBRELLA[0] else "Strategy"))
        self.add(strategy, TITLE, de(f"{german} der Stadt {self.town}"))
        self.add(strategy, TITLE, en(f"{english} of {self.town}"))
        self.add(strategy, PUBLISHER, self.node("organisation/stadt"))
        if slug == UMBRELLA[0]:
            for part, _, _ in STRATEGIES:
                self.add(strategy, HAS_PART, self.node(f"strategie/{part}"))
        else:
            self.add(strategy, IS_PART_OF, self.node(f"strategie/{UMBRELLA[0]}"))
            self.add(strategy, sg("hasFieldScheme"), self.node(f"strategie/{slug}/handlungsfelder"))
            if self.rng.random() < 0.5:
                programme = next(p[0] for p in PROGRAMMES if p[3] == slug)
                self.add(strategy, sg("fundedBy"), _n(f"{EX}foerderprogramm/{programme}"))
        if self.rng.random() < 0.4:
            self.add(strategy, sg("deadline"), date_literal(dt.date(second + 5, 12, 31), "year"))
        versions = [self.node(f"strategie/{slug}/fassung/{year}") for year in (first, second)]
        for version in versions:
            self.add(strategy, sg("hasVersion"), version)
        self._source(strategy, papers[1])
        fields = self._fields(slug, german, english, papers[1]) if slug != UMBRELLA[0] else []
        for index, (version, year, paper) in enumerate(
            zip(versions, (first, second), papers, strict=True)
        ):
            decision = self._decision(year, german, english)
            self.add(version, A, sg("StrategyVersion"))
            self.add(version, TITLE, de(f"{german}, Fassung {year}"))
            self.add(version, TITLE, en(f"{english}, {year} version"))
            self.add(version, sg("versionOf"), strategy)
            if index:
                self.add(version, REVISION_OF, versions[0])
            self.add(version, sg("adoptedBy"), decision)
            self.add(
                version,
                ISSUED,
                date_literal(dt.date(year, 6, 1), self.rng.choice(("year", "month"))),
            )
            listed = fields if index else fields[: max(1, len(fields) - self.rng.randint(0, 2))]
            for field, _, _, _ in listed:
                self.add(version, sg("hasFieldOfAction"), field)
            self._source(version, paper)
        self._goals(slug, fields, strategy, second)

    def _decision(self, year: int, german: str, english: str) -> ox.NamedNode:
        number = self.rng.randint(100, 9999)
        while f"{year % 100:02d}/{number:04d}" in self.identifiers:
            number = self.rng.randint(100, 9999)
        identifier = f"{year % 100:02d}/{number:04d}-BV"
        self.identifiers.add(identifier[:7])
        slug = identifier.replace("/", "-").lower()
        decision = self.node(f"beschluss/{slug}")
        day = dt.date(year, self.rng.randint(2, 12), self.rng.randint(1, 28))
        info = self._document(
            f"ratsinfo/vorlage/{slug}",
            f"Beschlussvorlage {identifier}",
            f"Stadt {self.town}",
            "official",
        )
        bodies = self.rng.sample(CONSULTING, self.rng.randint(1, 3))
        steps = []
        for body in bodies:
            step_day = day - dt.timedelta(days=self.rng.randint(7, 60))
            steps.append(
                (
                    self.node(f"beschluss/{slug}/beratung/{step_day.isoformat()}-{body}"),
                    body,
                    step_day,
                )
            )
        self.add(decision, A, sg("CouncilDecision"))
        self.add(decision, IDENTIFIER, ox.Literal(identifier))
        self.add(decision, TITLE, de(f"Beschluss der {german}"))
        self.add(decision, TITLE, en(f"Adoption of the {english.lower()}"))
        self.add(decision, sg("decisionDate"), date_literal(day))
        self.add(decision, PASSED_BY, self.node("organisation/stadtrat"))
        self.add(
            decision,
            sg("decisionOutcome"),
            de(self.rng.choice(("einstimmig beschlossen", "mehrheitlich beschlossen"))),
        )
        for step, _, _ in steps:
            self.add(decision, sg("hasCommitteeStep"), step)
        self._source(decision, info)
        for step, body, step_day in steps:
            self.add(step, A, sg("CommitteeStep"))
            self.add(
                step, LABEL, de(f"Beratung der Vorlage {identifier} am {step_day.isoformat()}")
            )
            self.add(step, sg("consultingBody"), self.node(f"organisation/{body}"))
            self.add(step, sg("stepDate"), date_literal(step_day))
            if self.rng.random() < 0.6:
                self.add(step, sg("decisionOutcome"), de("empfohlen"))
            self._source(step, info)
        return decision

    # Fields of action and goals

    def _fields(self, slug: str, german: str, english: str, paper: ox.NamedNode) -> list:
        scheme = self.node(f"strategie/{slug}/handlungsfelder")
        self.add(scheme, A, CONCEPT_SCHEME)
        self.add(scheme, PREF_LABEL, de(f"Handlungsfelder: {german}"))
        self.add(scheme, PREF_LABEL, en(f"Fields of action: {english}"))
        self._source(scheme, paper)
        pool = FIELDS[slug]
        chosen = sorted(self.rng.sample(range(len(pool)), self.rng.randint(6, 9)))
        fields = []
        for notation, index in enumerate(chosen, start=1):
            field_slug, field_de, field_en, theme = pool[index]
            field = self.node(f"handlungsfeld/{slug}/{field_slug}")
            self.add(field, A, sg("FieldOfAction"))
            self.add(field, PREF_LABEL, de(field_de))
            self.add(field, PREF_LABEL, en(field_en))
            self.add(field, NOTATION, ox.Literal(str(notation)))
            self.add(field, IN_SCHEME, scheme)
            if theme:
                self.add(field, sg("theme"), _n(f"{SGV}thema/{theme}"))
            for earlier in itertools.chain.from_iterable(self.fields.values()):
                if theme and earlier[3] == theme and self.rng.random() < 0.3:
                    self.add(field, CLOSE_MATCH, earlier[0])
                elif self.rng.random() < 0.02:
                    self.add(field, RELATED_MATCH, earlier[0])
            self._source(field, paper)
            fields.append((field, field_de, field_en, theme))
        self.fields[slug] = fields
        return fields

    def _goals(self, slug: str, fields: list, strategy: ox.NamedNode, year: int) -> None:
        paper = self.papers[slug]
        if not fields:  # the umbrella: one central goal
            goal = self.node(f"ziel/{slug}-zentrales-ziel")
            self._goal(
                goal,
                "Goal",
                f"Gutes Leben für alle in {self.town}",
                f"A good life for everyone in {self.town}",
                strategy,
                None,
                paper,
            )
            return
        for field, field_de, field_en, _ in fields:
            field_slug = field.value.rsplit("/", 1)[1]
            stem = f"ziel/{slug}-{field_slug}"
            parents = []
            if self.rng.random() < 0.7:
                idea = self.node(f"{stem}-leitidee")
                self._goal(
                    idea,
                    "GuidingIdea",
                    f"{field_de}: Teilhabe für alle",
                    f"{field_en}: participation for all",
                    strategy,
                    field,
                    paper,
                )
                parents.append(idea)
            for k, (goal_de, goal_en) in enumerate(
                self.rng.sample(STRATEGIC_GOALS, self.rng.randint(1, 2)), start=1
            ):
                goal = self.node(f"{stem}-strategisch-{k}")
                self._goal(
                    goal,
                    "StrategicGoal",
                    f"{field_de}: {goal_de}",
                    f"{field_en}: {goal_en}",
                    strategy,
                    field,
                    paper,
                )
                parents.append(goal)
            operational = []
            for k in range(1, self.rng.randint(1, 3) + 1):
                goal = self.node(f"{stem}-operativ-{k}")
                deadline = year + self.rng.randint(1, 5)
                self._goal(
                    goal,
                    "OperationalGoal",
                    f"{field_de}: Ziel {k} bis {deadline}",
                    f"{field_en}: target {k} by {deadline}",
                    strategy,
                    field,
                    paper,
                )
                self.add(goal, sg("specifies"), self.rng.choice(parents))
                if self.rng.random() < 0.5:
                    self.add(
                        goal,
                        sg("deadline"),
                        date_literal(dt.date(deadline, 12, 31), self.rng.choice(("day", "year"))),
                    )
                operational.append(goal)
            self.goals[(slug, field)] = operational

    def _goal(self, goal, kind, german, english, strategy, field, paper) -> None:
        self.add(goal, A, sg(kind))
        self.add(goal, TITLE, de(german))
        self.add(goal, TITLE, en(english))
        self.add(goal, sg("goalOfStrategy"), strategy)
        if field is not None:
            self.add(goal, sg("inFieldOfAction"), field)
        self._source(goal, paper)

    # Measures and status

    def _measures(self, slug: str) -> None:
        count = self.measures_per_strategy
        if count is None:
            count = self.rng.randint(*DEFAULT_MEASURES)
        others = [s for s, _, _ in STRATEGIES if s != slug]
        commitments = sorted(self.rng.sample(range(1, 11), self.rng.randint(6, 8)))
        for _ in range(count):
            self.measure_count += 1
            self._measure(self.measure_count, slug, self.rng.choice(others), commitments)

    def _measure(self, k: int, slug: str, other: str, commitments: list[int]) -> None:
        rng = self.rng
        measure = self.node(f"massnahme/m-{k}")
        field, field_de, field_en, theme = rng.choice(self.fields[slug])
        kind_de, kind_en = rng.choice(MEASURE_KINDS)
        self.add(measure, A, sg("Measure"))
        self.add(measure, TITLE, de(f"{kind_de}: {field_de} ({k})"))
        if rng.random() < 0.95:
            self.add(measure, TITLE, en(f"{kind_en}: {field_en} ({k})"))
        if rng.random() < 0.5:
            self.add(measure, DESCRIPTION, de(f"Maßnahme {k} im Handlungsfeld {field_de}."))
            if rng.random() < 0.6:
                self.add(
                    measure, DESCRIPTION, en(f"Measure {k} in the field of action {field_en}.")
                )
        self.add(measure, sg("belongsToStrategy"), self.node(f"strategie/{slug}"))
        self.add(measure, sg("servesField"), field)
        if rng.random() < 0.1:  # a cross-strategy measure
            other_field = rng.choice(self.fields[other])[0]
            self.add(measure, sg("servesField"), other_field)
            if rng.random() < 0.5:
                self.add(measure, sg("belongsToStrategy"), self.node(f"strategie/{other}"))
        goals = self.goals.get((slug, field), [])
        if goals and rng.random() < 0.6:
            self.add(measure, sg("contributesToGoal"), rng.choice(goals))
        if slug == RACISM_PLAN:
            for number in rng.sample(commitments, rng.randint(1, 2)):
                self.add(measure, sg("implementsCommitment"), _n(f"{SGV}eccar/{number}"))
        self.add(measure, sg("responsibleBody"), self.node(f"organisation/{rng.choice(UNITS)}"))
        for partner in rng.sample(PARTNERS, rng.choice((0, 1, 1, 2, 3))):
            self.add(measure, sg("partner"), self.node(f"organisation/{partner}"))
        for group in rng.sample(self.vocabulary.target_groups, rng.choice((0, 1, 1, 2, 3))):
            self.add(measure, sg("targetGroup"), _n(group))
        if theme and rng.random() < 0.7:
            self.add(measure, sg("theme"), _n(f"{SGV}thema/{theme}"))
        if rng.random() < 0.1:
            programme = next(p[0] for p in PROGRAMMES if p[3] == slug)
            self.add(measure, sg("fundedBy"), _n(f"{EX}foerderprogramm/{programme}"))
        start = dt.date(
            rng.randint(self.adopted[slug], 2024), rng.randint(1, 12), rng.randint(1, 28)
        )
        if rng.random() < 0.9:
            self.add(
                measure,
                sg("startDate"),
                date_literal(start, rng.choice(("day", "day", "month", "year"))),
            )
            if rng.random() < 0.4:
                end = start.replace(year=start.year + rng.randint(1, 4))
                self.add(
                    measure, sg("endDate"), date_literal(end, rng.choice(("day", "month", "year")))
                )
        if rng.random() < 0.3:
            deadline = dt.date(rng.randint(2025, 2030), 12, 31)
            self.add(measure, sg("deadline"), date_literal(deadline, rng.choice(("day", "year"))))
        history = rng.choice(STATUS_PATHS)
        days = sorted(rng.sample(range(0, (dt.date(2025, 12, 31) - start).days + 1), len(history)))
        assessments = [
            (
                self.node(f"massnahme/m-{k}/status/{(start + dt.timedelta(days=d)).isoformat()}"),
                status,
                start + dt.timedelta(days=d),
            )
            for d, status in zip(days, history, strict=True)
        ]
        for assessment, _, _ in assessments:
            self.add(measure, sg("hasStatusAssessment"), assessment)
        paper = self.papers[slug]
        self._source(measure, paper)
        if rng.random() < 0.2:
            self._source(measure, rng.choice(self.press))
            if rng.random() < 0.2:
                self.add(measure, EDITORIAL_NOTE, de("Angaben teils nur aus der Presse."))
        for assessment, status, day in assessments:
            self.add(assessment, A, sg("StatusAssessment"))
            self.add(assessment, LABEL, de(f"Maßnahme {k}: Stand am {day.isoformat()}"))
            self.add(assessment, sg("status"), _n(f"{SGV}status/{status}"))
            self.add(assessment, sg("assessedOn"), date_literal(day))
            self._source(assessment, rng.choice((paper, paper, rng.choice(self.press))))

    # Membership and grants

    def _membership(self) -> None:
        year = self.rng.randint(2010, 2020)
        day = dt.date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))
        decision = self.node(f"beschluss/{day.isoformat()}-eccar-beitritt")
        self.add(decision, A, sg("CouncilDecision"))
        self.add(decision, TITLE, de("Beitritt zur Europäischen Städtekoalition gegen Rassismus"))
        self.add(decision, TITLE, en("Joining the European Coalition of Cities against Racism"))
        self.add(decision, sg("decisionDate"), date_literal(day))
        self.add(decision, PASSED_BY, self.node("organisation/stadtrat"))
        self._source(decision, self.council_info, self.motion)
        membership = self.node("mitgliedschaft/eccar")
        network = self._document(
            "netzwerk/eccar-mitglied", f"{self.town} in der ECCAR", "ECCAR", "network"
        )
        self.add(membership, A, sg("EccarMembership"))
        self.add(membership, LABEL, de(f"Mitgliedschaft der Stadt {self.town} in der ECCAR"))
        self.add(membership, MEMBER, self.node("organisation/stadt"))
        self.add(membership, ORGANIZATION, _n(EX + "organisation/eccar"))
        later = day + dt.timedelta(days=self.rng.randint(20, 120))
        self.add(membership, sg("memberSince"), date_literal(later, "month"))
        self.add(membership, sg("basedOnDecision"), decision)
        self.add(membership, sg("committedTo"), _n(SGV + "eccar"))
        self._source(membership, network)

    def _grants(self) -> None:
        for programme, german, _, slug in self.rng.sample(PROGRAMMES, self.rng.randint(1, 2)):
            start = self.rng.randint(2018, 2023)
            end = start + self.rng.randint(1, 3)
            grant = self.node(f"foerderung/{programme}-{start}-{end}")
            self.add(grant, A, sg("Grant"))
            self.add(grant, LABEL, de(f"Förderung aus dem {german}, {start} bis {end}"))
            self.add(grant, sg("underProgramme"), _n(f"{EX}foerderprogramm/{programme}"))
            self.add(grant, sg("recipient"), self.node("organisation/stadt"))
            self.add(grant, sg("funds"), self.node(f"strategie/{slug}"))
            self.add(grant, sg("startDate"), date_literal(dt.date(start, 1, 1)))
            self.add(grant, sg("endDate"), date_literal(dt.date(end, 12, 31)))
            self._source(grant, _n(f"{EX}land/richtlinie-{programme}"))


# --- Injected errors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InjectedError:
    """One violation put into generated data on purpose, and the result it must produce."""

    kind: str
    focus: str
    path: str
    component: str  # e.g. "sh:MinCountConstraintComponent"
    source_shape: str

    def key(self) -> tuple[str, str, str]:
        return (self.focus, self.path, self.component)


_MEASURE = re.compile(r"/massnahme/m-\d+$")
_ASSESSMENT = re.compile(r"/massnahme/m-\d+/status/[0-9-]+$")
_DECISION = re.compile(r"/beschluss/[^/]+$")
_GOAL = re.compile(r"/ziel/[^/]+$")


@dataclass(frozen=True)
class _Kind:
    """A kind of error: which quads it can break, how, and the results that follow."""

    name: str
    subject: re.Pattern[str] | None  # None: any subject
    predicate: ox.NamedNode
    results: tuple[tuple[str, str, str], ...]  # (path, component, shape name)
    language: str | None = None  # only literals in this language

    def applies(self, quad: ox.Quad) -> bool:
        if quad.predicate != self.predicate:
            return False
        if self.subject is not None and not self.subject.search(quad.subject.value):
            return False
        return self.language is None or (
            isinstance(quad.object, ox.Literal) and quad.object.language == self.language
        )


def _kinds() -> tuple[_Kind, ...]:
    title, status = DCTERMS + "title", SG + "status"
    return (
        _Kind("missing-german-title", _MEASURE, TITLE,
              ((title, "QualifiedMinCount", "MeasureGermanTitleShape"),), "de"),
        _Kind("decision-date-as-text", _DECISION, sg("decisionDate"),
              ((SG + "decisionDate", "Datatype", "CouncilDecisionDateShape"),)),
        _Kind("status-not-in-scheme", _ASSESSMENT, sg("status"),
              ((status, "In", "StatusAssessmentStatusShape"),)),
        _Kind("responsible-body-not-an-organisation", _MEASURE, sg("responsibleBody"),
              ((SG + "responsibleBody", "Class", "MeasureResponsibleBodyShape"),)),
        _Kind("identifier-pattern", _DECISION, IDENTIFIER,
              ((DCTERMS + "identifier", "Pattern", "CouncilDecisionIdentifierShape"),)),
        _Kind("end-before-start", _MEASURE, sg("endDate"),
              ((SG + "endDate", "SPARQL", "PeriodShape"),)),
        _Kind("missing-source", _ASSESSMENT, SOURCE,
              ((DCTERMS + "source", "MinCount", "SourceShape"),)),
        _Kind("two-german-titles", _MEASURE, TITLE,
              ((title, "UniqueLang", "MeasureTitleShape"),), "de"),
        _Kind("ill-formed-date", _ASSESSMENT, sg("assessedOn"),
              ((SG + "assessedOn", "Datatype", "StatusAssessmentDateShape"),)),
        _Kind("start-date-as-text", _MEASURE, sg("startDate"),
              ((SG + "startDate", "Or", "MeasureStartDateShape"),)),
        _Kind("goal-without-strategy", _GOAL, sg("goalOfStrategy"),
              ((SG + "goalOfStrategy", "MinCount", "GoalStrategyShape"),)),
        _Kind("two-statuses", _ASSESSMENT, sg("status"),
              ((status, "MaxCount", "StatusAssessmentStatusShape"),)),
        _Kind("title-without-language", _MEASURE, TITLE,
              ((title, "Datatype", "MeasureTitleShape"),
               (title, "QualifiedMinCount", "MeasureGermanTitleShape")), "de"),
        _Kind("commitment-not-eccar", _MEASURE, sg("implementsCommitment"),
              ((SG + "implementsCommitment", "Class", "MeasureCommitmentShape"),)),
        _Kind("unknown-source-kind", None, SOURCE_KIND,
              ((SG + "sourceKind", "In", "SourceKindShape"),)),
    )  # fmt: skip


ERROR_KINDS = tuple(kind.name for kind in _kinds())


def inject_errors(
    quads: Iterable[ox.Quad], count: int, seed: int = 0
) -> tuple[Iterator[ox.Quad], list[InjectedError]]:
    """Break ``count`` things in the stream, cycling through :data:`ERROR_KINDS`.

    Returns the changed stream and the list of errors, which is complete once the stream has
    been read to its end; every error names the one result (focus node, path, component, shape)
    it produces, two for ``title-without-language``. Each error hits another resource.
    """
    rng = random.Random(f"sozialgraph-bench-errors:{seed}")
    kinds = _kinds()
    pending: list[tuple[_Kind, int]] = [
        (kinds[i % len(kinds)], rng.randint(0, 15)) for i in range(count)
    ]
    expected: list[InjectedError] = []

    def stream() -> Iterator[ox.Quad]:
        touched: set[str] = set()
        starts: dict[str, str] = {}  # measure -> lexical form of its start
        for quad in quads:
            subject = quad.subject.value
            if quad.predicate == sg("startDate"):
                starts = {subject: quad.object.value}
            replaced = None
            if subject not in touched:
                for index, (kind, skip) in enumerate(pending):
                    if not kind.applies(quad):
                        continue
                    if kind.name == "end-before-start" and subject not in starts:
                        continue
                    if skip > 0:
                        pending[index] = (kind, skip - 1)
                        continue
                    replaced = _break(kind.name, quad, starts.get(subject, ""))
                    touched.add(subject)
                    del pending[index]
                    expected.extend(
                        InjectedError(
                            kind.name, subject, path, f"sh:{c}ConstraintComponent", SGS + s
                        )
                        for path, c, s in kind.results
                    )
                    break
            yield from [quad] if replaced is None else replaced
        if pending:
            raise RuntimeError(f"{len(pending)} errors found no place in the data: generate more")

    return stream(), expected


def _break(kind: str, quad: ox.Quad, start: str) -> list[ox.Quad]:
    """The quads that replace ``quad`` for an error of ``kind``."""
    s, p, o, g = quad.subject, quad.predicate, quad.object, quad.graph_name

    def to(obj) -> list[ox.Quad]:
        return [ox.Quad(s, p, obj, g)]

    if kind in ("missing-german-title", "missing-source", "goal-without-strategy"):
        return []
    if kind == "two-german-titles":
        return [quad, ox.Quad(s, p, de(o.value + " (Entwurf)"), g)]
    if kind == "title-without-language":
        return to(ox.Literal(o.value))
    if kind == "decision-date-as-text":
        return to(ox.Literal(".".join(reversed(o.value.split("-")))))
    if kind == "ill-formed-date":
        return to(ox.Literal(o.value[:4] + "-13-45", datatype=XSD_DATE))
    if kind == "status-not-in-scheme":
        return to(_n(EX + "status/pausiert"))
    if kind == "two-statuses":
        other = "entfallen" if not o.value.endswith("/entfallen") else "geplant"
        return [quad, ox.Quad(s, p, _n(f"{SGV}status/{other}"), g)]
    if kind == "responsible-body-not-an-organisation":
        return to(_n(s.value.split("/massnahme/")[0] + "/organisation/unbekannt"))
    if kind == "identifier-pattern":
        return to(ox.Literal("BV " + o.value.split("-")[0] + " "))  # a trailing space
    if kind == "end-before-start":
        return to(ox.Literal(f"{int(start[:4]) - 1:04d}", datatype=XSD_YEAR))
    if kind == "start-date-as-text":
        return to(ox.Literal("Frühjahr " + o.value[:4]))
    if kind == "commitment-not-eccar":
        return to(_n(SGV + "eccar/11"))
    if kind == "unknown-source-kind":
        return to(ox.Literal("blog"))
    raise ValueError(kind)


# --- Command line ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0]
    )
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--triples", type=int, help="about this many triples")
    size.add_argument("--municipalities", type=int, help="exactly this many municipalities")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--measures-per-strategy", type=int, default=None)
    parser.add_argument("--errors", type=int, default=0, help="inject this many known errors")
    parser.add_argument("--expected", type=Path, help="write the injected errors here (JSON)")
    parser.add_argument(
        "--with-ontology", action="store_true", help="add the ontology and vocabularies"
    )
    parser.add_argument("--out", type=Path, required=True, help="N-Quads file to write")
    args = parser.parse_args(argv)
    municipalities = args.municipalities or municipalities_for(
        args.triples, measures_per_strategy=args.measures_per_strategy
    )
    started = time.perf_counter()
    quads: Iterable[ox.Quad] = generate(
        municipalities, seed=args.seed, measures_per_strategy=args.measures_per_strategy
    )
    expected: list[InjectedError] = []
    if args.errors:
        quads, expected = inject_errors(quads, args.errors, args.seed)
    if args.with_ontology:
        quads = itertools.chain(ontology_quads(), quads)
    counter = _Counter(quads)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    ox.serialize(counter, output=str(args.out), format=ox.RdfFormat.N_QUADS)
    if args.expected:
        args.expected.write_text(json.dumps([asdict(e) for e in expected], indent=2) + "\n")
    seconds = time.perf_counter() - started
    print(
        f"{municipalities} municipalities, {counter.count} quads, {len(expected)} injected "
        f"results, {seconds:.1f} s -> {args.out}",
        file=sys.stderr,
    )
    return 0


class _Counter:
    """Counts the quads that pass through."""

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        self.quads = iter(quads)
        self.count = 0

    def __iter__(self) -> Iterator[ox.Quad]:
        return self

    def __next__(self) -> ox.Quad:
        quad = next(self.quads)
        self.count += 1
        return quad


if __name__ == "__main__":
    raise SystemExit(main())
