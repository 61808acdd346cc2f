"""The project's own files: where they live (inside the wheel, or in the source tree), which
named graph each RDF file goes to, and loading them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from sozialgraph.namespaces import graph_iri
from sozialgraph.rdf_io import parse_file

_PACKAGED = Path(__file__).resolve().parent / "resources"
_SOURCE_TREE = Path(__file__).resolve().parents[2]


def resource_root() -> Path:
    """The folder that holds ``ontology/``, ``shapes/``, ``queries/`` and ``data/``."""
    if (_PACKAGED / "ontology").is_dir():
        return _PACKAGED
    return _SOURCE_TREE


def ontology_dir() -> Path:
    return resource_root() / "ontology"


def shapes_dir() -> Path:
    return resource_root() / "shapes"


def queries_dir() -> Path:
    return resource_root() / "queries"


def data_dir() -> Path:
    return resource_root() / "data"


#: Folders of the resource root that a build reads, in load order.
SOURCE_FOLDERS = ("ontology", "shapes", "data")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SourceFile:
    path: Path
    relative: str  # e.g. "data/jena/massnahmen.ttl"
    graph: str

    @property
    def is_shapes(self) -> bool:
        return self.relative.startswith("shapes/")


@dataclass
class LoadedGraph:
    graph: str
    source: str
    triples: list[ox.Triple]
    sha256: str
    is_shapes: bool = False


def source_files(
    base_iri: str, root: Path | None = None, data_dir: Path | None = None
) -> list[SourceFile]:
    """The RDF files a build loads, each with its named graph.

    ``data_dir`` replaces the ``data/`` folder (another municipality's data, same model).
    """
    root = root or resource_root()
    files = []
    for folder in SOURCE_FOLDERS:
        top = data_dir if folder == "data" and data_dir is not None else root / folder
        for path in sorted(top.rglob("*.ttl")):
            relative = f"{folder}/{path.relative_to(top).as_posix()}"
            files.append(SourceFile(path, relative, graph_iri(base_iri, relative)))
    return files


def is_file_graph(graph: str, base_iri: str) -> bool:
    """Whether a named graph belongs to the source files (and is replaced by every build)."""
    return graph.startswith(tuple(f"{base_iri}graph/{folder}/" for folder in SOURCE_FOLDERS))


def load_files(
    files: list[SourceFile], base_iri: str, progress: Progress | None = None
) -> list[LoadedGraph]:
    loaded = []
    for number, source in enumerate(files, start=1):
        if progress:
            progress(f"parse {source.relative}", number, len(files))
        triples = parse_file(source.path, source=source.relative, base_iri=base_iri)
        digest = hashlib.sha256(source.path.read_bytes()).hexdigest()
        loaded.append(LoadedGraph(source.graph, source.relative, triples, digest, source.is_shapes))
    return loaded
