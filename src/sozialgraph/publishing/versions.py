"""Citable data versions: every published store version gets a number, a record and a dump.

A version is recorded once per store version (after every write, at startup and on the first
request that sees a new store version): the canonical N-Quads (pyoxigraph's canonical blank-node
labels, lines sorted) with their SHA-256 and triple count, the activities that made it, and per
published resource a fingerprint, so the next version knows which resources changed. From that
difference the version keeps what feeds and the event stream are made of: the changed
resources (``changes.json``) and their snapshots as stream members (``members.nt.gz``, see
``publishing/ldes.py``). Each version is written under a temporary name and renamed when
complete (as the dumps are), so a reader sees a whole version or none. Recording holds a file
lock on the folder (``.lock``, flock), so that several processes (``serve --workers``, the
processes that record from a frozen copy) number their versions one after the other: each reads
the versions the others recorded before it numbers its own.

Dumps are kept by a policy (``keep_days``: every version of the last days; ``keep_monthly``:
the last version of each month forever); records, changes and members are kept for good.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gzip
import hashlib
import json
import secrets
import shutil
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from sozialgraph.namespaces import (
    graph_iri,
    meta_graph_iri,
)
from sozialgraph.publishing.snapshot import (
    Activity,
    Snapshot,
    activities,
    can_canonicalise,
    canonical_lines,
    needs_labels,
)
from sozialgraph.querying.worker_process import die_with_parent

_RECORD = "record.json"
_STATE = "state.json.gz"
_CHANGES = "changes.json"
MEMBERS = "members.nt.gz"
DUMP = "sozialgraph.nq.gz"


@dataclass(frozen=True)
class Change:
    """One published resource that a version made, changed or removed."""

    iri: str
    change: str  # "new", "changed", "deleted"
    types: list[str]
    label_de: str | None
    label_en: str | None
    status_before: str | None = None
    status_after: str | None = None
    status_before_label: dict[str, str] = field(default_factory=dict)
    status_after_label: dict[str, str] = field(default_factory=dict)
    scopes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VersionRecord:
    number: int
    store_version: str
    created: str  # ISO 8601, UTC
    triples: int
    sha256: str
    activities: list[Activity]
    new: int
    changed: int
    deleted: int
    members: int
    #: Blank nodes labelled by RDFC (False: the store's labels, see snapshot.canonical_lines).
    canonical: bool = True

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.created)

    @property
    def activity(self) -> Activity | None:
        return self.activities[-1] if self.activities else None


class VersionJournal:
    """The numbered versions in ``folder`` (one sub-folder per version)."""

    def __init__(
        self, folder: Path, base_iri: str, *, keep_days: int = 90, keep_monthly: bool = True
    ) -> None:
        self.folder = folder
        self.base_iri = base_iri
        self.keep_days = keep_days
        self.keep_monthly = keep_monthly
        self._lock = threading.Lock()
        self._records: list[VersionRecord] | None = None
        self._by_store_version: dict[str, int] = {}
        self._subjects: tuple[int, dict[str, Any]] | None = None

    # -- reading ---------------------------------------------------------------------------------

    def records(self) -> list[VersionRecord]:
        """Every recorded version, oldest first."""
        if self._records is None:
            with self._lock:
                self._load()
        assert self._records is not None
        return self._records

    def _load(self) -> None:
        self._records = self._read_records(after=0)
        self._by_store_version = {r.store_version: r.number for r in self._records}

    def _refresh(self) -> None:
        """Take in the versions other processes recorded since this one last looked."""
        if self._records is None:
            self._load()
            return
        last = self._records[-1].number if self._records else 0
        for record in self._read_records(after=last):
            self._records.append(record)
            self._by_store_version[record.store_version] = record.number

    def _read_records(self, after: int) -> list[VersionRecord]:
        records = []
        if self.folder.is_dir():
            for path in self.folder.glob("[0-9]*/" + _RECORD):
                if path.parent.name.isdigit() and int(path.parent.name) > after:
                    data = json.loads(path.read_text(encoding="utf-8"))
                    records.append(_record_from_json(data))
        records.sort(key=lambda r: r.number)
        return records

    def get(self, number: int) -> VersionRecord | None:
        records = self.records()
        if 1 <= number <= len(records) and records[number - 1].number == number:
            return records[number - 1]
        return next((r for r in records if r.number == number), None)

    def latest(self) -> VersionRecord | None:
        records = self.records()
        return records[-1] if records else None

    def number_of(self, store_version: str) -> int | None:
        """The version number of a store version (``None`` until it is recorded)."""
        self.records()
        return self._by_store_version.get(store_version)

    def path(self, number: int) -> Path:
        return self.folder / f"{number:06d}"

    def dump_path(self, number: int) -> Path | None:
        """The version's compressed N-Quads, if the policy kept them."""
        path = self.path(number) / DUMP
        return path if path.exists() else None

    def changes(self, number: int) -> list[Change]:
        path = self.path(number) / _CHANGES
        if not path.exists():
            return []
        return [_change_from_json(item) for item in json.loads(path.read_text(encoding="utf-8"))]

    def members(self, number: int) -> bytes:
        """The version's event-stream members as N-Triples."""
        path = self.path(number) / MEMBERS
        return gzip.decompress(path.read_bytes()) if path.exists() else b""

    def resource(self, iri: str) -> dict[str, Any] | None:
        """What the newest version knows of a published resource (types, labels, status), or
        of a removed one the last change that named it."""
        latest = self.latest()
        if latest is None:
            return None
        if self._subjects is None or self._subjects[0] != latest.number:
            self._subjects = (latest.number, self._state(latest.number)["subjects"])
        found: dict[str, Any] | None = self._subjects[1].get(iri)
        if found is not None:
            return found
        for record in reversed(self.records()):
            for change in self.changes(record.number):
                if change.iri == iri:
                    return {
                        "types": change.types,
                        "label_de": change.label_de,
                        "label_en": change.label_en,
                    }
        return None

    def modified_since(self, since: dt.datetime) -> tuple[set[str], dict[str, list[str]]]:
        """Resources changed after ``since`` (with what they belong to), and those removed
        since then and not published again (with the types they had)."""
        changed: set[str] = set()
        deleted: dict[str, list[str]] = {}
        for record in self.records():
            if record.created_at <= since:
                continue
            for change in self.changes(record.number):
                if change.change == "deleted":
                    deleted[change.iri] = change.types
                    changed.update(s for s in change.scopes if s != change.iri)
                else:
                    deleted.pop(change.iri, None)
                    changed.update(change.scopes)
        return changed - set(deleted), deleted

    # -- recording -------------------------------------------------------------------------------

    def record(
        self, store_version: str, quads: Iterable[ox.Quad], now: dt.datetime | None = None
    ) -> VersionRecord | None:
        """Record ``quads`` as the next version unless ``store_version`` is recorded already (by
        this process or another one)."""
        with self._lock, _folder_lock(self.folder):
            self._refresh()
            assert self._records is not None
            if store_version in self._by_store_version:
                return None
            previous = self._records[-1] if self._records else None
            number = previous.number + 1 if previous else 1
            created = now or dt.datetime.now(dt.UTC)
            if previous is not None and created <= previous.created_at:  # strictly increasing
                created = previous.created_at + dt.timedelta(microseconds=1)
            record = self._write(number, store_version, list(quads), created, previous)
            self._records.append(record)
            self._by_store_version[store_version] = number
            self._prune()
            return record

    def adopt(self, record: VersionRecord) -> None:
        """Take in a version that another process recorded in this folder (``record_from_copy``)."""
        with self._lock:
            if self._records is None:
                self._load()
            elif record.store_version not in self._by_store_version:
                self._records.append(record)
                self._records.sort(key=lambda r: r.number)
                self._by_store_version[record.store_version] = record.number

    def _write(
        self,
        number: int,
        store_version: str,
        quads: list[ox.Quad],
        created: dt.datetime,
        previous: VersionRecord | None,
    ) -> VersionRecord:
        self.folder.mkdir(parents=True, exist_ok=True)
        lines = canonical_lines(quads)
        digest = hashlib.sha256()
        for line in lines:
            digest.update(line)
        meta = meta_graph_iri(self.base_iri)
        old_state = self._state(previous.number) if previous else {"subjects": {}, "seen": []}
        found = activities(quads, meta, set(old_state["seen"]))
        snapshot = Snapshot(quads, meta, graph_iri(self.base_iri, "shapes/"))
        subjects = snapshot.fingerprints()
        changes, members = self._difference(
            number, created, old_state["subjects"], subjects, snapshot
        )
        state = {
            "subjects": subjects,
            "seen": sorted(set(old_state["seen"]) | {a.iri for a in found}),
        }
        record = VersionRecord(
            number=number,
            store_version=store_version,
            created=created.isoformat(),
            triples=len(lines),
            sha256=digest.hexdigest(),
            activities=found,
            new=sum(1 for c in changes if c.change == "new"),
            changed=sum(1 for c in changes if c.change == "changed"),
            deleted=sum(1 for c in changes if c.change == "deleted"),
            members=len(changes),
            canonical=not needs_labels(quads) or can_canonicalise(quads),
        )
        temporary = self.folder / f".tmp-{number:06d}-{secrets.token_hex(4)}"
        temporary.mkdir()
        try:
            with gzip.GzipFile(temporary / DUMP, "wb", compresslevel=6, mtime=0) as dump:
                dump.write(b"".join(lines))
            (temporary / MEMBERS).write_bytes(gzip.compress(members, mtime=0))
            (temporary / _STATE).write_bytes(
                gzip.compress(json.dumps(state).encode("utf-8"), mtime=0)
            )
            (temporary / _CHANGES).write_text(
                json.dumps([asdict(c) for c in changes], ensure_ascii=False), encoding="utf-8"
            )
            (temporary / _RECORD).write_text(
                json.dumps(asdict(record), ensure_ascii=False, indent=1), encoding="utf-8"
            )
            temporary.rename(self.path(number))
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
        return record

    def _state(self, number: int) -> dict[str, Any]:
        path = self.path(number) / _STATE
        state: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
        return state

    def _difference(
        self,
        number: int,
        created: dt.datetime,
        before: dict[str, dict[str, Any]],
        after: dict[str, dict[str, Any]],
        snapshot: Snapshot,
    ) -> tuple[list[Change], bytes]:
        from sozialgraph.publishing.ldes import member_triples, tombstone_triples

        changes: list[Change] = []
        triples: list[ox.Triple] = []
        for iri in sorted(set(before) | set(after)):
            old, new = before.get(iri), after.get(iri)
            if old is not None and new is not None and old["hash"] == new["hash"]:
                continue
            now = new or old
            assert now is not None
            kind = "new" if old is None else "deleted" if new is None else "changed"
            changes.append(
                Change(
                    iri=iri,
                    change=kind,
                    types=now["types"],
                    label_de=now["label_de"],
                    label_en=now["label_en"],
                    status_before=old["status"] if old else None,
                    status_after=new["status"] if new else None,
                    status_before_label=(old and old["status_label"]) or {},
                    status_after_label=(new and new["status_label"]) or {},
                    scopes=sorted(set((old or {}).get("scopes", [])) | set(now["scopes"])),
                )
            )
            if new is None:
                triples += tombstone_triples(self.base_iri, number, iri, created)
            else:
                triples += member_triples(
                    self.base_iri, number, iri, created, snapshot.description(iri)
                )
        members = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        return changes, members

    # -- retention -------------------------------------------------------------------------------

    def kept(self, number: int, now: dt.datetime | None = None) -> bool:
        """Whether the policy keeps the dump of version ``number``."""
        records = self.records()
        record = self.get(number)
        if record is None:
            return False
        if record is records[-1]:
            return True
        now = now or dt.datetime.now(dt.UTC)
        if now - record.created_at <= dt.timedelta(days=self.keep_days):
            return True
        if self.keep_monthly:
            following = self.get(number + 1)
            month = (record.created_at.year, record.created_at.month)
            return (
                following is None
                or (
                    following.created_at.year,
                    following.created_at.month,
                )
                != month
            )
        return False

    def _prune(self) -> None:
        assert self._records is not None
        for record in self._records[:-1]:
            dump = self.path(record.number) / DUMP
            if dump.exists() and not self.kept(record.number):
                dump.unlink(missing_ok=True)
            state = self.path(record.number) / _STATE
            if record is not self._records[-1] and state.exists():
                state.unlink(missing_ok=True)  # only the newest state is read again


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold the journal folder's lock file (flock, as the store's ``write.lock``): one process
    records at a time. Closing the file lets go, also when the process dies."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _record_from_json(data: dict[str, Any]) -> VersionRecord:
    data = dict(data)
    data["activities"] = [Activity(**a) for a in data.get("activities", [])]
    return VersionRecord(**data)


def _change_from_json(data: dict[str, Any]) -> Change:
    return Change(**data)


def record_from_copy(
    journal: dict[str, Any], store_version: str, copy: str, parent_pid: int
) -> VersionRecord | None:
    """Record ``store_version`` from a frozen copy of the store (folder ``copy``) into the journal
    ``journal`` (its constructor's arguments), in a process of its own: reading and hashing the
    whole store takes long and would hold the web process's interpreter lock meanwhile."""
    die_with_parent(parent_pid)
    folder = Path(journal.pop("folder"))
    quads = ox.Store.read_only(copy).quads_for_pattern(None, None, None, None)
    return VersionJournal(folder, **journal).record(store_version, quads)


def versions_folder(state_dir: Path, configured: str | None) -> Path:
    return Path(configured) if configured else state_dir / "versions"
