"""The ontology, the shared vocabularies and the lint shapes that check them (docs/model.md)."""

import pathlib
import re

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from sozialgraph.validation.pyshacl_path import validate
from sozialgraph.validation.report import ValidationReport

ROOT = pathlib.Path(__file__).resolve().parents[2]

ONTOLOGY_IRI = URIRef("https://w3id.org/sozialgraph/ontology")
SG = "https://w3id.org/sozialgraph/ontology#"
SGV = "https://w3id.org/sozialgraph/vocab/"
SGS = "https://w3id.org/sozialgraph/shapes#"
SH = "http://www.w3.org/ns/shacl#"

ONTOLOGY_FILE = ROOT / "ontology" / "sozialgraph.ttl"
VOCABULARY_FILES = {
    "eccar": ROOT / "ontology" / "vocab" / "eccar.ttl",
    "status": ROOT / "ontology" / "vocab" / "status.ttl",
    "zielgruppe": ROOT / "ontology" / "vocab" / "zielgruppen.ttl",
    "thema": ROOT / "ontology" / "vocab" / "themen.ttl",
}
LINT_SHAPES_FILE = ROOT / "shapes" / "ontology-lint.ttl"
MODEL_DOC = ROOT / "docs" / "model.md"

RDF_FILES = sorted(
    [*(ROOT / "ontology").glob("*.ttl"), *(ROOT / "ontology" / "vocab").glob("*.ttl")]
)
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)

# Prefixes as docs/model.md uses them in its tables.
CONTRACT_PREFIXES = {
    "sg": SG,
    "skos": str(SKOS),
    "org": "http://www.w3.org/ns/org#",
    "dcterms": str(DCTERMS),
    "prov": "http://www.w3.org/ns/prov#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "rdfs": str(RDFS),
}


def _sg(name: str) -> URIRef:
    return URIRef(SG + name)


def _load(*paths: pathlib.Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return _load(ONTOLOGY_FILE)


@pytest.fixture(scope="module")
def ontology_and_vocabularies() -> Graph:
    """Every Turtle file in ontology/ and ontology/vocab/."""
    return _load(*RDF_FILES)


@pytest.fixture(scope="module")
def lint_shapes() -> Graph:
    return _load(LINT_SHAPES_FILE)


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


def _results(report: ValidationReport) -> set[tuple[str, str | None, str, str]]:
    return {(r.focus_node, r.path, r.component, r.source_shape) for r in report.results}


def _contract_rows(heading: str) -> list[list[str]]:
    """The table rows of one section of docs/model.md whose first cell is an sg: term."""
    text = MODEL_DOC.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `sg:"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def _expand(curie: str) -> URIRef:
    prefix, local = curie.strip("`").split(":", 1)
    return URIRef(CONTRACT_PREFIXES[prefix] + local)


# --- Every file parses ----------------------------------------------------------------------------


def test_the_ontology_and_the_four_vocabularies_are_present():
    assert {ONTOLOGY_FILE, *VOCABULARY_FILES.values()} <= set(RDF_FILES)


@pytest.mark.parametrize("path", RDF_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_file_parses_with_rdflib_and_pyoxigraph_to_the_same_triples(path):
    rdflib_triples = len(Graph().parse(path, format="turtle"))
    oxigraph_triples = len(list(pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE)))
    assert rdflib_triples > 0
    assert oxigraph_triples == rdflib_triples


def test_lint_shapes_parse_with_rdflib_and_pyoxigraph():
    triples = list(pyoxigraph.parse(path=LINT_SHAPES_FILE, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(triples) == len(Graph().parse(LINT_SHAPES_FILE, format="turtle"))


# --- The lint shapes ------------------------------------------------------------------------------


def test_ontology_and_vocabularies_conform_to_the_lint_shapes(
    ontology_and_vocabularies, lint_shapes
):
    report = validate(ontology_and_vocabularies, lint_shapes)
    assert report.conforms, report.format("en")
    assert report.results == ()


def test_every_lint_message_is_given_in_german_and_english(lint_shapes):
    sh_message = URIRef(SH + "message")
    shapes_with_messages = set(lint_shapes.subjects(sh_message, None))
    property_shapes = set(lint_shapes.subjects(RDF.type, URIRef(SH + "PropertyShape")))
    assert property_shapes
    assert property_shapes <= shapes_with_messages
    for shape in shapes_with_messages:
        languages = sorted(m.language for m in lint_shapes.objects(shape, sh_message))
        assert languages == ["de", "en"], shape


def test_lint_reports_a_term_without_german_label(ontology_and_vocabularies, lint_shapes):
    broken = _copy(ontology_and_vocabularies)
    broken.remove((_sg("Measure"), RDFS.label, Literal("Maßnahme", lang="de")))

    report = validate(broken, lint_shapes)

    assert not report.conforms
    assert _results(report) == {
        (
            SG + "Measure",
            str(RDFS.label),
            "sh:QualifiedMinCountConstraintComponent",
            SGS + "OntologyTermGermanLabelShape",
        )
    }
    assert report.results[0].message("de").startswith("Jede Klasse und Eigenschaft braucht")


def test_lint_reports_a_property_with_two_english_definitions(
    ontology_and_vocabularies, lint_shapes
):
    broken = _copy(ontology_and_vocabularies)
    broken.add((_sg("hasVersion"), SKOS.definition, Literal("A second definition.", lang="en")))

    report = validate(broken, lint_shapes)

    assert _results(report) == {
        (
            SG + "hasVersion",
            str(SKOS.definition),
            "sh:QualifiedMaxCountConstraintComponent",
            SGS + "OntologyTermEnglishDefinitionShape",
        )
    }


def test_lint_reports_a_concept_without_english_pref_label(ontology_and_vocabularies, lint_shapes):
    concept = URIRef(SGV + "status/geplant")
    broken = _copy(ontology_and_vocabularies)
    broken.remove((concept, SKOS.prefLabel, Literal("planned", lang="en")))

    report = validate(broken, lint_shapes)

    assert _results(report) == {
        (
            str(concept),
            str(SKOS.prefLabel),
            "sh:QualifiedMinCountConstraintComponent",
            SGS + "EnglishPrefLabelShape",
        )
    }


def test_lint_reports_a_concept_without_definition_or_scope_note(
    ontology_and_vocabularies, lint_shapes
):
    concept = URIRef(SGV + "thema/wohnen")
    broken = _copy(ontology_and_vocabularies)
    broken.remove((concept, SKOS.definition, None))

    report = validate(broken, lint_shapes)

    assert _results(report) == {
        (str(concept), None, "sh:OrConstraintComponent", SGS + "VocabularyConceptShape")
    }


def test_lint_reports_an_ontology_without_licence(ontology_and_vocabularies, lint_shapes):
    broken = _copy(ontology_and_vocabularies)
    broken.remove((ONTOLOGY_IRI, DCTERMS.license, None))

    report = validate(broken, lint_shapes)

    assert _results(report) == {
        (
            str(ONTOLOGY_IRI),
            str(DCTERMS.license),
            "sh:MinCountConstraintComponent",
            SGS + "OntologyLicenseShape",
        )
    }


# --- The ontology against the contract ------------------------------------------------------------


def test_every_sg_term_used_in_the_ontology_folder_is_declared(ontology, ontology_and_vocabularies):
    declared = {s for t in TERM_TYPES for s in ontology.subjects(RDF.type, t)}
    used = {
        node
        for triple in ontology_and_vocabularies
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(SG)
    }
    assert used - declared == set()


def test_ontology_declares_exactly_the_classes_of_the_contract(ontology):
    rows = _contract_rows("Classes (ontology `sg:`)")
    expected = {_expand(row[0]): (_expand(row[1]), row[2]) for row in rows}
    declared = {s for s in ontology.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef)}

    assert declared == set(expected)
    for term, (super_class, german_label) in expected.items():
        assert set(ontology.objects(term, RDFS.subClassOf)) == {super_class}, term
        assert Literal(german_label, lang="de") in set(ontology.objects(term, RDFS.label)), term


def test_ontology_declares_exactly_the_properties_of_the_contract(ontology):
    rows = _contract_rows("Properties")
    expected = {
        _expand(row[0]): (None if row[1].startswith("—") else _expand(row[1]), row[3])
        for row in rows
    }
    declared = {
        s
        for t in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, t)
    }

    assert declared == set(expected)
    for term, (super_property, german_label) in expected.items():
        assert set(ontology.objects(term, RDFS.subPropertyOf)) == ({super_property} - {None}), term
        assert Literal(german_label, lang="de") in set(ontology.objects(term, RDFS.label)), term


def test_outcome_source_kind_dates_and_stated_count_are_the_only_datatype_properties(ontology):
    expected = {
        "decisionOutcome",
        "sourceKind",
        "startDate",
        "endDate",
        "deadline",
        "assessedOn",
        "decisionDate",
        "stepDate",
        "memberSince",
        "statedCount",
    }
    assert set(ontology.subjects(RDF.type, OWL.DatatypeProperty)) == {_sg(n) for n in expected}


def test_every_property_has_a_domain_and_a_range_unless_several_datatypes_are_allowed(ontology):
    several_datatypes = {_sg(n) for n in ("startDate", "endDate", "deadline", "memberSince")}
    properties = {
        s
        for t in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, t)
    }
    for prop in properties:
        assert ontology.value(prop, RDFS.domain) is not None, prop
        has_range = ontology.value(prop, RDFS.range) is not None
        assert has_range != (prop in several_datatypes), prop
    for prop in several_datatypes:
        comments = {c.language for c in ontology.objects(prop, RDFS.comment)}
        assert comments == {"de", "en"}, prop


def test_has_version_and_version_of_are_inverse(ontology):
    assert (_sg("hasVersion"), OWL.inverseOf, _sg("versionOf")) in ontology
    assert (_sg("versionOf"), OWL.inverseOf, _sg("hasVersion")) in ontology


def test_ontology_header_names_version_licence_and_namespace(ontology):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(str(ONTOLOGY_IRI) + "/0.1.0")
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    vann = "http://purl.org/vocab/vann/"
    assert ontology.value(ONTOLOGY_IRI, URIRef(vann + "preferredNamespaceUri")) == Literal(SG)


# --- The vocabularies -----------------------------------------------------------------------------


def _concepts(graph: Graph, scheme: URIRef) -> set[URIRef]:
    return set(graph.subjects(SKOS.inScheme, scheme))


def test_eccar_scheme_has_ten_commitments_numbered_one_to_ten():
    graph = _load(VOCABULARY_FILES["eccar"])
    scheme = URIRef(SGV + "eccar")
    concepts = _concepts(graph, scheme)

    assert concepts == {URIRef(f"{SGV}eccar/{n}") for n in range(1, 11)}
    assert set(graph.objects(scheme, SKOS.hasTopConcept)) == concepts
    for concept in concepts:
        number = str(concept).rsplit("/", 1)[1]
        assert list(graph.objects(concept, SKOS.notation)) == [Literal(number)]
        assert (concept, RDF.type, _sg("EccarCommitment")) in graph
        assert (concept, SKOS.topConceptOf, scheme) in graph
        languages = sorted(label.language for label in graph.objects(concept, SKOS.prefLabel))
        assert languages == ["de", "en"], concept
        assert set(graph.objects(concept, DCTERMS.source)), concept


# The titles as ECCAR / the City of Nuremberg (EN) and German-language sources (DE) give them.
ECCAR_TITLES = {
    1: ("Greater Vigilance Against Racism", "Verstärkte Wachsamkeit gegenüber Rassismus"),
    2: (
        "Assessing Racism and Discrimination and Monitoring Municipal Policies",
        "Bewertung der örtlichen Situation und der kommunalen Maßnahmen",
    ),
    3: (
        "Better Support for the Victims of Racism and Discrimination",
        "Bessere Unterstützung für die Opfer von Rassismus und Diskriminierung",
    ),
    4: (
        "More Participation and Better Informed City Dwellers",
        "Bessere Beteiligungs- und Informationsmöglichkeiten für die Bürger/innen",
    ),
    5: (
        "The City as an Active Supporter of Equal Opportunity Practices",
        "Die Stadt als aktive Förderin gleicher Chancen",
    ),
    6: (
        "The City as an Equal Opportunities Employer and Service Provider",
        "Die Stadt als Arbeitgeberin und Dienstleisterin",
    ),
    7: ("Fair Access to Housing", "Chancengleichheit auf dem Wohnungsmarkt"),
    8: (
        "Challenging Racism and Discrimination Through Education",
        "Bekämpfung von Rassismus und Diskriminierung durch Bildung und Erziehung",
    ),
    9: ("Promoting Cultural Diversity", "Förderung der kulturellen Vielfalt"),
    10: (
        "Hate Crimes and Conflicts Management",
        "Rassistische Gewalttaten und Konfliktmanagement",
    ),
}


@pytest.mark.parametrize("number", sorted(ECCAR_TITLES))
def test_eccar_commitment_has_its_published_titles(number):
    graph = _load(VOCABULARY_FILES["eccar"])
    english, german = ECCAR_TITLES[number]
    labels = set(graph.objects(URIRef(f"{SGV}eccar/{number}"), SKOS.prefLabel))
    assert labels == {Literal(english, lang="en"), Literal(german, lang="de")}


def test_status_scheme_has_the_seven_values_of_the_contract():
    graph = _load(VOCABULARY_FILES["status"])
    contract = MODEL_DOC.read_text(encoding="utf-8").split("## Status scheme `sgv:status`", 1)[1]
    slugs = re.findall(r"`([a-z-]+)`\s+\(", contract.split("\n\n", 2)[1])
    german = {
        "geplant": "geplant",
        "in-umsetzung": "in Umsetzung",
        "umgesetzt": "umgesetzt",
        "bereits-erreicht": "bereits erreicht",
        "daueraufgabe": "Daueraufgabe",
        "neu-gefasst": "neu gefasst",
        "entfallen": "entfallen",
    }

    assert sorted(slugs) == sorted(german)
    assert _concepts(graph, URIRef(SGV + "status")) == {URIRef(SGV + "status/" + s) for s in slugs}
    for slug, label in german.items():
        concept = URIRef(SGV + "status/" + slug)
        assert list(graph.objects(concept, SKOS.notation)) == [Literal(slug)]
        assert (concept, RDF.type, _sg("Status")) in graph
        assert Literal(label, lang="de") in set(graph.objects(concept, SKOS.prefLabel))


@pytest.mark.parametrize(
    ("vocabulary", "concept_class"),
    [
        ("eccar", "EccarCommitment"),
        ("status", "Status"),
        ("zielgruppe", "TargetGroup"),
        ("thema", "Theme"),
    ],
)
def test_vocabulary_concepts_carry_their_ontology_class(vocabulary, concept_class):
    graph = _load(VOCABULARY_FILES[vocabulary])
    scheme = URIRef(SGV + vocabulary)
    concepts = _concepts(graph, scheme)

    assert (scheme, RDF.type, SKOS.ConceptScheme) in graph
    assert concepts
    assert set(graph.subjects(RDF.type, SKOS.Concept)) == concepts
    assert set(graph.subjects(RDF.type, _sg(concept_class))) == concepts
    assert set(graph.objects(scheme, SKOS.hasTopConcept)) == concepts
    for concept in concepts:
        assert str(concept).startswith(f"{SGV}{vocabulary}/")


@pytest.mark.parametrize("vocabulary", ["eccar", "zielgruppe", "thema"])
def test_sourced_vocabulary_concepts_name_their_sources(vocabulary):
    graph = _load(VOCABULARY_FILES[vocabulary])
    for concept in _concepts(graph, URIRef(SGV + vocabulary)):
        sources = set(graph.objects(concept, DCTERMS.source))
        assert sources, concept
        assert all(str(s).startswith(("http://", "https://")) for s in sources), concept
