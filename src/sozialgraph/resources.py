"""Where the project's RDF and query files live: inside the wheel, or in the source tree."""

from __future__ import annotations

from pathlib import Path

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
