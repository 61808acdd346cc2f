"""What the remote store does differently for one engine: Virtuoso 7 (docs/remote-store.md).

Measured on Virtuoso 7.2.5 (``tests/integration/test_remote_store.py``,
``tests/virtuoso_server.py``):

- ``INSERT DATA`` refuses blank nodes (SP031); ``INSERT { … } WHERE {}`` takes them. Every engine
  gets the quads with blank nodes in such templates (the blank nodes are new either way), the
  others stay in ``INSERT DATA``; both in operations of bounded size (below).
- Its blank nodes come back as ``nodeID://b10000`` in SPARQL JSON results, which is no blank node
  label: the prefix is taken off before parsing; its JSON booleans (``"1"``/``"0"``) become
  ``true``/``false``.
- ``GRAPH ?g { }`` finds no graph there, and its own graphs (``virtrdf#``, ``ldp#``,
  ``localuriqaserver``) are part of every listing: on Virtuoso the graphs are found through their
  triples, and its own are left out (every other graph is listed, as on other engines).
- ``ResultSetMaxRows`` cuts a SELECT silently with ``200``, marked only by the header
  ``X-SPARQL-MaxRows: N`` (also sent when the answer has exactly N rows, so such an answer counts
  as cut too). A CONSTRUCT and a Graph Store ``GET`` are cut without any mark: the store compares
  a graph it reads with the graph's triple count, and reads all graphs graph by graph.
- Its own CSV, TSV and XML results and its RDF serialisations differ from the standard ones in
  details (quoting of CSV headers, no N-Quads or TriG at all): on Virtuoso, results are asked for
  as SPARQL JSON and graphs as N-Triples, and pyoxigraph writes what the client asked for
  (``transfer_type``, ``reserialized``).
- Its SPARQL compiler answers some property paths wrongly (no rows, or its process dies): the
  named queries that need another text for it have one in ``queries/virtuoso/`` (the registry's
  dialect :data:`VIRTUOSO`, which the query backend chooses by :func:`query_dialect`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator

import httpx
import pyoxigraph as ox

from sozialgraph.errors import ResultTooLarge
from sozialgraph.formats import BY_MEDIA_TYPE, N_TRIPLES, SPARQL_JSON
from sozialgraph.store.sparql_text import insert_data_block

MAX_ROWS_HEADER = "x-sparql-maxrows"
#: The registry's dialect of Virtuoso: its own texts of named queries (``queries/virtuoso/``).
VIRTUOSO = "virtuoso"
#: Triples of one ``INSERT {…} WHERE {}`` template (Virtuoso 7.2.5 took 1,000, refused 2,000:
#: "generated SQL text has exceeded 10000 lines") and of one ``INSERT DATA`` (it took 5 × 2,000 in
#: one request, but its parser ran out of memory in one ``INSERT DATA`` of 30,000).
TEMPLATE_TRIPLES = 500
DATA_TRIPLES = 2000
_NODE_ID = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
_BOOLEAN = b"http://www.w3.org/2001/XMLSchema#boolean"
_JSON_BOOLEAN = re.compile(
    rb'("datatype"\s*:\s*"' + re.escape(_BOOLEAN) + rb'"\s*,\s*"value"\s*:\s*")([01])"'
)


def is_virtuoso(response: httpx.Response) -> bool:
    """Whether the answer came from Virtuoso (its ``Server`` header: ``Virtuoso/07.20.3229 …``)."""
    return response.headers.get("server", "").lower().startswith("virtuoso")


def query_dialect(virtuoso: bool) -> str | None:
    """The dialect of named queries for the server (None: the standard texts)."""
    return VIRTUOSO if virtuoso else None


def row_limit_cut(response: httpx.Response, server: str) -> ResultTooLarge | None:
    """The error for a result the server cut at its row limit, or None."""
    rows = response.headers.get(MAX_ROWS_HEADER)
    if rows is None:
        return None
    return ResultTooLarge(
        f"the SPARQL server at {server} answered only its first {rows} rows (its row limit, "
        "X-SPARQL-MaxRows); add LIMIT or narrow the query",
        de=f"Der SPARQL-Server {server} hat nur seine ersten {rows} Zeilen geliefert "
        "(sein Zeilenlimit); LIMIT ergänzen oder die Abfrage eingrenzen",
    )


def graph_cut(graph: str, got: int, server: str) -> ResultTooLarge:
    """A graph read whose triple count differs from the graph's (Virtuoso cuts it silently)."""
    return ResultTooLarge(
        f"the SPARQL server at {server} sent {got} triples of the graph <{graph}>, which holds "
        "another number: cut at its row limit (Virtuoso: ResultSetMaxRows) or changed meanwhile"
    )


def plain_blank_nodes(content: bytes) -> bytes:
    """SPARQL JSON or XML results with Virtuoso's ``nodeID://b1`` blank nodes as ``b1``."""
    if b"nodeID://" not in content:
        return content
    return _NODE_ID.sub(rb"\1", content).replace(b"<bnode>nodeID://", b"<bnode>")


def standard_terms(content: bytes) -> bytes:
    """SPARQL JSON or XML results with Virtuoso's own forms of terms in the standard one:
    blank nodes without ``nodeID://`` and booleans ``"1"``/``"0"`` (a valid but uncommon
    lexical form, which Virtuoso's JSON gives ``xsd:boolean`` values) as ``true``/``false``."""
    content = plain_blank_nodes(content)
    if _BOOLEAN not in content:
        return content
    return _JSON_BOOLEAN.sub(
        lambda m: m[1] + (b"true" if m[2] == b"1" else b"false") + b'"', content
    )


def has_blank_node(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def insert_block(quads: Iterable[ox.Quad]) -> str:
    """The update operations that insert ``quads``: ``INSERT DATA {…}`` of at most
    :data:`DATA_TRIPLES` ground quads each, then ``INSERT {…} WHERE {}`` for the quads with blank
    nodes, one graph per template (Virtuoso fails on two) of about :data:`TEMPLATE_TRIPLES`, each
    blank node with all its triples in one template. A blank node is local to its graph here (as
    in sozialgraph's data: each graph comes from one file)."""
    ground: list[ox.Quad] = []
    blank: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        if has_blank_node(quad):
            blank.setdefault(str(quad.graph_name), []).append(quad)
        else:
            ground.append(quad)
    parts = [
        insert_data_block(ground[start : start + DATA_TRIPLES])
        for start in range(0, max(len(ground), 1), DATA_TRIPLES)
    ]
    for members in blank.values():
        parts.extend(map(_template, _by_blank_node(members)))
    return " ;\n".join(parts)


def _by_blank_node(quads: list[ox.Quad]) -> Iterator[list[ox.Quad]]:
    """The quads in groups of about TEMPLATE_TRIPLES, never splitting a blank node's quads."""
    parent: dict[ox.BlankNode, ox.BlankNode] = {}

    def root(node: ox.BlankNode) -> ox.BlankNode:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for quad in quads:
        nodes = [t for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]
        for other in nodes[1:]:
            parent[root(other)] = root(nodes[0])
    components: dict[ox.BlankNode, list[ox.Quad]] = {}
    for quad in quads:
        node = quad.subject if isinstance(quad.subject, ox.BlankNode) else quad.object
        components.setdefault(root(node), []).append(quad)  # type: ignore[arg-type]
    group: list[ox.Quad] = []
    for members in components.values():
        if group and len(group) + len(members) > TEMPLATE_TRIPLES:
            yield group
            group = []
        group.extend(members)
    if group:
        yield group


def _template(quads: list[ox.Quad]) -> str:
    by_graph: dict[str, list[ox.Triple]] = {}
    for quad in quads:
        if not isinstance(quad.graph_name, ox.NamedNode):
            raise ValueError("only named graphs are written")
        by_graph.setdefault(str(quad.graph_name), []).append(quad.triple)
    parts = []
    for graph, triples in by_graph.items():
        buffer = io.BytesIO()
        ox.serialize(triples, buffer, format=ox.RdfFormat.N_TRIPLES)
        parts.append(f"GRAPH {graph} {{\n{buffer.getvalue().decode('utf-8')}}}")
    return "INSERT {\n" + "\n".join(parts) + "\n} WHERE {}"


#: The graphs a new Virtuoso 7.2 database holds (its RDF views, LDP, URIQA), which no
#: ``DROP ALL`` removes: a store with nothing else is empty.
SERVER_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/",
)


def server_graphs_filter(variable: str) -> str:
    """A FILTER that leaves out Virtuoso's own graphs (:data:`SERVER_GRAPHS`)."""
    kept = " && ".join(f"!STRSTARTS(STR({variable}), {ox.Literal(g)})" for g in SERVER_GRAPHS)
    return f"FILTER({kept})"


def transfer_type(media_type: str) -> str:
    """What to ask Virtuoso for when a client wants ``media_type``: SPARQL JSON for results,
    N-Triples for graphs (the two it writes in the standard form)."""
    fmt = BY_MEDIA_TYPE.get(media_type)
    if fmt is None:
        return media_type
    if fmt.results is not None:
        return SPARQL_JSON
    return N_TRIPLES if fmt.rdf is not None else media_type


def reserialized(content: bytes, asked: str, wanted: str) -> bytes:
    """``content`` (in ``asked``, from ``transfer_type``) written as ``wanted`` by pyoxigraph
    (also when the two are the same: Virtuoso's JSON has extras, e.g. ``"link": []`` in an
    ``ASK`` answer's head, and its N-Triples tabs)."""
    fmt, out = BY_MEDIA_TYPE[wanted], io.BytesIO()
    if fmt.results is not None:
        parsed = ox.parse_query_results(content, format=ox.QueryResultsFormat.JSON)
        parsed.serialize(out, format=fmt.results)
    else:
        assert fmt.rdf is not None
        ox.serialize(ox.parse(content, format=ox.RdfFormat.N_TRIPLES), out, format=fmt.rdf)
    return out.getvalue()
