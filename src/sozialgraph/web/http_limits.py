"""Limits of the HTTP connection layer that uvicorn lacks: deadlines, header caps, a connection cap.

uvicorn (httptools) enforces only an idle timeout between requests (``timeout_keep_alive``):
a client may take forever to send its headers or its body, headers of any size are buffered,
and every connection is accepted until the process runs out of file descriptors. This protocol
adds what a public server needs, below the ASGI app (measured in tests/chaos/test_slowloris.py):

- the request line and headers must arrive within ``header_timeout`` seconds (then 408);
- more than ``max_header_bytes`` of header fields or ``max_headers`` fields: 431; a request line
  longer than ``max_url_bytes``: 414;
- a body must average ``min_body_rate`` bytes a second once ``body_timeout`` seconds have
  passed (then 408), unless the app is not reading it;
- at most ``max_connections`` open connections; the next ones get 503 with ``Retry-After``.

Every refusal closes the connection and is counted in a log line (at most one per kind every
ten seconds, so an attack cannot flood the log).

It also writes answers that are ready at once: when the app has an ``answer_now(scope)`` (the
SPARQL fast path: a kept result, a small lookup, a 304), a plain ``GET /sparql?…`` without a body
gets that answer right from the parser's callback, before uvicorn parses the URL and makes a
request cycle (an event, a task, two ASGI messages, two writes), in one write, byte for byte as
uvicorn would write it after the ASGI round, which costs more than the lookup itself.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from uvicorn._types import ASGI3Application, HTTPScope
from uvicorn.config import Config
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string
from uvicorn.server import ServerState

logger = logging.getLogger("uvicorn.error")

#: How often one kind of refusal is logged at most (seconds).
LOG_INTERVAL = 10.0


def default_max_connections() -> int:
    """Half the process's file descriptors (the store, workers and logs need the rest)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 4096
    return max(16, min(4096, soft // 2))


@dataclass
class RefusalLog:
    """Counts refused connections by kind; logs a kind at most once per ``LOG_INTERVAL``."""

    counts: dict[str, int] = field(default_factory=dict)
    logged_at: dict[str, float] = field(default_factory=dict)

    def note(self, kind: str, detail: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        now = time.monotonic()
        if now - self.logged_at.get(kind, -LOG_INTERVAL) >= LOG_INTERVAL:
            self.logged_at[kind] = now
            logger.warning(
                "HTTP limit: %s (%s; %d such since start)", kind, detail, self.counts[kind]
            )


@dataclass
class HttpLimits:
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    min_body_rate: int = 1000
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    max_url_bytes: int = 3 * 100_000 + 8 * 1024
    max_connections: int = field(default_factory=default_max_connections)
    ready_answers: bool = True  # write the app's ready answers (``answer_now``) at once
    log: RefusalLog = field(default_factory=RefusalLog)


#: An app's ready answer to a request (status, headers, body), or None: ask the app.
AnswerNow = Callable[[HTTPScope], "tuple[int, list[tuple[bytes, bytes]], bytes] | None"]
#: Headers the proxy-headers middleware turns into another client or scheme: such requests go
#: through it (and the app) the usual way.
_PROXY_HEADERS = (b"x-forwarded-for", b"x-forwarded-proto")

#: The request target of the requests answered before a cycle is made (``/sparql`` with a query).
_SPARQL_TARGET = b"/sparql?"

_REASONS = {
    408: b"Request Timeout",
    414: b"URI Too Long",
    431: b"Request Header Fields Too Large",
    503: b"Service Unavailable",
}


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines and caps (see the module docstring)."""

    limits: HttpLimits = HttpLimits()

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, object],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._registered = False  # counted among the server's connections
        self._done = False  # refused: nothing more is read
        self._headers_pending = True
        self._raw_header_bytes = 0  # bytes received while the headers were incomplete
        self._field_bytes = 0
        self._field_count = 0
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_due = 0.0  # when the headers of the request under way must be in
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_started = 0.0
        self._body_bytes = 0
        self._answer_now = ready_answers(self.app) if self.limits.ready_answers else None
        self._answered = False  # that request was answered before a cycle was made for it
        self._defaults: tuple[object, bytes] = (None, b"")  # default headers and their lines
        self._idle_due = 0.0  # when a connection idle since a ready answer is closed (0: busy)
        self._idle_timer: asyncio.TimerHandle | None = None

    # connection
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections:
            self.transport = transport
            self.limits.log.note(
                "connection cap reached, new connections get 503",
                f"{self.limits.max_connections} open",
            )
            self._refuse(503, b"Too many connections; try again shortly.\n", b"retry-after: 1\r\n")
            return
        self._registered = True
        super().connection_made(transport)
        self._header_due = self.loop.time() + self.limits.header_timeout
        self._header_timer = self.loop.call_later(self.limits.header_timeout, self._header_late)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        if self._registered:
            super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._done:
            return
        self._idle_due = 0.0  # not idle: a request is arriving
        if self._headers_pending:
            self._raw_header_bytes += len(data)
            if self._header_due == 0.0:
                # One timer a connection: it looks at the deadline when it fires and waits again
                # if a later request has moved it (no new timer per request).
                self._header_due = self.loop.time() + self.limits.header_timeout
                if self._header_timer is None:
                    self._header_timer = self.loop.call_later(
                        self.limits.header_timeout, self._header_late
                    )
        super().data_received(data)
        if self._headers_pending and not self._done and not self.transport.is_closing():
            # headers still incomplete: the raw bytes so far bound what the parser buffers
            url_bytes = len(getattr(self, "url", b""))
            self._check_headers(url_bytes, self._raw_header_bytes - url_bytes)

    # parser callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self._field_count += 1
        self._field_bytes += len(name) + len(value) + 4
        if not self._done and self._field_count <= self.limits.max_headers:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._headers_pending = False
        self._raw_header_bytes = 0
        self._header_due = 0.0  # none under way (the timer, if any, sees it and stops)
        if self._check_headers(len(self.url), self._field_bytes):
            return
        self._field_bytes = 0
        self._field_count = 0
        if any(name in (b"content-length", b"transfer-encoding") for name, _ in self.headers):
            self._body_started = time.monotonic()
            self._body_bytes = 0
            self._body_timer = self.loop.call_later(self.limits.body_timeout, self._check_body)
        elif self._answer_now is not None and self._answered_before_cycle():
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._done:
            return
        self._body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        if self._done:
            return
        if self._answered:  # answered before uvicorn made a cycle for it: nothing to tell one
            self._answered = False
            self._headers_pending = True
            return
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        self._headers_pending = True
        super().on_message_complete()

    # answers ready at once
    def _answered_before_cycle(self) -> bool:
        """Answer a plain ``GET /sparql?…`` whose answer the app has at once (``answer_now``),
        before uvicorn parses its URL and makes a cycle, an event and a task for it (for a small
        lookup those cost about a tenth of the answer): status line, default and app headers,
        body in one write, byte for byte as ``RequestResponseCycle.send`` writes them, and the
        access log's line. False when uvicorn's way must take the request; the scope is then
        completed by uvicorn as usual."""
        url = self.url
        if (
            not url.startswith(_SPARQL_TARGET)
            or b"#" in url
            or self.root_path
            or self.pipeline
            or (self.cycle is not None and not self.cycle.response_complete)
            or self.flow.write_paused
            or self.parser.get_method() != b"GET"
            or self.parser.get_http_version() != "1.1"
            or not self.parser.should_keep_alive()
        ):
            return False
        scope = self.scope
        for name, _ in scope["headers"]:
            if name in _PROXY_HEADERS or name == b"expect":
                return False
        # what uvicorn's on_headers_complete would put in for this target
        scope["method"] = "GET"
        scope["path"] = "/sparql"
        scope["raw_path"] = b"/sparql"
        scope["query_string"] = url[len(_SPARQL_TARGET) :]
        assert self._answer_now is not None
        try:
            ready = self._answer_now(scope)
        except Exception:  # the ASGI way reports it (a 500 and its log)
            logger.exception("Ready answer failed; the app answers")
            return False
        if ready is None:
            return False
        status, headers, body = ready
        if self.access_log:
            self.access_logger.info(
                '%s - "%s %s HTTP/%s" %d',
                get_client_addr(scope),
                scope["method"],
                get_path_with_query_string(scope),
                scope["http_version"],
                status,
            )
        content = [STATUS_LINE[status], self._default_header_lines()]
        for name, value in headers:  # lower case already (the byte-for-byte tests hold it to it)
            content += (name, b": ", value, b"\r\n")
        content += (b"\r\n", body)
        self.transport.write(b"".join(content))
        self._answered = True
        self._ready_answer_complete()
        return True

    def _ready_answer_complete(self) -> None:
        """What uvicorn's ``on_response_complete`` does after an answer (no request waits behind
        a ready one): count it, resume reading, and close the connection if it stays idle for
        ``timeout_keep_alive`` seconds — with one timer per connection that looks at the
        deadline when it fires, not a new timer per request (a timer made and cancelled for
        every request cost ~6 % of a never-seen lookup, ``bench/http_cpu.py``)."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        self._idle_due = self.loop.time() + self.timeout_keep_alive
        if self._idle_timer is None:
            self._idle_timer = self.loop.call_later(self.timeout_keep_alive, self._idle_late)

    def _idle_late(self) -> None:
        self._idle_timer = None
        if self._idle_due == 0.0 or self._done or self.transport.is_closing():
            return  # a request came (the next ready answer arms the timer again)
        left = self._idle_due - self.loop.time()
        if left > 0:  # a later answer's deadline
            self._idle_timer = self.loop.call_later(left, self._idle_late)
            return
        self.timeout_keep_alive_handler()

    def _default_header_lines(self) -> bytes:
        """The server's default headers (``date``, ``server``) as written, kept while uvicorn
        keeps the same list (it makes a new one when the second changes)."""
        defaults = self.server_state.default_headers
        if self._defaults[0] is not defaults:
            lines = b"".join(b"%s: %s\r\n" % (name.lower(), value) for name, value in defaults)
            self._defaults = (defaults, lines)
        return self._defaults[1]

    # limits
    def _check_headers(self, url_bytes: int, field_bytes: int) -> bool:
        """Refuse the request (414, 431) if its request line or headers are over the limits."""
        if url_bytes > self.limits.max_url_bytes:
            self._limit_hit(414, "request line too long", f"{url_bytes} bytes")
        elif (
            field_bytes > self.limits.max_header_bytes
            or self._field_count > self.limits.max_headers
        ):
            self._limit_hit(
                431,
                "request headers too large",
                f"{field_bytes} bytes, {self._field_count} fields",
            )
        return self._done

    def _header_late(self) -> None:
        self._header_timer = None
        if self._header_due == 0.0 or self._done or self.transport.is_closing():
            return  # no request under way: the next one arms the timer again
        left = self._header_due - self.loop.time()
        if left > 0:  # a later request's deadline
            self._header_timer = self.loop.call_later(left, self._header_late)
            return
        if self._headers_pending:
            self._limit_hit(
                408, "request headers not received in time", f"{self.limits.header_timeout:g} s"
            )

    def _check_body(self) -> None:
        self._body_timer = None
        if self._headers_pending or self._done or self.transport.is_closing():
            return
        elapsed = time.monotonic() - self._body_started
        if self.flow.read_paused or self._body_bytes >= self.limits.min_body_rate * elapsed:
            # on pace (or the app is not reading): look again when the pace would be missed
            due = self._body_bytes / self.limits.min_body_rate
            self._body_timer = self.loop.call_later(max(1.0, due - elapsed), self._check_body)
            return
        self._limit_hit(
            408,
            "request body too slow",
            f"{self._body_bytes} bytes in {elapsed:.0f} s, "
            f"at least {self.limits.min_body_rate} bytes/s needed",
        )

    # answers
    def _limit_hit(self, status: int, kind: str, detail: str) -> None:
        client = "%s:%d" % self.client if self.client else "unknown client"  # noqa: UP031
        self.limits.log.note(kind, f"{detail}, last from {client}")
        if self.cycle is not None and not self.cycle.response_complete:
            # the app has the request: it sees a disconnect; no second answer on the wire
            self.cycle.disconnected = True
            self.cycle.message_event.set()
            if self.cycle.response_started:
                self._done = True
                self._cancel_timers()
                self.transport.close()
                return
        self._refuse(status, _REASONS[status] + b"\n")

    def _refuse(self, status: int, message: bytes, extra: bytes = b"") -> None:
        self._done = True
        self._cancel_timers()
        head = b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])
        self.transport.write(
            head
            + b"content-type: text/plain; charset=utf-8\r\n"
            + b"content-length: %d\r\n" % len(message)
            + extra
            + b"connection: close\r\n\r\n"
            + message
        )
        self.transport.close()

    def _cancel_timers(self) -> None:
        for timer in (self._header_timer, self._body_timer, self._idle_timer):
            if timer is not None:
                timer.cancel()
        self._header_timer = None
        self._body_timer = None
        self._idle_timer = None


def ready_answers(app: ASGI3Application) -> AnswerNow | None:
    """The ``answer_now`` of the app that uvicorn loaded (behind its proxy-headers middleware)."""
    inner = app.app if isinstance(app, ProxyHeadersMiddleware) else app
    found: AnswerNow | None = getattr(inner, "answer_now", None)
    return found


def protocol_class(limits: HttpLimits) -> type[LimitedHttpToolsProtocol]:
    """The protocol class for ``uvicorn.run(http=…)``, bound to ``limits``."""
    return type("SozialgraphHttpProtocol", (LimitedHttpToolsProtocol,), {"limits": limits})
