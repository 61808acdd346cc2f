"""The embedded store's folder as an operator sees it: generations, a damaged pointer, a full
or read-only disk (``sozialgraph store repair``, docs/operations.md).

A complete generation holds :data:`COMPLETE_MARKER` (date, triple count), written after its
build. A store whose ``CURRENT`` is missing, empty or names no generation is *damaged*, never
taken for an empty one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sozialgraph.errors import InsufficientStorage, StoreReadOnly

#: Written into a generation's folder once its build is complete (date and triple count).
COMPLETE_MARKER = "sozialgraph-generation.json"


@dataclass(frozen=True)
class Generation:
    """One folder under ``generations/`` as ``sozialgraph store repair`` lists it."""

    name: str
    built: dt.datetime
    size_bytes: int
    triples: int | None  # as counted when it was built; None for an incomplete generation
    complete: bool
    current: bool


def read_current(root: Path) -> str | None:
    """The name in ``CURRENT``; None if it is missing or empty (unreadable: a name of none)."""
    try:
        name = (root / "CURRENT").read_bytes().decode("utf-8", errors="replace").strip()
    except FileNotFoundError:
        return None
    return name or None


def generation_names(root: Path) -> set[str]:
    folder = root / "generations"
    return {p.name for p in folder.iterdir() if p.is_dir()} if folder.is_dir() else set()


def damage(root: Path) -> str | None:
    """Why ``CURRENT`` names no usable generation, or None (also for a never-built store)."""
    generation = read_current(root)
    names = generation_names(root)
    if generation is None and not names:
        return None
    hint = "; run 'sozialgraph store repair' to list the generations and choose one"
    if generation is None:
        return f"the store {root} has generations but no valid CURRENT pointer{hint}"
    if generation not in names:
        return f"CURRENT of the store {root} names no generation ({generation!r}){hint}"
    return None


def list_generations(root: Path) -> list[Generation]:
    """The generation folders, oldest first (no store is opened: cheap)."""
    folder = root / "generations"
    if not folder.is_dir():
        return []
    current = read_current(root)
    found = []
    for path in folder.iterdir():
        if not path.is_dir():
            continue
        marker = path / COMPLETE_MARKER
        recorded: dict[str, object] = {}
        if marker.is_file():
            with contextlib.suppress(ValueError, OSError):
                recorded = json.loads(marker.read_text(encoding="utf-8"))
        triples = recorded.get("triples")
        found.append(
            Generation(
                name=path.name,
                built=dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC),
                size_bytes=sum(f.stat().st_size for f in path.rglob("*") if f.is_file()),
                triples=triples if isinstance(triples, int) else None,
                complete=marker.is_file(),
                current=path.name == current,
            )
        )
    return sorted(found, key=lambda g: (g.built, g.name))


def is_disk_full(error: OSError) -> bool:
    """pyoxigraph (RocksDB) reports a full disk as an OSError without errno, in the text."""
    return error.errno == errno.ENOSPC or "No space left on device" in str(error)


def is_read_only(error: OSError) -> bool:
    return error.errno in (errno.EROFS, errno.EACCES, errno.EPERM) or (
        "Read-only file system" in str(error) or "Permission denied" in str(error)
    )


@contextlib.contextmanager
def storage_errors() -> Iterator[None]:
    """A full disk or a read-only folder while writing, as the domain errors that say so."""
    try:
        yield
    except OSError as error:
        if is_disk_full(error):
            raise InsufficientStorage(
                "the write failed: the disk of the store is full; nothing was changed, "
                "try again when space has been freed",
                de="Das Schreiben ist gescheitert: Der Datenträger des Speichers ist voll; "
                "nichts wurde geändert. Bitte erneut versuchen, wenn Platz frei ist.",
            ) from None
        if is_read_only(error):
            raise StoreReadOnly(
                "the store is read-only: writes are not possible",
                de="Der Speicher ist schreibgeschützt: Schreiben ist nicht möglich",
            ) from None
        raise


def new_version() -> str:
    """A new content of ``VERSION``: time and a random part."""
    return time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(4)


def safe_name(text: str) -> str:
    """``text`` as a part of a folder name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` in one step (a temporary file, synced, renamed)."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
