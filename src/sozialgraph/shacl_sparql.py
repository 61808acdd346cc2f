"""SHACL shapes compiled to SPARQL and run on the store: the gate for graphs too big for pySHACL.

pySHACL needs the data as an rdflib ``Graph``, which is slow and large at a million triples. Here
each (shape, constraint) of the shapes graph becomes one SELECT query that finds the violating
focus nodes (and values) on a pyoxigraph store. The report is that of
:func:`sozialgraph.validation.validate`: same focus node, path, value, component, source shape,
severity and messages, duplicates included (pySHACL reports a property shape once for every node
shape that uses it and targets the focus node).

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
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node, _toPythonMapping  # rdflib's lexical converters, as pySHACL uses them

from sozialgraph.errors import SozialgraphError
from sozialgraph.rdf_io import to_rdflib_term
from sozialgraph.validation import SEVERITY_NAMES, ValidationReport, ValidationResult

#: Custom SPARQL functions the compiled queries call (pySHACL's own judgement, in Python).
DATATYPE_MATCH = "urn:x-sozialgraph:shacl:datatype-match"
PATTERN_MATCH = "urn:x-sozialgraph:shacl:pattern-match"

_TYPE_OF = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
# IRIs, strings and comments (left alone) or variables (renamed) in SPARQL text.
_SPARQL_TOKENS = re.compile(
    r"<[^<>\"{}|^`\\\s]*>"  # IRI
    r'|"""[\s\S]*?"""' + r"|'''[\s\S]*?'''"  # long strings
    r'|"(?:[^"\\\n]|\\.)*"' + r"|'(?:[^'\\\n]|\\.)*'"  # strings
    r"|#[^\n]*"  # comment
    r"|[?$][A-Za-z_][A-Za-z0-9_]*"  # variable
)
_MAX_NESTED_COUNT = 6  # nested counts become n-way joins; more would be slow
_BOOLEAN = ox.NamedNode(str(XSD.boolean))
_TRUE = ox.Literal("true", datatype=_BOOLEAN)
_FALSE = ox.Literal("false", datatype=_BOOLEAN)

# Value-level constraints: each value node is checked on its own (property shapes: the values of
# the path; node shapes: the focus node itself). Parameter -> constraint component.
_VALUE_COMPONENTS = {
    SH["class"]: "ClassConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent",
    SH.node: "NodeConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH["and"]: "AndConstraintComponent",
    SH["not"]: "NotConstraintComponent",
    SH.xone: "XoneConstraintComponent",
}
# Constraints on the set of values of a property shape; no sh:value in their results.
_SET_COMPONENTS = {
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent",
    SH.qualifiedValueShape: "QualifiedValueShapeConstraintComponent",
}
# Parameters that need no query of their own (read together with another, or not validating).
_PASSIVE = {
    SH.path, SH.property, SH.sparql, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
    SH.targetObjectsOf, SH.target, SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint, SH.message, SH.severity, SH.deactivated, SH.name,
    SH.description, SH.order, SH.group, SH.defaultValue, SH.declare, SH.prefixes,
}  # fmt: skip
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
# Lexical forms that rdflib surely converts (checked in SPARQL; anything else goes to rdflib).
_SURELY_WELL_FORMED = {
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


class UnsupportedShapes(SozialgraphError):
    """The shapes use SHACL features that the SPARQL path does not check."""

    title = "Unsupported SHACL shapes"

    def __init__(self, problems: list[str]) -> None:
        listing = "\n".join(f"- {problem}" for problem in problems)
        super().__init__(
            f"The shapes use SHACL features that cannot be compiled to SPARQL:\n{listing}",
            de=f"Die Formen nutzen SHACL-Funktionen, die nicht nach SPARQL übersetzt werden:\n"
            f"{listing}",
        )
        self.problems = problems


@dataclass(frozen=True)
class CompiledConstraint:
    """One SELECT query for one constraint of one shape, and what its results report.

    The query binds ``?this`` (the focus node) and, where the component reports one, ``?value``;
    a SPARQL constraint may also bind ``?path``, ``?failure`` and variables used in its messages.
    """

    query: str
    component: str
    source_shape: Node
    path: Node | None
    severity: str
    messages: dict[str, str] = field(default_factory=dict)
    sparql: bool = False  # a sh:sparql constraint (SHACL-SPARQL result rules apply)
    is_property_shape: bool = False


def validate_store(
    store: ox.Store,
    shapes: Graph,
    *,
    graphs: list[str] | None = None,
    workers: int | None = None,
) -> ValidationReport:
    """Validate the store's data against ``shapes``, as :func:`validation.validate` would.

    The data are the union of all graphs, or of ``graphs`` (named graph IRIs) when given; the
    class hierarchy (rdfs:subClassOf) must be among them, as for pySHACL. Queries run on
    ``workers`` threads (the store releases the GIL while it evaluates); by default one per CPU,
    at most four.
    """
    options: dict[str, object] = {"custom_functions": custom_functions()}
    if graphs is None:
        options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = [ox.NamedNode(name) for name in graphs]

    def run(compiled: CompiledConstraint) -> list[ValidationResult]:
        return list(_results(compiled, _solutions(store, compiled.query, options)))

    compiled = compile_shapes(shapes)
    with ThreadPoolExecutor(max(1, workers or min(4, os.cpu_count() or 1))) as pool:
        results = [result for found in pool.map(run, compiled) for result in found]
    results.sort(key=lambda r: (r.focus_node, r.path or "", r.component))
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(conforms=conforms, results=tuple(results))


def compile_shapes(shapes: Graph) -> list[CompiledConstraint]:
    """One query per (shape, constraint) of every shape with targets, in a stable order."""
    return _Compiler(shapes).compile()


def custom_functions() -> dict[ox.NamedNode, Callable[..., ox.Literal | None]]:
    """The custom functions the compiled queries call; pass them to ``Store.query``."""
    return {
        ox.NamedNode(DATATYPE_MATCH): _datatype_match,
        ox.NamedNode(PATTERN_MATCH): _pattern_match,
    }


# --- Running -------------------------------------------------------------------------------------


Term = ox.NamedNode | ox.BlankNode | ox.Literal


def _solutions(store: ox.Store, query: str, options: dict[str, object]) -> list[dict[str, Term]]:
    """The bound variables of each solution, read on this thread (pyoxigraph's result objects
    must not be dropped on another one)."""
    solutions = store.query(query, **options)  # type: ignore[arg-type]
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError(f"not a SELECT query: {query}")
    names = [variable.value for variable in solutions.variables]
    rows: list[dict[str, Term]] = []
    for solution in solutions:
        rows.append({name: solution[name] for name in names if solution[name] is not None})
        del solution
    del solutions
    return rows


def _results(
    compiled: CompiledConstraint, rows: list[dict[str, Term]]
) -> Iterator[ValidationResult]:
    seen: set[tuple[object, ...]] = set()
    for bound in rows:
        focus = bound.get("this")
        if focus is None:
            continue
        value = bound.get("value")
        path: Node | None = compiled.path
        messages = compiled.messages
        if compiled.sparql:
            if "failure" in bound:  # pySHACL: one result per focus node, like a violation
                bound = {"this": focus}
                value = None
            key = tuple(sorted((name, str(term)) for name, term in bound.items()))
            if key in seen:  # pySHACL drops duplicate solutions
                continue
            seen.add(key)
            if value is None and not compiled.is_property_shape:
                value = focus
            if "path" in bound:
                path = to_rdflib_term(bound["path"])
            messages = _fill_in(messages, bound)
        yield ValidationResult(
            focus_node=_show(to_rdflib_term(focus)),
            path=_show(path) if path is not None else None,
            value=_show(to_rdflib_term(value)) if value is not None else None,
            component="sh:" + compiled.component,
            source_shape=_show(compiled.source_shape),
            severity=compiled.severity,
            messages=messages,
        )


def _fill_in(messages: dict[str, str], bound: dict[str, Term]) -> dict[str, str]:
    """Substitute ``{?var}`` and ``{$var}`` in SPARQL constraint messages (SHACL-SPARQL 5.3.2)."""
    filled = {}
    for lang, text in messages.items():
        for name, term in bound.items():
            text = re.sub(r"\{[?$]" + re.escape(name) + r"\}", str(to_rdflib_term(term)), text)
        filled[lang] = text
    return filled


def _show(node: Node) -> str:
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, BNode):
        return "_:" + str(node)
    return node.n3()


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


# --- Compiling -----------------------------------------------------------------------------------


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.graph = shapes
        self.problems: list[str] = []
        self._names = itertools.count()

    def compile(self) -> list[CompiledConstraint]:
        if (None, RDF.type, SH.ConstraintComponent) in self.graph:
            self.problems.append("custom constraint components (sh:ConstraintComponent)")
        compiled: list[CompiledConstraint] = []
        for root in sorted(self._roots(), key=_show):
            prologue, focus = self._focus(root)
            shapes = [root]
            if not self._is_property_shape(root):
                shapes += [p for p in self._objects(root, SH.property) if not self._deactivated(p)]
            for shape in shapes:
                compiled += [
                    replace(c, query=_merge_prologues(prologue, c.query))
                    for c in self._shape_queries(shape, focus)
                ]
        if self.problems:
            raise UnsupportedShapes(sorted(set(self.problems)))
        return compiled

    # Shapes and their parts

    def _roots(self) -> set[Node]:
        targets = (
            SH.targetClass,
            SH.targetNode,
            SH.targetSubjectsOf,
            SH.targetObjectsOf,
            SH.target,
        )
        roots = {s for p in targets for s in self.graph.subjects(p, None)}
        class_types = {RDFS.Class, *self.graph.subjects(RDFS.subClassOf, RDFS.Class)}
        for kind in (SH.NodeShape, SH.PropertyShape):
            for shape in self.graph.subjects(RDF.type, kind):
                if class_types & set(self.graph.objects(shape, RDF.type)):
                    roots.add(shape)  # implicit class target
        return {root for root in roots if not self._deactivated(root)}

    def _objects(self, node: Node, predicate: URIRef) -> list[Node]:
        return sorted(self.graph.objects(node, predicate), key=_show)

    def _list(self, node: Node) -> list[Node]:
        return list(Collection(self.graph, node))

    def _is_property_shape(self, shape: Node) -> bool:
        return (shape, SH.path, None) in self.graph

    def _deactivated(self, shape: Node) -> bool:
        return any(
            isinstance(o, Literal) and o.value is True
            for o in self.graph.objects(shape, SH.deactivated)
        )

    def _severity(self, shape: Node) -> str:
        severity = self.graph.value(shape, SH.severity)
        return next((name for iri, name in SEVERITY_NAMES.items() if iri == severity), "Violation")

    def _messages(self, node: Node) -> dict[str, str]:
        messages: dict[str, str] = {}
        for message in self.graph.objects(node, SH.message):
            if isinstance(message, Literal):
                messages.setdefault(message.language or "", str(message))
        return messages

    def _var(self, stem: str = "v") -> str:
        return f"?_{stem}{next(self._names)}"

    # Targets

    def _focus(self, shape: Node) -> tuple[str, str]:
        """A group binding ``?this`` to the focus nodes of ``shape`` (perhaps more than once, so
        every query removes duplicates), and the PREFIX declarations it needs."""
        patterns, prologues = [], []
        class_types = {RDFS.Class, *self.graph.subjects(RDFS.subClassOf, RDFS.Class)}
        classes = self._objects(shape, SH.targetClass)
        if class_types & set(self.graph.objects(shape, RDF.type)):
            classes.append(shape)
        patterns += [f"?this {_TYPE_OF} {self._term(c)} ." for c in classes]
        patterns += [
            f"VALUES ?this {{ {self._term(n)} }}" for n in self._objects(shape, SH.targetNode)
        ]
        patterns += [
            f"?this {self._term(p)} [] ." for p in self._objects(shape, SH.targetSubjectsOf)
        ]
        patterns += [
            f"[] {self._term(p)} ?this ." for p in self._objects(shape, SH.targetObjectsOf)
        ]
        for target in self._objects(shape, SH.target):
            select = self.graph.value(target, SH.select)
            if (target, RDF.type, SH.SPARQLTarget) not in self.graph or select is None:
                self.problems.append(f"{_show(shape)}: sh:target other than a sh:SPARQLTarget")
                continue
            prologue, body = _hoist_prologue(self._prologue(target) + str(select))
            prologues.append(prologue)
            patterns.append(self._inline_target(body))
        if len(patterns) == 1:
            return "".join(prologues), "{ " + patterns[0] + " }"
        # Inline groups let the store join by index; a sub-SELECT would be hash-joined in full.
        union = " UNION ".join("{ " + pattern + " }" for pattern in patterns)
        return "".join(prologues), "{ " + union + " }"

    def _inline_target(self, select: str) -> str:
        """A SPARQL target's WHERE group, its variables renamed apart, or else a sub-SELECT."""
        select = _SPARQL_TOKENS.sub(lambda m: "\n" if m[0][0] == "#" else m[0], select)
        simple = re.fullmatch(
            r"\s*SELECT\s+(DISTINCT\s+)?[?$]this\s+WHERE\s*\{(?P<body>.*)\}\s*",
            select,
            re.IGNORECASE | re.DOTALL,
        )
        if simple is None or re.search(r"\bSELECT\b", simple["body"], re.IGNORECASE):
            return "{ " + select + "\n}"
        stem = self._var("t")[1:]

        def rename(match: re.Match[str]) -> str:
            token = match.group(0)
            if token[0] == "#":
                return "\n"
            if token[0] in "?$" and token[1:] != "this":
                return f"?{stem}_{token[1:]}"
            return "?this" if token[0] in "?$" else token

        return _SPARQL_TOKENS.sub(rename, simple["body"])

    def _prologue(self, node: Node) -> str:
        """PREFIX declarations for the ``sh:prefixes`` of a SPARQL target or constraint."""
        lines = []
        for source in self.graph.objects(node, SH.prefixes):
            for declaration in self.graph.objects(source, SH.declare):
                prefix = self.graph.value(declaration, SH.prefix)
                namespace = self.graph.value(declaration, SH.namespace)
                lines.append(f"PREFIX {prefix}: <{namespace}>\n")
        return "".join(sorted(set(lines)))

    # Queries of one shape over the focus nodes of its root

    def _shape_queries(self, shape: Node, focus: str) -> list[CompiledConstraint]:
        is_property = self._is_property_shape(shape)
        path_node = self.graph.value(shape, SH.path) if is_property else None
        path = self._path(path_node) if path_node is not None else None
        self._check_parameters(shape)

        def make(
            query: str, component: str, messages: dict[str, str] | None = None
        ) -> CompiledConstraint:
            return CompiledConstraint(
                query=query,
                component=component,
                source_shape=shape,
                path=path_node,
                severity=self._severity(shape),
                messages=self._messages(shape) if messages is None else messages,
                sparql=component == "SPARQLConstraintComponent",
                is_property_shape=is_property,
            )

        compiled = []
        values = f"{focus} ?this {path} ?value ." if path else f"{focus} BIND (?this AS ?value)"
        for predicate, component in _VALUE_COMPONENTS.items():
            for obj in self._objects(shape, predicate):
                if predicate == SH["class"]:  # an anti-join beats a test per value
                    test = f"MINUS {{ ?value {_TYPE_OF} {self._term(obj)} }}"
                else:
                    test = f"FILTER (!({self._value_ok(shape, predicate, obj, '?value', ())}))"
                query = f"SELECT DISTINCT ?this ?value WHERE {{ {values} {test} }}"
                compiled.append(make(query, component))
        for predicate, component in _SET_COMPONENTS.items():
            for obj in self._objects(shape, predicate):
                if path is not None:
                    queries = self._set_queries(shape, predicate, obj, path, focus)
                    compiled += [make(query, name) for query, name in queries]
                elif predicate == SH.hasValue:
                    test = f"FILTER (!sameTerm(?this, {self._term(obj)}))"
                    compiled.append(
                        make(f"SELECT DISTINCT ?this WHERE {{ {focus} {test} }}", component)
                    )
                else:
                    self.problems.append(f"{_show(shape)}: {_qname(predicate)} on a node shape")
        for constraint in self._objects(shape, SH.sparql):
            if not self._deactivated(constraint):
                query = self._sparql_constraint(shape, constraint, path, focus)
                messages = self._messages(constraint) or self._messages(shape)
                compiled.append(make(query, "SPARQLConstraintComponent", messages))
        return compiled

    def _set_queries(
        self, shape: Node, predicate: URIRef, obj: Node, path: str, focus: str
    ) -> list[tuple[str, str]]:
        """Queries for the constraints on all values of a path; no ``?value`` in their results."""
        if predicate == SH.minCount:
            return [(_count_query(focus, path, "", "<", _int(obj)), "MinCountConstraintComponent")]
        if predicate == SH.maxCount:
            return [(_count_query(focus, path, "", ">", _int(obj)), "MaxCountConstraintComponent")]
        if predicate == SH.uniqueLang:
            if not (isinstance(obj, Literal) and obj.value is True):
                return []
            query = (
                f"SELECT ?this ?lang WHERE {{ {focus} ?this {path} ?v . "
                'FILTER (isLiteral(?v) && LANG(?v) != "") BIND (LCASE(LANG(?v)) AS ?lang) } '
                "GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?v) > 1)"
            )
            return [(query, "UniqueLangConstraintComponent")]
        if predicate == SH.hasValue:
            query = (
                f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?v . "
                f"FILTER (sameTerm(?v, {self._term(obj)})) }} }}"
            )
            return [(query, "HasValueConstraintComponent")]
        # sh:qualifiedValueShape
        qualifies = self._qualifies(shape, obj, "?v", ())
        queries = []
        low = self.graph.value(shape, SH.qualifiedMinCount)
        high = self.graph.value(shape, SH.qualifiedMaxCount)
        if low is not None:
            query = _count_query(focus, path, qualifies, "<", _int(low))
            queries.append((query, "QualifiedMinCountConstraintComponent"))
        if high is not None:
            query = _count_query(focus, path, qualifies, ">", _int(high))
            queries.append((query, "QualifiedMaxCountConstraintComponent"))
        if low is None and high is None:
            self.problems.append(f"{_show(shape)}: sh:qualifiedValueShape without a count")
        return queries

    def _qualifies(self, shape: Node, value_shape: Node, v: str, stack: tuple[Node, ...]) -> str:
        """``v`` conforms to the qualified value shape and, if disjoint, to none of its siblings."""
        condition = self._conforms(value_shape, v, stack)
        disjoint = any(
            isinstance(o, Literal) and o.value is True
            for o in self.graph.objects(shape, SH.qualifiedValueShapesDisjoint)
        )
        if disjoint:
            siblings = {
                sibling
                for parent in self.graph.subjects(SH.property, shape)
                for prop in self.graph.objects(parent, SH.property)
                for sibling in self.graph.objects(prop, SH.qualifiedValueShape)
                if sibling != value_shape
            }
            for sibling in sorted(siblings, key=_show):
                condition += f" && !({self._conforms(sibling, v, stack)})"
        return condition

    # Conformance of one value node, as a SPARQL expression without errors

    def _value_ok(
        self, shape: Node, predicate: URIRef, obj: Node, v: str, stack: tuple[Node, ...]
    ) -> str:
        if predicate == SH["class"]:
            return f"EXISTS {{ {v} {_TYPE_OF} {self._term(obj)} }}"
        if predicate == SH.datatype:
            return self._datatype_ok(obj, v)
        if predicate == SH.nodeKind:
            if obj not in _NODE_KINDS:
                self.problems.append(f"{_show(shape)}: unknown sh:nodeKind {_show(obj)}")
                return "true"
            return _NODE_KINDS[obj].format(v=v)  # type: ignore[index]
        if predicate == SH["in"]:
            members = [f"sameTerm({v}, {self._term(m)})" for m in self._list(obj)]
            return "(" + (" || ".join(members) or "false") + ")"
        if predicate == SH.pattern:
            flags = self.graph.value(shape, SH.flags)
            return (
                f"(!isBlank({v}) && COALESCE(<{PATTERN_MATCH}>(STR({v}), "
                f"{_string(str(obj))}, {_string(str(flags or ''))}), false))"
            )
        if predicate == SH.languageIn:
            wanted = sorted({str(lang).lower() for lang in self._list(obj)})
            if "*" in wanted:
                return f'(isLiteral({v}) && LANG({v}) != "")'
            listed = ", ".join(_string(lang) for lang in wanted)
            return (
                f'(isLiteral({v}) && LANG({v}) != "" && (LCASE(LANG({v})) IN ({listed}) || '
                f'LCASE(STRBEFORE(CONCAT(LANG({v}), "-"), "-")) IN ({listed})))'
            )
        if predicate in (SH.minLength, SH.maxLength):
            operator = ">=" if predicate == SH.minLength else "<="
            return f"(!isBlank({v}) && STRLEN(STR({v})) {operator} {_int(obj)})"
        if predicate == SH.node:
            return self._conforms(obj, v, stack)
        if predicate == SH["not"]:
            return f"!({self._conforms(obj, v, stack)})"
        members = [self._conforms(member, v, stack) for member in self._list(obj)]
        if predicate == SH["or"]:
            return "(" + (" || ".join(f"({m})" for m in members) or "false") + ")"
        if predicate == SH["and"]:
            return "(" + (" && ".join(f"({m})" for m in members) or "true") + ")"
        counted = " + ".join(f"IF({m}, 1, 0)" for m in members) or "0"
        return f"(({counted}) = 1)"  # sh:xone

    def _datatype_ok(self, datatype: Node, v: str) -> str:
        if datatype == RDF.langString:
            return f'(isLiteral({v}) && LANG({v}) != "")'
        if datatype == XSD.string:
            return f'(isLiteral({v}) && LANG({v}) = "" && sameTerm(DATATYPE({v}), <{XSD.string}>))'
        if datatype == RDFS.Literal:
            return f"isLiteral({v})"
        if datatype == RDFS.Datatype:
            return f'(isLiteral({v}) && LANG({v}) = "" && !sameTerm(DATATYPE({v}), <{XSD.string}>))'
        same = f"isLiteral({v}) && sameTerm(DATATYPE({v}), {self._term(datatype)})"
        if _toPythonMapping.get(datatype) is None:  # type: ignore[call-overload]
            return f"({same})"  # rdflib does not convert it: any lexical form matches
        surely = _SURELY_WELL_FORMED.get(datatype, "false").format(v=v)  # type: ignore[call-overload]
        judged = f"COALESCE(<{DATATYPE_MATCH}>({v}, {self._term(datatype)}), false)"
        return f"({same} && (({surely}) || {judged}))"

    def _conforms(self, shape: Node, x: str, stack: tuple[Node, ...]) -> str:
        """Whether ``x`` conforms to ``shape`` (in sh:node, sh:or, sh:qualifiedValueShape, ...)."""
        if shape in stack:
            self.problems.append(f"{_show(shape)}: recursive shape reference")
            return "true"
        if self._deactivated(shape):
            return "true"
        stack = (*stack, shape)
        self._check_parameters(shape)
        parts = []
        path_node = self.graph.value(shape, SH.path)
        path = self._path(path_node) if path_node is not None else None
        for predicate in _VALUE_COMPONENTS:
            for obj in self._objects(shape, predicate):
                if path is None:
                    parts.append(self._value_ok(shape, predicate, obj, x, stack))
                else:
                    v = self._var()
                    ok = self._value_ok(shape, predicate, obj, v, stack)
                    parts.append(f"NOT EXISTS {{ {x} {path} {v} . FILTER (!({ok})) }}")
        for predicate in _SET_COMPONENTS:
            for obj in self._objects(shape, predicate):
                parts += self._set_ok(shape, predicate, obj, x, path, stack)
        for prop in self._objects(shape, SH.property):
            parts.append(self._conforms(prop, x, stack))
        if (shape, SH.sparql, None) in self.graph:
            self.problems.append(f"{_show(shape)}: sh:sparql in a shape used by another shape")
        return "(" + (" && ".join(parts) or "true") + ")"

    def _set_ok(
        self,
        shape: Node,
        predicate: URIRef,
        obj: Node,
        x: str,
        path: str | None,
        stack: tuple[Node, ...],
    ) -> list[str]:
        if path is None:
            if predicate == SH.hasValue:
                return [f"sameTerm({x}, {self._term(obj)})"]
            self.problems.append(f"{_show(shape)}: {_qname(predicate)} on a node shape")
            return []
        if predicate == SH.minCount:
            return [self._at_least(x, path, _int(obj), lambda _: "true")]
        if predicate == SH.maxCount:
            return ["!" + self._at_least(x, path, _int(obj) + 1, lambda _: "true")]
        if predicate == SH.uniqueLang:
            if not (isinstance(obj, Literal) and obj.value is True):
                return []
            a, b = self._var(), self._var()
            return [
                f"NOT EXISTS {{ {x} {path} {a} . {x} {path} {b} . FILTER (isLiteral({a}) && "
                f'isLiteral({b}) && LANG({a}) != "" && !sameTerm({a}, {b}) && '
                f"LCASE(LANG({a})) = LCASE(LANG({b}))) }}"
            ]
        if predicate == SH.hasValue:
            v = self._var()
            return [f"EXISTS {{ {x} {path} {v} . FILTER (sameTerm({v}, {self._term(obj)})) }}"]

        def qualifies(v: str) -> str:
            return self._qualifies(shape, obj, v, stack)

        parts = []
        low = self.graph.value(shape, SH.qualifiedMinCount)
        high = self.graph.value(shape, SH.qualifiedMaxCount)
        if low is not None:
            parts.append(self._at_least(x, path, _int(low), qualifies))
        if high is not None:
            parts.append("!" + self._at_least(x, path, _int(high) + 1, qualifies))
        return parts

    def _at_least(self, x: str, path: str, count: int, condition: Callable[[str], str]) -> str:
        """At least ``count`` distinct values of ``path`` meet ``condition``."""
        if count <= 0:
            return "true"
        if count > _MAX_NESTED_COUNT:
            self.problems.append(f"a count above {_MAX_NESTED_COUNT} in a nested shape")
            return "true"
        names = [self._var() for _ in range(count)]
        triples = " ".join(f"{x} {path} {name} ." for name in names)
        tests = [condition(name) for name in names]
        tests += [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2)]
        return f"EXISTS {{ {triples} FILTER ({' && '.join(tests)}) }}"

    # SHACL-SPARQL constraints

    def _sparql_constraint(
        self, shape: Node, constraint: Node, path: str | None, focus: str
    ) -> str:
        select = self.graph.value(constraint, SH.select)
        if select is None:
            self.problems.append(f"{_show(shape)}: sh:sparql without sh:select (ASK validators)")
            return "SELECT ?this WHERE { FILTER (false) }"
        text = str(select)
        prologue, body = _hoist_prologue(self._prologue(constraint) + text)
        body = re.sub(r"[?$]this\b", "?this", body)
        if "$PATH" in body:
            if path is None:
                self.problems.append(
                    f"{_show(shape)}: $PATH in a SPARQL constraint of a node shape"
                )
            body = body.replace("$PATH", path or "<urn:x-none>")
        if "$currentShape" in body:
            body = body.replace("$currentShape", self._term(shape))
        if "$shapesGraph" in body:
            self.problems.append(f"{_show(shape)}: $shapesGraph in a SPARQL constraint")
        brace = _first_brace(body)
        if brace < 0:
            self.problems.append(f"{_show(shape)}: SPARQL constraint without a WHERE clause")
            return "SELECT ?this WHERE { FILTER (false) }"
        head = body[:brace]
        if not re.search(r"\?this\b|\*", head):
            if re.search(r"\bGROUP\s+BY\b", body, re.IGNORECASE):
                self.problems.append(f"{_show(shape)}: grouped SPARQL constraint without $this")
            head = re.sub(
                r"\bSELECT(\s+(DISTINCT|REDUCED))?", r"\g<0> ?this", head, count=1, flags=re.I
            )
        return prologue + head + "{ " + focus + " " + body[brace + 1 :]

    # Terms and paths

    def _path(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return f"<{node}>"
        if (node, RDF.first, None) in self.graph:
            return "(" + " / ".join(self._path(step) for step in self._list(node)) + ")"
        unary = {
            SH.inversePath: "^{}",
            SH.zeroOrMorePath: "{}*",
            SH.oneOrMorePath: "{}+",
            SH.zeroOrOnePath: "{}?",
        }
        for predicate, form in unary.items():
            inner = self.graph.value(node, predicate)
            if inner is not None:
                return "(" + form.format(self._path(inner)) + ")"
        alternatives = self.graph.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + " | ".join(self._path(step) for step in self._list(alternatives)) + ")"
        self.problems.append(f"unknown property path {_show(node)}")
        return "<urn:x-none>"

    def _term(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return f"<{node}>"
        if isinstance(node, Literal):
            text = _string(str(node))
            if node.language:
                return f"{text}@{node.language}"
            return f"{text}^^<{node.datatype or XSD.string}>"
        self.problems.append(f"a blank node as a value in the shapes: {_show(node)}")
        return "<urn:x-none>"

    def _check_parameters(self, shape: Node) -> None:
        """Every SHACL parameter of the shape must be one this compiler understands."""
        known = set(_VALUE_COMPONENTS) | set(_SET_COMPONENTS) | _PASSIVE
        for predicate in set(self.graph.predicates(shape, None)):
            if str(predicate).startswith(str(SH)) and predicate not in known:
                self.problems.append(f"{_show(shape)}: {_qname(predicate)}")
        if (shape, SH.property, None) in self.graph and self._is_property_shape(shape):
            self.problems.append(f"{_show(shape)}: sh:property on a property shape")
        for prop in self.graph.objects(shape, SH.property):
            if not self._is_property_shape(prop):
                self.problems.append(f"{_show(prop)}: a sh:property without sh:path")


def _count_query(focus: str, path: str, condition: str, operator: str, count: int) -> str:
    """Focus nodes whose number of distinct (qualifying) values is ``operator`` ``count``."""
    test = f" FILTER ({condition})" if condition else ""
    if operator == "<":
        if count <= 0:
            return "SELECT ?this WHERE { FILTER (false) }"
        if count == 1:
            return (
                f"SELECT DISTINCT ?this WHERE {{ {focus} "
                f"FILTER NOT EXISTS {{ ?this {path} ?v .{test} }} }}"
            )
        return (
            f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?v .{test} }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {count})"
        )
    return (
        f"SELECT ?this WHERE {{ {focus} ?this {path} ?v .{test} }} "
        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {count})"
    )


def _merge_prologues(*texts: str) -> str:
    """Join queries' PREFIX/BASE declarations (each once) before the last query's body."""
    declarations: list[str] = []
    body = ""
    for text in texts:
        prologue, body = _hoist_prologue(text)
        declarations += [
            line for line in prologue.splitlines() if line and line not in declarations
        ]
    return "\n".join(declarations) + ("\n" if declarations else "") + body


def _hoist_prologue(text: str) -> tuple[str, str]:
    """Split leading PREFIX/BASE declarations (and comments) from the query text."""
    declaration = re.compile(
        r"\s*(#[^\n]*\n|PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)", re.IGNORECASE
    )
    position, prologue = 0, []
    while match := declaration.match(text, position):
        prologue.append(match.group(1).strip())
        position = match.end()
    return "\n".join(p for p in prologue if not p.startswith("#")) + "\n", text[position:]


def _first_brace(text: str) -> int:
    """Index of the first ``{`` outside strings and comments, or -1."""
    index, quote = 0, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif text.startswith(quote, index):
                index += len(quote) - 1
                quote = ""
        elif char == "#":
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, index) else char
            index += len(quote) - 1
        elif char == "{":
            return index
        index += 1
    return -1


def _string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def _int(node: Node | None) -> int:
    if isinstance(node, Literal) and isinstance(node.value, int):
        return node.value
    raise UnsupportedShapes([f"not an integer where a count is expected: {node!r}"])


def _qname(predicate: Node) -> str:
    text = str(predicate)
    return "sh:" + text[len(str(SH)) :] if text.startswith(str(SH)) else text
