"""The version journal shared by several processes (``serve --workers``, the processes that record
from a frozen copy): versions are numbered one after the other, none twice, none lost."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from sozialgraph.publishing.versions import VersionJournal

BASE = "https://example.org/"
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
GRAPH = ox.NamedNode(BASE + "graph/data/journal")
ROUNDS = 3


def quads(label: str, count: int = 3_000) -> list[ox.Quad]:
    """Enough triples that recording takes a while (two processes overlap for sure)."""
    return [
        ox.Quad(
            ox.NamedNode(f"{BASE}massnahme/{label}-{i}"),
            TITLE,
            ox.Literal(f"Maßnahme {label} {i}", language="de"),
            GRAPH,
        )
        for i in range(count)
    ]


def record_rounds(folder: str, name: str, start: Any, results: Any) -> None:
    """In a process of its own: record one new store version per round, all rounds started at
    the same moment as the other process's (``start``, a barrier)."""
    journal = VersionJournal(Path(folder), BASE)
    numbers = []
    for round_ in range(ROUNDS):
        label = f"{name}-{round_}"
        start.wait(60)  # a broken barrier (the other process died) ends this one too
        record = journal.record(f"store-version-{label}", quads(label))
        numbers.append(record.number if record is not None else None)
    results.put((name, numbers))


def test_two_processes_recording_at_once_number_their_versions_in_turn(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(
            target=record_rounds, args=(str(tmp_path), name, start, results), daemon=True
        )
        for name in ("a", "b")
    ]
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.join(120)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in processes] == [0, 0]  # no rename collided
    numbers = dict(results.get(timeout=5) for _ in processes)

    recorded = VersionJournal(tmp_path, BASE).records()
    assert [r.number for r in recorded] == list(range(1, 2 * ROUNDS + 1))
    assert sorted(r.store_version for r in recorded) == sorted(
        f"store-version-{name}-{round_}" for name in ("a", "b") for round_ in range(ROUNDS)
    )
    assert sorted(numbers["a"] + numbers["b"]) == list(range(1, 2 * ROUNDS + 1))
    # each version's changes are counted against the version before it, whoever recorded that
    assert all(r.new == 3_000 and r.deleted == 3_000 for r in recorded[1:])
    assert not list(tmp_path.glob(".tmp-*"))


def test_a_version_another_process_recorded_is_not_recorded_again(tmp_path: Path) -> None:
    here, there = VersionJournal(tmp_path, BASE), VersionJournal(tmp_path, BASE)
    assert here.records() == []  # loaded before the other one records
    first = there.record("store-version-1", quads("one", 10))
    assert first is not None and first.number == 1

    assert here.record("store-version-1", quads("one", 10)) is None
    assert here.number_of("store-version-1") == 1
    second = here.record("store-version-2", quads("two", 10))
    assert second is not None and second.number == 2
    assert [r.number for r in VersionJournal(tmp_path, BASE).records()] == [1, 2]
