"""A recording HTTP proxy on 127.0.0.1 in front of a SPARQL server, for the remote-load tests.

It notes the method, path and body size of every request and forwards it; a request whose body
matches ``hold`` waits until :meth:`RecordingProxy.release` (to kill a client at that moment);
with ``max_body`` it refuses larger bodies with 413, as a reverse proxy with a body limit does.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

import httpx

from tests.support import free_port

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    size: int
    body_start: bytes
    seconds: float = 0.0  # until the upstream answered (0: refused by the proxy)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        proxy = self.server.proxy
        if proxy.max_body is not None and len(body) > proxy.max_body:
            proxy.note(Recorded(self.command, self.path, len(body), body[:2000]))
            # What nginx's client_max_body_size answers
            self.send_error(413, f"Request Entity Too Large (limit {proxy.max_body} bytes)")
            return
        held = proxy.hold is not None and proxy.hold(body)
        if held:
            proxy.held.set()
            proxy.released.wait(600)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        started = time.perf_counter()
        try:
            answer = proxy.client.request(
                self.command, proxy.upstream + self.path, content=body, headers=headers
            )
        except httpx.HTTPError as error:
            proxy.note(Recorded(self.command, self.path, len(body), body[:2000]))
            if held:
                proxy.held_answered.set()
            self.send_error(502, str(error))
            return
        if held:
            proxy.held_status = answer.status_code
            proxy.held_answered.set()
        seconds = time.perf_counter() - started
        proxy.note(Recorded(self.command, self.path, len(body), body[:2000], seconds))
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in _HOP_BY_HOP | {"content-encoding"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client went away (killed)
            self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        return


class _ProxyServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: RecordingProxy


class RecordingProxy:
    """``with RecordingProxy(upstream) as proxy:`` clients talk to ``proxy.url``."""

    def __init__(
        self,
        upstream: str,
        hold: Callable[[bytes], bool] | None = None,
        port: int | None = None,
        max_body: int | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = port or free_port()
        self.hold = hold
        self.max_body = max_body
        self.held = threading.Event()
        self.held_answered = threading.Event()
        self.held_status: int | None = None
        self.released = threading.Event()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self.client = httpx.Client(timeout=600)
        self._server = _ProxyServer(("127.0.0.1", self.port), _Handler)
        self._server.proxy = self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def note(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def largest(self) -> int:
        with self._lock:
            return max((r.size for r in self.requests), default=0)

    def release(self) -> None:
        self.released.set()

    def __enter__(self) -> RecordingProxy:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self.client.close()
