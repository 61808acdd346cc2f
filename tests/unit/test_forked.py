"""A forked child's answer, its failure and its hang (the build's text index is made in one)."""

from __future__ import annotations

import os
import time

import pytest

from sozialgraph.publishing.forked import CAN_FORK, ChildFailed, Forked, Inbox

pytestmark = pytest.mark.skipif(not CAN_FORK, reason="fork is used on Linux only")


def test_the_child_answers_with_its_own_copy_of_the_parents_data() -> None:
    notes = {"texts": ["Erstes Ding"]}

    def work(inbox: Inbox) -> dict[str, object]:
        notes["texts"].append("only in the child")
        return {"pid": os.getpid(), "texts": notes["texts"]}

    child = Forked(work)
    answer = child.result()
    assert answer["pid"] == child.pid != os.getpid()
    assert answer["texts"] == ["Erstes Ding", "only in the child"]
    assert notes == {"texts": ["Erstes Ding"]}  # the parent's notes are untouched
    assert child.result() is answer  # once


def test_a_child_that_fails_gives_no_answer() -> None:
    def work(inbox: Inbox) -> None:
        raise OSError("no room for the index")

    with pytest.raises(ChildFailed, match="status"):
        Forked(work).result()


def test_a_child_that_hangs_is_killed_after_the_timeout() -> None:
    child = Forked(lambda inbox: time.sleep(60))
    started = time.monotonic()
    with pytest.raises(ChildFailed):
        child.result(timeout=0.5)
    assert time.monotonic() - started < 30  # killed, not waited for
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # and reaped


def test_the_child_waits_for_the_parents_message_sent_after_the_fork() -> None:
    big = {"ends": [f"https://example.org/thing/{n}" for n in range(20_000)]}  # > a pipe's buffer
    child = Forked(lambda inbox: {"told": inbox.get(), "pid": os.getpid()})
    child.tell(big)  # returns at once although the child reads it only now
    child.tell({"ends": []})  # once: the second message is not sent
    answer = child.result()
    assert answer["told"] == big and answer["pid"] == child.pid


def test_a_parent_that_closes_without_a_message_tells_the_child_none() -> None:
    child = Forked(lambda inbox: {"told": inbox.get()})
    child.tell(None)
    assert child.result() == {"told": None}
