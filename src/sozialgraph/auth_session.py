"""Sessions of the officer pages: a write token exchanged once for a random session id.

Sessions are small files in a folder of the state directory (``sessions/``), named by the
SHA-256 of the id (the ids themselves are not kept): every web process of one machine
(``serve --workers``) sees the same sessions, and a restart keeps them until they expire. Each
session carries its CSRF token (synchronizer token pattern) and at most one pending upload
between its preview and its publication (a file beside it). Sessions end at a fixed time after
sign-in (``SOZIALGRAPH_SESSION_MINUTES``) or at sign-out; the oldest session is forgotten when
``MAX_SESSIONS`` are open.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: Open sessions at most (an officer's desk has few officers; each may hold one upload).
MAX_SESSIONS = 256
_KEY = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class PendingUpload:
    """An upload between its preview and its publication; ``digest`` is the preview's hash.
    ``kind`` "oparl": ``filename`` is the OParl URL, ``data`` its ``modified_since`` (UTF-8)."""

    filename: str
    data: bytes
    graph: str
    digest: str
    kind: str = "file"


@dataclass(frozen=True)
class Session:
    key: str  # SHA-256 of the session id
    agent: str
    csrf: str
    expires: float


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A random value for a session id, a CSRF token or a sign-in form's nonce."""
    return secrets.token_urlsafe(32)


def same_secret(offered: str | None, expected: str) -> bool:
    """Whether ``offered`` is ``expected``, compared in constant time."""
    if not offered:
        return False
    return hmac.compare_digest(offered.encode("utf-8"), expected.encode("utf-8"))


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` whole or not at all (a reader in another process sees old or new)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    temporary.replace(path)


class SessionStore:
    """Signed-in officers by session id, as files in ``folder``."""

    def __init__(
        self, folder: Path, lifetime: float, clock: Callable[[], float] | None = None
    ) -> None:
        self.folder = folder
        self.lifetime = lifetime
        self._clock = clock or time.time
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def create(self, agent: str) -> tuple[str, Session]:
        """A new session for the token named ``agent``: its id (for the cookie) and state."""
        session_id = new_secret()
        session = Session(_key(session_id), agent, new_secret(), self._clock() + self.lifetime)
        open_sessions = self._sweep()
        for _, old in sorted(open_sessions)[: max(0, len(open_sessions) - MAX_SESSIONS + 1)]:
            self._remove(old)
        record = {"agent": agent, "csrf": session.csrf, "expires": session.expires}
        _write(self._path(session.key), json.dumps(record).encode("utf-8"))
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        """The open session of ``session_id`` (None when unknown, ended or expired)."""
        if not session_id or len(session_id) > 200:
            return None
        key = _key(session_id)
        record = self._record(key)
        if record is None:
            return None
        if record["expires"] <= self._clock():
            self._remove(key)
            return None
        return Session(key, record["agent"], record["csrf"], record["expires"])

    def end(self, session_id: str | None) -> None:
        if session_id:
            self._remove(_key(session_id))

    def hold(self, session: Session, upload: PendingUpload | None) -> None:
        """Keep ``upload`` as the session's pending upload (None: drop it)."""
        record = self._record(session.key)
        if record is None:
            return
        if upload is None:
            record.pop("pending", None)
            with contextlib.suppress(FileNotFoundError):
                self._upload_path(session.key).unlink()
        else:
            _write(self._upload_path(session.key), upload.data)
            record["pending"] = {
                "filename": upload.filename,
                "graph": upload.graph,
                "digest": upload.digest,
                "kind": upload.kind,
            }
        _write(self._path(session.key), json.dumps(record).encode("utf-8"))

    def pending(self, session: Session) -> PendingUpload | None:
        record = self._record(session.key)
        held = record.get("pending") if record else None
        if not held:
            return None
        try:
            data = self._upload_path(session.key).read_bytes()
        except FileNotFoundError:
            return None
        kind = held.get("kind", "file")
        return PendingUpload(held["filename"], data, held["graph"], held["digest"], kind)

    def __len__(self) -> int:
        return len(self._sweep())

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def _upload_path(self, key: str) -> Path:
        return self.folder / f"{key}.upload"

    def _record(self, key: str) -> dict[str, Any] | None:
        try:
            record = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def _remove(self, key: str) -> None:
        for path in (self._path(key), self._upload_path(key)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def _sweep(self) -> list[tuple[float, str]]:
        """(expiry, key) of the open sessions; expired ones are removed."""
        now = self._clock()
        found = []
        for path in self.folder.glob("*.json"):
            key = path.stem
            record = self._record(key) if _KEY.fullmatch(key) else None
            expires = record.get("expires") if record else None
            if not isinstance(expires, int | float) or expires <= now:
                self._remove(key)
            else:
                found.append((float(expires), key))
        return found


def is_cross_site(origin: str | None, fetch_site: str | None, own_origin: str) -> bool:
    """Whether a state-changing request comes from another site.

    ``Sec-Fetch-Site`` (sent by current browsers) must be ``same-origin`` or ``none`` (typed by
    the user); an ``Origin`` must be this server's own (``null`` is refused). A request with
    neither header (an older browser, a command-line client) is not cross-site by this test: the
    CSRF token still has to match.
    """
    if fetch_site is not None and fetch_site.strip().lower() not in ("same-origin", "none"):
        return True
    if origin is None:
        return False
    return _origin(origin) != _origin(own_origin)


def _origin(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port out of range
        return None
    return parts.scheme, f"{parts.hostname.lower()}:{port}"
