"""Ready answers (``web/http_limits.py``: the HTTP layer writes what the SPARQL fast path has at
once) are byte for byte the answers of the ASGI app: the same requests, over one keep-alive
connection to a real server with ``SOZIALGRAPH_READY_ANSWERS`` on and off, give the same bytes
(status line, every header in order, body), the ``Date`` header aside. Among them: never-seen
and repeated lookups in every result format, a 304, pipelined requests, and the requests that
must take the ASGI way (HEAD, ``Origin``, ``X-Forwarded-Proto``, HTTP/1.0, ``Connection:
close``, a bad query, a query for a worker)."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from sozialgraph.config import Settings
from sozialgraph.web.app import create_app
from sozialgraph.web.http_limits import protocol_class
from sozialgraph.web.server import http_limits
from tests.example_data import EX, make_example_store
from tests.support import REMOTE_BACKEND, live_server

pytestmark = pytest.mark.skipif(REMOTE_BACKEND, reason="the fast path reads the embedded store")

JSON = "application/sparql-results+json"
LOOKUP = "SELECT ?t WHERE { <https://example.org/thing/%d> <http://purl.org/dc/terms/title> ?t }"
ENV = {"SOZIALGRAPH_BASE_IRI": EX, "SOZIALGRAPH_QUERY_WORKERS": "1"}


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_example_store(tmp_path_factory.mktemp("ready-answers") / "store", things=60)


def request(
    query: str, accept: str | None = JSON, method: str = "GET", version: str = "1.1", **extra: str
) -> bytes:
    lines = [f"{method} /sparql?query={quote_plus(query)} HTTP/{version}", "Host: 127.0.0.1"]
    if accept is not None:
        lines.append(f"Accept: {accept}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in extra.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Connection:
    """One keep-alive connection; answers as raw bytes without their ``date`` header."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.file = self.sock.makefile("rb")

    def ask(self, *requests: bytes, head: bool = False) -> list[bytes]:
        self.sock.sendall(b"".join(requests))
        return [self.answer(head) for _ in requests]

    def answer(self, head: bool = False) -> bytes:
        lines = [self.file.readline()]
        while lines[-1] not in (b"\r\n", b""):
            lines.append(self.file.readline())
        fields = {
            line.split(b":", 1)[0].lower(): line.split(b":", 1)[1].strip() for line in lines[1:-1]
        }
        body = b""
        status = int(lines[0].split()[1])
        if head or status in (204, 304):
            pass
        elif b"content-length" in fields:
            body = self.file.read(int(fields[b"content-length"]))
        elif fields.get(b"transfer-encoding") == b"chunked":
            while True:
                size = self.file.readline()
                chunk = self.file.read(int(size, 16) + 2)
                body += size + chunk
                if int(size, 16) == 0:
                    break
        else:
            body = self.file.read()  # until the server closes
        kept = [line for line in lines if not line.lower().startswith(b"date:")]
        return b"".join(kept) + body

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def etag_of(answer: bytes) -> str:
    for line in answer.split(b"\r\n"):
        if line.lower().startswith(b"etag:"):
            return line.split(b":", 1)[1].strip().decode()
    raise AssertionError(answer)


def exchange(url: str) -> list[bytes]:
    """The answers of one server to the same requests, in order."""
    connection = Connection(url)
    answers = connection.ask(request("ASK { ?s ?p ?o }"))  # opens the store's checkpoint
    answers += connection.ask(request(LOOKUP % 1))  # never seen
    answers += connection.ask(request(LOOKUP % 1))  # asked before
    answers += connection.ask(request(LOOKUP % 1, If_None_Match=etag_of(answers[-1])))  # 304
    answers += connection.ask(request(LOOKUP % 1, If_None_Match='"other"'))
    for accept in ("application/sparql-results+xml", "text/csv", "text/tab-separated-values"):
        answers += connection.ask(request(LOOKUP % 2, accept))
    answers += connection.ask(request(LOOKUP % 3, None))  # no Accept
    answers += connection.ask(request(LOOKUP % 4 + " LIMIT 5"))
    answers += connection.ask(request('ASK { ?s ?p "Ding 5"@de }'))
    answers += connection.ask(request(LOOKUP % 6, "application/json;q=0.5, text/csv"))
    worker = "SELECT ?s ?t WHERE { ?s <http://purl.org/dc/terms/title> ?t } LIMIT 2000"
    answers += connection.ask(request(worker), request(worker))  # a worker's, then kept
    answers += connection.ask(request(LOOKUP % 7), request(LOOKUP % 8), request(LOOKUP % 7))
    # a ready lookup behind a worker's query on the same connection: it waits its turn
    behind = "SELECT ?s WHERE { ?s <http://purl.org/dc/terms/title> ?t } LIMIT 1500"
    answers += connection.ask(request(behind), request(LOOKUP % 16))
    answers += connection.ask(request(LOOKUP % 9, method="HEAD"), head=True)
    answers += connection.ask(request(LOOKUP % 10, Origin="https://elsewhere.example"))
    answers += connection.ask(request(LOOKUP % 11, X_Forwarded_Proto="https"))
    answers += connection.ask(request(LOOKUP % 12, X_Forwarded_For="203.0.113.9"))
    answers += connection.ask(request("SELECT ?x WHERE { ?x"))  # a syntax error: 400
    answers += connection.ask(request(LOOKUP % 13, Content_Length="0"))
    answers += connection.ask(request(LOOKUP % 14, "text/html"))  # the query page
    answers += connection.ask(request(LOOKUP % 1, Connection="close"))
    connection.close()
    closing = Connection(url)
    answers += closing.ask(request(LOOKUP % 15, version="1.0"))
    closing.close()
    return answers


def served(store_dir: Path, ready: bool, run: Callable[[str], list[bytes]]) -> list[bytes]:
    env = {**ENV, "SOZIALGRAPH_READY_ANSWERS": str(ready).lower()}
    with live_server(store_dir, env=env) as server:
        return run(server.url)


def test_ready_answers_are_the_bytes_of_the_asgi_answers(store_dir: Path) -> None:
    ready = served(store_dir, True, exchange)
    through_app = served(store_dir, False, exchange)
    assert len(ready) == len(through_app)
    for number, (fast, slow) in enumerate(zip(ready, through_app, strict=True)):
        assert fast == slow, f"answer {number}:\n{fast!r}\n!=\n{slow!r}"
    statuses = [answer.split(b" ", 2)[1] for answer in ready]
    assert statuses.count(b"200") >= 20 and b"304" in statuses and b"400" in statuses
    assert b"Ding 7" in ready[14] and b"Ding 8" in ready[15]  # pipelined, in order
    assert b"thing/59" in ready[17] and b"Ding 16" in ready[18]  # behind a worker, in order


def test_ready_answers_keep_the_connection_and_its_limits(store_dir: Path) -> None:
    """A keep-alive connection answered at once keeps serving; a request over the header limit
    on it is still refused (431) by the HTTP layer."""

    def run(url: str) -> list[bytes]:
        connection = Connection(url)
        answers = [connection.ask(request(LOOKUP % n))[0] for n in (20, 20, 21, 20)]
        answers += connection.ask(request(LOOKUP % 22, X_Big="x" * 40_000))
        connection.close()
        return answers

    answers = served(store_dir, True, run)
    assert [answer.split(b" ", 2)[1] for answer in answers] == [b"200"] * 4 + [b"431"]
    assert answers[0] == answers[1] == answers[3]


def test_ready_answers_of_several_processes_name_their_process(store_dir: Path) -> None:
    """With ``serve --workers 2`` (``SozialgraphApp.name_process``) a ready answer carries the
    process's header as well, where the app puts it."""

    def run(url: str) -> list[bytes]:
        connection = Connection(url)
        answers = [connection.ask(request(LOOKUP % n))[0] for n in (30, 30, 31)]
        connection.close()
        return [re.sub(rb"sozialgraph-process: \d+", b"sozialgraph-process: N", a) for a in answers]

    env = {**ENV, "SOZIALGRAPH_WEB_PROCESSES": "2"}
    with live_server(store_dir, env={**env, "SOZIALGRAPH_READY_ANSWERS": "true"}) as server:
        ready = run(server.url)
    with live_server(store_dir, env={**env, "SOZIALGRAPH_READY_ANSWERS": "false"}) as server:
        through_app = run(server.url)
    assert ready == through_app
    assert all(b"sozialgraph-process: N\r\n" in answer for answer in ready)


def test_ready_answers_are_written_before_a_request_cycle_is_made(store_dir: Path) -> None:
    """The HTTP layer answers a ready lookup before uvicorn makes a request cycle (no URL
    parsing, event or task: ``_answered_before_cycle``); a query for a worker still gets one.
    The real app on the real store, behind the server's protocol on a real socket pair."""

    async def run() -> tuple[list[bytes], list[bool]]:
        settings = Settings(store=str(store_dir), base_iri=EX, search_index=False)
        app = create_app(settings)
        limits = http_limits(settings)
        config = Config(app, http=protocol_class(limits), log_config=None, access_log=False)
        config.load()
        async with app.router.lifespan_context(app):  # type: ignore[attr-defined]
            ours, theirs = socket.socketpair()
            loop = asyncio.get_running_loop()
            transport, protocol = await loop.connect_accepted_socket(
                lambda: protocol_class(limits)(config, ServerState(), {}), ours
            )
            reader, writer = await asyncio.open_connection(sock=theirs)
            answers, cycles = [], []
            worker = "SELECT ?s WHERE { ?s <http://purl.org/dc/terms/title> ?t } LIMIT 1500"
            for query in ("ASK { ?s ?p ?o }", LOOKUP % 40, LOOKUP % 41, worker, LOOKUP % 42):
                writer.write(request(query))
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
                answers.append(head + await reader.readexactly(length))
                cycles.append(protocol.cycle is not None)  # type: ignore[attr-defined]
                protocol.cycle = None  # type: ignore[attr-defined]
            writer.close()
            transport.close()
            return answers, cycles

    from uvicorn.config import Config
    from uvicorn.server import ServerState

    answers, cycles = asyncio.run(run())
    assert all(answer.startswith(b"HTTP/1.1 200 OK") for answer in answers)
    assert b"Ding 41" in answers[2] and b"Ding 42" in answers[4]
    # the first ASK opens the checkpoint (the app's way); the lookups after it need no cycle
    assert cycles == [True, False, False, True, False]


def test_an_idle_connection_after_a_ready_answer_is_closed_at_the_keep_alive_timeout(
    store_dir: Path,
) -> None:
    """A ready answer arms the keep-alive timer as uvicorn's cycle does; its access log line is
    written like the ASGI way's."""
    env = {**ENV, "SOZIALGRAPH_HTTP_KEEPALIVE_TIMEOUT": "1"}
    with live_server(store_dir, env=env) as server:
        connection = Connection(server.url)
        connection.ask(request("ASK { ?s ?p ?o }"))  # opens the checkpoint
        ready = connection.ask(request(LOOKUP % 43))[0]
        started = time.monotonic()
        connection.sock.settimeout(20)
        assert connection.file.read() == b""  # closed by the server, not by the read's timeout
        waited = time.monotonic() - started
        connection.close()
        log = server.log.read_text(encoding="utf-8", errors="replace")
    assert ready.startswith(b"HTTP/1.1 200 OK") and b"Ding 43" in ready
    assert waited < 15, waited
    path = "/sparql?query=" + quote_plus(LOOKUP % 43)
    assert f'"GET {path} HTTP/1.1" 200' in log


def test_a_connection_busy_with_ready_answers_stays_open_past_the_keep_alive_timeout(
    store_dir: Path,
) -> None:
    """The idle timer of ready answers (one per connection, ``_ready_answer_complete``) closes
    only a connection that has been idle for the whole timeout: not one that keeps asking, and
    not one whose next request is still arriving (its headers have their own deadline)."""
    env = {**ENV, "SOZIALGRAPH_HTTP_KEEPALIVE_TIMEOUT": "2"}
    with live_server(store_dir, env=env) as server:
        connection = Connection(server.url)
        connection.ask(request("ASK { ?s ?p ?o }"))  # opens the checkpoint
        started = time.monotonic()
        answers = []
        while time.monotonic() - started < 5:  # past two timeouts, a request every 0.25 s
            answers += connection.ask(request(LOOKUP % (20 + len(answers) % 20)))
            time.sleep(0.25)
        assert all(a.startswith(b"HTTP/1.1 200 OK") for a in answers), answers[-1][:200]
        assert len(answers) >= 10
        # the next request arrives slowly: a partial request is no idle connection
        whole = request(LOOKUP % 44)
        connection.sock.sendall(whole[:-2])
        time.sleep(3)
        connection.sock.sendall(whole[-2:])
        late = connection.answer()
        connection.close()
    assert late.startswith(b"HTTP/1.1 200 OK") and b"Ding 44" in late, late[:300]
