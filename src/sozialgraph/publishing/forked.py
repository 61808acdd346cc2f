"""Work done by a forked child process beside the parent's, for work whose Python would hold the
parent's GIL: the build's text index is made in a child while the parent's SHACL gate runs (each
on a core of its own; in a thread, the documents' Python and the gate's queries take turns on
the one GIL).

The child inherits the notes it works on (copy-on-write: nothing is pickled), touches nothing
the parent has open (no store, no lock), answers one small JSON value through a pipe and ends
with ``os._exit`` (no exit handlers, no buffers flushed twice). Only where ``fork`` is safe
enough for that (Linux); elsewhere the caller runs the work in a thread.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import traceback
from collections.abc import Callable
from typing import Any

#: fork is used only here: Linux, where a child that runs Python and tantivy only is safe
CAN_FORK = sys.platform == "linux" and hasattr(os, "fork")


class ChildFailed(RuntimeError):
    """The child ended without an answer (its error, if any, went to standard error)."""


class Forked:
    """A child process running ``work()``; :meth:`result` waits for its JSON answer."""

    def __init__(self, work: Callable[[], Any]) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            status = 1
            try:
                os.close(read_end)
                answer = json.dumps(work()).encode("utf-8")
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(answer)
                status = 0
            except BaseException:  # the child must end here whatever happened
                traceback.print_exc()
            finally:
                os._exit(status)
        os.close(write_end)
        self.pid, self._read_end = pid, read_end
        self._answer: Any = None
        self._done = False

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
            if status != 0 or not answer:
                raise ChildFailed(f"the child process ended with status {status} and no answer")
            self._answer = json.loads(answer)
        return self._answer
