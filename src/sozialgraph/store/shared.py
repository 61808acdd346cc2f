"""The embedded store shared by several web processes (``sozialgraph serve --workers N``).

RocksDB lets one process at a time open a store for writing. Here no process keeps the live
generation open: every process reads an immutable checkpoint of the store's current version
(``checkpoints/<generation>--<version>``, read-only), and a write opens the live generation for
writing only while it holds the store's lock (``write.lock``, flock), commits, leaves the
checkpoint of the new version and closes it again before it lets go. ``VERSION`` changes last,
so a process that sees the new version finds its checkpoint complete, and each process follows
``CURRENT`` and ``VERSION`` at its next request (``store.version_file``: a number in shared
memory tells it that ``VERSION`` changed): a write through any process is read by all from then on.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from sozialgraph.errors import StoreDamaged, StoreUnavailable
from sozialgraph.store.embedded import EmbeddedStore
from sozialgraph.store.generations import (
    generation_names,
    new_version,
    safe_name,
    storage_errors,
)

#: How long a write waits for a process that is closing the live generation (RocksDB's LOCK).
_OPEN_FOR_WRITING_WAIT = 10.0


class SharedEmbeddedStore(EmbeddedStore):
    """An :class:`EmbeddedStore` that several processes read and write, one writer at a time."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        super().__init__(path, read_only=read_only)
        self._opened: tuple[str | None, str] | None = None  # (generation, version) read now
        self._writer: ox.Store | None = None  # the live generation, open only during a write

    # -- reading: the checkpoint of the current version -------------------------------------

    def _open(self) -> ox.Store:
        generation, version = self.current_generation(), self.version()
        store = self._store
        if store is not None and self._opened == (generation, version):
            return store
        problem = self.damage()
        if problem is not None:
            raise StoreDamaged(problem)
        if generation is None:
            with self._open_lock:
                self._store, self._generation = ox.Store(), None
                self._opened = (None, version)
                return self._store
        # Never wait for the write lock while holding the open lock (a writer reads, too).
        generation, version, folder = self._checkpoint_of_current()
        opened = ox.Store.read_only(str(folder))
        with self._open_lock:
            self._store, self._generation = opened, generation
            self._store_is_checkpoint = True
            self._opened = (generation, version)
        return opened

    def _checkpoint_of_current(self) -> tuple[str, str, Path]:
        """The current generation and version and their checkpoint, made if it is missing (by a
        build, or a write of a process that died before it made one)."""
        generation, version = self.current_generation(), self.version()
        if generation is not None:
            folder = self._checkpoint_folder(generation, version)
            if folder.is_dir():
                return generation, version, folder
        with self.write_lock():
            generation, version = self.current_generation(), self.version()
            if generation is None:
                raise StoreUnavailable("the store holds no generation yet")
            folder = self._checkpoint_folder(generation, version)
            if not folder.is_dir():
                live = ox.Store.read_only(str(self.root / "generations" / generation))
                self._checkpoint(live, folder)
                del live
            return generation, version, folder

    def _checkpoint_folder(self, generation: str, version: str) -> Path:
        return self.root / "checkpoints" / f"{generation}--{safe_name(version)}"

    def _checkpoint(self, store: ox.Store, folder: Path) -> None:
        temporary = folder.with_name(folder.name + ".tmp-" + secrets.token_hex(3))
        with storage_errors():
            folder.parent.mkdir(exist_ok=True)
            try:
                store.backup(str(temporary))
            except OSError:
                shutil.rmtree(temporary, ignore_errors=True)
                raise
            temporary.rename(folder)
        self._generation = folder.name.split("--", 1)[0]
        self._prune_checkpoints()

    def checkpoint(self) -> Path | None:
        if self.current_generation() is None:
            return None
        return self._checkpoint_of_current()[2]

    # -- writing: open, commit, checkpoint, close — all under the lock ----------------------

    def replace_graphs(
        self,
        graphs: Mapping[str, Sequence[ox.Triple]],
        metadata: Sequence[ox.Quad] = (),
    ) -> None:
        with self.write_lock():
            try:
                super().replace_graphs(graphs, metadata)
            finally:
                self._writer = None  # closes the live generation (RocksDB's LOCK is released)

    def _writable(self) -> ox.Store:
        if self.read_only:
            raise StoreUnavailable("the store is open read-only")
        if self.current_generation() is None and not generation_names(self.root):
            self._new_generation([])  # the first write to a store that was never built
        generation = self.current_generation()
        if generation is None:
            raise StoreDamaged(self.damage() or f"the store {self.root} has no CURRENT")
        path = self.root / "generations" / generation
        deadline = time.monotonic() + _OPEN_FOR_WRITING_WAIT
        while True:
            try:
                self._writer = ox.Store(str(path))
                return self._writer
            except OSError as error:
                if "lock" not in str(error).lower() or time.monotonic() > deadline:
                    raise StoreUnavailable(
                        f"the store {path} is open for writing in another process that does "
                        f"not share it (a server without --workers?): {error}"
                    ) from error
                time.sleep(0.05)

    def _bump_version(self) -> None:
        """After a commit: the new version's checkpoint first, then ``VERSION``."""
        version = new_version()
        generation = self.current_generation()
        if self._writer is not None and generation is not None:
            self._writer.flush()
            self._checkpoint(self._writer, self._checkpoint_folder(generation, version))
        self._version_file.write(version)

    @contextlib.contextmanager
    def staging_copy(self) -> Iterator[ox.Store]:
        folder = self._copy_of_current(secrets.token_hex(6))
        try:
            with storage_errors():
                yield ox.Store(str(folder))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def frozen_copy(self) -> Path | None:
        if self.current_generation() is None:
            return None
        return self._copy_of_current(f"frozen-{secrets.token_hex(6)}")

    def _copy_of_current(self, name: str) -> Path:
        """A writable copy (``staging/name``) of the current version's checkpoint."""
        with self.write_lock():
            _, _, checkpoint = self._checkpoint_of_current()
            folder = self.root / "staging" / name
            with storage_errors():
                folder.parent.mkdir(exist_ok=True)
                source = ox.Store.read_only(str(checkpoint))
                try:
                    source.backup(str(folder))
                except OSError:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise
            return folder
