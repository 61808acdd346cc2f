"""Which SHACL-SPARQL constraints read only the focus node's own triples (scoped writes)."""

from __future__ import annotations

import pytest

from sozialgraph.validation.sparql.locality import reads_only_focus

PREFIXES = "PREFIX sg: <https://w3id.org/sozialgraph/ontology#>\n"


def test_the_period_constraint_reads_only_the_focus_node() -> None:
    select = """SELECT $this ?value (sg:endDate AS ?path) WHERE {
        $this sg:startDate ?start ; sg:endDate ?value .
        BIND (STR(?start) AS ?s) BIND (STR(?value) AS ?e)
        FILTER (SUBSTR(?e, 1, 4) < SUBSTR(?s, 1, 4)) }"""
    assert reads_only_focus(PREFIXES + select)


@pytest.mark.parametrize(
    "where",
    [
        "$this sg:a ?x . ?x sg:b ?y",  # another subject
        "?x sg:a $this",  # $this as object
        "$this sg:a/sg:b ?x",  # a path reaches other subjects
        "$this sg:a* ?x",
        "$this ^sg:a ?x",
        "$this ?p ?x",  # not a plain IRI
        "$this sg:a ?x FILTER NOT EXISTS { ?y sg:b $this }",
        "$this sg:a ?x { SELECT ?x WHERE { ?x sg:b ?z } }",
        "$this sg:a ?x MINUS { $this sg:b ?x }",
        "GRAPH ?g { $this sg:a ?x }",
        "{ $this sg:a ?x } UNION { ?y sg:b $this }",
    ],
)
def test_constraints_that_may_read_other_nodes_are_not_scoped(where: str) -> None:
    assert not reads_only_focus(PREFIXES + f"SELECT $this WHERE {{ {where} }}")


def test_a_query_that_does_not_parse_is_not_scoped() -> None:
    assert not reads_only_focus("SELECT $this WHERE { $this sg:a ?x }")  # undeclared prefix
