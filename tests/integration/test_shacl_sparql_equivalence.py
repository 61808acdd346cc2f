"""The SPARQL path of the SHACL gate and pySHACL give the same report (issue 8).

On every example in tests/data/valid and tests/data/invalid, on generated municipalities with
injected errors, and on Jena's real data: the same results (focus node, path, value, component,
source shape, severity, messages), each data file in its own named graph of a store on disk,
as a build stores them.
"""

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from bench.generate import (
    COMMON_GRAPH,
    ERROR_KINDS,
    generate,
    inject_errors,
    municipalities_for,
    ontology_quads,
)
from sozialgraph.namespaces import DEFAULT_BASE_IRI
from sozialgraph.rdf_io import to_rdflib
from sozialgraph.resources import load_files, source_files
from sozialgraph.validation.gate import gate
from sozialgraph.validation.pyshacl_path import validate
from sozialgraph.validation.report import ValidationReport
from tests.report_rows import report_rows
from tests.validation_plans import validate_both_ways

ROOT = Path(__file__).resolve().parents[2]
VALID_FILES = sorted((ROOT / "tests" / "data" / "valid").glob("*.ttl"))
INVALID_FILES = sorted((ROOT / "tests" / "data" / "invalid").glob("*.ttl"))
BACKGROUND_FILES = sorted((ROOT / "ontology").rglob("*.ttl"))


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        graph.parse(path)
    return graph


def _expected_violations(path: Path) -> list[tuple[str, str, str]]:
    """The (focus, path, component) results named in an invalid file's header."""
    values: dict[str, list[str]] = {"focus": [], "path": [], "component": []}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect-"):
            key, _, value = line[len("# expect-") :].partition(":")
            values[key.strip()].append(value.strip())
    return sorted(
        (focus, "" if result_path == "-" else result_path, component)
        for focus, result_path, component in zip(
            values["focus"], values["path"], values["component"], strict=True
        )
    )


def _both_on_files(paths: list[Path], shapes: Graph, tmp_path: Path):
    data = Graph()
    for path in paths:
        data.parse(path, format="turtle")
    store = ox.Store(str(tmp_path / "store"))
    for number, path in enumerate(paths):
        graph = ox.NamedNode(f"https://example.org/graph/test/{number}")
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)
    return validate(data, shapes), validate_both_ways(store, shapes)


def _violation_keys(report: ValidationReport) -> list[tuple[str, str, str]]:
    return sorted((r.focus_node, r.path or "", r.component) for r in report.violations)


@pytest.mark.parametrize("path", VALID_FILES, ids=[p.name for p in VALID_FILES])
def test_valid_example_gives_no_results_on_either_path(path: Path, shapes: Graph, tmp_path: Path):
    expected, found = _both_on_files([*BACKGROUND_FILES, path], shapes, tmp_path)
    assert found.results == expected.results == (), found.format("en")
    assert found.conforms


@pytest.mark.parametrize("path", INVALID_FILES, ids=[p.name for p in INVALID_FILES])
def test_invalid_example_gives_the_same_results_on_both_paths(
    path: Path, shapes: Graph, tmp_path: Path
):
    expected, found = _both_on_files([*BACKGROUND_FILES, path], shapes, tmp_path)
    assert report_rows(found) == report_rows(expected)
    assert _violation_keys(found) == _expected_violations(path), found.format("en")
    assert not found.conforms


def _generated(municipalities: int, seed: int, errors: int = 0):
    quads = generate(municipalities, seed=seed, measures_per_strategy=10)
    quads, injected = inject_errors(quads, errors, seed=seed)
    return [*ontology_quads(), *quads], injected


def _both_on_quads(quads: list[ox.Quad], shapes: Graph, tmp_path: Path):
    store = ox.Store(str(tmp_path / "store"))
    store.bulk_extend(quads)
    data = to_rdflib(quad.triple for quad in quads)
    return validate(data, shapes), validate_both_ways(store, shapes)


def test_generated_municipalities_conform_on_both_paths(shapes: Graph, tmp_path: Path):
    quads, _ = _generated(2, seed=0)
    expected, found = _both_on_quads(quads, shapes, tmp_path)
    assert expected.conforms and found.conforms, found.format("en")
    assert report_rows(found) == report_rows(
        expected
    )  # the Warnings: measures without an English title
    assert {r.source_shape.rsplit("#", 1)[1] for r in found.results} <= {"MeasureEnglishTitleShape"}


def test_injected_errors_are_found_and_nothing_else(shapes: Graph, tmp_path: Path):
    quads, injected = _generated(2, seed=3, errors=2 * len(ERROR_KINDS))
    assert {error.kind for error in injected} == set(ERROR_KINDS)
    expected, found = _both_on_quads(quads, shapes, tmp_path)
    assert report_rows(found) == report_rows(expected)
    assert _violation_keys(found) == sorted(error.key() for error in injected)
    shapes_found = sorted((r.focus_node, r.source_shape) for r in found.violations)
    assert shapes_found == sorted((e.focus, e.source_shape) for e in injected)


def test_jena_data_conform_on_both_paths(shapes: Graph, tmp_path: Path):
    graphs = load_files(source_files(DEFAULT_BASE_IRI), DEFAULT_BASE_IRI)
    expected = gate(graphs)
    store = ox.Store(str(tmp_path / "store"))
    store.bulk_extend(
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(loaded.graph))
        for loaded in graphs
        for t in loaded.triples
    )
    project_shapes = Graph()
    for loaded in graphs:
        if loaded.is_shapes:
            to_rdflib(loaded.triples, project_shapes)
    data_graphs = [loaded.graph for loaded in graphs if not loaded.is_shapes]
    found = validate_both_ways(store, project_shapes, graphs=data_graphs)
    assert expected.conforms and found.conforms, found.format("en")
    assert report_rows(found) == report_rows(expected)


def test_generator_is_deterministic_and_seeded():
    assert list(generate(1, seed=5)) == list(generate(1, seed=5))
    assert list(generate(1, seed=5)) != list(generate(1, seed=6))


def test_each_municipality_is_its_own_named_graph():
    graphs = {quad.graph_name.value for quad in generate(3, measures_per_strategy=5)}
    assert graphs == {COMMON_GRAPH} | {
        f"https://example.org/graph/data/gemeinde-{n}" for n in (1, 2, 3)
    }


def test_measures_dominate_the_generated_data():
    quads = list(generate(2))
    measures = sum("/massnahme/" in quad.subject.value for quad in quads)
    assert measures / len(quads) > 0.6


@pytest.mark.parametrize(("target", "measures"), [(100_000, None), (20_000, 10)])
def test_municipalities_for_comes_close_to_the_target(target: int, measures: int | None):
    municipalities = municipalities_for(target, measures_per_strategy=measures)
    count = sum(1 for _ in generate(municipalities, measures_per_strategy=measures))
    assert 0.9 < count / target < 1.1


def test_injected_errors_need_enough_data():
    quads, _ = inject_errors(generate(1, measures_per_strategy=1), 200)
    with pytest.raises(RuntimeError, match="found no place"):
        list(quads)
