"""How the remote store writes blank nodes and large inserts (Virtuoso's limits, any engine)."""

from __future__ import annotations

import itertools
import json

import pyoxigraph as ox

from sozialgraph.store.remote_dialect import (
    DATA_TRIPLES,
    TEMPLATE_TRIPLES,
    insert_block,
    plain_blank_nodes,
    standard_terms,
)

G = ox.NamedNode("https://example.org/graph/a")
H = ox.NamedNode("https://example.org/graph/b")
P = ox.NamedNode("https://example.org/p")


def _apply(update: str) -> ox.Store:
    store = ox.Store()
    store.update(update)
    return store


def test_ground_quads_go_in_bounded_insert_data_and_blank_nodes_in_templates() -> None:
    ground = [
        ox.Quad(ox.NamedNode(f"https://example.org/s{i}"), P, ox.Literal(str(i)), G)
        for i in range(DATA_TRIPLES * 2 + 1)
    ]
    # chains of blank nodes, each longer than half a template: never split across templates
    chains = []
    for _chain in range(3):
        nodes = [ox.BlankNode() for _ in range(TEMPLATE_TRIPLES // 2 + 10)]
        chains += [ox.Quad(a, P, b, H) for a, b in itertools.pairwise(nodes)]
    update = insert_block(ground + chains)
    assert update.count("INSERT DATA") == 3
    assert update.count("} WHERE {}") == 3  # one template a chain
    assert "_:" not in update.split("INSERT {", 1)[0]  # no blank node in INSERT DATA
    store = _apply(update)
    assert len(store) == len(ground) + len(chains)
    # each chain stays connected: as many distinct blank subjects as in the input
    subjects = {q.subject for q in store.quads_for_pattern(None, None, None, H)}
    assert len(subjects) == len({q.subject for q in chains})


def test_one_template_per_graph() -> None:
    node = ox.BlankNode()
    quads = [ox.Quad(node, P, ox.Literal("a"), G), ox.Quad(ox.BlankNode(), P, ox.Literal("b"), H)]
    update = insert_block(quads)
    assert update.count("} WHERE {}") == 2
    assert len(_apply(update)) == 2


def test_virtuoso_blank_nodes_become_labels() -> None:
    content = b'{"head":{"vars":["b"]},"results":{"bindings":[{"b": { "type": "bnode", "value": "nodeID://b10000" }}]}}'
    parsed = ox.parse_query_results(plain_blank_nodes(content), format=ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    assert [row["b"] for row in parsed] == [ox.BlankNode("b10000")]


def test_virtuoso_booleans_become_true_and_false() -> None:
    """Virtuoso's JSON (measured, 7.2.5) writes xsd:boolean values as "1"/"0"."""
    xsd = "http://www.w3.org/2001/XMLSchema#"

    def cell(datatype: str, value: str) -> str:
        return f'{{ "type": "typed-literal", "datatype": "{xsd}{datatype}", "value": "{value}" }}'

    row_json = (
        f'"v": {cell("boolean", "1")}, "w": {cell("boolean", "0")}, "n": {cell("integer", "1")}'
    )
    content = (
        '{"head":{"vars":["v","w","n"]},"results":{"bindings":[{' + row_json + "}]}}"
    ).encode()
    parsed = ox.parse_query_results(standard_terms(content), format=ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    row = next(iter(parsed))
    assert [row["v"], row["w"], row["n"]] == [
        ox.Literal(True),
        ox.Literal(False),
        ox.Literal(1),
    ]
    assert [str(t) for t in (row["v"], row["w"])] == [
        f'"true"^^<{xsd}boolean>',
        f'"false"^^<{xsd}boolean>',
    ]


def test_virtuoso_is_asked_for_json_and_n_triples_and_pyoxigraph_writes_the_rest() -> None:
    from sozialgraph.formats import CSV, N_QUADS, N_TRIPLES, SPARQL_JSON, SPARQL_XML, TRIG, TSV
    from sozialgraph.store.remote_dialect import reserialized, transfer_type

    assert [transfer_type(t) for t in (CSV, TSV, SPARQL_XML, SPARQL_JSON)] == [SPARQL_JSON] * 4
    assert [transfer_type(t) for t in (N_QUADS, TRIG, N_TRIPLES)] == [N_TRIPLES] * 3
    rows = (
        b'{"head":{"vars":["s","n"]},"results":{"bindings":[{"s":{"type":"uri",'
        b'"value":"https://example.org/a"},"n":{"type":"literal","value":"x, \\"y\\""}}]}}'
    )
    assert reserialized(rows, SPARQL_JSON, CSV) == b's,n\r\nhttps://example.org/a,"x, ""y"""\r\n'
    ask = reserialized(b'{"head":{},"boolean":true}', SPARQL_JSON, SPARQL_XML)
    assert b"<boolean>true</boolean>" in ask
    triples = b'<https://example.org/a> <https://example.org/p> "v"@de .\n'
    assert reserialized(triples, N_TRIPLES, N_QUADS) == triples
    assert reserialized(triples.replace(b"> <", b">\t<"), N_TRIPLES, N_TRIPLES) == triples
    head = reserialized(b'{"head":{"link":[]},"boolean":true}', SPARQL_JSON, SPARQL_JSON)
    assert json.loads(head) == {"head": {}, "boolean": True}


def test_virtuoso_syntax_errors_get_line_and_column_from_the_query_it_echoes() -> None:
    from sozialgraph.store.sparql_protocol import syntax_error

    message = (
        "Virtuoso 37000 Error SP030: SPARQL compiler, line 4: syntax error at '}' before '}'\n\n"
        "SPARQL query:\nBASE <http://127.0.0.1:8000/sparql>\nSELECT * WHERE {\n  ?s ?p \n}"
    )
    error = syntax_error(message, line_offset=1)  # the BASE line in front of the user's query
    assert (error.line, error.column) == (3, 1)
    assert str(error.message).startswith("line 3, column 1: Virtuoso 37000 Error SP030")
    assert "line 3: syntax error" in str(error.message) and "SPARQL query" not in str(error.message)
    assert syntax_error("Virtuoso 37000 Error SR171: Transaction timed out").line is None
