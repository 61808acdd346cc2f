"""Dumps of the whole dataset, generated once per store version and served as files.

Each version of the store gets a folder ``{dump_dir}/{version}/`` with every format and its
``.gz`` twin. A folder is written under a temporary name and renamed when complete, so a reader
sees a whole set or none. Dumps are made at startup (in the background) and on the first
request after the store's ``version()`` changed (remote stores: on the first request only);
older folders are then removed.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import secrets
import shutil
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from sozialgraph.config import Settings
from sozialgraph.formats import BY_MEDIA_TYPE, EU_FILE_TYPE, JSON_LD, N_TRIPLES, TRIG, TURTLE
from sozialgraph.publishing.folders import is_complete, publish
from sozialgraph.store.base import GraphStore, serialize_quads

DUMP_STEM = "sozialgraph"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class DumpFormat:
    extension: str
    media_type: str
    rdf_format: ox.RdfFormat
    file_type: str  # EU file-type authority
    name: str

    @property
    def filename(self) -> str:
        return f"{DUMP_STEM}.{self.extension}"


def _dump_format(media_type: str) -> DumpFormat:
    fmt = BY_MEDIA_TYPE[media_type]
    assert fmt.rdf is not None and fmt.file_type is not None
    return DumpFormat(fmt.suffix, media_type, fmt.rdf, EU_FILE_TYPE + fmt.file_type, fmt.label)


#: The formats of the dump: graphs flattened (Turtle, N-Triples) or with named graphs.
DUMP_FORMATS = tuple(_dump_format(t) for t in (TURTLE, N_TRIPLES, TRIG, JSON_LD))
BY_FILENAME = {f.filename: f for f in DUMP_FORMATS}


@dataclass(frozen=True)
class DumpSet:
    """The complete dumps of one store version."""

    version: str
    folder: Path

    def path(self, fmt: DumpFormat, compressed: bool = False) -> Path:
        return self.folder / (fmt.filename + (".gz" if compressed else ""))

    def size(self, fmt: DumpFormat, compressed: bool = False) -> int:
        return self.path(fmt, compressed).stat().st_size

    def etag(self, fmt: DumpFormat, variant: str = "") -> str:
        digest = hashlib.sha256(self.version.encode("utf-8")).hexdigest()[:20]
        return f'"{digest}-{fmt.extension}{variant}"'

    def modified(self, fmt: DumpFormat) -> float:
        return self.path(fmt).stat().st_mtime


Snapshot = Callable[[], Awaitable[str | None]]


class DumpCache:
    """Dumps of ``store`` in ``folder``, keyed by the store's version.

    With ``snapshot`` (the query service's checkpoint: a read-only copy of the store named by
    its version) the dumps are read from that copy, so they never touch the live store object
    that the web process writes through, and their content matches their version. Without one
    (remote stores) they come from ``store.dump``.
    """

    def __init__(self, folder: Path, store: GraphStore, snapshot: Snapshot | None = None) -> None:
        self.folder = folder
        self.store = store
        self.snapshot = snapshot
        self._lock = threading.Lock()
        self._async_lock = asyncio.Lock()

    async def current(self) -> DumpSet:
        """The dumps of the store's current version, made first if needed (off the loop)."""
        async with self._async_lock:
            ready = await asyncio.to_thread(self.ready)
            if ready is not None:
                return ready
            checkpoint = None
            if self.snapshot is not None:
                for _ in range(3):  # a write between the two reads: take the newer copy
                    version = await asyncio.to_thread(self.store.version)
                    checkpoint = await self.snapshot()
                    if checkpoint is None or Path(checkpoint).name.endswith(_safe(version)):
                        break
            return await asyncio.to_thread(self.ensure, checkpoint)

    def ready(self) -> DumpSet | None:
        """The dumps of the store's current version if they are already made (no waiting)."""
        version = self.store.version()
        target = self.folder / _safe(version)
        return DumpSet(version, target) if is_complete(target) else None

    def ensure(self, checkpoint: str | None = None) -> DumpSet:
        """Make the dumps of the current version unless they exist; remove older ones."""
        with self._lock:
            version = self.store.version()
            target = self.folder / _safe(version)
            if not is_complete(target):
                self._generate(target, checkpoint)
            self._prune(keep=target.name)
            return DumpSet(version, target)

    def _generate(self, target: Path, checkpoint: str | None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".tmp-{target.name}-{secrets.token_hex(4)}"
        temporary.mkdir()
        source = ox.Store.read_only(checkpoint) if checkpoint else None
        try:
            for fmt in DUMP_FORMATS:
                plain = temporary / fmt.filename
                with plain.open("wb") as output:
                    if source is None:
                        self.store.dump(output, fmt.rdf_format)
                    else:
                        serialize_quads(
                            source.quads_for_pattern(None, None, None, None), output, fmt.rdf_format
                        )
                _compress(plain, temporary / (fmt.filename + ".gz"))
            publish(temporary, target)
        finally:
            del source
            shutil.rmtree(temporary, ignore_errors=True)

    def _prune(self, keep: str) -> None:
        for path in self.folder.iterdir():
            if path.is_dir() and path.name != keep and not path.name.startswith(".tmp-"):
                shutil.rmtree(path, ignore_errors=True)


def dump_folder(settings: Settings) -> Path:
    if settings.dump_dir:
        return Path(settings.dump_dir)
    return settings.state_dir / "dumps"


def make_dumps_at_start(cache: DumpCache, local: bool) -> asyncio.Task[DumpSet] | None:
    """Start making the dumps in the background when the store is local (reading a whole remote
    dataset at every start would cost its server more than the dumps are worth)."""
    return asyncio.create_task(cache.current()) if local else None


def _compress(source: Path, target: Path) -> None:
    # mtime=0: the same dump compresses to the same bytes.
    with (
        source.open("rb") as raw,
        target.open("wb") as packed,
        gzip.GzipFile(fileobj=packed, mode="wb", mtime=0) as writer,
    ):
        shutil.copyfileobj(raw, writer, _CHUNK)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text) or "empty"
