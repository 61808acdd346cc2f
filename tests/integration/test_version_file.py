"""``VERSION`` read through the shared signal (``store/version_file.py``): a write through any
process is seen at the next read, with no look at the file in between; a change without the
signal is seen within ``RECHECK_SECONDS``; without a signal every read looks at the file.

Real files, real processes (``multiprocessing`` with ``spawn``: nothing inherited)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from sozialgraph.store import version_file
from sozialgraph.store.embedded import EmbeddedStore
from sozialgraph.store.generations import write_atomically
from sozialgraph.store.version_file import SIGNAL_NAME, VersionFile


def _write_in_another_process(root: str, text: str) -> None:
    VersionFile(Path(root), writable=True).write(text)


def _in_another_process(root: Path, text: str) -> None:
    process = multiprocessing.get_context("spawn").Process(
        target=_write_in_another_process, args=(str(root), text)
    )
    process.start()
    process.join(60)
    assert process.exitcode == 0


@pytest.fixture
def never_recheck(monkeypatch: pytest.MonkeyPatch) -> None:
    """No look at the file for an hour unless the signal says so."""
    monkeypatch.setattr(version_file, "RECHECK_SECONDS", 3600.0)


def test_a_write_through_another_process_is_read_at_once(
    tmp_path: Path, never_recheck: None
) -> None:
    reader = VersionFile(tmp_path, writable=True)
    assert reader.read() == "empty"
    _in_another_process(tmp_path, "v1")
    assert reader.read() == "v1"
    _in_another_process(tmp_path, "v2")
    assert reader.read() == "v2"
    assert reader.read() == "v2"


def test_reads_do_not_look_at_the_file_while_the_signal_is_unchanged(
    tmp_path: Path, never_recheck: None
) -> None:
    writer = VersionFile(tmp_path, writable=True)
    writer.write("v1")
    reader = VersionFile(tmp_path, writable=True)
    assert reader.read() == "v1"
    write_atomically(tmp_path / "VERSION", "changed-behind-its-back")  # no signal
    assert reader.read() == "v1"  # a read per request costs no system call
    writer.write("v2")
    assert reader.read() == "v2"


def test_a_change_without_the_signal_is_seen_after_the_recheck_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(version_file, "RECHECK_SECONDS", 0.2)
    reader = VersionFile(tmp_path, writable=True)
    VersionFile(tmp_path, writable=True).write("v1")
    assert reader.read() == "v1"
    write_atomically(tmp_path / "VERSION", "by-hand")
    time.sleep(0.5)
    assert reader.read() == "by-hand"


def test_without_a_signal_every_read_looks_at_the_file(tmp_path: Path) -> None:
    write_atomically(tmp_path / "VERSION", "v1")
    reader = VersionFile(tmp_path, writable=False)  # read-only, and no signal to map
    assert not (tmp_path / SIGNAL_NAME).exists()
    assert reader.read() == "v1"
    write_atomically(tmp_path / "VERSION", "v2")
    assert reader.read() == "v2"


def test_a_short_signal_file_is_not_mapped_read_only(tmp_path: Path) -> None:
    (tmp_path / SIGNAL_NAME).write_bytes(b"")
    write_atomically(tmp_path / "VERSION", "v1")
    reader = VersionFile(tmp_path, writable=False)
    assert reader.read() == "v1"
    write_atomically(tmp_path / "VERSION", "v2")
    assert reader.read() == "v2"


def test_a_store_made_before_the_signal_gets_one(tmp_path: Path, never_recheck: None) -> None:
    write_atomically(tmp_path / "VERSION", "from-an-older-release")
    store = EmbeddedStore(tmp_path)
    assert (tmp_path / SIGNAL_NAME).stat().st_size == 8
    assert store.version() == "from-an-older-release"
    _in_another_process(tmp_path, "v2")
    assert store.version() == "v2"


def test_a_store_write_moves_the_signal(tmp_path: Path, never_recheck: None) -> None:
    store = EmbeddedStore(tmp_path)
    other = EmbeddedStore(tmp_path, read_only=True)
    before = other.version()
    thing = ox.NamedNode("https://example.org/thing")
    store.replace_graphs({"https://example.org/graph/a": [ox.Triple(thing, thing, thing)]})
    assert store.version() != before
    assert other.version() == store.version()
