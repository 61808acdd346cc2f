"""Well-formed literals and ``sh:pattern`` as pySHACL judges them, for the compiled queries.

pySHACL accepts a typed literal for ``sh:datatype`` unless rdflib cannot convert it, and matches
``sh:pattern`` with Python's ``re.search``. The compiled queries settle what a strict lexical
pattern can in SPARQL and leave the rest to these custom SPARQL functions, which ask rdflib and
Python themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import TypeAlias

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node, _toPythonMapping  # rdflib's lexical converters, as pySHACL uses them

#: Custom SPARQL functions the compiled queries call (pySHACL's own judgement, in Python).
DATATYPE_MATCH = "urn:x-sozialgraph:shacl:datatype-match"
PATTERN_MATCH = "urn:x-sozialgraph:shacl:pattern-match"

#: A custom function as ``pyoxigraph.Store.query`` takes it.
CustomFunction: TypeAlias = Callable[
    ..., ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None
]

_BOOLEAN = ox.NamedNode(str(XSD.boolean))
_TRUE = ox.Literal("true", datatype=_BOOLEAN)
_FALSE = ox.Literal("false", datatype=_BOOLEAN)

#: Lexical forms that rdflib surely converts (checked in SPARQL; anything else goes to rdflib).
SURELY_WELL_FORMED: dict[Node, str] = {
    XSD.date: (
        'REGEX(STR({v}), "^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}(Z|[+-][0-9]{{2}}:[0-9]{{2}})?$")'
        ' && !STRSTARTS(STR({v}), "0000") && COALESCE(isLiteral(<' + str(XSD.date) + ">(STR({v}))),"
        " false)"
    ),
    XSD.integer: 'REGEX(STR({v}), "^[+-]?[0-9]+$")',
    XSD.boolean: 'STR({v}) IN ("true", "false", "1", "0")',
}
# pySHACL's check of the converted value for these datatypes (DatatypeConstraintComponent).
_PYTHON_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: dt.date,
    XSD.time: dt.time,
    XSD.dateTime: dt.datetime,
}


def rdflib_converts(datatype: Node) -> bool:
    """Whether rdflib converts literals of ``datatype`` (if not, any lexical form matches)."""
    return isinstance(datatype, URIRef) and _toPythonMapping.get(datatype) is not None


def custom_functions() -> dict[ox.NamedNode, CustomFunction]:
    """The custom functions the compiled queries call; pass them to ``Store.query``."""
    return {
        ox.NamedNode(DATATYPE_MATCH): _datatype_match,
        ox.NamedNode(PATTERN_MATCH): _pattern_match,
    }


def _datatype_match(value: ox.Literal, datatype: ox.NamedNode) -> ox.Literal:
    """pySHACL's verdict on a literal of the right datatype: is it well-formed for rdflib?"""
    literal = Literal(value.value, datatype=URIRef(datatype.value))
    if literal.ill_typed is True:
        return _FALSE
    expected = _PYTHON_TYPES.get(URIRef(datatype.value))
    return _TRUE if expected is None or isinstance(literal.value, expected) else _FALSE


def _pattern_match(text: ox.Literal, pattern: ox.Literal, flags: ox.Literal) -> ox.Literal:
    """pySHACL's sh:pattern: Python ``re.search`` with the flags ``i`` and ``m``."""
    return _TRUE if _regex(pattern.value, flags.value).search(text.value) else _FALSE


@cache
def _regex(pattern: str, flags: str) -> re.Pattern[str]:
    options = (re.IGNORECASE if "i" in flags else 0) | (re.MULTILINE if "m" in flags else 0)
    return re.compile(pattern, options)
