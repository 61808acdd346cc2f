"""The SHACL shapes: valid examples conform, each invalid example fails exactly as its header says.

Every file in tests/data/invalid/ is a small valid example with one thing broken. Its header
names the expected Violation results, one three-line block per result:

    # expect-focus: https://example.org/...
    # expect-path: http://purl.org/dc/terms/title      (or "-" for a node-level constraint)
    # expect-component: sh:MinCountConstraintComponent
"""

from pathlib import Path

import pytest
from pyshacl.entrypoints import meta_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SH

from sozialgraph.validation.pyshacl_path import validate
from sozialgraph.validation.report import ValidationReport

ROOT = Path(__file__).resolve().parents[2]
SHAPES_DIR = ROOT / "shapes"
VALID_DIR = ROOT / "tests" / "data" / "valid"
INVALID_DIR = ROOT / "tests" / "data" / "invalid"
SG = "https://w3id.org/sozialgraph/ontology#"
SGS = "https://w3id.org/sozialgraph/shapes#"
LINT_SHAPES = "ontology-lint.ttl"
STATUS_SLUGS = (
    "geplant",
    "in-umsetzung",
    "umgesetzt",
    "bereits-erreicht",
    "daueraufgabe",
    "neu-gefasst",
    "entfallen",
)

VALID_FILES = sorted(VALID_DIR.glob("*.ttl"))
INVALID_FILES = sorted(INVALID_DIR.glob("*.ttl"))

Expected = set[tuple[str, str, str]]


def _parse(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def background() -> Graph:
    """Ontology, reused axioms and vocabularies (all of ontology/, as the build loads it)."""
    return _parse(sorted((ROOT / "ontology").rglob("*.ttl")))


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """All shapes of shapes/, ontology-lint.ttl included: the gate runs them all."""
    return _parse(sorted(SHAPES_DIR.glob("*.ttl")))


@pytest.fixture(scope="module")
def data_shapes() -> Graph:
    """The shapes for municipal data (ontology-lint.ttl checks the ontology itself)."""
    return _parse(sorted(p for p in SHAPES_DIR.glob("*.ttl") if p.name != LINT_SHAPES))


def _check(path: Path, background: Graph, shapes: Graph) -> ValidationReport:
    data = Graph()
    for triple in background:
        data.add(triple)
    data.parse(path, format="turtle")
    return validate(data, shapes)


def _expected(path: Path) -> Expected:
    """The (focus, path, component) triples named in an invalid file's header."""
    values: dict[str, list[str]] = {"focus": [], "path": [], "component": []}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect-"):
            key, _, value = line[len("# expect-") :].partition(":")
            values[key.strip()].append(value.strip())
    counts = {key: len(found) for key, found in values.items()}
    assert len(set(counts.values())) == 1 and counts["focus"] > 0, (
        f"{path.name}: header needs matching expect-focus/-path/-component lines, got {counts}"
    )
    return {
        (focus, "" if result_path == "-" else result_path, component)
        for focus, result_path, component in zip(
            values["focus"], values["path"], values["component"], strict=True
        )
    }


def _node_shape_names(shapes: Graph) -> list[str]:
    return sorted(
        str(node)[len(SGS) :]
        for node in set(shapes.subjects(RDF.type, SH.NodeShape))
        if isinstance(node, URIRef) and str(node).startswith(SGS)
    )


def test_example_files_exist():
    assert VALID_FILES, "no files in tests/data/valid"
    assert INVALID_FILES, "no files in tests/data/invalid"


@pytest.mark.parametrize("path", VALID_FILES, ids=[p.name for p in VALID_FILES])
def test_valid_example_conforms(path: Path, background: Graph, shapes: Graph):
    report = _check(path, background, shapes)
    assert report.conforms, report.format("en")


@pytest.mark.parametrize("path", VALID_FILES, ids=[p.name for p in VALID_FILES])
def test_valid_example_raises_no_warnings(path: Path, background: Graph, shapes: Graph):
    report = _check(path, background, shapes)
    assert report.results == (), report.format("en")


def test_valid_examples_use_every_term_of_the_ontology():
    """Together, the valid examples (with the vocabularies) use every sg: class and property."""
    ontology = _parse([ROOT / "ontology" / "sozialgraph.ttl"])
    terms = {
        term
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for term in ontology.subjects(RDF.type, kind)
        if isinstance(term, URIRef) and str(term).startswith(SG)
    }
    examples = _parse(VALID_FILES + sorted((ROOT / "ontology" / "vocab").glob("*.ttl")))
    used = set(examples.predicates()) | set(examples.objects(None, RDF.type))
    assert sorted(str(term) for term in terms - used) == []


@pytest.mark.parametrize("path", INVALID_FILES, ids=[p.name for p in INVALID_FILES])
def test_invalid_example_fails_exactly_as_its_header_says(
    path: Path, background: Graph, shapes: Graph
):
    expected = _expected(path)
    report = _check(path, background, shapes)
    assert not report.conforms, f"{path.name} conforms, but should not"
    found = {(r.focus_node, r.path or "", r.component) for r in report.violations}
    assert found == expected, report.format("en")


def test_every_node_shape_has_an_invalid_example(data_shapes: Graph):
    names = {path.name for path in INVALID_FILES}
    missing = [
        shape
        for shape in _node_shape_names(data_shapes)
        if not any(name.startswith(shape + "-") for name in names)
    ]
    assert not missing, f"node shapes without a file in tests/data/invalid: {missing}"


def test_every_invalid_example_is_named_for_a_node_shape(data_shapes: Graph):
    shape_names = _node_shape_names(data_shapes)
    unnamed = [
        path.name
        for path in INVALID_FILES
        if not any(path.name.startswith(shape + "-") for shape in shape_names)
    ]
    assert not unnamed, f"invalid examples not named {{NodeShape}}-{{what}}.ttl: {unnamed}"


# Constraint parameters and the component each one reports.
COMPONENTS = {
    SH.minCount: "sh:MinCountConstraintComponent",
    SH.maxCount: "sh:MaxCountConstraintComponent",
    SH.datatype: "sh:DatatypeConstraintComponent",
    SH["class"]: "sh:ClassConstraintComponent",
    SH["in"]: "sh:InConstraintComponent",
    SH.pattern: "sh:PatternConstraintComponent",
    SH.qualifiedMinCount: "sh:QualifiedMinCountConstraintComponent",
    SH.uniqueLang: "sh:UniqueLangConstraintComponent",
    SH.nodeKind: "sh:NodeKindConstraintComponent",
    SH["or"]: "sh:OrConstraintComponent",
    SH.hasValue: "sh:HasValueConstraintComponent",
    SH.sparql: "sh:SPARQLConstraintComponent",
}


def test_every_constraint_kind_has_an_invalid_example(data_shapes: Graph):
    shapes_ = set(data_shapes.subjects(RDF.type, SH.NodeShape)) | set(
        data_shapes.subjects(RDF.type, SH.PropertyShape)
    )
    used = {
        component
        for parameter, component in COMPONENTS.items()
        if any(s in shapes_ for s in data_shapes.subjects(parameter, None))
    }
    expected = {component for path in INVALID_FILES for _, _, component in _expected(path)}
    assert used - expected == set()


def test_every_message_is_given_in_german_and_english(shapes: Graph):
    incomplete = []
    for node in set(shapes.subjects(SH.message, None)):
        languages = sorted(
            str(m.language) for m in shapes.objects(node, SH.message) if isinstance(m, Literal)
        )
        if languages != ["de", "en"]:
            incomplete.append((str(node), languages))
    assert not incomplete, f"sh:message needs exactly one @de and one @en: {incomplete}"


def test_every_data_constraint_has_a_message(data_shapes: Graph):
    """Each property shape and SPARQL constraint for data carries its own message."""
    silent = [
        str(node)
        for node in set(data_shapes.subjects(RDF.type, SH.PropertyShape))
        | set(data_shapes.objects(None, SH.sparql))
        if (node, SH.message, None) not in data_shapes
    ]
    assert not silent, f"constraints without sh:message: {silent}"


def test_shapes_graph_conforms_to_shacl_shacl(shapes: Graph):
    conforms, _, text = meta_validate(shapes)
    assert conforms, text


def test_missing_english_title_is_only_a_warning(background: Graph, shapes: Graph):
    """An English title is recommended, not required: dropping it yields one Warning."""
    data = Graph()
    for triple in background:
        data.add(triple)
    data.parse(VALID_DIR / "small-measure.ttl", format="turtle")
    measure = URIRef("https://example.org/beispielstadt/massnahme/familienbuero")
    english = [t for t in data.objects(measure, DCTERMS.title) if t.language == "en"]
    assert english
    for title in english:
        data.remove((measure, DCTERMS.title, title))
    report = validate(data, shapes)
    assert report.conforms, report.format("en")
    assert [(r.focus_node, r.severity, r.source_shape) for r in report.results] == [
        (str(measure), "Warning", SGS + "MeasureEnglishTitleShape")
    ]


def test_status_values_are_listed_for_the_data_officer(background: Graph, shapes: Graph):
    """A wrong status names the seven allowed values in the message."""
    report = _check(
        INVALID_DIR / "StatusAssessmentShape-status-not-in-scheme.ttl", background, shapes
    )
    (result,) = report.violations
    for slug in STATUS_SLUGS:
        assert slug in result.message("de") and slug in result.message("en")


def test_sparql_message_keeps_its_languages(background: Graph, shapes: Graph):
    report = _check(INVALID_DIR / "PeriodShape-measure-end-before-start.ttl", background, shapes)
    (result,) = report.violations
    assert set(result.messages) == {"de", "en"}
    assert result.message("de").startswith("Das Ende")
