"""Compiled shapes run on a pyoxigraph store, and their solutions read as a SHACL report."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Literal, TypedDict

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from sozialgraph.rdf_io import to_rdflib_term
from sozialgraph.store.base import Term
from sozialgraph.store.sparql_text import bind_values
from sozialgraph.validation.report import ValidationReport, ValidationResult, show
from sozialgraph.validation.sparql.compile import (
    SUPERCLASSES_QUERY,
    TYPES_QUERY,
    CompiledConstraint,
    compile_shapes,
)
from sozialgraph.validation.sparql.literals import CustomFunction, custom_functions
from sozialgraph.validation.sparql.scans import (
    SCAN_FROM_NODES,
    focus_count_query,
    path_count_query,
    worth_scanning,
)

#: How the constraints of a full validation read their focus nodes' values: ``auto`` scans the
#: path where that is cheaper (``scans.worth_scanning``); ``seeks`` and ``scans`` force one way
#: (the tests run both; their reports must be the same).
Plan = Literal["auto", "seeks", "scans"]


class _QueryOptions(TypedDict, total=False):
    """The keyword arguments of ``pyoxigraph.Store.query`` that every compiled query gets."""

    custom_functions: dict[ox.NamedNode, CustomFunction]
    use_default_graph_as_union: bool
    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]


def validate_store(
    store: ox.Store,
    shapes: Graph,
    *,
    graphs: list[str] | None = None,
    workers: int | None = None,
    focus: list[ox.NamedNode] | None = None,
    compiled: list[CompiledConstraint] | None = None,
    plan: Plan = "auto",
) -> ValidationReport:
    """Validate the store's data against ``shapes``, as :func:`validation.validate` would.

    The data are the union of all graphs, or of ``graphs`` (named graph IRIs) when given; the
    class hierarchy (rdfs:subClassOf) must be among them, as for pySHACL. Queries run on
    ``workers`` threads (the store releases the GIL while it evaluates); by default one per CPU,
    at most four.

    With ``focus``, the constraints that allow it run for those focus nodes only (a write's
    affected nodes, ``validation.sparql.scope``); SPARQL targets, and SPARQL constraints that
    read more than the focus node's own triples, run in full.
    ``compiled`` are the shapes' queries when the caller keeps them (else compiled here).
    Without ``focus``, ``plan`` says which constraints scan their path (``Plan``).
    """
    options: _QueryOptions = {"custom_functions": custom_functions()}
    if graphs is None:
        options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = [ox.NamedNode(name) for name in graphs]

    def run(compiled: CompiledConstraint) -> list[ValidationResult]:
        return list(_results(compiled, _solutions(store, compiled.query, options)))

    if compiled is None:
        compiled = compile_shapes(shapes)
    if focus is not None:
        compiled = _focused(store, compiled, focus, options)
    else:
        compiled = _planned(store, compiled, options, plan)
    with ThreadPoolExecutor(max(1, workers or min(4, os.cpu_count() or 1))) as pool:
        results = [result for found in pool.map(run, compiled) for result in found]
    # The value and shape settle ties: each plan finds a constraint's results in its own order.
    results.sort(
        key=lambda r: (r.focus_node, r.path or "", r.component, r.value or "", r.source_shape)
    )
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(conforms=conforms, results=tuple(results))


def _planned(
    store: ox.Store, compiled: list[CompiledConstraint], options: _QueryOptions, plan: Plan
) -> list[CompiledConstraint]:
    """The constraints with the query each runs: its scan form where ``plan`` says so."""
    if plan == "seeks":
        return compiled
    nodes: dict[str, int] = {}  # focus nodes per root's targets
    triples: dict[str, int] = {}  # triples per predicate

    def count(query: str) -> int:
        found = _solutions(store, query, options)[0]["n"]
        return int(found.value) if isinstance(found, ox.Literal) else 0

    chosen = []
    for c in compiled:
        if c.scan_query is not None and c.scan_predicate is not None and plan == "auto":
            if c.targets not in nodes:
                nodes[c.targets] = count(focus_count_query(c.targets))
            if c.scan_predicate not in triples and nodes[c.targets] >= SCAN_FROM_NODES:
                triples[c.scan_predicate] = count(path_count_query(c.scan_predicate))
            path_triples = triples.get(c.scan_predicate)
            if path_triples is None or not worth_scanning(nodes[c.targets], path_triples):
                c = replace(c, scan_query=None)
        chosen.append(c if c.scan_query is None else replace(c, query=c.scan_query))
    return chosen


def _focused(
    store: ox.Store,
    compiled: list[CompiledConstraint],
    focus: list[ox.NamedNode],
    options: _QueryOptions,
) -> list[CompiledConstraint]:
    """The constraints to run for the focus nodes ``focus``: each scopable one bound to those of
    them that its root targets (and left out when none is), the others as they are.

    The targets are read first, once per root's target group — for class targets from the
    nodes' classes in one query for all — so that a constraint's query tests its own nodes
    only, without its target group (the class path per node was most of its time).
    """
    scopable = [c for c in compiled if c.scopable]
    classes = None
    if focus and any(c.target_classes is not None for c in scopable):
        classes = _classes(store, focus, options)
    targeted: dict[str, list[ox.NamedNode]] = {}
    for c in scopable:
        if c.targets in targeted or not focus:
            continue
        if c.target_classes is not None and classes is not None:
            wanted = c.target_classes
            targeted[c.targets] = [n for n in focus if wanted & classes.get(n.value, set())]
        else:
            rows = _solutions(store, bind_values(c.targets, {"this": focus}), options)
            targeted[c.targets] = [r["this"] for r in rows if isinstance(r["this"], ox.NamedNode)]
    chosen = []
    for c in compiled:
        if not c.scopable:
            chosen.append(c)
        elif nodes := targeted.get(c.targets):
            chosen.append(
                replace(c, query=bind_values(c.focused_query or c.query, {"this": nodes}))
            )
    return chosen


def _classes(
    store: ox.Store, focus: list[ox.NamedNode], options: _QueryOptions
) -> dict[str, set[str]] | None:
    """The classes of each focus node (its types and their superclasses, ``TYPE_OF``); None if
    a type is a blank node (it cannot be bound: then each root's target query is asked)."""
    types: dict[str, set[Term]] = {}
    for row in _solutions(store, bind_values(TYPES_QUERY, {"this": focus}), options):
        types.setdefault(row["this"].value, set()).add(row["type"])
    distinct = {t for found in types.values() for t in found}
    if any(isinstance(t, ox.BlankNode | ox.Triple) for t in distinct):
        return None
    # zero steps: the type itself (a class target is an IRI: a literal "type" matches none)
    above = {t: {t.value} if isinstance(t, ox.NamedNode) else set() for t in distinct}
    if distinct:
        query = bind_values(SUPERCLASSES_QUERY, {"type": sorted(distinct, key=str)})
        for row in _solutions(store, query, options):
            if isinstance(row["class"], ox.NamedNode):
                above[row["type"]].add(row["class"].value)
    return {node: set().union(*(above[t] for t in found)) for node, found in types.items()}


def _solutions(store: ox.Store, query: str, options: _QueryOptions) -> list[dict[str, Term]]:
    """The bound variables of each solution, read on this thread (pyoxigraph's result objects
    must not be dropped on another one)."""
    solutions = store.query(query, **options)
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
            focus_node=show(to_rdflib_term(focus)),
            path=show(path) if path is not None else None,
            value=show(to_rdflib_term(value)) if value is not None else None,
            component="sh:" + compiled.component,
            source_shape=show(compiled.source_shape),
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
