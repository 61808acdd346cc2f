"""The embedded store and the build, on a real pyoxigraph store on disk."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from sozialgraph.build import build
from sozialgraph.errors import BadRequest, RdfSyntaxError
from sozialgraph.store.embedded import EmbeddedStore
from sozialgraph.validation.report import ValidationFailed

BASE = "https://example.org/"
THING_GRAPH = BASE + "graph/data/town/things"
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")


def _titles(store: EmbeddedStore) -> list[str]:
    return sorted(
        s["t"].value
        for s in store.query("SELECT ?t WHERE { ?s <http://purl.org/dc/terms/title> ?t }")
    )


@pytest.mark.parametrize("validator", ["pyshacl", "sparql"])
def test_build_loads_one_named_graph_per_file(
    mini_root: Path, store_dir: Path, validator: str
) -> None:
    store = EmbeddedStore(store_dir)
    result = build(store, BASE, root=mini_root, validator=validator)
    assert result.report.conforms
    assert set(store.graph_names()) == {
        BASE + "graph/ontology/mini",
        BASE + "graph/shapes/mini",
        THING_GRAPH,
        BASE + "graph/meta",
    }
    assert _titles(store) == ["Erstes Ding", "Zweites Ding"]


@pytest.mark.parametrize("validator", ["pyshacl", "sparql"])
def test_build_records_files_hashes_and_counts_in_metadata(
    mini_root: Path, store_dir: Path, validator: str
) -> None:
    store = EmbeddedStore(store_dir)
    build(store, BASE, root=mini_root, validator=validator)
    rows = list(
        store.query(
            """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX spdx: <http://spdx.org/rdf/terms#>
            PREFIX void: <http://rdfs.org/ns/void#> PREFIX dcterms: <http://purl.org/dc/terms/>
            SELECT ?g ?source ?n ?hash WHERE { GRAPH ?meta {
              ?activity a prov:Activity ; prov:generated ?v .
              ?v prov:specializationOf ?g ; dcterms:source ?source ; void:triples ?n ;
                 spdx:checksum/spdx:checksumValue ?hash } }""",
            substitutions={"g": ox.NamedNode(THING_GRAPH)},
        )
    )
    assert [(r["source"].value, int(r["n"].value)) for r in rows] == [("data/town/things.ttl", 4)]
    assert len(rows[0]["hash"].value) == 64


@pytest.mark.parametrize("validator", ["pyshacl", "sparql"])
def test_failed_build_leaves_previous_store_untouched(
    mini_root: Path, store_dir: Path, validator: str
) -> None:
    store = EmbeddedStore(store_dir)
    build(store, BASE, root=mini_root, validator=validator)
    before_version, before = store.version(), sorted(map(str, store.quads()))
    (mini_root / "data/town/things.ttl").write_text(
        "<https://example.org/town/thing/3> a <https://example.org/mini#Thing> .\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as failure:
        build(store, BASE, root=mini_root, validator=validator)
    assert failure.value.report.violations[0].focus_node == "https://example.org/town/thing/3"
    assert "braucht einen Titel" in failure.value.report.format("de")
    assert store.version() == before_version
    assert sorted(map(str, store.quads())) == before
    store.close()
    reopened = EmbeddedStore(store_dir)
    assert sorted(map(str, reopened.quads())) == before
    assert len(list((store_dir / "generations").iterdir())) == 1  # the rejected one is gone


def test_syntax_error_names_file_and_line(mini_root: Path, store_dir: Path) -> None:
    (mini_root / "data/town/broken.ttl").write_text('<a:b> <a:c> "open .\n', encoding="utf-8")
    with pytest.raises(RdfSyntaxError) as failure:
        build(EmbeddedStore(store_dir), BASE, root=mini_root)
    assert failure.value.source == "data/town/broken.ttl"
    assert failure.value.line == 1


def test_replace_graphs_swaps_content_and_version_in_one_step(
    mini_root: Path, store_dir: Path
) -> None:
    store = EmbeddedStore(store_dir)
    build(store, BASE, root=mini_root)
    version = store.version()
    new = [ox.Triple(ox.NamedNode(BASE + "town/thing/1"), TITLE, ox.Literal("Neu", language="de"))]
    store.replace_graphs({THING_GRAPH: new})
    assert _titles(store) == ["Neu"]
    assert store.version() != version
    store.replace_graphs({THING_GRAPH: []})
    assert THING_GRAPH not in store.graph_names()


#: A graph name that would end the IRI and start a second update if spliced into SPARQL text.
INJECTED_GRAPH = BASE + "graph/import/x> ; DROP ALL ; DROP SILENT GRAPH <" + BASE + "y"


def test_a_graph_name_that_is_not_an_iri_is_refused_before_any_write(
    mini_root: Path, store_dir: Path
) -> None:
    store = EmbeddedStore(store_dir)
    build(store, BASE, root=mini_root)
    before, version = sorted(map(str, store.quads())), store.version()
    with pytest.raises(BadRequest, match="not a valid IRI"):
        store.replace_graphs({INJECTED_GRAPH: []})
    with pytest.raises(BadRequest, match="not a valid IRI"):
        list(store.quads(INJECTED_GRAPH))
    assert sorted(map(str, store.quads())) == before
    assert store.version() == version


def test_rebuild_carries_over_graphs_that_are_not_files(mini_root: Path, store_dir: Path) -> None:
    store = EmbeddedStore(store_dir)
    build(store, BASE, root=mini_root)
    imported = BASE + "graph/import/officer"
    triple = ox.Triple(
        ox.NamedNode(BASE + "town/thing/9"), TITLE, ox.Literal("Importiert", language="de")
    )
    store.replace_graphs({imported: [triple]})
    result = build(store, BASE, root=mini_root)
    assert result.carried_over == [imported]
    assert "Importiert" in _titles(store)


def test_checkpoint_opens_read_only_in_another_process(mini_root: Path, store_dir: Path) -> None:
    store = EmbeddedStore(store_dir)
    build(store, BASE, root=mini_root)
    checkpoint = store.checkpoint()
    assert checkpoint is not None
    script = (
        "import sys, pyoxigraph as ox;"
        "s = ox.Store.read_only(sys.argv[1]);"
        "print(len(list(s.quads_for_pattern(None, None, None, None))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(checkpoint)], capture_output=True, text=True, check=True
    )
    assert int(out.stdout) == sum(1 for _ in store.quads())


def test_second_process_reads_checkpoint_while_store_is_held(
    mini_root: Path, store_dir: Path
) -> None:
    store = EmbeddedStore(store_dir)
    build(store, BASE, root=mini_root)
    store.checkpoint()
    store.query("ASK {}")  # hold the live generation open, as a server does
    script = (
        "import sys; from sozialgraph.store.embedded import EmbeddedStore;"
        "s = EmbeddedStore(sys.argv[1]);"
        "print(len(list(s.query('SELECT ?s WHERE { ?s a <https://example.org/mini#Thing> }'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(store_dir)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "2"


def test_empty_store_answers_queries(store_dir: Path) -> None:
    store = EmbeddedStore(store_dir)
    assert store.is_empty()
    assert bool(store.query("ASK { ?s ?p ?o }")) is False


def test_both_validation_paths_build_the_same_store(mini_root: Path, tmp_path: Path) -> None:
    """Apart from the build's own provenance record, the two paths write the same quads."""
    meta = ox.NamedNode(BASE + "graph/meta")
    built = {}
    for validator in ("pyshacl", "sparql"):
        store = EmbeddedStore(tmp_path / validator)
        build(store, BASE, root=mini_root, validator=validator)
        built[validator] = sorted(  # blank node labels differ from store to store
            re.sub(r"_:\w+", "_:b", str(q)) for q in store.quads() if q.graph_name != meta
        )
        assert len(list(store.quads(meta.value))) > 0
        store.close()
    assert built["pyshacl"] == built["sparql"] and built["sparql"]
