"""The embedded store's ``VERSION``, which every request asks for, read without a system call.

A write replaces ``VERSION`` (atomically) and then puts a new random number into
``VERSION.signal``: eight bytes that every process of the store maps into its memory (``mmap``,
shared). A reader compares that number with the one it saw when it last read ``VERSION`` and
looks at the file again only when the number changed. Before, each request made one ``stat`` of
``VERSION``: with the caches that system call leaves cold, ~10 % of the CPU time of a never-seen
lookup (``bench/http_cpu.py``). A write through any process is still seen by all at their next
request: the number changes after the file, and a reader reads the number before the file.

Whatever changes ``VERSION`` without the signal (a person, another program) is seen within
:data:`RECHECK_SECONDS`: the file is looked at that often in any case. Where the signal cannot be
mapped (a read-only folder without one, a file system without shared mappings), every read looks
at the file, as before.
"""

from __future__ import annotations

import mmap
import os
import secrets
import time
from pathlib import Path

from sozialgraph.store.generations import write_atomically

#: The longest a change of ``VERSION`` made without the signal goes unseen (seconds).
RECHECK_SECONDS = 1.0
SIGNAL_NAME = "VERSION.signal"
_SIGNAL_BYTES = 8

#: A file's (mtime in ns, inode, size): a new ``VERSION`` (replaced, not rewritten) changes it.
Stamp = tuple[int, int, int]


class VersionFile:
    """``VERSION`` in ``root``: :meth:`read` on every request, :meth:`write` after every write."""

    def __init__(self, root: Path, *, writable: bool) -> None:
        self.path = os.fspath(root / "VERSION")
        self._signal = _map_signal(root / SIGNAL_NAME, writable)
        # What the last look found, in one tuple (threads replace it whole, never half): the
        # signal's number before it, when to look again even if the number stays, the file's
        # (mtime, inode, size) and its text.
        self._state: tuple[int, float, Stamp | None, str] = (-1, 0.0, None, "empty")

    def read(self) -> str:
        """The content of ``VERSION`` ("empty" without one)."""
        state = self._state
        signal = self._signal
        seen = -1
        if signal is not None:
            seen = signal[0]
            if seen == state[0] and time.monotonic() < state[1]:
                return state[3]
        stamp, text = self._look(state[2], state[3])
        self._state = (seen, time.monotonic() + RECHECK_SECONDS, stamp, text)
        return text

    def write(self, text: str) -> None:
        """Replace ``VERSION`` by ``text``, then tell every reader (the signal's new number)."""
        write_atomically(Path(self.path), text)
        if self._signal is not None:
            self._signal[0] = secrets.randbits(63)  # never the -1 of "not seen yet"

    def _look(self, stamp: Stamp | None, text: str) -> tuple[Stamp | None, str]:
        """The file's stamp and text: read again only if the stamp is not ``stamp`` (one
        ``stat``), else ``text``."""
        try:
            found = os.stat(self.path)  # noqa: PTH116 (no Path object per request)
        except FileNotFoundError:
            return None, "empty"
        now = (found.st_mtime_ns, found.st_ino, found.st_size)
        if now == stamp:
            return stamp, text
        return now, Path(self.path).read_text(encoding="utf-8").strip() or "empty"


def _map_signal(path: Path, writable: bool) -> memoryview | None:
    """The signal's number as a one-element view of shared memory; None where it cannot be."""
    try:
        if writable:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        else:
            descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        if os.fstat(descriptor).st_size < _SIGNAL_BYTES:
            if not writable:
                return None
            os.ftruncate(descriptor, _SIGNAL_BYTES)  # zeros: a number like any other
        access = mmap.ACCESS_WRITE if writable else mmap.ACCESS_READ
        mapped = mmap.mmap(descriptor, _SIGNAL_BYTES, access=access)
    except (OSError, ValueError):
        return None
    finally:
        os.close(descriptor)
    return memoryview(mapped).cast("q")
