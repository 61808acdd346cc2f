"""Conformance of one value node to a shape, as a SPARQL expression that raises no errors.

These expressions are what ``sh:node``, ``sh:or``, ``sh:and``, ``sh:not``, ``sh:xone`` and
``sh:qualifiedValueShape`` test a value with; the top-level queries of the compiler use them for
the value-level constraints too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from sozialgraph.validation.sparql.literals import (
    DATATYPE_MATCH,
    PATTERN_MATCH,
    SURELY_WELL_FORMED,
    rdflib_converts,
)
from sozialgraph.validation.sparql.shapes import (
    SET_COMPONENTS,
    TYPE_OF,
    VALUE_COMPONENTS,
    ShapesReader,
    integer_parameter,
    qname,
    show,
)
from sozialgraph.validation.sparql.sparql_text import sparql_string

#: Language tags (lower case) that a regular expression may name as they are.
_PLAIN_TAG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_MAX_NESTED_COUNT = 6  # nested counts become n-way joins; more would be slow
_NODE_KINDS: dict[Node, str] = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}


class ConformanceConditions(ShapesReader):
    """SPARQL expressions for "this value node conforms", built from the shapes graph."""

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
            for sibling in sorted(siblings, key=show):
                condition += f" && !({self._conforms(sibling, v, stack)})"
        return condition

    def _value_ok(
        self, shape: Node, predicate: URIRef, obj: Node, v: str, stack: tuple[Node, ...]
    ) -> str:
        if predicate == SH["class"]:
            return f"EXISTS {{ {v} {TYPE_OF} {self._term(obj)} }}"
        if predicate == SH.datatype:
            return self._datatype_ok(obj, v)
        if predicate == SH.nodeKind:
            if obj not in _NODE_KINDS:
                self.problems.append(f"{show(shape)}: unknown sh:nodeKind {show(obj)}")
                return "true"
            return _NODE_KINDS[obj].format(v=v)
        if predicate == SH["in"]:
            members = [f"sameTerm({v}, {self._term(m)})" for m in self._list(obj)]
            return "(" + (" || ".join(members) or "false") + ")"
        if predicate == SH.pattern:
            flags = self.graph.value(shape, SH.flags)
            return (
                f"(!isBlank({v}) && COALESCE(<{PATTERN_MATCH}>(STR({v}), "
                f"{sparql_string(str(obj))}, {sparql_string(str(flags or ''))}), false))"
            )
        if predicate == SH.languageIn:
            wanted = sorted({str(lang).lower() for lang in self._list(obj)})
            if "*" in wanted:
                return f'COALESCE(LANG({v}) != "", false)'
            if wanted and all(_PLAIN_TAG.fullmatch(lang) for lang in wanted):
                return _languages_ok(wanted, v)
            listed = ", ".join(sparql_string(lang) for lang in wanted)
            return (
                f'(isLiteral({v}) && LANG({v}) != "" && (LCASE(LANG({v})) IN ({listed}) || '
                f'LCASE(STRBEFORE(CONCAT(LANG({v}), "-"), "-")) IN ({listed})))'
            )
        if predicate in (SH.minLength, SH.maxLength):
            operator = ">=" if predicate == SH.minLength else "<="
            # STR of a blank node is an error: false, as pySHACL has it
            return f"COALESCE(STRLEN(STR({v})) {operator} {integer_parameter(obj)}, false)"
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
        # LANG and DATATYPE of a node that is no literal are errors, hence COALESCE(…, false)
        # rather than isLiteral(v) &&: each mention of v costs the store a read of its text.
        if datatype == RDF.langString:
            return f'COALESCE(LANG({v}) != "", false)'
        if datatype == XSD.string:  # a language-tagged literal's datatype is rdf:langString
            return f"COALESCE(sameTerm(DATATYPE({v}), <{XSD.string}>), false)"
        if datatype == RDFS.Literal:
            return f"isLiteral({v})"
        if datatype == RDFS.Datatype:
            return f'(isLiteral({v}) && LANG({v}) = "" && !sameTerm(DATATYPE({v}), <{XSD.string}>))'
        same = f"COALESCE(sameTerm(DATATYPE({v}), {self._term(datatype)}), false)"
        if not rdflib_converts(datatype):
            return f"({same})"  # rdflib does not convert it: any lexical form matches
        surely = SURELY_WELL_FORMED.get(datatype, "false").format(v=v)
        judged = f"COALESCE(<{DATATYPE_MATCH}>({v}, {self._term(datatype)}), false)"
        # IF, not ||: pyoxigraph calls the custom function for every literal under "a || b"
        # (~10 µs each, in Python) even where ``a`` holds; ``surely`` raises no error here
        return f"({same} && IF({surely}, true, {judged}))"

    def _conforms(self, shape: Node, x: str, stack: tuple[Node, ...]) -> str:
        """Whether ``x`` conforms to ``shape`` (in sh:node, sh:or, sh:qualifiedValueShape, ...)."""
        if shape in stack:
            self.problems.append(f"{show(shape)}: recursive shape reference")
            return "true"
        if self._deactivated(shape):
            return "true"
        stack = (*stack, shape)
        self._check_parameters(shape)
        parts = []
        path_node = self.graph.value(shape, SH.path)
        path = self._path(path_node) if path_node is not None else None
        for predicate in VALUE_COMPONENTS:
            for obj in self._objects(shape, predicate):
                if path is None:
                    parts.append(self._value_ok(shape, predicate, obj, x, stack))
                else:
                    v = self._var()
                    ok = self._value_ok(shape, predicate, obj, v, stack)
                    parts.append(f"NOT EXISTS {{ {x} {path} {v} . FILTER (!({ok})) }}")
        for predicate in SET_COMPONENTS:
            for obj in self._objects(shape, predicate):
                parts += self._set_ok(shape, predicate, obj, x, path, stack)
        for prop in self._objects(shape, SH.property):
            parts.append(self._conforms(prop, x, stack))
        if (shape, SH.sparql, None) in self.graph:
            self.problems.append(f"{show(shape)}: sh:sparql in a shape used by another shape")
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
            self.problems.append(f"{show(shape)}: {qname(predicate)} on a node shape")
            return []
        if predicate == SH.minCount:
            return [self._at_least(x, path, integer_parameter(obj), lambda _: "true")]
        if predicate == SH.maxCount:
            return ["!" + self._at_least(x, path, integer_parameter(obj) + 1, lambda _: "true")]
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
            parts.append(self._at_least(x, path, integer_parameter(low), qualifies))
        if high is not None:
            parts.append("!" + self._at_least(x, path, integer_parameter(high) + 1, qualifies))
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


def _languages_ok(wanted: list[str], v: str) -> str:
    """``sh:languageIn`` as pySHACL reads it — the tag, or its first subtag, is listed (case
    aside) — with one mention of ``v``: a listed tag without subtags may be followed by "-"."""
    simple = [lang for lang in wanted if "-" not in lang]
    alternatives = [f"^({'|'.join(simple)})(-|$)"] if simple else []
    alternatives += [f"^{lang}$" for lang in wanted if "-" in lang]
    return f"COALESCE(REGEX(LCASE(LANG({v})), {sparql_string('|'.join(alternatives))}), false)"
