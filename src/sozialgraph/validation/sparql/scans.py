"""The compiled constraints as hash joins: one scan of the path's triples for all focus nodes.

A compiled query starts from its focus nodes and looks up each one's values: one index seek per
node (~5 µs on a store on disk), cheap for a write's few nodes, but most of a build's gate where a
class has 100,000 instances. The forms here read the path's triples in one scan instead and join
them with the focus nodes by hashing (the store's optimizer joins two sub-SELECTs so, and runs
MINUS so), at a fraction of a seek per triple. ``evaluate`` picks them when the focus nodes are
many beside the path's triples (``worth_scanning``): scanning all of ``dcterms:title`` for a
class with a thousand instances would cost more than the thousand seeks.

Each form has the same solutions as the query it stands for (tests run both on every example):
the focus nodes come from class targets only, so ``?this`` is always bound and MINUS on it is
FILTER NOT EXISTS; conditions that read more than the value itself (EXISTS) get no scan form,
as they would be evaluated for every triple of the path, not only the focus nodes' ones.
"""

from __future__ import annotations

from sozialgraph.validation.sparql.sparql_text import hoist_prologue

#: ``?lang``, the lower-case language tag of ``?v``, for language-tagged values only: LANG of
#: anything else is "" or an error (unbound), which the FILTER drops, as isLiteral(?v) would.
TAGGED = 'BIND (LCASE(LANG(?v)) AS ?lang) FILTER (?lang != "")'

#: Below this many focus nodes their seeks are cheap whatever the path: no scan form is tried.
SCAN_FROM_NODES = 2_000
#: A focus node's seek costs about as much as reading and hashing this many triples of a scan.
SEEK_COST_IN_TRIPLES = 4


def worth_scanning(focus_nodes: int, path_triples: int) -> bool:
    """Whether one scan of ``path_triples`` triples beats ``focus_nodes`` seeks."""
    return focus_nodes >= SCAN_FROM_NODES and path_triples <= SEEK_COST_IN_TRIPLES * focus_nodes


def reads_value_only(condition: str) -> bool:
    """Whether a compiled condition reads the value alone (no EXISTS: no triples of its own)."""
    return "EXISTS" not in condition


def _nodes(focus: str) -> str:
    """The focus nodes as a sub-SELECT, which the store joins by hashing."""
    return f"{{ SELECT DISTINCT ?this WHERE {focus} }}"


def value_scan(focus: str, path: str, test: str) -> str:
    """A value-level constraint: ``test`` (a FILTER or MINUS on ``?value`` alone) applied to
    every triple of the path, the failing ones joined with the focus nodes."""
    values = f"{{ SELECT ?this ?value WHERE {{ ?this {path} ?value {test} }} }}"
    return f"SELECT DISTINCT ?this ?value WHERE {{ {_nodes(focus)} {values} }}"


def min_one_scan(focus: str, path: str, condition: str) -> str:
    """``sh:minCount 1`` (or ``sh:qualifiedMinCount 1``): the focus nodes minus every subject
    of the path with a (qualifying) value."""
    test = f" FILTER ({condition})" if condition else ""
    return f"SELECT DISTINCT ?this WHERE {{ {focus} MINUS {{ ?this {path} ?v .{test} }} }}"


def max_count_scan(focus: str, path: str, condition: str, count: int) -> str:
    """``sh:maxCount`` (or ``sh:qualifiedMaxCount``): the subjects of the path with more than
    ``count`` distinct (qualifying) values, joined with the focus nodes."""
    test = f" FILTER ({condition})" if condition else ""
    over = (
        f"{{ SELECT ?this WHERE {{ ?this {path} ?v .{test} }} "
        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {count}) }}"
    )
    return f"SELECT ?this WHERE {{ {_nodes(focus)} {over} }}"


def unique_lang_scan(focus: str, path: str) -> str:
    """``sh:uniqueLang``: the focus nodes' language-tagged values, joined by hashing."""
    tagged = f"{{ SELECT ?this ?v ?lang WHERE {{ ?this {path} ?v . {TAGGED} }} }}"
    return (
        f"SELECT ?this ?lang WHERE {{ {_nodes(focus)} {tagged} }} "
        "GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?v) > 1)"
    )


def focus_count_query(targets: str) -> str:
    """The number of focus nodes of a root (``targets``: its ``SELECT DISTINCT ?this``)."""
    prologue, body = hoist_prologue(targets)
    return f"{prologue}SELECT (COUNT(*) AS ?n) WHERE {{ {{ {body} }} }}"


def path_count_query(predicate: str) -> str:
    """The number of triples with ``predicate`` (an IRI)."""
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{predicate}> ?o }}"
