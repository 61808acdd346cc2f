"""SHACL shapes compiled to SPARQL and run on the store: the gate for graphs too big for pySHACL.

pySHACL needs the data as an rdflib ``Graph``, which is slow and large at a million triples. Here
each (shape, constraint) of the shapes graph becomes one SELECT query that finds the violating
focus nodes (and values) on a pyoxigraph store. The report is that of
:func:`sozialgraph.validation.report.validate`: same focus node, path, value, component,
source shape, severity and messages, duplicates included (pySHACL reports a property shape
once for every node shape that uses it and targets the focus node).

Where pySHACL reads SHACL in its own way, this path does the same, since both must agree:

- a typed literal matches ``sh:datatype`` unless rdflib cannot convert it
  (``"2025-13-45"^^xsd:date`` fails; ``"abc"^^xsd:gYear`` passes, rdflib has no converter for
  it); the few literals that the query cannot settle by a strict lexical pattern are judged by
  rdflib itself, through a custom SPARQL function;
- ``sh:pattern`` uses Python's ``re.search`` (also through a custom function), not XPath regexes;
- ``sh:languageIn`` matches a tag or its first subtag, case-insensitively;
- SPARQL constraints are evaluated once with ``$this`` joined to the focus nodes (the pre-binding
  restrictions of SHACL-SPARQL make this equivalent); ``?failure`` gives one result per focus node.

Known differences: literals are compared as terms (``sh:in``, ``sh:hasValue``), and rdflib
normalises a few lexical forms on load (``"01"^^xsd:integer``) where oxigraph keeps them; for
``sh:node`` only the top-level result is reported, while ``validation.validate`` also lists the
nested ``sh:detail`` results pySHACL attaches to it; messages of SPARQL constraints have their
``{?var}`` templates filled in. Shapes without ``sh:message`` get no generic message (pySHACL
writes an English one). Constructs outside the supported set raise :class:`UnsupportedShapes`,
listing each, so that no shape is skipped silently.

The modules, in the order a shape passes through them:

- ``shapes``: reading the shapes graph (supported components, paths, terms, problems);
- ``conditions``: conformance of one value node as a SPARQL expression;
- ``compile``: one query per (shape, constraint), with its targets;
- ``scans``: the same constraints as one scan of their path, for classes with many instances;
- ``literals``: the custom functions for well-formed literals and ``sh:pattern``;
- ``sparql_text``: prologues, braces and string literals in SPARQL text;
- ``evaluate``: the queries run on a store and read as a ``ValidationReport``.
"""

from __future__ import annotations

from sozialgraph.validation.sparql.compile import CompiledConstraint, compile_shapes
from sozialgraph.validation.sparql.evaluate import validate_store
from sozialgraph.validation.sparql.literals import (
    DATATYPE_MATCH,
    PATTERN_MATCH,
    custom_functions,
)
from sozialgraph.validation.sparql.shapes import UnsupportedShapes

__all__ = [
    "DATATYPE_MATCH",
    "PATTERN_MATCH",
    "CompiledConstraint",
    "UnsupportedShapes",
    "compile_shapes",
    "custom_functions",
    "validate_store",
]
