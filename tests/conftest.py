"""Shared fixtures: temporary stores on disk, a tiny resource tree, the real project build."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from sozialgraph.build import build
from sozialgraph.config import Settings
from sozialgraph.store.embedded import EmbeddedStore

FIXTURES = Path(__file__).parent / "fixtures"
_STATE = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Remote stores keep their state under the user's data folder, named after the store's URL
    (``Settings.state_dir``): the tests' stores, on ports that come round again, keep theirs in
    a folder of this run instead (servers started by ``tests.support`` get one each)."""
    if "XDG_DATA_HOME" not in os.environ:
        config.stash[_STATE] = os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(
            prefix="sozialgraph-tests-"
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    if _STATE in config.stash:
        shutil.rmtree(config.stash[_STATE], ignore_errors=True)
        del os.environ["XDG_DATA_HOME"]


EXAMPLE_BASE = "https://example.org/"


@pytest.fixture
def mini_root(tmp_path: Path) -> Path:
    """A copy of a tiny resource tree (ontology, shapes, data) that a test may change."""
    root = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", root)
    return root


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture(scope="session")
def jena_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once from the project's real files (ontology, shapes, Jena's data)."""
    path = tmp_path_factory.mktemp("jena") / "store"
    store = EmbeddedStore(path)
    build(store, Settings(store=str(path)).base_iri)
    store.close()
    return path


@pytest.fixture
def jena_settings(jena_store_dir: Path, tmp_path: Path) -> Settings:
    """Settings on a private copy of the Jena store (tests may write to it)."""
    copy = tmp_path / "jena-store"
    shutil.copytree(jena_store_dir, copy, symlinks=True)
    return Settings(store=str(copy))
