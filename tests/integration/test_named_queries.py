"""The named queries of ``queries/*.rq``: headers, columns, what each promises, injection.

Every query runs on two stores: the project's real build (Jena) and the Musterstadt fixture of
``tests/fixtures/crossref.py``, which is made so that each query has exact expected answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from sozialgraph.errors import BadRequest
from sozialgraph.querying.guard import check_query
from sozialgraph.querying.registry import PARAM_TYPES, NamedQuery, QueryRegistry
from sozialgraph.rdf_io import to_rdflib
from sozialgraph.resources import queries_dir, shapes_dir
from sozialgraph.store.embedded import EmbeddedStore
from sozialgraph.validation.pyshacl_path import validate
from tests.fixtures import crossref as fx

SG = "https://w3id.org/sozialgraph/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
JENA = "https://w3id.org/sozialgraph/jena/"
APS = JENA + "strategie/armutspraeventionsstrategie"
EX = "https://example.org/"

#: The columns each query promises (the JSON API is written against these names).
COLUMNS: dict[str, list[str]] = {
    "strategies": [
        "strategy", "title_de", "title_en", "municipality", "is_umbrella", "umbrella", "version",
        "version_title_de", "issued", "decision", "decision_identifier", "decision_date",
    ],
    "fields-of-action": [
        "strategy", "strategy_title_de", "strategy_title_en", "scheme", "field", "label_de",
        "label_en", "notation", "in_current_version",
    ],
    "goals-and-measures-by-field": [
        "field", "field_label_de", "field_label_en", "goal", "goal_type", "goal_title_de",
        "measure", "measure_title_de", "measure_title_en",
    ],
    "cross-strategy-measures": ["measure", "title_de", "title_en", "strategy_count", "strategies"],
    "eccar-coverage": ["commitment", "notation", "label_de", "label_en", "measure_count"],
    "eccar-gaps": ["commitment", "notation", "label_de", "label_en"],
    "measures": [
        "measure", "title_de", "title_en", "description_de", "description_en", "strategy",
        "field", "commitment", "status", "status_date", "body", "partner", "target_group",
        "theme", "start", "end", "deadline",
    ],
    "measures-by-status": [
        "measure", "title_de", "title_en", "status", "status_label_de", "status_label_en",
        "assessed_on",
    ],
    "status-history": [
        "measure", "title_de", "assessment", "status", "status_label_de", "status_label_en",
        "assessed_on", "source",
    ],
    "measures-by-body": [
        "body", "body_label_de", "body_label_en", "role", "measure", "title_de", "title_en",
    ],
    "measures-by-target-group": [
        "target_group", "label_de", "label_en", "measure", "title_de", "title_en",
    ],
    "measures-by-deadline": ["measure", "title_de", "title_en", "deadline", "kind"],
    "decision-history": [
        "strategy", "strategy_title_de", "version", "version_title_de", "issued", "decision",
        "identifier", "decision_date", "decision_title_de", "body", "body_label_de", "step",
        "step_date", "step_body_label_de", "step_outcome",
    ],
    "decision-links": [
        "decision", "direction", "relation", "resource", "resource_type", "label_de", "label_en",
    ],
    "decisions": [
        "decision", "identifier", "decision_date", "title_de", "title_en", "body",
        "body_label_de", "adopts",
    ],
    "search": ["resource", "type", "label_de", "label_en", "matched"],
    "related-fields": [
        "field", "field_label_de", "strategy", "related", "related_label_de",
        "related_strategy", "relation", "theme",
    ],
    "crossref": [
        "measure", "title_de", "title_en", "strategy", "strategy_title_de", "commitment",
        "notation",
    ],
    "ontology": [
        "ontology", "version", "version_iri", "title_de", "title_en", "license", "modified",
    ],
    "source-coverage": ["class", "instances", "with_source"],
    # the queries of the pages, the catalog and the service description (issue 13)
    "resource-triples": ["s", "p", "o"],
    "namespace-triples": ["s", "p", "o"],
    "hash-documents": ["document"],
    "neighbour-labels": ["x", "labelProperty", "label"],
    "backlinks": ["x", "p"],
    "resource-sources": ["source", "title", "kind", "publisher"],
    "scheme-concepts": ["concept", "notation", "label", "definition"],
    "home-strategies": ["strategy", "class", "umbrella", "version", "issued"],
    "home-labels": ["x", "labelProperty", "label"],
    "dataset-size": ["triples"],
    "class-partitions": ["class", "entities"],
    "property-partitions": ["property", "triples"],
    "build-times": ["first", "last"],
    "date-range": ["type", "earliest", "latest"],
    "graph-sizes": ["g", "n"],
}  # fmt: skip

#: The parameters each query of issue 4 takes: name -> (type, required).
PARAMETERS: dict[str, dict[str, tuple[str, bool]]] = {
    "strategies": {"strategy": ("iri", False), "municipality": ("iri", False)},
    "fields-of-action": {"strategy": ("iri", False)},
    "goals-and-measures-by-field": {"field": ("iri", False)},
    "measures": {
        **{name: ("iri", False) for name in (
            "measure", "strategy", "field", "commitment", "status", "body", "target_group",
        )},
        "q": ("string", False),
    },
    "measures-by-status": {"municipality": ("iri", False), "status": ("iri", False)},
    "status-history": {"measure": ("iri", False)},
    "measures-by-body": {"municipality": ("iri", False), "body": ("iri", False)},
    "measures-by-target-group": {
        "municipality": ("iri", False), "target_group": ("iri", False),
    },
    "measures-by-deadline": {"municipality": ("iri", False), "before": ("date", False)},
    **{name: {"municipality": ("iri", False)} for name in (
        "cross-strategy-measures", "crossref", "eccar-coverage", "eccar-gaps",
    )},
    "decision-history": {"strategy": ("iri", False)},
    "decision-links": {"decision": ("iri", True)},
    "search": {"municipality": ("iri", False), "q": ("string", True)},
    "related-fields": {"field": ("iri", False)},
    "source-coverage": {"municipality": ("iri", False)},
    **{name: {"resource": ("iri", True)} for name in (
        "resource-triples", "neighbour-labels", "backlinks", "resource-sources",
    )},
    "namespace-triples": {"resource": ("iri", True), "namespace": ("string", True)},
    "scheme-concepts": {"scheme": ("iri", True)},
    "build-times": {"meta_graph": ("iri", True)},
    "date-range": {
        "meta_graph": ("iri", True), "ontology_graphs": ("string", True),
        "shape_graphs": ("string", True),
    },
}  # fmt: skip

ALLOWED_PREFIXES = {
    "sg": SG,
    "sgv": "https://w3id.org/sozialgraph/vocab/",
    "skos": SKOS,
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": XSD,
    "owl": "http://www.w3.org/2002/07/owl#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}

ALL_QUERIES = sorted(p.stem for p in queries_dir().glob("*.rq"))

Row = dict[str, ox.NamedNode | ox.Literal | ox.BlankNode | None]


# -- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> QueryRegistry:
    return QueryRegistry(queries_dir())


@pytest.fixture(scope="module")
def jena(jena_store_dir: Path) -> Iterator[EmbeddedStore]:
    """The real build, opened read-only: it is shared with other test modules."""
    store = EmbeddedStore(jena_store_dir, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    path = fx.write_crossref_store(tmp_path_factory.mktemp("crossref") / "store")
    store = EmbeddedStore(path)
    yield store
    store.close()


def _run(store: EmbeddedStore, query: NamedQuery, **params: str) -> tuple[list[str], list[Row]]:
    result = store.query(query.bind(params))
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    rows = [{name: solution[name] for name in names} for solution in result]
    return names, rows


def rows(store: EmbeddedStore, registry: QueryRegistry, name: str, **params: str) -> list[Row]:
    return _run(store, registry.get(name), **params)[1]


def v(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str | None:
    """The plain value of a term (IRI, lexical form), None when unbound."""
    return None if term is None else term.value


def values(found: list[Row], column: str) -> set[str | None]:
    return {v(row[column]) for row in found}


def required_params(query: NamedQuery) -> dict[str, str]:
    return {p.name: p.example for p in query.parameters if p.required}


# -- headers ----------------------------------------------------------------------------------


def test_all_queries_of_issue_4_exist(registry: QueryRegistry) -> None:
    assert set(COLUMNS) <= set(registry.queries)


@pytest.mark.parametrize("name", ALL_QUERIES)
def test_header_is_complete(registry: QueryRegistry, name: str) -> None:
    query = registry.get(name)
    for lang in ("de", "en"):
        assert query.titles.get(lang), f"{name}: no title@{lang}"
        assert len(query.descriptions.get(lang, "")) > 40, f"{name}: no description@{lang}"
    assert query.form == "SELECT"
    for parameter in query.parameters:
        assert parameter.type in PARAM_TYPES
        assert parameter.description, f"{name}: parameter {parameter.name} says nothing"
        parameter.term(parameter.example)  # the example is a valid value of its type
        assert re.search(rf"\?{parameter.name}\b", query.text), f"{name}: ?{parameter.name} unused"
    if query.parameters:
        assert query.where_brace is not None, f"{name}: needs an explicit WHERE {{"


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_parameters_are_as_specified(registry: QueryRegistry, name: str) -> None:
    query = registry.get(name)
    found = {p.name: (p.type, p.required) for p in query.parameters}
    assert found == PARAMETERS.get(name, {})


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_text_passes_guard_and_uses_only_allowed_prefixes(
    registry: QueryRegistry, name: str
) -> None:
    query = registry.get(name)
    guarded = check_query(query.text)
    assert not guarded.has_dataset_clause, f"{name}: queries never use FROM"
    body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#"))
    assert not re.search(r"\bSERVICE\b", body, re.IGNORECASE)
    declared = dict(re.findall(r"PREFIX\s+(\w+):\s*<([^>]*)>", body))
    for prefix, iri in declared.items():
        assert ALLOWED_PREFIXES.get(prefix) == iri, f"{name}: prefix {prefix}: <{iri}>"
    if PARAMETERS.get(name):
        assert re.search(r"\bWHERE\s*\{", body), f"{name}: needs an explicit WHERE {{"


@pytest.mark.parametrize("name", ["decision-links", "search"])
def test_required_parameter_is_enforced(registry: QueryRegistry, name: str) -> None:
    with pytest.raises(BadRequest):
        registry.get(name).bind({})


# -- every query runs on both stores and returns its columns -----------------------------------


@pytest.mark.parametrize("name", ALL_QUERIES)
@pytest.mark.parametrize("store_name", ["jena", "town"])
def test_runs_and_returns_the_header_columns(
    request: pytest.FixtureRequest, registry: QueryRegistry, name: str, store_name: str
) -> None:
    store = request.getfixturevalue(store_name)
    query = registry.get(name)
    names, _ = _run(store, query, **required_params(query))
    if name in COLUMNS:
        assert names == COLUMNS[name]


@pytest.mark.parametrize("name", sorted(PARAMETERS))
@pytest.mark.parametrize("store_name", ["jena", "town"])
def test_runs_with_each_parameter_bound(
    request: pytest.FixtureRequest, registry: QueryRegistry, name: str, store_name: str
) -> None:
    store = request.getfixturevalue(store_name)
    query = registry.get(name)
    for parameter in query.parameters:
        params = {**required_params(query), parameter.name: parameter.example}
        names, _ = _run(store, query, **params)
        assert names == COLUMNS[name]


#: Jena's data link no measure to a field of action and map no field onto another one, so these
#: examples (real fields) find nothing yet.
EMPTY_IN_JENA = {
    ("measures", "field"),
    ("related-fields", "field"),
    ("cross-strategy-measures", "municipality"),  # no Jena measure serves two strategies
}


def test_examples_find_something_in_jena(jena: EmbeddedStore, registry: QueryRegistry) -> None:
    """Each parameter example is a real value of Jena's data (so the API docs show results)."""
    for name in sorted(PARAMETERS):
        query = registry.get(name)
        for parameter in query.parameters:
            params = {**required_params(query), parameter.name: parameter.example}
            found = _run(jena, query, **params)[1]
            if (name, parameter.name) in EMPTY_IN_JENA:
                assert found == []  # when this fails, Jena's data grew: move it to the rest
            else:
                assert found, f"{name} with {parameter.name}: no rows"


# -- the fixture ------------------------------------------------------------------------------


def test_fixture_conforms_to_the_shapes() -> None:
    data = to_rdflib(fx.crossref_triples())
    for triples in fx.ontology_graphs().values():
        to_rdflib(triples, data)
    shapes = Graph()
    for path in sorted(shapes_dir().glob("*.ttl")):
        shapes.parse(path, format="turtle")
    report = validate(data, shapes)
    assert report.conforms, report.format("en")


def test_fixture_uses_only_example_org_for_data() -> None:
    shared = (fx.EX, "https://w3id.org/sozialgraph/vocab/")
    for triple in fx.crossref_triples():
        assert triple.subject.value.startswith(fx.EX), triple
        if isinstance(triple.object, ox.NamedNode) and triple.predicate.value != RDF_TYPE:
            assert triple.object.value.startswith(shared), triple


def test_fixture_is_deterministic() -> None:
    assert fx.crossref_triples() == fx.crossref_triples()


# -- what each query promises: the fixture ------------------------------------------------------


def test_strategies(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "strategies")
    assert v(found[0]["strategy"]) == fx.UMBRELLA
    assert found[0]["is_umbrella"] == ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
    assert values(found, "strategy") == set(fx.STRATEGIES)
    assert {(v(r["strategy"]), v(r["version"])) for r in found} == {
        (fx.UMBRELLA, fx.UMBRELLA_2024),
        (fx.ARMUT, fx.ARMUT_2018),
        (fx.ARMUT, fx.ARMUT_2024),
        (fx.INTEGRATION, fx.INTEGRATION_2024),
        (fx.RASSISMUS, fx.RASSISMUS_2022),
    }
    parts = [r for r in found if v(r["strategy"]) != fx.UMBRELLA]
    assert values(parts, "umbrella") == {fx.UMBRELLA}
    assert values(parts, "is_umbrella") == {"false"}
    armut = rows(town, registry, "strategies", strategy=fx.ARMUT)
    assert [v(r["version"]) for r in armut] == [fx.ARMUT_2018, fx.ARMUT_2024]
    assert [v(r["decision"]) for r in armut] == [fx.DECISION_2018, fx.DECISION_2024]
    assert [v(r["decision_identifier"]) for r in armut] == [None, "24/0100-BV"]
    assert armut[0]["issued"] == ox.Literal("2018", datatype=ox.NamedNode(XSD + "gYear"))


def test_fields_of_action(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "fields-of-action", strategy=fx.ARMUT)
    assert [(v(r["field"]), v(r["notation"]), v(r["in_current_version"])) for r in found] == [
        (fx.FIELD_BILDUNG, "1", "true"),
        (fx.FIELD_WOHNEN, "2", "true"),
        (fx.FIELD_TEILHABE, "10", "true"),
        (fx.FIELD_ARBEIT, None, "false"),  # only in the 2018 version
    ]
    assert values(found, "scheme") == {fx.ARMUT_SCHEME}
    assert v(found[0]["label_en"]) == "Education"
    everything = rows(town, registry, "fields-of-action")
    assert values(everything, "strategy") == {fx.ARMUT, fx.INTEGRATION}
    assert len(everything) == 6


def test_goals_and_measures_by_field(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "goals-and-measures-by-field", field=fx.FIELD_BILDUNG)
    assert [(v(r["goal"]), v(r["goal_type"]), v(r["measure"])) for r in found] == [
        (fx.GOAL_BILDUNG, SG + "StrategicGoal", None),
        # an operational goal that specifies a goal of the field, with its measure
        (fx.GOAL_SPRACHFOERDERUNG, SG + "OperationalGoal", fx.CROSS_MEASURE),
    ]
    found = rows(town, registry, "goals-and-measures-by-field", field=fx.FIELD_SPRACHE)
    assert [(v(r["goal"]), v(r["goal_type"]), v(r["measure"])) for r in found] == [
        (fx.GOAL_LEITIDEE, SG + "GuidingIdea", fx.ELTERNABENDE_MEASURE),
        (None, None, fx.CROSS_MEASURE),  # serves the field without one of its goals
    ]
    assert v(found[1]["measure_title_en"]) == "Education guides"
    empty = rows(town, registry, "goals-and-measures-by-field", field=fx.FIELD_TEILHABE)
    assert [(v(r["field_label_de"]), v(r["goal"]), v(r["measure"])) for r in empty] == [
        ("Teilhabe", None, None)
    ]
    assert len(rows(town, registry, "goals-and-measures-by-field")) == 8


def test_cross_strategy_measures(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "cross-strategy-measures")
    assert [v(r["measure"]) for r in found] == [fx.CROSS_MEASURE]
    assert v(found[0]["strategy_count"]) == "2"
    assert v(found[0]["strategies"]) == f"{fx.ARMUT} {fx.INTEGRATION}"
    assert v(found[0]["title_de"]) == "Bildungslotsen"


def test_eccar_coverage(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "eccar-coverage")
    assert [v(r["notation"]) for r in found] == [str(n) for n in range(1, 11)]
    assert [v(r["commitment"]) for r in found] == [fx.ECCAR + str(n) for n in range(1, 11)]
    counts = {int(v(r["notation"])): int(v(r["measure_count"])) for r in found}
    assert counts == {n: fx.IMPLEMENTED_COMMITMENTS.get(n, 0) for n in range(1, 11)}
    assert all(v(r["label_de"]) and v(r["label_en"]) for r in found)


def test_eccar_gaps(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "eccar-gaps")
    assert [v(r["commitment"]) for r in found] == [fx.ECCAR + str(n) for n in fx.GAP_COMMITMENTS]


def _measures(town: EmbeddedStore, registry: QueryRegistry, **params: str) -> set[str | None]:
    return values(rows(town, registry, "measures", **params), "measure")


def test_measures_unfiltered(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "measures")
    assert values(found, "measure") == set(fx.MEASURES)
    cross = [r for r in found if v(r["measure"]) == fx.CROSS_MEASURE]
    assert values(cross, "strategy") - {None} == {fx.ARMUT, fx.INTEGRATION}
    assert values(cross, "field") - {None} == {fx.FIELD_BILDUNG, fx.FIELD_SPRACHE}
    # the current status only, and on every row (the API reads it from any row)
    assert values(cross, "status") == {fx.STATUS + "in-umsetzung"}
    assert values(cross, "status_date") == {"2024-06-30"}
    assert values(cross, "body") - {None} == {fx.SOZIALAMT}
    assert values(cross, "partner") - {None} == {fx.INTEGRATIONSBUERO}
    assert values(cross, "target_group") - {None} == {fx.TG_KINDER}
    assert values(cross, "theme") - {None} == {fx.THEMA_BILDUNG}
    assert cross[0]["start"] == ox.Literal("2023-09", datatype=ox.NamedNode(XSD + "gYearMonth"))
    assert values(cross, "end") == {"2026-12-31"}
    assert values(cross, "title_en") == {"Education guides"}
    assert all(r["description_de"] is not None for r in cross)
    no_field = [r for r in found if v(r["measure"]) == fx.NO_FIELD_MEASURE]
    assert values(no_field, "field") == {None}
    assert values(no_field, "commitment") - {None} == {fx.ECCAR + "3"}
    without_status = [r for r in found if v(r["measure"]) == fx.ELTERNABENDE_MEASURE]
    assert values(without_status, "status") == {None}
    # one linked value per row: the rows add up, they do not multiply
    assert len(cross) == 8


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"measure": fx.CROSS_MEASURE}, {fx.CROSS_MEASURE}),
        ({"field": fx.FIELD_BILDUNG}, {fx.CROSS_MEASURE}),
        ({"field": fx.FIELD_SPRACHE}, {fx.CROSS_MEASURE, fx.ELTERNABENDE_MEASURE}),
        ({"strategy": fx.INTEGRATION}, {fx.CROSS_MEASURE, fx.ELTERNABENDE_MEASURE}),
        ({"strategy": fx.ARMUT}, {fx.CROSS_MEASURE, fx.WOHNRAUM_MEASURE}),
        ({"strategy": fx.UMBRELLA}, {fx.NO_FIELD_MEASURE, fx.BERICHT_MEASURE}),
        ({"strategy": fx.ARMUT, "field": fx.FIELD_WOHNEN}, {fx.WOHNRAUM_MEASURE}),
        ({"commitment": fx.ECCAR + "8"}, {fx.ELTERNABENDE_MEASURE, fx.BERICHT_MEASURE}),
        ({"commitment": fx.ECCAR + "1"}, set()),
        ({"status": fx.STATUS + "geplant"}, {fx.WOHNRAUM_MEASURE}),  # not the old status
        ({"status": fx.STATUS + "in-umsetzung"}, {fx.CROSS_MEASURE}),
        ({"body": fx.INTEGRATIONSBUERO}, {fx.NO_FIELD_MEASURE, fx.CROSS_MEASURE}),
        ({"body": fx.SOZIALAMT}, {fx.CROSS_MEASURE, fx.WOHNRAUM_MEASURE}),
        ({"target_group": fx.TG_KINDER}, {fx.CROSS_MEASURE}),
        ({"q": fx.SEARCH_WORD.upper()}, {fx.NO_FIELD_MEASURE}),
        ({"q": "EDUCATION guides"}, {fx.CROSS_MEASURE}),
        ({"q": "nothing like this"}, set()),
        ({"q": "beratung", "body": fx.SOZIALAMT}, {fx.WOHNRAUM_MEASURE}),
    ],
)
def test_measures_filters(
    town: EmbeddedStore, registry: QueryRegistry, params: dict[str, str], expected: set[str]
) -> None:
    assert _measures(town, registry, **params) == expected


def test_measures_field_filter_excludes_the_measure_without_field(
    town: EmbeddedStore, registry: QueryRegistry
) -> None:
    for field in (fx.FIELD_BILDUNG, fx.FIELD_WOHNEN, fx.FIELD_SPRACHE, fx.FIELD_TEILHABE):
        assert fx.NO_FIELD_MEASURE not in _measures(town, registry, field=field)


def test_measures_status_filter_keeps_the_current_date(
    town: EmbeddedStore, registry: QueryRegistry
) -> None:
    found = rows(town, registry, "measures", status=fx.STATUS + "in-umsetzung")
    assert values(found, "status") == {fx.STATUS + "in-umsetzung"}
    assert values(found, "status_date") == {"2024-06-30"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # a measure that one filter finds must still pass every other filter
        ({"field": fx.FIELD_SPRACHE, "commitment": fx.ECCAR + "8"}, {fx.ELTERNABENDE_MEASURE}),
        ({"field": fx.FIELD_BILDUNG, "commitment": fx.ECCAR + "8"}, set()),
        ({"body": fx.SOZIALAMT, "status": fx.STATUS + "in-umsetzung"}, {fx.CROSS_MEASURE}),
        ({"body": fx.SOZIALAMT, "status": fx.STATUS + "daueraufgabe"}, set()),
        ({"target_group": fx.TG_KINDER, "strategy": fx.INTEGRATION}, {fx.CROSS_MEASURE}),
        ({"measure": fx.WOHNRAUM_MEASURE, "strategy": fx.ARMUT}, {fx.WOHNRAUM_MEASURE}),
        ({"measure": fx.WOHNRAUM_MEASURE, "field": fx.FIELD_BILDUNG}, set()),
        ({"status": fx.STATUS + "geplant", "q": "beratung"}, {fx.WOHNRAUM_MEASURE}),
        # a filter value that nothing has
        ({"field": EX + "nothing"}, set()),
        ({"body": EX + "nothing", "field": fx.FIELD_SPRACHE}, set()),
        ({"status": fx.STATUS + "entfallen"}, set()),
    ],
)
def test_measures_filters_combined(
    town: EmbeddedStore, registry: QueryRegistry, params: dict[str, str], expected: set[str]
) -> None:
    assert _measures(town, registry, **params) == expected


def test_measures_filtered_rows_are_the_unfiltered_rows_with_the_filter_value(
    town: EmbeddedStore, registry: QueryRegistry
) -> None:
    """A filter selects measures; their rows stay the same, with the filter value in its column."""
    everything = rows(town, registry, "measures")
    for name, value in [
        ("field", fx.FIELD_SPRACHE),
        ("body", fx.SOZIALAMT),
        ("commitment", fx.ECCAR + "8"),
        ("target_group", fx.TG_KINDER),
    ]:
        found = rows(town, registry, "measures", **{name: value})
        assert values(found, name) == {value}
        for measure in values(found, "measure"):
            unfiltered = [r for r in everything if v(r["measure"]) == measure]
            filtered = [r for r in found if v(r["measure"]) == measure]
            other = [c for c in COLUMNS["measures"] if c != name]
            assert {tuple(v(r[c]) for c in other) for r in filtered} == {
                tuple(v(r[c]) for c in other) for r in unfiltered
            }


def test_labels(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = {v(r["iri"]): (v(r["label_de"]), v(r["label_en"])) for r in rows(
        town, registry, "labels"
    )}  # fmt: skip
    assert found[fx.ARMUT] == (
        "Armutspräventionsstrategie Musterstadt",
        "Poverty prevention strategy of Musterstadt",
    )
    # a status value is linked through the measure's assessment
    assert found[fx.STATUS + "geplant"] == ("geplant", "planned")
    assert fx.OLD_ASSESSMENT in found  # an assessment has an rdfs:label only
    assert fx.MEMBERSHIP not in found  # nothing of those kinds links to it
    assert all(de or en for de, en in found.values())
    for iri in (fx.ARMUT, fx.STATUS + "geplant", fx.OLD_ASSESSMENT):
        one = rows(town, registry, "labels", iri=iri)
        assert [(v(r["iri"]), (v(r["label_de"]), v(r["label_en"]))) for r in one] == [
            (iri, found[iri])
        ]
    for iri in (fx.MEMBERSHIP, fx.STATUS + "umgesetzt", EX + "nothing"):
        assert rows(town, registry, "labels", iri=iri) == []


def test_labels_of_given_resources(town: EmbeddedStore, registry: QueryRegistry) -> None:
    linked = {v(r["iri"]): (v(r["label_de"]), v(r["label_en"])) for r in rows(
        town, registry, "labels"
    )}  # fmt: skip
    given = [fx.ARMUT, fx.STATUS + "geplant", fx.MEMBERSHIP, EX + "nothing"]
    found = rows(town, registry, "labels-of", iri=given)
    labelled = {v(r["iri"]): (v(r["label_de"]), v(r["label_en"])) for r in found}
    # the same labels as "labels" gives; also for what no measure links; nothing without a label
    assert labelled[fx.ARMUT] == linked[fx.ARMUT]
    assert labelled[fx.STATUS + "geplant"] == linked[fx.STATUS + "geplant"]
    assert fx.MEMBERSHIP in labelled and EX + "nothing" not in labelled
    assert len(found) == len(labelled) == 3


def test_measures_by_status(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "measures-by-status")
    assert {(v(r["measure"]), v(r["status"]), v(r["assessed_on"])) for r in found} == {
        (fx.CROSS_MEASURE, fx.STATUS + "in-umsetzung", "2024-06-30"),
        (fx.NO_FIELD_MEASURE, fx.STATUS + "daueraufgabe", "2024-01-10"),
        (fx.WOHNRAUM_MEASURE, fx.STATUS + "geplant", "2024-02-01"),
    }
    assert len(found) == 3
    planned = rows(town, registry, "measures-by-status", status=fx.STATUS + "geplant")
    assert [v(r["measure"]) for r in planned] == [fx.WOHNRAUM_MEASURE]
    assert [(v(r["status_label_de"]), v(r["status_label_en"])) for r in planned] == [
        ("geplant", "planned")
    ]


def test_status_history(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "status-history", measure=fx.CROSS_MEASURE)
    assert [(v(r["assessment"]), v(r["status"]), v(r["assessed_on"])) for r in found] == [
        (fx.OLD_ASSESSMENT, fx.STATUS + "geplant", "2023-01-15"),
        (fx.NEW_ASSESSMENT, fx.STATUS + "in-umsetzung", "2024-06-30"),
    ]
    assert all(r["source"] is not None for r in found)
    assert len(rows(town, registry, "status-history")) == 4


def test_measures_by_body(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "measures-by-body", body=fx.INTEGRATIONSBUERO)
    assert [(v(r["role"]), v(r["measure"])) for r in found] == [
        ("responsible", fx.NO_FIELD_MEASURE),
        ("partner", fx.CROSS_MEASURE),
    ]
    assert values(found, "body_label_de") == {"Integrationsbüro"}
    everything = rows(town, registry, "measures-by-body")
    assert {(v(r["body"]), v(r["role"]), v(r["measure"])) for r in everything} == {
        (fx.SOZIALAMT, "responsible", fx.CROSS_MEASURE),
        (fx.SOZIALAMT, "responsible", fx.WOHNRAUM_MEASURE),
        (fx.INTEGRATIONSBUERO, "responsible", fx.NO_FIELD_MEASURE),
        (fx.INTEGRATIONSBUERO, "partner", fx.CROSS_MEASURE),
        (fx.BEIRAT, "partner", fx.NO_FIELD_MEASURE),
    }


def test_measures_by_target_group(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "measures-by-target-group", target_group=fx.TG_KINDER)
    assert [(v(r["measure"]), v(r["label_de"])) for r in found] == [
        (fx.CROSS_MEASURE, "Kinder und Jugendliche")
    ]
    everything = rows(town, registry, "measures-by-target-group")
    assert {(v(r["target_group"]), v(r["measure"])) for r in everything} == {
        (fx.TG_KINDER, fx.CROSS_MEASURE),
        (fx.TG_RASSISMUS, fx.NO_FIELD_MEASURE),
        (fx.TG_MIGRATION, fx.ELTERNABENDE_MEASURE),
    }


def test_measures_by_deadline(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "measures-by-deadline")
    assert [(v(r["measure"]), v(r["deadline"]), v(r["kind"])) for r in found] == [
        (fx.WOHNRAUM_MEASURE, "2025", "deadline"),
        (fx.ELTERNABENDE_MEASURE, "2025-06-30", "deadline"),
        (fx.CROSS_MEASURE, "2026-12-31", "end"),
        (fx.BERICHT_MEASURE, "2027", "deadline"),
    ]

    def before(day: str) -> list[str | None]:
        return [v(r["measure"]) for r in rows(town, registry, "measures-by-deadline", before=day)]

    assert before("2026-01-01") == [fx.WOHNRAUM_MEASURE, fx.ELTERNABENDE_MEASURE]
    assert before("2025-07-01") == [fx.ELTERNABENDE_MEASURE]  # "2025" may be later in 2025
    assert before("2025-06-30") == []
    assert before("2028-01-01") == [
        fx.WOHNRAUM_MEASURE, fx.ELTERNABENDE_MEASURE, fx.CROSS_MEASURE, fx.BERICHT_MEASURE,
    ]  # fmt: skip


def test_decision_history(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "decision-history", strategy=fx.ARMUT)
    assert [(v(r["version"]), v(r["decision"]), v(r["step"])) for r in found] == [
        (fx.ARMUT_2018, fx.DECISION_2018, None),
        (fx.ARMUT_2024, fx.DECISION_2024, fx.STEP_2024),
    ]
    step = found[1]
    assert v(step["identifier"]) == "24/0100-BV"
    assert v(step["step_date"]) == "2024-02-28"
    assert v(step["step_body_label_de"]) == "Sozialausschuss"
    assert v(step["step_outcome"]) == "Empfehlung"
    assert v(step["body"]) == fx.STADTRAT
    assert v(step["body_label_de"]) == "Stadtrat Musterstadt"
    plan = rows(town, registry, "decision-history", strategy=fx.RASSISMUS)
    assert [(v(r["version"]), v(r["decision"]), v(r["decision_date"])) for r in plan] == [
        (None, fx.DECISION_2021, "2021-02-10"),  # the decision the plan rests on
        (fx.RASSISMUS_2022, fx.DECISION_2022, "2022-04-06"),
    ]


def test_decision_links(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "decision-links", decision=fx.DECISION_2024)
    incoming = {(v(r["relation"]), v(r["resource"])) for r in found if v(r["direction"]) == "in"}
    assert incoming == {
        (SG + "adoptedBy", fx.ARMUT_2024),
        (SG + "adoptedBy", fx.INTEGRATION_2024),
        (SG + "adoptedBy", fx.UMBRELLA_2024),
    }
    outgoing = {
        v(r["resource"]): (v(r["relation"]), v(r["resource_type"]), v(r["label_de"]))
        for r in found
        if v(r["direction"]) == "out"
    }
    assert outgoing[fx.STADTRAT] == (
        "http://data.europa.eu/eli/ontology#passed_by", SG + "Council", "Stadtrat Musterstadt",
    )  # fmt: skip
    assert outgoing[fx.STEP_2024][:2] == (SG + "hasCommitteeStep", SG + "CommitteeStep")
    assert all(v(r["decision"]) == fx.DECISION_2024 for r in found)
    versions = [r for r in found if v(r["resource"]) == fx.ARMUT_2024]
    assert [v(r["label_en"]) for r in versions] == ["Poverty prevention strategy, 2024 version"]
    older = rows(town, registry, "decision-links", decision=fx.DECISION_2021)
    assert {v(r["resource"]) for r in older if v(r["direction"]) == "in"} == {
        fx.MEMBERSHIP,
        fx.RASSISMUS,
    }


def test_decisions(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "decisions")
    assert [v(r["decision"]) for r in found] == [
        fx.DECISION_2018, fx.DECISION_2021, fx.DECISION_2022,
        fx.DECISION_2024, fx.DECISION_2024, fx.DECISION_2024,
    ]  # fmt: skip
    assert {v(r["adopts"]) for r in found if v(r["decision"]) == fx.DECISION_2024} == {
        fx.ARMUT_2024,
        fx.INTEGRATION_2024,
        fx.UMBRELLA_2024,
    }
    assert v(found[0]["identifier"]) is None
    assert found[1]["decision_date"] == ox.Literal(
        "2021-02-10", datatype=ox.NamedNode(XSD + "date")
    )
    assert v(found[1]["adopts"]) is None
    assert values(found, "body_label_de") == {"Stadtrat Musterstadt"}


def test_search(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "search", q=fx.SEARCH_WORD.upper())
    assert [v(r["resource"]) for r in found] == [fx.NO_FIELD_MEASURE]
    assert v(found[0]["type"]) == SG + "Measure"
    assert fx.SEARCH_WORD in v(found[0]["matched"]).lower()
    assert found[0]["matched"].language == "de"
    assert v(found[0]["label_en"]) == "Anti-discrimination counselling"
    many = rows(town, registry, "search", q="Bildung")
    resources = [v(r["resource"]) for r in many]
    assert len(resources) == len(set(resources)), "one row per resource"
    assert {fx.FIELD_BILDUNG, fx.FIELD_SPRACHE, fx.GOAL_BILDUNG} <= set(resources)
    labels = [(v(r["label_de"]) or v(r["label_en"]) or "").lower() for r in many]
    assert labels == sorted(labels)
    assert not any(r.startswith("https://w3id.org/sozialgraph/shapes") for r in resources)
    assert rows(town, registry, "search", q="nothing like this at all") == []


def test_related_fields(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "related-fields", field=fx.FIELD_BILDUNG)
    assert {(v(r["related"]), v(r["relation"]), v(r["theme"])) for r in found} == {
        (fx.FIELD_SPRACHE, SKOS + "closeMatch", None),
        (fx.FIELD_SPRACHE, SG + "theme", fx.THEMA_BILDUNG),
    }
    assert values(found, "strategy") == {fx.ARMUT}
    assert values(found, "related_strategy") == {fx.INTEGRATION}
    assert values(found, "related_label_de") == {"Sprache und Bildung"}
    inverse = rows(town, registry, "related-fields", field=fx.FIELD_SPRACHE)
    assert (fx.FIELD_BILDUNG, SKOS + "closeMatch") in {
        (v(r["related"]), v(r["relation"])) for r in inverse
    }
    everything = rows(town, registry, "related-fields")
    pairs = {(v(r["field"]), v(r["related"])) for r in everything}
    assert pairs == {
        (fx.FIELD_BILDUNG, fx.FIELD_SPRACHE),
        (fx.FIELD_SPRACHE, fx.FIELD_BILDUNG),
        (fx.FIELD_WOHNEN, fx.FIELD_NACHBARSCHAFT),
        (fx.FIELD_NACHBARSCHAFT, fx.FIELD_WOHNEN),
    }


def test_crossref(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "crossref")
    eccar = fx.ECCAR
    assert {(v(r["measure"]), v(r["strategy"]), v(r["commitment"])) for r in found} == {
        (fx.NO_FIELD_MEASURE, fx.RASSISMUS, eccar + "3"),
        (fx.NO_FIELD_MEASURE, fx.UMBRELLA, eccar + "3"),
        (fx.CROSS_MEASURE, fx.ARMUT, None),
        (fx.CROSS_MEASURE, fx.INTEGRATION, None),
        (fx.ELTERNABENDE_MEASURE, fx.INTEGRATION, eccar + "4"),
        (fx.ELTERNABENDE_MEASURE, fx.INTEGRATION, eccar + "8"),
        (fx.BERICHT_MEASURE, fx.UMBRELLA, eccar + "8"),
        (fx.WOHNRAUM_MEASURE, fx.ARMUT, eccar + "7"),
    }
    assert len(found) == 8
    assert {v(r["notation"]) for r in found if v(r["commitment"])} == {"3", "4", "7", "8"}


def test_ontology(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "ontology")
    assert [v(r["ontology"]) for r in found] == ["https://w3id.org/sozialgraph/ontology"]
    assert v(found[0]["version"]) == "0.1.0"


def test_source_coverage(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = {v(r["class"]): (int(v(r["instances"])), int(v(r["with_source"]))) for r in rows(
        town, registry, "source-coverage"
    )}  # fmt: skip
    assert found[SG + "Measure"] == (5, 5)
    assert found[SG + "StatusAssessment"] == (4, 4)
    assert found[SG + "Strategy"] == (4, 4)  # the umbrella is a strategy too
    assert found[SG + "Goal"] == (3, 3)  # subclasses included
    assert found[SG + "CouncilDecision"] == (4, 4)
    assert found[SG + "Grant"] == (0, 0)  # classes without instances are listed


#: The lines that define a strategy's current version; the same in every query that needs it.
CURRENT_VERSION_FILES = ("fields-of-action", "home-strategies")


def current_version_lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("# current version:"))
    end = lines.index("# end of current version")
    return [line for line in lines[start:end] if not line.startswith("#")]


def test_current_version_is_defined_once(registry: QueryRegistry) -> None:
    """The start page's current version and the fields it lists (from ``fields-of-action``, as
    ``/api/fields`` and each strategy's page) follow the same lines."""
    first, *others = (current_version_lines(registry.text(n)) for n in CURRENT_VERSION_FILES)
    assert first and all(lines == first for lines in others)
    queries = "\n".join(p.read_text(encoding="utf-8") for p in queries_dir().glob("*.rq"))
    assert queries.count("# current version:") == len(CURRENT_VERSION_FILES)


def test_home_strategies(town: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(town, registry, "home-strategies")
    current = {(v(r["strategy"]), v(r["version"])) for r in found}
    assert current == {
        (fx.UMBRELLA, fx.UMBRELLA_2024),
        (fx.ARMUT, fx.ARMUT_2024),  # not the 2018 version it revises
        (fx.INTEGRATION, fx.INTEGRATION_2024),
        (fx.RASSISMUS, fx.RASSISMUS_2022),
    }
    parts = {v(r["strategy"]) for r in found if v(r["umbrella"]) == fx.UMBRELLA}
    assert parts == {fx.ARMUT, fx.INTEGRATION, fx.RASSISMUS}


def test_resource_queries(town: EmbeddedStore, registry: QueryRegistry) -> None:
    about = rows(town, registry, "resource-triples", resource=fx.ARMUT)
    assert {v(r["s"]) for r in about} == {fx.ARMUT}
    assert values(rows(town, registry, "backlinks", resource=fx.ARMUT_2018), "x") >= {fx.ARMUT}
    concepts = rows(town, registry, "scheme-concepts", scheme=fx.ARMUT_SCHEME)
    assert values(concepts, "concept") >= {fx.FIELD_BILDUNG, fx.FIELD_ARBEIT}


# -- what each query promises: Jena's real data --------------------------------------------------


def test_jena_fields_of_action(jena: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(jena, registry, "fields-of-action", strategy=APS)
    current = [r for r in found if v(r["in_current_version"]) == "true"]
    assert [v(r["notation"]) for r in current] == [str(n) for n in range(1, 8)]
    assert [v(r["label_de"]) for r in current][:2] == [
        "Steuerung, Planung und Information",
        "Ökonomische Situation und Arbeitslosigkeit",
    ]
    former = [r for r in found if v(r["in_current_version"]) == "false"]
    assert [v(r["label_de"]) for r in former] == ["Migration"]
    assert len(found) == 8


def test_jena_eccar_coverage(jena: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(jena, registry, "eccar-coverage")
    assert len(found) == 10
    counts = {v(r["notation"]): int(v(r["measure_count"])) for r in found}
    assert counts["3"] >= 1
    gaps = {v(r["notation"]) for r in rows(jena, registry, "eccar-gaps")}
    assert gaps == {n for n, count in counts.items() if count == 0}


def test_jena_decisions(jena: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(jena, registry, "decisions")
    by_identifier = {v(r["identifier"]): r for r in found if r["identifier"] is not None}
    date = ox.NamedNode(XSD + "date")
    assert by_identifier["25/0529-BV"]["decision_date"] == ox.Literal("2025-10-29", datatype=date)
    assert by_identifier["20/0372-BV"]["decision_date"] == ox.Literal("2020-07-16", datatype=date)
    dates = [v(r["decision_date"]) for r in found]
    assert dates == sorted(dates)
    links = rows(jena, registry, "decision-links", decision=JENA + "beschluss/25-0529-bv")
    adopted = {v(r["resource"]) for r in links if v(r["relation"]) == SG + "adoptedBy"}
    assert APS + "/fassung/2025" in adopted
    assert len(adopted) == 4


def test_jena_strategies(jena: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(jena, registry, "strategies")
    assert v(found[0]["strategy"]) == JENA + "strategie/kommunale-sozialstrategie"
    assert len(values(found, "strategy")) == 4
    aps = rows(jena, registry, "strategies", strategy=APS)
    assert [v(r["version"]) for r in aps] == [APS + "/fassung/2019", APS + "/fassung/2025"]
    assert values(found, "municipality") == {JENA + "organisation/stadt-jena"}
    city = rows(jena, registry, "strategies", municipality=JENA + "organisation/stadt-jena")
    assert len(values(city, "strategy")) == 4
    nuremberg = "https://w3id.org/sozialgraph/organisation/stadt-nuernberg"
    assert rows(jena, registry, "strategies", municipality=nuremberg) == []


def test_jena_search_is_case_insensitive(jena: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(jena, registry, "search", q="WINZERLA")
    assert JENA + "massnahme/programm-gegen-rassismus-in-den-ortsteilen" in values(
        found, "resource"
    )


def test_jena_search_in_the_city(jena: EmbeddedStore, registry: QueryRegistry) -> None:
    city = JENA + "organisation/stadt-jena"
    everywhere = rows(jena, registry, "search", q="Rassismus")
    in_jena = rows(jena, registry, "search", q="Rassismus", municipality=city)
    found = values(in_jena, "resource")
    # the city's strategies, measures and decisions, not ECCAR's shared commitments or sources
    assert JENA + "massnahme/programm-gegen-rassismus-in-den-ortsteilen" in found
    assert JENA + "strategie/10-punkte-aktionsplan-gegen-rassismus" in found
    assert not any(iri and iri.startswith("https://w3id.org/sozialgraph/vocab/") for iri in found)
    assert found < values(everywhere, "resource")
    assert in_jena == [row for row in everywhere if v(row["resource"]) in found]


def test_jena_ontology(jena: EmbeddedStore, registry: QueryRegistry) -> None:
    found = rows(jena, registry, "ontology")
    assert [v(r["version"]) for r in found] == ["0.1.0"]
    assert v(found[0]["version_iri"]) == "https://w3id.org/sozialgraph/ontology/0.1.0"
    assert v(found[0]["license"]) == "https://creativecommons.org/licenses/by/4.0/"


def test_jena_source_coverage(jena: EmbeddedStore, registry: QueryRegistry) -> None:
    found = {
        v(r["class"]): (int(v(r["instances"])), int(v(r["with_source"])))
        for r in rows(jena, registry, "source-coverage")
    }
    # Every resource of the ontology's own classes carries a source (docs/model.md); the status
    # values cite the sozialgraph ontology, which defines them.
    for cls, (instances, with_source) in found.items():
        assert with_source == instances, cls
    assert found[SG + "Measure"][0] >= 10


# -- injection --------------------------------------------------------------------------------

HOSTILE = [
    '"',
    "'",
    "} DROP ALL {",
    '"} ; DROP ALL ; SELECT * {"',
    "<http://x> } UNION { ?s ?p ?o",
    "\u0000",
    "x" * 600,
    "\\",
    '""" . } INSERT DATA { <http://x> <http://x> <http://x> } #',
    "# comment\n} SERVICE <http://evil.example/> { ?s ?p ?o",
    "http://x> } ; DROP ALL ; SELECT * WHERE { <http://y",
    "http://example.org/a b",
    "http://example.org/{x}",
    "javascript:alert(1)",
    "urn:x:y",
    "https://example.org/" + "a" * 5000,
    "?s",
    "2024-13-45",
    "'); DROP ALL; --",
    "ÄÖÜ€ \U0001f600",
]


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_hostile_parameter_values_never_reach_the_parser_as_syntax(
    town: EmbeddedStore, registry: QueryRegistry, name: str
) -> None:
    query = registry.get(name)
    before = town.triple_count()
    for parameter in query.parameters:
        for value in HOSTILE:
            params = {**required_params(query), parameter.name: value}
            try:
                text = query.bind(params)
            except BadRequest:
                continue
            if parameter.type == "iri":
                assert value.startswith(("http://", "https://")), f"{value!r} bound as an IRI"
            try:
                result = town.query(text)
            except SyntaxError as error:  # pragma: no cover - the point of the test
                pytest.fail(f"{name}: {parameter.name}={value!r} broke the query: {error}")
            assert isinstance(result, ox.QuerySolutions)
            names = [var.value for var in result.variables]
            assert names == COLUMNS[name]
            found = list(result)
            if parameter.type == "iri":
                # no resource has such an IRI: a filter on it finds nothing
                assert found == [], f"{name}: {parameter.name}={value!r} found rows"
    assert town.triple_count() == before
