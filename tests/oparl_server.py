"""A local OParl server for the tests: the specification's example objects (and the few objects
written for the tests, ``tests/data/oparl/``) served on 127.0.0.1, plus misbehaving endpoints.

Every object is served at the path of its ``id`` with ``https://oparl.example.org/`` rewritten to
this server; ``/bodies`` and ``/body/0/papers/`` are lists made from the objects (one paper a
page, so ``links.next`` is followed; ``modified_since`` filters). ``requests`` records every
request line's path and query.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

DATA = Path(__file__).parent / "data" / "oparl"
EXAMPLE_ORIGIN = "https://oparl.example.org/"
PAGE_SIZE = 1


class OParlServer:
    """``with OParlServer() as server:`` … ``server.url("paper/749")``."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.overrides: dict[str, Any] = {}
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.daemon_threads = True
        self._http.oparl = self  # type: ignore[attr-defined]
        self.port = int(self._http.server_address[1])
        self.origin = f"http://127.0.0.1:{self.port}/"
        self.objects: dict[str, dict[str, Any]] = {}
        for path in sorted(DATA.glob("*/*.json")):
            text = path.read_text(encoding="utf-8").replace(EXAMPLE_ORIGIN, self.origin)
            obj = json.loads(text)
            self.objects[urlsplit(obj["id"]).path] = obj
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        """The allow-list entry for this server (``127.0.0.1:port``)."""
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "") -> str:
        return self.origin + path.lstrip("/")

    def put(self, path: str, obj: Any) -> str:
        """Serve ``obj`` (JSON, or bytes as they are) at ``path``; its URL."""
        self.overrides["/" + path.lstrip("/")] = obj
        return self.url(path)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return sorted(
            (o for o in self.objects.values() if o["type"].endswith("/" + kind)),
            key=lambda o: o["id"],
        )

    def __enter__(self) -> OParlServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._http.shutdown()
        self._http.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet tests

    @property
    def oparl(self) -> OParlServer:
        return self.server.oparl  # type: ignore[attr-defined, no-any-return]

    def do_GET(self) -> None:
        self.oparl.requests.append(self.path)
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        if path in self.oparl.overrides:
            value = self.oparl.overrides[path]
            self._send(value if isinstance(value, bytes) else json.dumps(value).encode())
        elif path == "/slow":
            self._trickle()
        elif path in ("/huge", "/huge-declared"):
            self._huge(declared=path == "/huge-declared")
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", query["to"])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/bodies":
            self._json(self._page(self.oparl.of_type("Body"), path, query))
        elif path == "/body/0/papers/":
            papers = self.oparl.of_type("Paper")
            if "modified_since" in query:
                since = dt.datetime.fromisoformat(query["modified_since"])
                papers = [p for p in papers if dt.datetime.fromisoformat(p["modified"]) >= since]
            self._json(self._page(papers, path, query))
        elif path in self.oparl.objects:
            self._json(self.oparl.objects[path])
        else:
            self.send_error(404)

    def _page(self, items: list[dict[str, Any]], path: str, query: dict[str, str]) -> Any:
        page = int(query.get("page", "1"))
        chunk = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        links: dict[str, str] = {}
        if page * PAGE_SIZE < len(items):
            links["next"] = self.oparl.url(path) + "?" + urlencode({**query, "page": page + 1})
        return {"data": chunk, "pagination": {"currentPage": page}, "links": links}

    def _json(self, obj: Any) -> None:
        self._send(json.dumps(obj, ensure_ascii=False).encode("utf-8"))

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self) -> None:
        """A valid start, then a byte every 0.2 s: never a read timeout, never an end."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            for _ in range(600):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            return

    def _huge(self, *, declared: bool) -> None:
        """50 MB of JSON whitespace (with or without a Content-Length saying so)."""
        size = 50 * 1024 * 1024
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if declared:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b" " * 65536
        try:
            for _ in range(size // len(chunk)):
                self.wfile.write(chunk)
        except OSError:
            return
