"""OParl papers → council decisions (``sg:CouncilDecision``) and committee steps
(``sg:CommitteeStep``), each with ``dcterms:source`` = the OParl object's URL.

A paper whose reference number (``dcterms:identifier``) names a decision already recorded in
another graph enriches that decision (its IRI gets the OParl source, the files and the committee
steps it lacks) instead of minting a duplicate; its title, date and body stay as recorded. New
decisions are minted like the sheet import mints (``{base}{municipality}/beschluss/{slug}``), so
``25/0529-BV`` becomes ``…/jena/beschluss/25-0529-bv`` as in Jena's data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from sozialgraph.ingest.oparl_objects import OParlConsultation, OParlOrganization, OParlPaper
from sozialgraph.ingest.vocabulary import Vocabulary
from sozialgraph.namespaces import (
    DCT_NS,
    ORG_NS,
    RDF_TYPE,
    RDFS_NS,
    SG_NS,
    SKOS_NS,
    XSD_NS,
    slugify,
)
from sozialgraph.namespaces import ELI_NS as ELI
from sozialgraph.store.base import Term

A = ox.NamedNode(RDF_TYPE)
SOURCE = ox.NamedNode(DCT_NS + "source")
TITLE = ox.NamedNode(DCT_NS + "title")
IDENTIFIER = ox.NamedNode(DCT_NS + "identifier")
LABEL = ox.NamedNode(RDFS_NS + "label")
SEE_ALSO = ox.NamedNode(RDFS_NS + "seeAlso")
PREF_LABEL = ox.NamedNode(SKOS_NS + "prefLabel")
ALT_LABEL = ox.NamedNode(SKOS_NS + "altLabel")
NOTE = ox.NamedNode(SKOS_NS + "note")
EDITORIAL_NOTE = ox.NamedNode(SKOS_NS + "editorialNote")
PASSED_BY = ox.NamedNode(ELI + "passed_by")
ORGANIZATION = ox.NamedNode(ORG_NS + "Organization")
DATE = ox.NamedNode(XSD_NS + "date")


def sg(name: str) -> ox.NamedNode:
    return ox.NamedNode(SG_NS + name)


#: Roles of a consultation in which the council decides (when none is marked authoritative).
DECIDING_ROLE = re.compile(r"beschlussfassung|entscheidung|beschluss\b", re.IGNORECASE)
COUNCIL = re.compile(
    r"stadtrat|gemeinderat|kreistag|rat der stadt|bürgerschaft|stadtverordnetenversammlung|"
    r"^rat$|\bratsversammlung",
    re.IGNORECASE,
)


@dataclass
class KnownDecision:
    """A decision recorded outside the import's graph, with its committee steps."""

    iri: str
    steps_with_outcome: dict[str, bool] = field(default_factory=dict)


@dataclass
class OParlMapping:
    triples: list[ox.Triple] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    enriched: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        self.triples.append(ox.Triple(s, p, o))


def known_decisions(rows: Iterable[Mapping[str, Term]], graph: str) -> dict[str, KnownDecision]:
    """Reference number → decision, from the rows of ``decision-by-identifier``.

    A decision whose number is recorded only in ``graph`` (the import's own graph, which the
    import replaces) is not "known": it is the import's earlier result and is minted again.
    """
    known: dict[str, KnownDecision] = {}
    for row in rows:
        if row["graph"].value == graph:
            continue
        entry = known.setdefault(row["identifier"].value, KnownDecision(row["decision"].value))
        if entry.iri != row["decision"].value:
            continue  # two decisions with one number: the first (ordered by IRI) is enriched
        step = row.get("step")
        step_graph = row.get("step_graph")
        if step is not None and step_graph is not None and step_graph.value != graph:
            had = entry.steps_with_outcome.get(step.value, False)
            entry.steps_with_outcome[step.value] = had or "step_outcome" in row
    return known


class OParlMapper:
    """Maps the papers of one harvest; organisations resolve to bodies of the graph by name."""

    def __init__(
        self,
        base_iri: str,
        municipality: str,
        vocabulary: Vocabulary,
        known: Mapping[str, KnownDecision],
    ) -> None:
        self.base_iri = base_iri
        self.municipality = slugify(municipality) or "kommune"
        self.vocabulary = vocabulary
        self.known = known
        self.out = OParlMapping()
        self._bodies: dict[str, tuple[ox.NamedNode, str]] = {}

    def map(self, papers: Iterable[OParlPaper]) -> OParlMapping:
        seen: dict[str, str] = {}
        for paper in papers:
            if not paper.reference:
                self._note(paper.url, "has no reference number (Aktenzeichen); left out")
                continue
            if paper.reference in seen:
                self._note(paper.url, f"repeats {paper.reference} of {seen[paper.reference]}")
                continue
            seen[paper.reference] = paper.url
            self._paper(paper, paper.reference)
        self.out.triples = list(dict.fromkeys(self.out.triples))
        return self.out

    def _note(self, url: str, text: str) -> None:
        self.out.notes.append(f"{url}: {text}")

    def _paper(self, paper: OParlPaper, reference: str) -> None:
        known = self.known.get(reference)
        deciding = _deciding(paper.consultations)
        if known is not None:
            decision = ox.NamedNode(known.iri)
            self.out.enriched.append(decision.value)
        else:
            slug = slugify(reference)
            decision = ox.NamedNode(f"{self.base_iri}{self.municipality}/beschluss/{slug}")
            if not self._new_decision(decision, paper, reference, deciding):
                return
            self.out.new.append(decision.value)
        self.out.add(decision, SOURCE, ox.NamedNode(paper.url))
        for file in paper.files:
            access = ox.NamedNode(file.access_url)
            self.out.add(decision, SEE_ALSO, access)
            if file.name:
                self.out.add(access, LABEL, ox.Literal(file.name, language="de"))
        for consultation in paper.consultations:
            if consultation is not deciding:
                self._step(decision, reference, consultation, known)

    def _new_decision(
        self,
        decision: ox.NamedNode,
        paper: OParlPaper,
        reference: str,
        deciding: OParlConsultation | None,
    ) -> bool:
        body = (
            self._body(deciding.organizations[0]) if deciding and deciding.organizations else None
        )
        if body is None:
            self._note(paper.url, "no deciding body (no authoritative consultation); left out")
            return False
        date = deciding.date if deciding else None
        if date is None and paper.date is None:
            self._note(paper.url, "neither a meeting date nor a paper date; left out")
            return False
        add = self.out.add
        add(decision, A, sg("CouncilDecision"))
        add(decision, IDENTIFIER, ox.Literal(reference))
        add(decision, TITLE, ox.Literal(paper.name or f"Vorlage {reference}", language="de"))
        add(decision, PASSED_BY, body[0])
        if date is not None:
            add(decision, sg("decisionDate"), ox.Literal(date.isoformat(), datatype=DATE))
        elif paper.date is not None:
            add(decision, sg("decisionDate"), ox.Literal(paper.date.isoformat(), datatype=DATE))
            add(
                decision,
                EDITORIAL_NOTE,
                ox.Literal(
                    "Das Datum ist das Datum der Vorlage laut OParl; ein Sitzungsdatum des "
                    "beschließenden Gremiums nennt das Ratsinformationssystem nicht.",
                    language="de",
                ),
            )
        if deciding is not None and deciding.result:
            add(decision, sg("decisionOutcome"), ox.Literal(deciding.result, language="de"))
        if paper.paper_type:
            note = f"Art der Vorlage im Ratsinformationssystem: {paper.paper_type}"
            add(decision, NOTE, ox.Literal(note, language="de"))
        return True

    def _step(
        self,
        decision: ox.NamedNode,
        reference: str,
        consultation: OParlConsultation,
        known: KnownDecision | None,
    ) -> None:
        if not consultation.organizations or consultation.date is None:
            missing = "body" if not consultation.organizations else "meeting date"
            self._note(consultation.url, f"consultation without a {missing}; left out")
            return
        body = self._body(consultation.organizations[0])
        if body is None:
            return
        iri, label = body
        day = consultation.date
        step = ox.NamedNode(f"{decision.value}/beratung/{day.isoformat()}-{slugify(label)}")
        add = self.out.add
        add(decision, sg("hasCommitteeStep"), step)
        add(step, SOURCE, ox.NamedNode(consultation.url))
        self.out.steps.append(step.value)
        recorded = known.steps_with_outcome if known else {}
        if step.value in recorded:
            if consultation.result and not recorded[step.value]:
                add(step, sg("decisionOutcome"), ox.Literal(consultation.result, language="de"))
            return
        role = consultation.role or "Beratung"
        text = f"{role}: Vorlage {reference} in „{label}“ am {day:%d.%m.%Y}"
        add(step, A, sg("CommitteeStep"))
        add(step, LABEL, ox.Literal(text, language="de"))
        add(step, sg("consultingBody"), iri)
        add(step, sg("stepDate"), ox.Literal(day.isoformat(), datatype=DATE))
        if consultation.result:
            add(step, sg("decisionOutcome"), ox.Literal(consultation.result, language="de"))

    def _body(self, organization: OParlOrganization) -> tuple[ox.NamedNode, str] | None:
        """The graph's body of this name (or short name), else a new one; and its label."""
        if organization.url in self._bodies:
            return self._bodies[organization.url]
        for name in (organization.name, organization.short_name):
            if not name:
                continue
            resolution = self.vocabulary.resolve("body", name)
            if resolution.iri is not None:
                entry = next(e for e in self.vocabulary.of_kind("body") if e.iri == resolution.iri)
                found = (ox.NamedNode(resolution.iri), entry.display or name)
                self._bodies[organization.url] = found
                return found
        slug = slugify(organization.name)
        if not slug:
            self._note(organization.url, "the organization's name has no letters; left out")
            return None
        iri = ox.NamedNode(f"{self.base_iri}{self.municipality}/organisation/{slug}")
        add = self.out.add
        add(iri, A, ORGANIZATION)
        kind = f"{organization.classification or ''} {organization.name}"
        if "ausschuss" in kind.lower():
            add(iri, A, sg("Committee"))
        elif COUNCIL.search(kind):
            add(iri, A, sg("Council"))
        add(iri, PREF_LABEL, ox.Literal(organization.name, language="de"))
        if organization.short_name and organization.short_name != organization.name:
            add(iri, ALT_LABEL, ox.Literal(organization.short_name, language="de"))
        add(iri, SOURCE, ox.NamedNode(organization.url))
        self._bodies[organization.url] = (iri, organization.name)
        return iri, organization.name


def _deciding(consultations: Iterable[OParlConsultation]) -> OParlConsultation | None:
    """The consultation in which the decision is taken: the authoritative one, else the latest
    whose role names a decision (``Beschlussfassung``, ``Entscheidung``)."""
    steps = list(consultations)
    for wanted in (
        [c for c in steps if c.authoritative],
        [c for c in steps if c.role and DECIDING_ROLE.search(c.role)],
    ):
        if wanted:
            return max(wanted, key=lambda c: c.date.isoformat() if c.date else "")
    return None


def merge_previous(previous: list[ox.Triple], new: list[ox.Triple]) -> list[ox.Triple]:
    """An incremental harvest (``modified_since``): what the graph held about resources the
    harvest did not see again stays; what it says about the others is replaced."""
    renewed = {t.subject for t in new}
    return [t for t in previous if t.subject not in renewed] + new
