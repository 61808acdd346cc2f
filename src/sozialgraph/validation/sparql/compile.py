"""SHACL shapes compiled to SPARQL: one SELECT query per (shape, constraint) of every shape.

Each query binds ``?this`` to the violating focus nodes of a shape with targets (and ``?value``
where the component reports one), so that running it on a store yields the results of that one
constraint. Constructs outside the supported set raise :class:`UnsupportedShapes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from sozialgraph.validation.sparql.conditions import ConformanceConditions
from sozialgraph.validation.sparql.locality import reads_only_focus
from sozialgraph.validation.sparql.scans import (
    TAGGED,
    max_count_scan,
    min_one_scan,
    reads_value_only,
    unique_lang_scan,
    value_scan,
)
from sozialgraph.validation.sparql.shapes import (
    SET_COMPONENTS,
    TYPE_OF,
    VALUE_COMPONENTS,
    UnsupportedShapes,
    integer_parameter,
    qname,
    show,
)
from sozialgraph.validation.sparql.sparql_text import (
    SPARQL_TOKENS,
    first_brace,
    hoist_prologue,
    merge_prologues,
)


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
    # May run for some focus nodes only (VALUES ?this): not SPARQL targets, nor SPARQL
    # constraints that read more than the focus node's own triples (validation.sparql.scope)
    scopable: bool = True
    #: The query for given focus nodes of the root, bound by ``VALUES ?this`` (a write's
    #: affected nodes that ``targets`` kept): without the target group, and with the plan that
    #: is faster for a few nodes (``sh:class``: a test per value, not an anti-join).
    focused_query: str | None = None
    #: The focus nodes of the shape's root (``SELECT DISTINCT ?this``); with ``VALUES ?this``
    #: bound, which of a write's affected nodes the constraint checks at all.
    targets: str = ""
    #: The root's target classes when it has class targets only (then ``targets`` is read from
    #: the nodes' classes, ``TYPES_QUERY``, read once for all shapes); else None.
    target_classes: frozenset[str] | None = None
    #: The same constraint as one scan of the path's triples hash-joined with the focus nodes
    #: (``validation.sparql.scans``), for a full validation where the focus nodes are many;
    #: None where no such form applies (targets other than classes, paths other than an IRI).
    scan_query: str | None = None
    #: The predicate whose triples ``scan_query`` reads (an IRI).
    scan_predicate: str | None = None


#: The types of the nodes bound to ``?this``, and the superclasses of the types bound to
#: ``?type`` (``VALUES``): together the classes that class targets read (``TYPE_OF``), in two
#: steps, as the path from each node is slower than its types and their few superclasses.
TYPES_QUERY = f"SELECT ?this ?type WHERE {{ ?this <{RDF.type}> ?type }}"
SUPERCLASSES_QUERY = f"SELECT ?type ?class WHERE {{ ?type <{RDFS.subClassOf}>* ?class }}"


def compile_shapes(shapes: Graph) -> list[CompiledConstraint]:
    """One query per (shape, constraint) of every shape with targets, in a stable order."""
    return _Compiler(shapes).compile()


class _Compiler(ConformanceConditions):
    """The queries of all shapes with targets; problems are raised together at the end."""

    def compile(self) -> list[CompiledConstraint]:
        if (None, RDF.type, SH.ConstraintComponent) in self.graph:
            self.problems.append("custom constraint components (sh:ConstraintComponent)")
        compiled: list[CompiledConstraint] = []
        for root in sorted(self._roots(), key=show):
            prologue, focus = self._focus(root)
            sparql_target = (root, SH.target, None) in self.graph
            targets = merge_prologues(prologue, f"SELECT DISTINCT ?this WHERE {{ {focus} }}")
            classes = self._only_target_classes(root)
            shapes = [root]
            if not self._is_property_shape(root):
                shapes += [p for p in self._objects(root, SH.property) if not self._deactivated(p)]
            for shape in shapes:
                bare = self._shape_queries(shape, "{ }")  # for nodes known to be targets
                compiled += [
                    replace(
                        c,
                        query=merge_prologues(prologue, c.query),
                        focused_query=merge_prologues(prologue, b.focused_query or b.query),
                        scopable=c.scopable and not sparql_target,
                        targets=targets,
                        target_classes=classes,
                        scan_query=(
                            merge_prologues(prologue, c.scan_query)
                            if c.scan_query is not None and classes is not None
                            else None
                        ),
                    )
                    for c, b in zip(self._shape_queries(shape, focus), bare, strict=True)
                ]
        if self.problems:
            raise UnsupportedShapes(sorted(set(self.problems)))
        return compiled

    # Targets

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

    def _focus(self, shape: Node) -> tuple[str, str]:
        """A group binding ``?this`` to the focus nodes of ``shape`` (perhaps more than once, so
        every query removes duplicates), and the PREFIX declarations it needs."""
        patterns, prologues = [], []
        patterns += [f"?this {TYPE_OF} {self._term(c)} ." for c in self._target_classes(shape)]
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
                self.problems.append(f"{show(shape)}: sh:target other than a sh:SPARQLTarget")
                continue
            prologue, body = hoist_prologue(self._prologue(target) + str(select))
            prologues.append(prologue)
            patterns.append(self._inline_target(body))
        if len(patterns) == 1:
            return "".join(prologues), "{ " + patterns[0] + " }"
        # Inline groups let the store join by index; a sub-SELECT would be hash-joined in full.
        union = " UNION ".join("{ " + pattern + " }" for pattern in patterns)
        return "".join(prologues), "{ " + union + " }"

    def _target_classes(self, shape: Node) -> list[Node]:
        """The classes of ``sh:targetClass`` and of an implicit class target."""
        class_types = {RDFS.Class, *self.graph.subjects(RDFS.subClassOf, RDFS.Class)}
        classes = self._objects(shape, SH.targetClass)
        if class_types & set(self.graph.objects(shape, RDF.type)):
            classes.append(shape)
        return classes

    def _only_target_classes(self, shape: Node) -> frozenset[str] | None:
        """The target classes (IRIs) of a shape that has no other targets, else None."""
        others = (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
        classes = self._target_classes(shape)
        if any((shape, p, None) in self.graph for p in others) or not all(
            isinstance(c, URIRef) for c in classes
        ):
            return None
        return frozenset(str(c) for c in classes)

    def _inline_target(self, select: str) -> str:
        """A SPARQL target's WHERE group, its variables renamed apart, or else a sub-SELECT."""
        select = SPARQL_TOKENS.sub(lambda m: "\n" if m[0][0] == "#" else m[0], select)
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

        return SPARQL_TOKENS.sub(rename, simple["body"])

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
        scannable = isinstance(path_node, URIRef)

        def make(
            query: str,
            component: str,
            messages: dict[str, str] | None = None,
            *,
            scopable: bool = True,
            focused_query: str | None = None,
            scan_query: str | None = None,
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
                scopable=scopable,
                focused_query=focused_query,
                scan_query=scan_query if scannable else None,
                scan_predicate=str(path_node) if scannable else None,
            )

        compiled = []
        values = f"{focus} ?this {path} ?value ." if path else f"{focus} BIND (?this AS ?value)"
        for predicate, component in VALUE_COMPONENTS.items():
            for obj in self._objects(shape, predicate):
                focused: str | None = None
                scan: str | None = None
                if predicate == SH["class"]:
                    # Over all focus nodes an anti-join beats a test per value; for a few (a
                    # write's), the test per value: MINUS reads every instance of the class.
                    types = f"?value {TYPE_OF} {self._term(obj)}"
                    test = f"MINUS {{ {types} }}"
                    focused = (
                        f"SELECT DISTINCT ?this ?value WHERE {{ {values} "
                        f"FILTER NOT EXISTS {{ {types} }} }}"
                    )
                    scan = value_scan(focus, path or "", test)
                else:
                    ok = self._value_ok(shape, predicate, obj, "?value", ())
                    test = f"FILTER (!({ok}))"
                    scan = value_scan(focus, path or "", test) if reads_value_only(ok) else None
                query = f"SELECT DISTINCT ?this ?value WHERE {{ {values} {test} }}"
                compiled.append(make(query, component, focused_query=focused, scan_query=scan))
        for predicate, component in SET_COMPONENTS.items():
            for obj in self._objects(shape, predicate):
                if path is not None:
                    queries = self._set_queries(shape, predicate, obj, path, focus)
                    compiled += [
                        make(query, name, scan_query=scan) for query, name, scan in queries
                    ]
                elif predicate == SH.hasValue:
                    test = f"FILTER (!sameTerm(?this, {self._term(obj)}))"
                    compiled.append(
                        make(f"SELECT DISTINCT ?this WHERE {{ {focus} {test} }}", component)
                    )
                else:
                    self.problems.append(f"{show(shape)}: {qname(predicate)} on a node shape")
        for constraint in self._objects(shape, SH.sparql):
            if not self._deactivated(constraint):
                query = self._sparql_constraint(shape, constraint, path, focus)
                messages = self._messages(constraint) or self._messages(shape)
                local = self._reads_only_focus(constraint)
                compiled.append(make(query, "SPARQLConstraintComponent", messages, scopable=local))
        return compiled

    def _set_queries(
        self, shape: Node, predicate: URIRef, obj: Node, path: str, focus: str
    ) -> list[tuple[str, str, str | None]]:
        """Queries for the constraints on all values of a path (no ``?value`` in their results),
        each with its scan form or None."""
        if predicate in (SH.minCount, SH.maxCount):
            count = integer_parameter(obj)
            if predicate == SH.minCount:
                scan = min_one_scan(focus, path, "") if count == 1 else None
                query = _count_query(focus, path, "", "<", count)
                return [(query, "MinCountConstraintComponent", scan)]
            query = _count_query(focus, path, "", ">", count)
            return [(query, "MaxCountConstraintComponent", max_count_scan(focus, path, "", count))]
        if predicate == SH.uniqueLang:
            if not (isinstance(obj, Literal) and obj.value is True):
                return []
            query = (
                f"SELECT ?this ?lang WHERE {{ {focus} ?this {path} ?v . {TAGGED} }} "
                "GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?v) > 1)"
            )
            return [(query, "UniqueLangConstraintComponent", unique_lang_scan(focus, path))]
        if predicate == SH.hasValue:
            query = (
                f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?v . "
                f"FILTER (sameTerm(?v, {self._term(obj)})) }} }}"
            )
            return [(query, "HasValueConstraintComponent", None)]
        # sh:qualifiedValueShape
        qualifies = self._qualifies(shape, obj, "?v", ())
        scannable = reads_value_only(qualifies)
        queries: list[tuple[str, str, str | None]] = []
        low = self.graph.value(shape, SH.qualifiedMinCount)
        high = self.graph.value(shape, SH.qualifiedMaxCount)
        if low is not None:
            count = integer_parameter(low)
            query = _count_query(focus, path, qualifies, "<", count)
            scan = min_one_scan(focus, path, qualifies) if scannable and count == 1 else None
            queries.append((query, "QualifiedMinCountConstraintComponent", scan))
        if high is not None:
            count = integer_parameter(high)
            query = _count_query(focus, path, qualifies, ">", count)
            scan = max_count_scan(focus, path, qualifies, count) if scannable else None
            queries.append((query, "QualifiedMaxCountConstraintComponent", scan))
        if low is None and high is None:
            self.problems.append(f"{show(shape)}: sh:qualifiedValueShape without a count")
        return queries

    # SHACL-SPARQL constraints

    def _reads_only_focus(self, constraint: Node) -> bool:
        """Whether the constraint reads the focus node's own triples only (then it may run for
        some focus nodes alone: its SELECT as written, ``$PATH`` read as "anything")."""
        select = self.graph.value(constraint, SH.select)
        if select is None or "$PATH" in str(select):
            return False
        return reads_only_focus(self._prologue(constraint) + str(select))

    def _sparql_constraint(
        self, shape: Node, constraint: Node, path: str | None, focus: str
    ) -> str:
        select = self.graph.value(constraint, SH.select)
        if select is None:
            self.problems.append(f"{show(shape)}: sh:sparql without sh:select (ASK validators)")
            return "SELECT ?this WHERE { FILTER (false) }"
        text = str(select)
        prologue, body = hoist_prologue(self._prologue(constraint) + text)
        body = re.sub(r"[?$]this\b", "?this", body)
        if "$PATH" in body:
            if path is None:
                self.problems.append(f"{show(shape)}: $PATH in a SPARQL constraint of a node shape")
            body = body.replace("$PATH", path or "<urn:x-none>")
        if "$currentShape" in body:
            body = body.replace("$currentShape", self._term(shape))
        if "$shapesGraph" in body:
            self.problems.append(f"{show(shape)}: $shapesGraph in a SPARQL constraint")
        brace = first_brace(body)
        if brace < 0:
            self.problems.append(f"{show(shape)}: SPARQL constraint without a WHERE clause")
            return "SELECT ?this WHERE { FILTER (false) }"
        head = body[:brace]
        if not re.search(r"\?this\b|\*", head):
            if re.search(r"\bGROUP\s+BY\b", body, re.IGNORECASE):
                self.problems.append(f"{show(shape)}: grouped SPARQL constraint without $this")
            head = re.sub(
                r"\bSELECT(\s+(DISTINCT|REDUCED))?", r"\g<0> ?this", head, count=1, flags=re.I
            )
        return prologue + head + "{ " + focus + " " + body[brace + 1 :]


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
