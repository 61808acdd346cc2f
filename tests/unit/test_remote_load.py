"""The pieces of a pulled load (store/remote_load.py): the update text, files, leftovers."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pyoxigraph as ox

from sozialgraph.store.remote_load import (
    LOADS_FOLDER,
    estimated_bytes,
    load_update,
    remove_leftovers,
    served_files,
    too_large,
    write_graph_files,
)

G1, G2 = "https://example.org/graph/a", "https://example.org/graph/b"


def _quads() -> list[ox.Quad]:
    node = ox.BlankNode("x")
    p = ox.NamedNode("https://example.org/p")
    return [
        ox.Quad(ox.NamedNode("https://example.org/s"), p, node, ox.NamedNode(G1)),
        ox.Quad(node, p, ox.Literal("eins", language="de"), ox.NamedNode(G1)),
        ox.Quad(ox.NamedNode("https://example.org/t"), p, ox.Literal("2"), ox.NamedNode(G2)),
    ]


def test_a_rebuild_drops_everything_and_loads_each_graph_in_one_request() -> None:
    text = load_update(None, {G1: "http://h:1/t/0.nt", G2: "http://h:1/t/1.nt"}, "DEL", "INS")
    assert text.split(" ;\n") == [
        "DROP ALL",
        f"LOAD <http://h:1/t/0.nt> INTO GRAPH <{G1}>",
        f"LOAD <http://h:1/t/1.nt> INTO GRAPH <{G2}>",
        "DEL",
        "INS",
    ]


def test_a_graph_replacement_drops_only_its_graphs() -> None:
    text = load_update([G1], {G1: "http://h:1/t/0.nt"}, "DEL", "INS")
    assert text.startswith(f"DROP SILENT GRAPH <{G1}> ;\nLOAD")
    assert "DROP ALL" not in text


def test_each_graph_is_one_file_so_blank_nodes_stay_together(tmp_path: Path) -> None:
    files = write_graph_files(tmp_path / "load", _quads())
    assert set(files) == {G1, G2}
    first = list(ox.parse(path=files[G1], format=ox.RdfFormat.N_TRIPLES))
    assert len(first) == 2 and first[0].object == first[1].subject


def test_served_files_answer_once_per_token_and_nothing_else(tmp_path: Path) -> None:
    files = write_graph_files(tmp_path / "load", _quads())
    with served_files("127.0.0.1", files) as urls:
        answer = httpx.get(urls[G2])
        guessed = httpx.get(urls[G2].rsplit("/", 2)[0] + "/other/1.nt")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/turtle")
    assert b'"2"' in answer.content
    assert guessed.status_code == 404


def test_leftovers_of_dead_processes_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    folder = tmp_path / LOADS_FOLDER
    (folder / "999999-1").mkdir(parents=True)
    (folder / "424242-2").mkdir()
    (folder / f"{os.getpid()}-3").mkdir()
    removed = remove_leftovers(tmp_path, alive=lambda pid: pid == 424242)
    assert sorted(removed) == sorted(["999999-1", f"{os.getpid()}-3"])
    assert [p.name for p in folder.iterdir()] == ["424242-2"]


def test_size_estimate_stops_past_the_limit() -> None:
    quads = _quads() * 1000
    assert estimated_bytes(quads, 500) <= 500 + 200
    assert estimated_bytes(_quads(), 10**6) > 100


def test_oxigraphs_payload_refusal_counts_as_too_large() -> None:
    oxigraph = "SPARQL body payloads are limited to 134217728 bytes, found 173001730 bytes"
    assert too_large(400, oxigraph)
    assert too_large(413, "")
    assert not too_large(400, "Parser error at 1:5")
    assert not too_large(500, oxigraph)
