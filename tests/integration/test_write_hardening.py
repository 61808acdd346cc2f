"""Writes under attack: the token before the body, throttled guessing, no short tokens; odd
linked-data paths (issue 14, items 5 and 12). A real server on the example town's store."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.stores import EXAMPLE_BASE, build_example_store
from tests.support import LiveServer, live_server

TOKEN = "hardening-officer-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FAILURES_PER_MINUTE = 5
ENV = {
    "SOZIALGRAPH_BASE_IRI": EXAMPLE_BASE,
    "SOZIALGRAPH_MUNICIPALITY": "beispielstadt",
    "SOZIALGRAPH_WRITE_TOKENS": f"officer:{TOKEN}",
    "SOZIALGRAPH_MAX_UPLOAD_BYTES": "1000000",
    "SOZIALGRAPH_AUTH_FAILURES_PER_MINUTE": str(FAILURES_PER_MINUTE),
}
GRAPH = EXAMPLE_BASE + "graph/import/hardening"


@pytest.fixture(scope="module")
def source_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example_store(tmp_path_factory.mktemp("hardening") / "store")


@pytest.fixture
def server(source_store: Path, tmp_path: Path) -> Iterator[LiveServer]:
    copy = tmp_path / "store"
    shutil.copytree(source_store, copy)
    with live_server(copy, env=ENV) as live:
        yield live


def first_answer(server: LiveServer, head: bytes, body_start: bytes, wait: float) -> bytes:
    """Send ``head`` and the start of a body that is never finished; what came back in time."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head + body_start)
        received = b""
        try:
            while b"\r\n\r\n" not in received:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except TimeoutError:
            pass
        return received


def upload_head(length: int, authorization: str | None = None) -> bytes:
    lines = [
        b"POST /api/import HTTP/1.1",
        b"Host: 127.0.0.1",
        b"Content-Type: multipart/form-data; boundary=xyz",
        b"Content-Length: %d" % length,
    ]
    if authorization:
        lines.append(b"Authorization: " + authorization.encode())
    return b"\r\n".join(lines) + b"\r\n\r\n"


BODY_START = (
    b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.ttl"\r\n\r\n'
    + b"#" * 10_000
)


def test_import_without_a_token_is_refused_before_the_body_is_read(server: LiveServer) -> None:
    started = time.monotonic()
    answer = first_answer(server, upload_head(1_000_000_000), BODY_START, wait=3)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert time.monotonic() - started < 3


def test_import_with_a_wrong_token_is_refused_before_the_body_is_read(server: LiveServer) -> None:
    answer = first_answer(server, upload_head(500_000, "Bearer wrong-token"), BODY_START, wait=3)
    assert answer.startswith(b"HTTP/1.1 403"), answer[:200]


def test_import_declared_over_the_limit_is_413_before_the_body_is_read(server: LiveServer) -> None:
    answer = first_answer(server, upload_head(50_000_000, f"Bearer {TOKEN}"), BODY_START, wait=3)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_import_streamed_over_the_limit_is_413(server: LiveServer) -> None:
    files = {"file": ("big.ttl", b"#" * 1_200_000, "text/turtle")}
    response = httpx.post(
        server.url + "/api/import", files=files, data={"graph": "gross"}, headers=AUTH
    )
    assert response.status_code == 413


def test_import_with_a_token_still_works_and_names_a_missing_field(server: LiveServer) -> None:
    turtle = (
        b"@prefix sg: <https://w3id.org/sozialgraph/ontology#> .\n"
        b"@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        b"<https://example.org/beispielstadt/massnahme/h-1> a sg:Measure ;\n"
        b'  dcterms:title "Haertung"@de ;\n'
        b"  sg:belongsToStrategy <https://example.org/beispielstadt/strategie/armutspraevention> ;\n"
        b"  dcterms:source <https://example.org/quellen/h> .\n"
    )
    files = {"file": ("h.ttl", turtle, "text/turtle")}
    response = httpx.post(
        server.url + "/api/import", files=files, data={"graph": "hardening"}, headers=AUTH
    )
    assert response.status_code == 201, response.text
    assert response.json()["graph"] == GRAPH
    missing = httpx.post(server.url + "/api/import", files=files, headers=AUTH)
    assert missing.status_code == 400
    assert "graph" in missing.json()["detail"]


def test_failed_authentications_are_throttled_per_client_with_retry_after(
    server: LiveServer,
) -> None:
    url = server.url + "/graph-store"
    body = "<https://example.org/s> <https://example.org/p> <https://example.org/o> ."
    headers = {"Content-Type": "application/n-triples", "Authorization": "Bearer guess-0000000000"}
    statuses = [
        httpx.put(url, params={"graph": GRAPH}, content=body, headers=headers).status_code
        for _ in range(FAILURES_PER_MINUTE)
    ]
    assert statuses == [403] * FAILURES_PER_MINUTE
    throttled = httpx.put(url, params={"graph": GRAPH}, content=body, headers=headers)
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 60
    # the right token does not help while throttled: guessing cannot go on
    right = httpx.put(url, params={"graph": GRAPH}, content=body, headers={**headers, **AUTH})
    assert right.status_code == 429
    # reads are not throttled
    assert httpx.get(server.url + "/sparql", params={"query": "ASK {}"}).status_code == 200
    log = server.log.read_text(errors="replace")
    assert "write authentication failed for 127.0.0.1" in log
    assert "write authentication throttled for 127.0.0.1" in log
    assert "guess-0000000000" not in log


def test_serve_refuses_write_tokens_shorter_than_16_characters(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "SOZIALGRAPH_STORE": str(tmp_path / "store"),
        "SOZIALGRAPH_WRITE_TOKENS": "officer:short-token",
    }
    result = subprocess.run(
        [sys.executable, "-m", "sozialgraph.cli", "serve", "--port", "9"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "officer" in result.stderr and "16" in result.stderr
    assert "short-token" not in result.stderr
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize("path", ["/beispielstadt/a%20b", "/beispielstadt/a%3Cb%3E", "/a%7Bb"])
def test_linked_data_path_with_characters_not_allowed_in_iris_is_404(
    server: LiveServer, path: str
) -> None:
    response = httpx.get(server.url + path, headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    html = httpx.get(server.url + path, headers={"Accept": "text/html"})
    assert html.status_code == 404
