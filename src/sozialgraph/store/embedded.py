"""The embedded store: pyoxigraph on disk, in generations that a pointer file switches.

Layout of the store directory::

    CURRENT              name of the live generation (replaced atomically with os.replace)
    VERSION              changes after every write (ETags, caches, checkpoint names)
    VERSION.signal       a number that changes with it, in shared memory (``version_file``)
    generations/<name>/  pyoxigraph (RocksDB) stores; a build writes a new one, then switches
    checkpoints/<name>/  read-only copies (``Store.backup``) for query worker processes
    staging/<name>/      writable copies (hard links) that a write is validated on, then removed
    write.lock           serialises writers across processes (flock)

A store whose ``CURRENT`` is missing, empty or names no generation is damaged
(:class:`StoreDamaged`, ``store.generations``), never taken for an empty one: ``repair`` points
``CURRENT`` at a generation again. A failed write (a full disk: ``InsufficientStorage``)
changes neither the data nor ``VERSION``.

A build writes a complete new generation and then switches ``CURRENT``: a failed or killed build
leaves the live generation untouched. A graph replacement inside a generation is a single
``Store.update`` call, which pyoxigraph applies atomically (RELIABILITY.md, point 4).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import gc
import json
import os
import secrets
import shutil
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from sozialgraph.errors import (
    StoreDamaged,
    StoreReadOnly,
    StoreUnavailable,
)
from sozialgraph.store.base import QueryResult, Term, serialize_quads
from sozialgraph.store.bulk import load_generation
from sozialgraph.store.generations import (
    COMPLETE_MARKER,
    Generation,
    damage,
    generation_names,
    is_disk_full,
    list_generations,
    new_version,
    read_current,
    safe_name,
    storage_errors,
    write_atomically,
)
from sozialgraph.store.sparql_text import insert_data_block, iri_text, named_node
from sozialgraph.store.version_file import VersionFile

_KEEP_CHECKPOINTS = 3


class EmbeddedStore:
    """A :class:`~sozialgraph.store.base.GraphStore` backed by pyoxigraph on disk."""

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False) -> None:
        self.root = Path(path)
        self.read_only = read_only
        self._generation: str | None = None
        self._store: ox.Store | None = None
        self._store_is_checkpoint = False
        self._open_lock = threading.RLock()
        self._needs_reopen = False  # a write failed: RocksDB refuses writes until reopened
        self._thread_lock = threading.RLock()  # the write lock: threads, then processes
        self._lock_depth = 0
        self._lock_handle: IO[str] | None = None
        if not read_only:
            (self.root / "generations").mkdir(parents=True, exist_ok=True)
            (self.root / "checkpoints").mkdir(exist_ok=True)
        self._version_file = VersionFile(self.root, writable=not read_only)  # every request

    # -- opening -----------------------------------------------------------------------------

    def current_generation(self) -> str | None:
        return read_current(self.root)

    def _open(self) -> ox.Store:
        """The store of the live generation, reopened when another process switched it."""
        with self._open_lock:  # the web process opens from several threads
            return self._open_unlocked()

    def _open_unlocked(self) -> ox.Store:
        generation = self.current_generation()
        if self._store is not None and generation == self._generation:
            return self._store
        problem = self.damage()
        if problem is not None:
            raise StoreDamaged(problem)
        self._store = None
        self._generation = generation
        self._store_is_checkpoint = False
        if generation is None:
            self._store = ox.Store()  # nothing built yet: an empty in-memory store
            return self._store
        path = self.root / "generations" / generation
        if self.read_only:
            self._store = self._open_latest_checkpoint() or ox.Store.read_only(str(path))
            self._store_is_checkpoint = True
            return self._store
        try:
            self._store = ox.Store(str(path))
        except OSError as error:
            if is_disk_full(error) or not os.access(path, os.W_OK):
                # A full disk or a read-only folder: read the live generation itself (never an
                # older checkpoint); writes are refused until it opens for writing again.
                self._store = ox.Store.read_only(str(path))
                self._store_is_checkpoint = True
                self._needs_reopen = is_disk_full(error)
                return self._store
            # Another process (a running server) holds the live store: read its newest checkpoint.
            checkpoint = self._open_latest_checkpoint()
            if checkpoint is None:
                raise StoreUnavailable(
                    f"store {path} is in use by another process: {error}"
                ) from error
            self._store = checkpoint
            self._store_is_checkpoint = True
        return self._store

    def _open_latest_checkpoint(self) -> ox.Store | None:
        checkpoints = self._checkpoints_of(self._generation)
        if not checkpoints:
            return None
        return ox.Store.read_only(str(checkpoints[-1]))

    def _checkpoints_of(self, generation: str | None) -> list[Path]:
        folder = self.root / "checkpoints"
        if generation is None or not folder.is_dir():
            return []
        found = [p for p in folder.iterdir() if p.name.startswith(generation + "--")]
        return sorted(found, key=lambda p: p.stat().st_mtime)

    def damage(self) -> str | None:
        """Why ``CURRENT`` names no usable generation (``store.generations.damage``)."""
        return damage(self.root)

    def generations(self) -> list[Generation]:
        return list_generations(self.root)

    def repair(self, generation: str | None = None) -> Generation:
        """Point ``CURRENT`` at ``generation`` (default: the newest complete one)."""
        with self.write_lock():
            listed = {g.name: g for g in self.generations()}
            if generation is None:
                complete = [g for g in listed.values() if g.complete]
                if not complete:
                    raise StoreDamaged(
                        f"the store {self.root} holds no complete generation; name one with "
                        "--generation (listed above) or build the store anew"
                    )
                chosen = complete[-1]
            elif generation in listed:
                chosen = listed[generation]
            else:
                raise StoreDamaged(f"there is no generation {generation!r} in {self.root}")
            write_atomically(self.root / "CURRENT", chosen.name)
            self._bump_version()
            self._store = None
            self._generation = None
            return chosen

    def ensure_writable(self) -> None:
        """Raise :class:`StoreReadOnly` unless files can be written in the store folder."""
        probe = self.root / f".write-probe-{secrets.token_hex(3)}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
            generation = self.current_generation()
            if generation is not None and not os.access(
                self.root / "generations" / generation, os.W_OK
            ):
                raise PermissionError(errno.EACCES, "generation folder not writable")
        except OSError as error:
            raise StoreReadOnly(
                f"the store folder {self.root} cannot be written ({error.strerror or error}): "
                "make it writable (e.g. remount it read-write, fix its owner) and start again",
            ) from None

    def _writable(self) -> ox.Store:
        if (
            self.current_generation() is None
            and not generation_names(self.root)
            and not self.read_only
        ):
            self._new_generation([])  # the first write to a store that was never built
        if self._needs_reopen or (self._store_is_checkpoint and not self.read_only):
            with self._open_lock:  # after a failed write, or once another writer is gone
                self._store = None
                self._needs_reopen = False
        store = self._open()
        if self._needs_reopen:  # it could not be opened for writing: the disk is still full
            raise OSError(errno.ENOSPC, "No space left on device")
        if self._store_is_checkpoint and not self.read_only and not os.access(self.root, os.W_OK):
            raise StoreReadOnly(
                "the store is read-only: writes are not possible",
                de="Der Speicher ist schreibgeschützt: Schreiben ist nicht möglich",
            )
        if self.read_only or self._store_is_checkpoint:
            raise StoreUnavailable(
                "the store is open read-only; stop the server to write from here"
            )
        return store

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Serialise writers across processes (flock) and threads; re-entrant in one thread, so
        that a writer may hold it from reading a graph to committing its new content."""
        with self._thread_lock:
            if self._lock_depth == 0:
                handle = (self.root / "write.lock").open("a")
                fcntl.flock(handle, fcntl.LOCK_EX)
                self._lock_handle = handle
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0 and self._lock_handle is not None:
                    fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
                    self._lock_handle.close()
                    self._lock_handle = None

    # -- reading -----------------------------------------------------------------------------

    def query(self, sparql: str, substitutions: Mapping[str, Term] | None = None) -> QueryResult:
        # Typed as pyoxigraph's parameter is (a dict, invariant in its value type).
        bound: dict[ox.Variable, Term | ox.Triple] = {
            ox.Variable(name): term for name, term in (substitutions or {}).items()
        }
        return self._open().query(sparql, use_default_graph_as_union=True, substitutions=bound)

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._open().named_graphs() if isinstance(g, ox.NamedNode))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        store = self._open()
        if graph is not None:
            yield from store.quads_for_pattern(None, None, None, named_node(graph))
            return
        yield from store.quads_for_pattern(None, None, None, None)

    def dump(
        self,
        output: IO[bytes],
        fmt: ox.RdfFormat,
        graph: str | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        serialize_quads(
            self.quads(graph), output, fmt, keep_graphs=graph is None, prefixes=prefixes
        )

    def version(self) -> str:
        """The content of ``VERSION`` (``store.version_file``: no system call per request)."""
        return self._version_file.read()

    def _bump_version(self) -> None:
        self._version_file.write(new_version())

    def is_empty(self) -> bool:
        return next(iter(self.quads()), None) is None

    def triple_count(self, graph: str | None = None) -> int:
        return sum(1 for _ in self.quads(graph))

    # -- writing -----------------------------------------------------------------------------

    def replace_graphs(
        self,
        graphs: Mapping[str, Sequence[ox.Triple]],
        metadata: Sequence[ox.Quad] = (),
    ) -> None:
        """One ``update`` call: drop and refill each graph and add metadata; then a new version."""
        parts = [f"DROP SILENT GRAPH {iri_text(name)}" for name in graphs]  # before any change
        quads = [
            ox.Quad(t.subject, t.predicate, t.object, named_node(g))
            for g, triples in graphs.items()
            for t in triples
        ]
        with self.write_lock(), storage_errors():
            store = self._writable()
            quads.extend(metadata)
            if quads:
                parts.append(insert_data_block(quads))
            try:
                store.update(" ;\n".join(parts))
                store.flush()
            except OSError:
                self._needs_reopen = True  # the data is unchanged; so is the version
                raise
            # Only after the commit: a failed write must not make readers ask for a checkpoint
            # of a version that never was.
            self._bump_version()

    def rebuild(
        self, quads: Iterable[ox.Quad], check: Callable[[ox.Store], None] | None = None
    ) -> None:
        """Write a complete new generation, then switch ``CURRENT`` to it.

        ``check`` runs on the new generation before the switch (e.g. the SHACL gate as SPARQL,
        adding provenance); if it raises, the generation is removed and nothing changes.
        """
        with self.write_lock():
            self._new_generation(quads, check)

    def _new_generation(
        self, quads: Iterable[ox.Quad], check: Callable[[ox.Store], None] | None = None
    ) -> None:
        name = time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        path = self.root / "generations" / name
        fresh = ox.Store(str(path))
        try:
            load_generation(fresh, quads)  # in bounded memory; a build's files two at a time
            if check is not None:
                check(fresh)
            fresh.flush()
            fresh.optimize()
            record = {"built": dt.datetime.now(dt.UTC).isoformat(), "triples": len(fresh)}
            write_atomically(path / COMPLETE_MARKER, json.dumps(record))
        except BaseException as error:
            # The traceback's frames (the gate's, its closures) still hold the store, whose
            # background threads write into the folder while it is removed: free it first.
            del fresh
            traceback.clear_frames(error.__traceback__)
            gc.collect()
            shutil.rmtree(path, ignore_errors=True)
            raise
        del fresh
        # RocksDB's lock goes with the store's last reference, which a validator's closure can
        # keep in a reference cycle: free it, or this process cannot open the new generation.
        gc.collect()
        previous = self.current_generation()
        write_atomically(self.root / "CURRENT", name)
        self._bump_version()
        self._store = None
        self._generation = None
        self._remove_generations(keep={name, previous})

    def _remove_generations(self, keep: set[str | None]) -> None:
        (self.root / "checkpoints").mkdir(exist_ok=True)
        for path in (self.root / "generations").iterdir():
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)
        for path in (self.root / "checkpoints").iterdir():
            if path.name.split("--", 1)[0] not in keep:
                shutil.rmtree(path, ignore_errors=True)

    # -- checkpoints for query workers ----------------------------------------------------------

    def checkpoint(self) -> Path | None:
        """A read-only copy of the live state for worker processes (cheap: hard links)."""
        if self._needs_reopen:
            with self._open_lock:  # a failed write left RocksDB refusing flushes and backups
                self._store = None
                self._needs_reopen = False
        store = self._open()
        if self._generation is None:
            return None
        if self._store_is_checkpoint:
            if not os.access(self.root / "generations" / self._generation, os.W_OK):
                return self.root / "generations" / self._generation  # read-only: the live data
            checkpoints = self._checkpoints_of(self._generation)
            return checkpoints[-1] if checkpoints else None
        target = self.root / "checkpoints" / f"{self._generation}--{safe_name(self.version())}"
        if not target.exists():
            target.parent.mkdir(exist_ok=True)  # removed by hand: made again
            temporary = target.with_name(target.name + ".tmp-" + secrets.token_hex(3))
            self._backup(store, temporary)
            temporary.rename(target)
            self._prune_checkpoints()
        return target

    @contextlib.contextmanager
    def staging_copy(self) -> Iterator[ox.Store]:
        """A writable copy of the live generation (hard links, cheap), removed afterwards.

        A write is validated on it as the store would be after the write; the live generation
        never sees it. Call it under the writer's lock.
        """
        with storage_errors():
            folder = self._backup_to(self._writable(), secrets.token_hex(6))
        try:
            with storage_errors():
                yield ox.Store(str(folder))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def frozen_copy(self) -> Path | None:
        """A folder with the live data as they are now, to read later (read-only) while writes go
        on, which the caller removes; None before the first build or on a read-only copy."""
        store = self._open()
        if self._generation is None or self._store_is_checkpoint:
            return None
        return self._backup_to(store, f"frozen-{secrets.token_hex(6)}")

    def _backup_to(self, store: ox.Store, name: str) -> Path:
        """A backup of ``store`` (hard links, cheap) in ``staging/name``."""
        folder = self.root / "staging" / name
        with storage_errors():
            folder.parent.mkdir(exist_ok=True)
            for left in folder.parent.iterdir():  # left behind by a killed process
                if time.time() - left.stat().st_mtime > 3600:
                    shutil.rmtree(left, ignore_errors=True)
        self._backup(store, folder)
        return folder

    def _backup(self, store: ox.Store, folder: Path) -> None:
        """Flush and back ``store`` up into ``folder``; a failure (full disk) leaves no folder
        and reopens the store at the next write (RocksDB refuses writes on that handle)."""
        with storage_errors():
            try:
                store.flush()
                store.backup(str(folder))
            except OSError:
                self._needs_reopen = True
                shutil.rmtree(folder, ignore_errors=True)
                raise

    def _prune_checkpoints(self) -> None:
        checkpoints = self._checkpoints_of(self._generation)
        for old in checkpoints[:-_KEEP_CHECKPOINTS]:
            shutil.rmtree(old, ignore_errors=True)

    def close(self) -> None:
        self._store = None
        self._generation = None
