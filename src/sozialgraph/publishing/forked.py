"""Work done by a forked child process beside the parent's, for work whose Python would hold the
parent's GIL: the build's text index is made in a child while the parent's SHACL gate runs (each
on a core of its own; in a thread, the documents' Python and the gate's queries take turns on
the one GIL).

The child inherits the notes it works on (copy-on-write: nothing is pickled), touches nothing
the parent has open (no store, no lock), may wait for one JSON value the parent sends later
(:meth:`Forked.tell`, e.g. "the gate passed"), answers one JSON value through a pipe and ends
with ``os._exit`` (no exit handlers, no buffers flushed twice). Only where ``fork`` is safe
enough for that (Linux); elsewhere the caller runs the work in a thread with a
:class:`ThreadInbox`.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any, Protocol

#: fork is used only here: Linux, where a child that runs Python and tantivy only is safe
CAN_FORK = sys.platform == "linux" and hasattr(os, "fork")


class ChildFailed(RuntimeError):
    """The child ended without an answer (its error, if any, went to standard error)."""


class Inbox(Protocol):
    def get(self) -> Any:
        """The value the parent sent; waits for it (None: the parent closed without one)."""
        ...


class _PipeInbox:
    """The child's end of the parent's one message."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def get(self) -> Any:
        with os.fdopen(self._fd, "rb") as pipe:
            text = pipe.read()
        return json.loads(text) if text else None


class ThreadInbox:
    """The same for work done in a thread of the parent."""

    def __init__(self) -> None:
        self._sent = threading.Event()
        self._value: Any = None

    def put(self, value: Any) -> None:
        if not self._sent.is_set():
            self._value = value
            self._sent.set()

    def get(self) -> Any:
        self._sent.wait()
        return self._value


class Forked:
    """A child process running ``work(inbox)``; :meth:`result` waits for its JSON answer."""

    def __init__(self, work: Callable[[Inbox], Any]) -> None:
        read_end, write_end = os.pipe()
        inbox_read, inbox_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            status = 1
            try:
                os.close(read_end)
                os.close(inbox_write)  # else the parent's closing would never reach it
                answer = json.dumps(work(_PipeInbox(inbox_read))).encode("utf-8")
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(answer)
                status = 0
            except BaseException:  # the child must end here whatever happened
                traceback.print_exc()
            finally:
                os._exit(status)
        os.close(write_end)
        os.close(inbox_read)
        self.pid, self._read_end = pid, read_end
        self._inbox: int | None = inbox_write
        self._answer: Any = None
        self._done = False

    def tell(self, value: Any) -> None:
        """Send the child its one message (None: none; once). Never blocks: a thread writes it
        (the child may read it only when its own work is done)."""
        fd, self._inbox = self._inbox, None
        if fd is None:
            return
        text = b"" if value is None else json.dumps(value).encode("utf-8")

        def send() -> None:
            try:
                with os.fdopen(fd, "wb") as pipe:
                    pipe.write(text)
            except OSError:  # the child ended without reading it
                pass

        threading.Thread(target=send, name="forked-tell", daemon=True).start()

    def result(self, timeout: float = 600.0) -> Any:
        """The child's answer (waits for it; once): ``ChildFailed`` if it gave none, or none
        within ``timeout`` seconds (then the child is killed: a lock some other thread of the
        parent held at the fork would hang it for ever)."""
        if not self._done:
            self._done = True
            with os.fdopen(self._read_end, "rb") as pipe:
                if not select.select([pipe], [], [], timeout)[0]:
                    os.kill(self.pid, signal.SIGKILL)
                answer = pipe.read()
            _, status = os.waitpid(self.pid, 0)
            self.tell(None)  # the message is not needed any more
            if status != 0 or not answer:
                raise ChildFailed(f"the child process ended with status {status} and no answer")
            self._answer = json.loads(answer)
        return self._answer
