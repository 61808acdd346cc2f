"""The connection layer under abuse: slowloris headers and bodies, huge headers, many sockets.

A real ``sozialgraph serve`` on 127.0.0.1 with short deadlines; raw sockets play the attackers,
httpx the normal clients (issue 14, item 6).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.stores import build_example_store
from tests.support import LiveServer, live_server

pytestmark = pytest.mark.chaos

HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 2.0
MAX_CONNECTIONS = 300
ENV = {
    "SOZIALGRAPH_HTTP_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
    "SOZIALGRAPH_HTTP_BODY_TIMEOUT": str(BODY_TIMEOUT),
    "SOZIALGRAPH_HTTP_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
}
ASK = "/sparql?query=ASK%20%7B%7D"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("slowloris")
    store = build_example_store(folder / "source")
    copy = folder / "store"
    shutil.copytree(store, copy)
    with live_server(copy, env=ENV) as live:
        yield live


def connect(server: LiveServer) -> socket.socket:
    port = int(server.url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    return sock


def closed_by_server(sock: socket.socket, wait: float) -> tuple[bool, bytes]:
    """Whether the server closed ``sock`` within ``wait`` seconds, and what it sent first."""
    sock.settimeout(wait)
    received = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return True, received
            received += chunk
    except (ConnectionResetError, BrokenPipeError):
        return True, received
    except TimeoutError:
        return False, received


def log_text(server: LiveServer) -> str:
    return Path(server.log).read_text(errors="replace")


def test_slowloris_connections_are_closed_by_the_header_deadline_while_clients_are_served(
    server: LiveServer,
) -> None:
    attackers = []
    for _ in range(200):
        sock = connect(server)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        attackers.append(sock)
    started = time.monotonic()
    stop = threading.Event()

    def trickle() -> None:  # one more header line per connection every 0.5 s, never the end
        while not stop.is_set():
            for sock in attackers:
                with contextlib.suppress(OSError):
                    sock.sendall(b"X-Slow: 1\r\n")
            stop.wait(0.5)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        latencies = []
        with httpx.Client(base_url=server.url, timeout=5) as client:
            while time.monotonic() - started < HEADER_TIMEOUT + 1:
                began = time.monotonic()
                response = client.get(ASK, headers={"Accept": "application/sparql-results+json"})
                latencies.append(time.monotonic() - began)
                assert response.status_code == 200
                time.sleep(0.1)
        assert max(latencies) < 1.0
        outcomes = [closed_by_server(sock, HEADER_TIMEOUT + 3) for sock in attackers]
    finally:
        stop.set()
        thread.join()
        for sock in attackers:
            sock.close()
    assert all(closed for closed, _ in outcomes)
    assert all(first.startswith(b"HTTP/1.1 408") for _, first in outcomes)
    assert "request headers not received in time" in log_text(server)
    assert httpx.get(server.url + ASK).status_code == 200


def test_each_request_on_a_kept_connection_gets_its_own_header_deadline(
    server: LiveServer,
) -> None:
    """The deadline runs from a request's first bytes, not from the connection's start: one
    timer a connection waits again when a later request moved the deadline."""
    sock = connect(server)
    try:
        sock.sendall(
            b"GET " + ASK.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Accept: application/sparql-results+json\r\n\r\n"
        )
        answer = b""
        while b"true" not in answer and b"false" not in answer:
            chunk = sock.recv(65536)
            assert chunk, answer
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
        time.sleep(HEADER_TIMEOUT * 0.75)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and no end of the headers
        second = time.monotonic()
        # past the first request's deadline, within the second's: still open
        closed, _ = closed_by_server(sock, HEADER_TIMEOUT * 0.75)
        assert not closed
        closed, first = closed_by_server(sock, HEADER_TIMEOUT + 1)
        assert closed
        assert first.startswith(b"HTTP/1.1 408")
        assert time.monotonic() - second >= HEADER_TIMEOUT - 0.1
    finally:
        sock.close()


def test_fifty_megabyte_header_gets_431_and_the_server_stays_up(server: LiveServer) -> None:
    sock = connect(server)
    refused = False
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        chunk = b"a" * (1 << 20)
        for _ in range(50):
            sock.sendall(chunk)
    except (BrokenPipeError, ConnectionResetError):
        refused = True  # the server stopped reading long before 50 MB
    closed, first = closed_by_server(sock, 5)
    sock.close()
    assert closed
    assert first.startswith(b"HTTP/1.1 431") or (refused and first == b"")
    assert server.alive()
    assert httpx.get(server.url + ASK).status_code == 200
    assert "request headers too large" in log_text(server)


def test_too_many_header_fields_get_431(server: LiveServer) -> None:
    headers = {f"X-Field-{n}": "1" for n in range(150)}
    response = httpx.get(server.url + ASK, headers=headers)
    assert response.status_code == 431


def test_body_at_one_byte_a_second_is_closed_by_the_body_deadline(server: LiveServer) -> None:
    sock = connect(server)
    sock.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/sparql-query\r\nContent-Length: 1000\r\n\r\n"
    )
    started = time.monotonic()
    sock.settimeout(0.5)
    received = b""
    try:
        while time.monotonic() - started < BODY_TIMEOUT + 5:
            sock.sendall(b"A")
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            received += chunk
    except (BrokenPipeError, ConnectionResetError):
        pass
    elapsed = time.monotonic() - started
    sock.close()
    assert elapsed < BODY_TIMEOUT + 3
    assert received.startswith(b"HTTP/1.1 408") or received == b""
    assert "request body too slow" in log_text(server)


def test_connections_over_the_cap_get_503_with_retry_after_and_a_log_line(
    server: LiveServer,
) -> None:
    idle = []
    try:
        for _ in range(MAX_CONNECTIONS):
            idle.append(connect(server))
        time.sleep(0.3)
        extra = connect(server)
        closed, first = closed_by_server(extra, 3)
        extra.close()
    finally:
        for sock in idle:
            sock.close()
    assert closed
    assert first.startswith(b"HTTP/1.1 503")
    assert b"retry-after: 1" in first.lower()
    assert "connection cap reached" in log_text(server)
    time.sleep(0.5)
    assert httpx.get(server.url + ASK).status_code == 200
