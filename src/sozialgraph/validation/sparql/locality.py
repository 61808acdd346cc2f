"""Whether a SHACL-SPARQL constraint reads nothing but the focus node's own triples.

Such a constraint's results for a focus node depend on the triples whose subject is that node
only, so a write that changes no triple of a node cannot change its results: the constraint may
run for the affected nodes alone (``VALUES ?this``). The check is conservative: the query is
parsed (rdflib) and accepted only if every triple pattern has ``$this`` as its subject and a
plain IRI as its predicate, with no property path, sub-query, EXISTS, MINUS, GRAPH, SERVICE,
VALUES or grouping anywhere; anything else (or a query rdflib cannot parse) reads "anything".
"""

from __future__ import annotations

from rdflib import URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue, Expr

THIS = Variable("this")

#: Algebra operators that only combine, filter or extend the solutions of their patterns.
_PLAIN = frozenset({"Project", "Distinct", "Reduced", "Filter", "Extend", "Join", "LeftJoin"})
_EXISTS = frozenset({"Builtin_EXISTS", "Builtin_NOTEXISTS"})


def reads_only_focus(select: str) -> bool:
    """True when the SELECT query ``select`` (prefixes declared, ``$this`` unbound) reads
    triples with ``$this`` as their subject only."""
    try:
        query = prepareQuery(select)
    except Exception:  # whatever rdflib cannot read is read as "anything"
        return False
    algebra = query.algebra
    if algebra.name != "SelectQuery" or algebra.get("datasetClause"):
        return False
    return _local(algebra["p"])


def _local(node: object) -> bool:
    if isinstance(node, Expr):  # an expression: reads data only through EXISTS
        return node.name not in _EXISTS and all(_local(v) for v in node.values())
    if isinstance(node, CompValue):
        if node.name == "BGP":
            return all(_own_triple(triple) for triple in node["triples"])
        return node.name in _PLAIN and all(_local(v) for v in node.values())
    if isinstance(node, list | tuple | set | frozenset):
        return all(_local(v) for v in node)
    return True  # terms, operators, variable sets


def _own_triple(triple: tuple[object, object, object]) -> bool:
    subject, predicate, _ = triple
    return subject == THIS and isinstance(predicate, URIRef)
