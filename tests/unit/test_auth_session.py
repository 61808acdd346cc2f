"""Officer sessions: expiry, sign-out, pending uploads, the bound on open sessions, sharing
between processes (one folder), the cross-site test."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sozialgraph.auth_session import (
    MAX_SESSIONS,
    PendingUpload,
    SessionStore,
    is_cross_site,
    same_secret,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_ends_at_its_expiry(tmp_path: Path) -> None:
    clock = Clock()
    store = SessionStore(tmp_path, 60.0, clock)
    session_id, session = store.create("amt")
    assert store.get(session_id) == session and session.agent == "amt"
    clock.now += 59.9
    assert store.get(session_id) == session
    clock.now += 0.2
    assert store.get(session_id) is None
    assert len(store) == 0 and list(tmp_path.iterdir()) == []


def test_sign_out_ends_only_its_own_session(tmp_path: Path) -> None:
    store = SessionStore(tmp_path, 60.0)
    first, _ = store.create("a")
    second, _ = store.create("b")
    store.end(first)
    assert store.get(first) is None and store.get(second) is not None


def test_ids_and_csrf_tokens_are_random_and_unknown_ids_find_nothing(tmp_path: Path) -> None:
    store = SessionStore(tmp_path, 60.0)
    one, session_one = store.create("a")
    two, session_two = store.create("a")
    assert one != two and session_one.csrf != session_two.csrf and len(one) >= 40
    assert store.get(None) is None and store.get("") is None and store.get(one + "x") is None
    assert store.get("x" * 10_000) is None


def test_the_oldest_session_goes_when_too_many_are_open(tmp_path: Path) -> None:
    clock = Clock()
    store = SessionStore(tmp_path, 60.0, clock)
    ids = []
    for number in range(MAX_SESSIONS + 1):
        clock.now += 0.001
        ids.append(store.create(f"agent-{number}")[0])
    assert store.get(ids[0]) is None and store.get(ids[-1]) is not None
    assert len(store) == MAX_SESSIONS


def test_a_pending_upload_is_held_dropped_and_ends_with_the_session(tmp_path: Path) -> None:
    store = SessionStore(tmp_path, 60.0)
    session_id, session = store.create("amt")
    assert store.pending(session) is None
    upload = PendingUpload("m.csv", b"Kennung;Titel\n", "massnahmen", "abc")
    store.hold(session, upload)
    assert store.pending(session) == upload
    store.hold(session, None)
    assert store.pending(session) is None
    store.hold(session, upload)
    store.end(session_id)
    assert list(tmp_path.iterdir()) == []


def test_two_processes_share_sessions_through_the_folder(tmp_path: Path) -> None:
    """Two stores on one folder stand for two web processes (``serve --workers``)."""
    first, second = SessionStore(tmp_path, 60.0), SessionStore(tmp_path, 60.0)
    session_id, session = first.create("amt")
    assert second.get(session_id) == session
    second.hold(session, PendingUpload("m.csv", b"x", "g", "h"))
    assert first.pending(session) == PendingUpload("m.csv", b"x", "g", "h")
    second.end(session_id)
    assert first.get(session_id) is None


def test_session_files_are_private_and_do_not_hold_the_id(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions", 60.0)
    session_id, _ = store.create("amt")
    (record,) = (tmp_path / "sessions").iterdir()
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "sessions").stat().st_mode) == 0o700
    assert session_id not in record.name and session_id not in record.read_text()


def test_same_secret_needs_an_exact_match() -> None:
    assert same_secret("abc", "abc")
    assert not same_secret("abd", "abc") and not same_secret(None, "abc")
    assert not same_secret("", "")


OWN = "https://sozialgraph.example:443"


@pytest.mark.parametrize(
    ("origin", "fetch_site", "cross"),
    [
        (None, None, False),  # a command-line client: the CSRF token decides
        ("https://sozialgraph.example", None, False),
        ("https://sozialgraph.example", "same-origin", False),
        (None, "none", False),  # typed or bookmarked by the user
        ("https://evil.example", None, True),
        ("http://sozialgraph.example", None, True),  # another scheme is another origin
        ("https://sozialgraph.example:8443", None, True),
        ("null", None, True),
        ("https://sozialgraph.example:99999", None, True),  # no valid origin
        (None, "cross-site", True),
        (None, "same-site", True),  # a sibling host of the same site
        ("https://sozialgraph.example", "cross-site", True),
    ],
)
def test_cross_site_requests_are_recognised(
    origin: str | None, fetch_site: str | None, cross: bool
) -> None:
    assert is_cross_site(origin, fetch_site, OWN) is cross
