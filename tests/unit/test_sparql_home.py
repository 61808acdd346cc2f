"""One home for project SPARQL: data queries live in ``queries/*.rq``, not in Python strings.

The scan reads every string literal of ``src/sozialgraph`` (f-strings with their placeholders as
``{}``) and finds query text: a query form followed by a WHERE clause or a group. What the code
may keep is protocol-level SPARQL with no meaning as a data question, listed below with why.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "sozialgraph"

#: A query form with what it selects, then its WHERE clause or group; or ASK with its group.
QUERY = re.compile(
    r"\b(SELECT|CONSTRUCT|DESCRIBE)(\s+(DISTINCT|REDUCED))?\s+[?$*(<{W][\s\S]*?(\bWHERE\b|\{)"
    r"|\bASK\s*(WHERE\s*)?\{"
)

#: (module below src/sozialgraph, start of the text) -> why it may stay in code.
ALLOWED: dict[tuple[str, str], str] = {
    ("store/sparql_protocol.py", "SELECT ?missing WHERE {"): (
        "the union probe: checks that a remote server's default graph is the union of its "
        "named graphs (a property of the server, not of the data)"
    ),
    ("store/remote.py", "CONSTRUCT WHERE { ?s ?p ?o }"): (
        "copies a parsed scratch store into pyoxigraph's own triple type (no data question)"
    ),
    ("store/remote.py", "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"): (
        "GraphStore.graphs() over the SPARQL protocol: the names of the graphs"
    ),
    ("store/remote.py", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } {} }"): (
        "GraphStore.graphs() on Virtuoso, which finds no graph with `GRAPH ?g { }`"
    ),
    ("store/remote.py", "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"): (
        "GraphStore.dump() over the SPARQL protocol: every quad"
    ),
    ("store/remote.py", "SELECT ?s ?p ?o WHERE { GRAPH {} { ?s ?p ?o } }"): (
        "GraphStore.graph() without a Graph Store endpoint: one graph's triples"
    ),
    ("store/remote.py", "ASK { GRAPH {} { ?s ?p ?o } }"): ("GraphStore: whether a graph exists"),
    ("store/remote.py", "SELECT ?graphs ?modified WHERE {\n"): (
        "the store version: number of graphs and the write marker of the metadata graph"
    ),
    ("store/remote.py", "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"): (
        "GraphStore: whether the store is empty"
    ),
    ("store/remote.py", "ASK { GRAPH ?g { ?s ?p ?o } {} }"): (
        "GraphStore.is_empty on Virtuoso: any graph but the server's own"
    ),
    ("store/remote.py", "SELECT (COUNT(*) AS ?n) WHERE { {} }"): (
        "GraphStore.count(): triples of a graph or of the store"
    ),
    (
        "ingest/writer.py",
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT * WHERE { { ?s ?p ?o } UNION { ",
    ): (
        "a bounded size probe of the staging copy that picks the validation path (no data question)"
    ),
    ("web/query_page.py", "SELECT ?strategie ?titel WHERE {\n"): (
        "the text the query editor opens with, for the user to edit; the code never runs it"
    ),
}

#: Modules whose SPARQL is generated from another documented source, not written by hand.
GENERATED = {
    "validation/sparql/compile.py": "SHACL-SPARQL: one query per shape constraint of shapes/",
    "validation/sparql/scans.py": "SHACL-SPARQL: the same constraints as scans of their paths",
}


def string_literals(path: Path) -> Iterator[tuple[int, str]]:
    """Every string constant of a module (docstrings left out), f-strings with ``{}`` holes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    inside_fstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                inside_fstrings.add(id(value))
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append(value.value)
                else:
                    parts.append("{}")
            yield node.lineno, "".join(parts)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and id(node) not in inside_fstrings
        ):
            yield node.lineno, node.value


def queries_in_code() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        module = path.relative_to(SRC).as_posix()
        if module in GENERATED:
            continue
        for line, text in string_literals(path):
            if QUERY.search(text):
                found.append((module, line, text))
    return found


def allowed(module: str, text: str) -> bool:
    return any(module == m and text.lstrip().startswith(start) for m, start in ALLOWED)


def test_data_queries_live_in_query_files() -> None:
    stray = [
        f"{module}:{line}: {text.strip()[:70]!r}"
        for module, line, text in queries_in_code()
        if not allowed(module, text)
    ]
    assert not stray, "SPARQL data queries belong in queries/*.rq:\n" + "\n".join(stray)


@pytest.mark.parametrize(("module", "start"), sorted(ALLOWED))
def test_every_allowed_text_is_still_there(module: str, start: str) -> None:
    """An allow-list entry whose text is gone is removed (the list stays small and true)."""
    assert any(
        m == module and text.lstrip().startswith(start) for m, _, text in queries_in_code()
    ), f"{module}: {start!r} is no longer in the code; remove it from ALLOWED"


def test_the_scan_finds_a_query_in_a_string(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        'Q = "PREFIX sg: <x#> SELECT ?s WHERE { ?s a sg:Strategy }"\n'
        'F = f"ASK {{ <{x}> ?p ?o }}"\n'
        'M = f"not a SELECT query: {x}"\n',
        encoding="utf-8",
    )
    found = sorted(text for _, text in string_literals(probe) if QUERY.search(text))
    assert found == ["ASK { <{}> ?p ?o }", "PREFIX sg: <x#> SELECT ?s WHERE { ?s a sg:Strategy }"]
