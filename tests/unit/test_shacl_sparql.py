"""The SPARQL path of the SHACL gate reports what pySHACL reports, feature by feature.

Each case is a small shapes graph and a small data graph in example.org; the data go to pySHACL
(through ``validation.validate``) and, as a named graph, into an in-memory store for
``shacl_sparql.validate_store``. Both reports must agree in focus node, path, value, component,
source shape and severity (and messages, except where a SPARQL message template is filled in).
"""

import logging
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS

from sozialgraph.validation.pyshacl_path import validate
from sozialgraph.validation.report import ValidationReport
from sozialgraph.validation.sparql import (
    UnsupportedShapes,
    compile_shapes,
    custom_functions,
)
from tests.report_rows import report_rows
from tests.validation_plans import validate_both_ways

ROOT = Path(__file__).resolve().parents[2]
EX = "https://example.org/ns#"
GRAPH = "https://example.org/graph/test"
PREFIXES = f"""\
@prefix ex: <{EX}> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _store(turtle: str, graph: str = GRAPH) -> ox.Store:
    store = ox.Store()
    store.load(
        (PREFIXES + turtle).encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph)
    )
    return store


def _both(shapes_ttl: str, data_ttl: str) -> tuple[ValidationReport, ValidationReport]:
    shapes = Graph().parse(data=PREFIXES + shapes_ttl, format="turtle")
    data = Graph().parse(data=PREFIXES + data_ttl, format="turtle")
    return validate(data, shapes), validate_both_ways(_store(data_ttl), shapes)


def _assert_same(shapes_ttl: str, data_ttl: str, *, messages: bool = True) -> ValidationReport:
    expected, found = _both(shapes_ttl, data_ttl)
    assert report_rows(found, messages=messages) == report_rows(expected, messages=messages)
    assert found.conforms == expected.conforms
    return found


TARGETS_AND_COUNTS = (
    """
    ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
        sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:maxCount 1 ;
                      sh:message "Ein Name"@de, "One name"@en ] ,
                    [ sh:path ex:tag ; sh:minCount 2 ] .
    ex:NodeTargetShape a sh:NodeShape ; sh:targetNode ex:absent, ex:a ;
        sh:property [ sh:path ex:flag ; sh:hasValue true ] .
    ex:SubjectsShape a sh:NodeShape ; sh:targetSubjectsOf ex:link ;
        sh:property [ sh:path ex:link ; sh:nodeKind sh:IRI ] .
    ex:ObjectsShape a sh:NodeShape ; sh:targetObjectsOf ex:link ; sh:nodeKind sh:IRI .
    ex:Implicit a rdfs:Class, sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
    """,
    """
    ex:SubThing rdfs:subClassOf ex:Thing .
    ex:SubSubThing rdfs:subClassOf ex:SubThing .
    ex:a a ex:SubThing ; ex:name "A", "B" ; ex:tag "x" ; ex:flag true .
    ex:b a ex:Thing, ex:SubSubThing ; ex:tag "x", "y" ; ex:link "lit", ex:c .
    ex:c ex:link ex:d .
    ex:i a ex:Implicit .
    """,
)

VALUES = (
    """
    ex:ValueShape a sh:NodeShape ; sh:targetClass ex:Item ;
        sh:property [ sh:path ex:date ; sh:datatype xsd:date ] ,
            [ sh:path ex:year ; sh:datatype xsd:gYear ] ,
            [ sh:path ex:count ; sh:datatype xsd:integer ] ,
            [ sh:path ex:text ; sh:datatype xsd:string ] ,
            [ sh:path ex:label ; sh:datatype rdf:langString ; sh:languageIn ( "de" "en" ) ;
              sh:uniqueLang true ] ,
            [ sh:path ex:owner ; sh:class ex:Agent ] ,
            [ sh:path ex:colour ; sh:in ( ex:red "blue" 3 ) ] ,
            [ sh:path ex:code ; sh:pattern "^ab[0-9]+$" ; sh:flags "i" ] ,
            [ sh:path ex:short ; sh:minLength 2 ; sh:maxLength 3 ] .
    """,
    """
    ex:Person rdfs:subClassOf ex:Agent .
    ex:person a ex:Person .
    ex:item a ex:Item ;
        ex:date "2024-05-01"^^xsd:date, "2025-13-45"^^xsd:date, "2024-W01-1"^^xsd:date,
            "2024-05-01Z"^^xsd:date, "2024-02-30"^^xsd:date, "15.05.2024",
            "2024-05-01T10:00"^^xsd:date, "0000-01-01"^^xsd:date, "2024-02-29+01:00"^^xsd:date ;
        ex:year "2024"^^xsd:gYear, "abc"^^xsd:gYear, "2024"^^xsd:integer ;
        ex:count "12"^^xsd:integer, "+7"^^xsd:integer, "x"^^xsd:integer, "1.5"^^xsd:integer ;
        ex:text "t", "t"@de, "u"^^xsd:string, ex:iri ;
        ex:label "a"@de, "b"@de, "c"@de-AT, "d"@fr, "e", "f"@EN, "g"@en-GB ;
        ex:owner ex:person, ex:rock, "lit" ;
        ex:colour ex:red, "blue", 3, "3", ex:green ;
        ex:code "AB12", "xab12", "ab12\\n", "ab", ex:ab12 ;
        ex:short "a", "abc", "abcd", ex:x .
    """,
)

# Each condition names the value once (a read of its text per mention, in the store):
# blank nodes, IRIs, plain, typed and tagged literals must still fail or pass as in pySHACL.
# (Tags in lower case: oxigraph keeps them so, rdflib as written; upper case: see VALUES.)
TERMS = (
    """
    ex:TermShape a sh:NodeShape ; sh:targetClass ex:Item ;
        sh:property [ sh:path ex:any ; sh:datatype xsd:string ] ,
            [ sh:path ex:any ; sh:datatype rdf:langString ] ,
            [ sh:path ex:any ; sh:datatype xsd:integer ] ,
            [ sh:path ex:any ; sh:minLength 1 ] ,
            [ sh:path ex:any ; sh:maxLength 2 ] ,
            [ sh:path ex:any ; sh:languageIn ( "*" ) ] ,
            [ sh:path ex:any ; sh:languageIn ( "DE" "en-GB" "sr-Latn" ) ] ,
            [ sh:path ex:any ; sh:uniqueLang true ] ,
            [ sh:path ex:any ; sh:qualifiedValueShape [ sh:languageIn ( "en" ) ] ;
              sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ] .
    """,
    """
    ex:item a ex:Item ;
        ex:any [ ex:p 1 ], ex:iri, "plain", "7"^^xsd:integer, "x"^^xsd:integer, "de"@de,
            "ch"@de-ch, "gb"@en-gb, "us"@en-us, "latn"@sr-latn, "rs"@sr-latn-rs, "sr"@sr,
            "e"@en .
    ex:other a ex:Item ; ex:any "one"@en, "two"@en .
    """,
)

LOGIC = (
    """
    ex:LogicShape a sh:NodeShape ; sh:targetClass ex:Item ;
        sh:property [ sh:path ex:when ;
                      sh:or ( [ sh:datatype xsd:date ] [ sh:datatype xsd:gYear ] ) ] ,
            [ sh:path ex:ref ; sh:xone ( [ sh:class ex:A ] [ sh:class ex:B ] ) ] ,
            [ sh:path ex:ref ; sh:not [ sh:class ex:C ] ] ,
            [ sh:path ex:title ; sh:qualifiedValueShape [ sh:languageIn ( "de" ) ] ;
              sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ] ,
            [ sh:path ex:part ; sh:qualifiedValueShape [ sh:class ex:A ] ;
              sh:qualifiedValueShapesDisjoint true ; sh:qualifiedMinCount 1 ] ,
            [ sh:path ex:part ; sh:qualifiedValueShape [ sh:class ex:B ] ;
              sh:qualifiedValueShapesDisjoint true ; sh:qualifiedMinCount 1 ] ;
        sh:and ( [ sh:property [ sh:path ex:name ; sh:minCount 1 ] ]
                 [ sh:property [ sh:path ex:name ; sh:maxCount 2 ] ] ) ;
        sh:or ( ex:DefinedShape ex:NamedShape ) .
    ex:NamedShape a sh:NodeShape ; sh:property ex:NamedNameShape .
    ex:NamedNameShape a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 ;
        sh:datatype xsd:string .
    ex:DefinedShape a sh:NodeShape ;
        sh:property [ sh:path ex:definition ; sh:minCount 2 ; sh:uniqueLang true ;
                      sh:languageIn ( "de" "en" ) ] .
    """,
    """
    ex:a1 a ex:A ; ex:name "a1" .
    ex:b1 a ex:B ; ex:name "b1" .
    ex:ab a ex:A, ex:B ; ex:name "ab" .
    ex:c1 a ex:A, ex:C ; ex:name "c1" .
    ex:nameless a ex:A .
    ex:ok a ex:Item ; ex:name "ok" ; ex:when "2024"^^xsd:gYear ; ex:ref ex:a1 ;
        ex:title "T"@de ; ex:part ex:a1, ex:b1 .
    ex:bad a ex:Item ; ex:name "x", "y", "z" ;
        ex:when "2024-13-01"^^xsd:date, "soon", "2024-05-01"^^xsd:date ;
        ex:ref ex:ab, ex:c1, ex:nameless, "lit" ;
        ex:title "T"@de, "U"@de-CH, "V"@en ; ex:part ex:ab, ex:a1 ;
        ex:definition "d"@de, "e"@en .
    ex:empty a ex:Item .
    """,
)

NODE = (
    """
    ex:RefShape a sh:NodeShape ; sh:targetClass ex:Item ;
        sh:property [ sh:path ex:ref ; sh:node ex:NamedShape ] .
    ex:NamedShape a sh:NodeShape ; sh:property ex:NamedNameShape .
    ex:NamedNameShape a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 ;
        sh:datatype xsd:string .
    """,
    """
    ex:named ex:name "n" .
    ex:nameless ex:other "x" .
    ex:item a ex:Item ; ex:ref ex:named, ex:nameless, "lit" .
    ex:item2 a ex:Item ; ex:ref ex:nameless .
    """,
)

PATHS = (
    """
    ex:PathShape a sh:NodeShape ; sh:targetNode ex:root ;
        sh:property [ sh:path [ sh:inversePath ex:parent ] ; sh:minCount 3 ] ,
            [ sh:path ( ex:child ex:name ) ; sh:datatype xsd:string ] ,
            [ sh:path [ sh:alternativePath ( ex:a ex:b ) ] ; sh:maxCount 1 ] ,
            [ sh:path [ sh:zeroOrMorePath ex:next ] ; sh:class ex:Node ] ,
            [ sh:path [ sh:oneOrMorePath ex:next ] ; sh:minCount 5 ] ,
            [ sh:path [ sh:zeroOrOnePath ex:next ] ; sh:nodeKind sh:Literal ] ,
            [ sh:path ( ex:child [ sh:inversePath ex:child ] ) ; sh:maxCount 1 ] .
    """,
    """
    ex:root a ex:Node ; ex:child ex:c1, ex:c2 ; ex:a "1" ; ex:b "2" ; ex:next ex:n1 .
    ex:c1 ex:parent ex:root ; ex:name "one" . ex:c2 ex:parent ex:root ; ex:name 2 .
    ex:other ex:child ex:c2 .
    ex:n1 a ex:Node ; ex:next ex:n2 . ex:n2 ex:next ex:root .
    """,
)

SPARQL = (
    """
    ex: sh:declare [ sh:prefix "ex" ; sh:namespace "https://example.org/ns#"^^xsd:anyURI ] .
    ex:SparqlShape a sh:NodeShape ; sh:targetClass ex:Item ; sh:severity sh:Warning ;
        sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ex: ;
            sh:message "{$this} hat {?value}"@de, "{$this} has {?value}"@en ;
            sh:select \"\"\"
                # a comment with { a brace
                SELECT $this ?value WHERE {
                    $this ex:score ?value .   # and another one }
                    FILTER (?value > 10)
                }\"\"\" ] .
    ex:PathSparqlShape a sh:PropertyShape ; sh:targetClass ex:Item ; sh:path ex:score ;
        sh:severity sh:Info ;
        sh:sparql [ sh:message "zu niedrig"@de, "too low"@en ;
            sh:select "SELECT ?value WHERE { $this $PATH ?value . FILTER (?value < 0) }" ] .
    ex:TargetShape a sh:NodeShape ;
        sh:target [ a sh:SPARQLTarget ; sh:prefixes ex: ;
            sh:select \"\"\"SELECT ?this WHERE { ?this ex:score ?value .
                FILTER (?value > 100) } # high scores\"\"\" ] ;
        sh:property ex:TargetNameShape .
    ex:TargetNameShape a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 ;
        sh:message "Name fehlt"@de, "no name"@en .
    ex:LimitedTargetShape a sh:NodeShape ;
        sh:target [ a sh:SPARQLTarget ; sh:prefixes ex: ;
            sh:select "SELECT ?this WHERE { ?this ex:score ?s } ORDER BY DESC(?this) LIMIT 1" ] ;
        sh:property ex:TargetNameShape .
    ex:OffShape a sh:NodeShape ; sh:targetClass ex:Item ; sh:deactivated true ;
        sh:property [ sh:path ex:missing ; sh:minCount 1 ] .
    ex:OffConstraintShape a sh:NodeShape ; sh:targetClass ex:Item ;
        sh:property [ sh:path ex:missing ; sh:minCount 1 ; sh:deactivated true ] .
    """,
    """
    ex:i1 a ex:Item ; ex:score 20, 5, -1 ; ex:name "i1" .
    ex:i2 a ex:Item ; ex:score 200 .
    ex:i3 a ex:Item ; ex:score 7 .
    """,
)

DUPLICATES = (
    """
    ex:NameShape a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 ;
        sh:message "Name fehlt"@de, "name missing"@en .
    ex:LabelShape a sh:PropertyShape ; sh:path ex:label ; sh:uniqueLang true .
    ex:AShape a sh:NodeShape ; sh:targetClass ex:A ; sh:property ex:NameShape, ex:LabelShape .
    ex:BShape a sh:NodeShape ; sh:targetClass ex:B ; sh:property ex:NameShape .
    ex:UnionShape a sh:NodeShape ; sh:targetClass ex:A ; sh:targetNode ex:ab ;
        sh:property [ sh:path ex:label ; sh:maxCount 3 ] .
    """,
    """
    ex:ab a ex:A, ex:B ; ex:label "x"@de, "y"@de, "z"@en, "w"@en .
    """,
)


@pytest.mark.parametrize(
    ("shapes", "data"),
    [TARGETS_AND_COUNTS, VALUES, LOGIC, PATHS, DUPLICATES],
    ids=["targets-and-counts", "values", "logic", "paths", "duplicates"],
)
def test_sparql_path_reports_what_pyshacl_reports(shapes: str, data: str):
    report = _assert_same(shapes, data)
    assert report.results, "the case should produce results"


def test_every_kind_of_term_passes_or_fails_as_in_pyshacl():
    def rows(report: ValidationReport) -> list[tuple]:
        # a blank node value has one label per parse: compared as "a blank node"
        return sorted(
            (*row[:2], "_:" if row[2].startswith("_:") else row[2], *row[3:])
            for row in report_rows(report)
        )

    expected, found = _both(*TERMS)
    assert rows(found) == rows(expected)
    tags = {r.value for r in found.results if r.component == "sh:LanguageInConstraintComponent"}
    assert '"ch"@de-ch' not in tags and '"gb"@en-gb' not in tags  # first subtag; exact tag
    assert {'"us"@en-us', '"rs"@sr-latn-rs', '"e"@en', '"plain"'} <= tags


def test_sparql_constraints_and_targets_report_what_pyshacl_reports():
    report = _assert_same(*SPARQL, messages=False)
    by_shape = {(r.focus_node[len(EX) :], r.source_shape[len(EX) :]) for r in report.results}
    assert by_shape == {
        ("i1", "SparqlShape"),
        ("i2", "SparqlShape"),
        ("i1", "PathSparqlShape"),
        ("i2", "TargetNameShape"),
        ("i3", "TargetNameShape"),
    }


def test_sparql_message_templates_are_filled_in():
    _, found = _both(*SPARQL)
    (result,) = [
        r for r in found.results if r.source_shape == EX + "SparqlShape" and "i1" in r.focus_node
    ]
    assert result.messages == {"de": f"{EX}i1 hat 20", "en": f"{EX}i1 has 20"}
    assert (result.severity, result.value) == (
        "Warning",
        '"20"^^<http://www.w3.org/2001/XMLSchema#integer>',
    )


def test_ill_typed_dates_fail_and_rdflib_forms_pass():
    report = _assert_same(*VALUES)
    bad_dates = {r.value for r in report.results if r.path == EX + "date"}
    assert '"2025-13-45"^^<http://www.w3.org/2001/XMLSchema#date>' in bad_dates
    assert '"2024-02-30"^^<http://www.w3.org/2001/XMLSchema#date>' in bad_dates
    assert not any("2024-W01-1" in v or "2024-05-01Z" in v for v in bad_dates)
    assert not any(r.path == EX + "year" and "abc" in (r.value or "") for r in report.results)


def test_node_results_leave_out_the_nested_details():
    """sh:node: pySHACL nests the value node's own results under sh:detail; both the gate
    (validation.validate) and the SPARQL path report the sh:node results only, as SHACL's
    validation report has them (sh:result, not sh:detail)."""
    expected, found = _both(*NODE)
    assert set(report_rows(found)) == set(report_rows(expected))
    assert {(r[0][len(EX) :], r[2]) for r in report_rows(found)} == {
        ("item", EX + "nameless"),
        ("item", '"lit"'),
        ("item2", EX + "nameless"),
    }


def test_duplicate_results_are_kept_as_pyshacl_keeps_them():
    report = _assert_same(*DUPLICATES)
    names = [r for r in report.results if r.path == EX + "name"]
    unique_lang = [r for r in report.results if r.component == "sh:UniqueLangConstraintComponent"]
    assert len(names) == 2 and len(unique_lang) == 2


def test_graphs_limits_the_data_validated():
    shapes = Graph().parse(data=PREFIXES + DUPLICATES[0], format="turtle")
    store = _store("ex:x a ex:A .", "https://example.org/graph/bad")
    store.load(
        (PREFIXES + 'ex:y a ex:A ; ex:name "y" .').encode(),
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode(GRAPH),
    )
    assert not validate_both_ways(store, shapes).conforms
    assert validate_both_ways(store, shapes, graphs=[GRAPH]).conforms


def test_ontology_lint_shapes_report_what_pyshacl_reports():
    """The lint's SPARQL targets and alternative paths, on an ontology with three flaws."""
    shapes = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        shapes.parse(path)
    data = Graph()
    for path in sorted((ROOT / "ontology").rglob("*.ttl")):
        data.parse(path)
    measure = URIRef("https://w3id.org/sozialgraph/ontology#Measure")
    data.remove(
        (
            measure,
            RDFS.label,
            next(o for o in data.objects(measure, RDFS.label) if o.language == "de"),
        )
    )
    data.parse(
        data=PREFIXES + '<https://w3id.org/sozialgraph/ontology#Measure> rdfs:comment "x"@fr .',
        format="turtle",
    )
    geplant = URIRef("https://w3id.org/sozialgraph/vocab/status/geplant")
    for note in list(data.objects(geplant, SKOS.definition)):
        data.remove((geplant, SKOS.definition, note))
    store = ox.Store()
    store.extend(ox.Quad(*(_ox(term) for term in triple), ox.NamedNode(GRAPH)) for triple in data)
    expected = validate(data, shapes)
    found = validate_both_ways(store, shapes)
    assert report_rows(found) == report_rows(expected)
    assert {(r.focus_node.rsplit("/", 1)[-1], r.component) for r in found.violations} >= {
        ("ontology#Measure", "sh:QualifiedMinCountConstraintComponent"),
        ("ontology#Measure", "sh:LanguageInConstraintComponent"),
        ("geplant", "sh:OrConstraintComponent"),
    }


def _ox(term):
    from rdflib import BNode, Literal

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(
        str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None
    )


def test_unsupported_features_are_listed_not_skipped():
    shapes = Graph().parse(
        data=PREFIXES
        + """
        ex:ClosedShape a sh:NodeShape ; sh:targetClass ex:A ; sh:closed true ;
            sh:property [ sh:path ex:p ; sh:equals ex:q ; sh:minInclusive 3 ] .
        ex:TargetTypeShape a sh:NodeShape ; sh:target [ a ex:MyTargetType ] .
        ex:MyComponent a sh:ConstraintComponent .
        """,
        format="turtle",
    )
    with pytest.raises(UnsupportedShapes) as raised:
        compile_shapes(shapes)
    text = "\n".join(raised.value.problems)
    for feature in (
        "sh:closed",
        "sh:equals",
        "sh:minInclusive",
        "sh:SPARQLTarget",
        "sh:ConstraintComponent",
    ):
        assert feature in text


def test_project_shapes_compile_to_one_query_per_shape_and_constraint():
    shapes = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        shapes.parse(path)
    compiled = compile_shapes(shapes)
    components = {c.component for c in compiled}
    assert {
        "SPARQLConstraintComponent",
        "OrConstraintComponent",
        "PatternConstraintComponent",
        "QualifiedMinCountConstraintComponent",
        "UniqueLangConstraintComponent",
    } <= components
    period = [
        c
        for c in compiled
        if c.source_shape == URIRef("https://w3id.org/sozialgraph/shapes#PeriodShape")
    ]
    assert len(period) == 1 and period[0].query.lstrip().startswith("PREFIX")
    store = ox.Store()
    for c in compiled:  # every query parses and runs on an empty store
        assert list(store.query(c.query, custom_functions=custom_functions())) == []


def test_ill_typed_literals_are_reported_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    """rdflib would log a traceback per ill-typed literal; the gate's report says it once."""
    from sozialgraph.rdf_io import to_rdflib

    date = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
    triple = ox.Triple(
        ox.NamedNode("https://example.org/m"),
        ox.NamedNode("https://example.org/due"),
        ox.Literal("2024-13-01", datatype=date),
    )
    graph = Graph()
    with caplog.at_level(logging.WARNING):
        to_rdflib([triple], graph)
    assert len(graph) == 1
    assert not [r for r in caplog.records if r.name.startswith("rdflib")]
