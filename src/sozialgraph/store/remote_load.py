"""Large writes to a remote store: small requests, one transaction, readers never see a half.

A write whose ``INSERT DATA`` text would exceed ``SOZIALGRAPH_REMOTE_CHUNK_BYTES`` is not sent
as content. Each graph's new triples are written to an N-Triples file (one file per graph, so
blank nodes stay in one document), served by a short-lived HTTP server of this process on
``SOZIALGRAPH_REMOTE_LOAD_ADDRESS`` under a random path, and the SPARQL server *pulls* them in
one small update request::

    DROP ALL ;                                   (or DROP SILENT GRAPH <g> per replaced graph)
    LOAD <http://…/8f3a…/0.nt> INTO GRAPH <g1> ;
    LOAD <http://…/8f3a…/1.nt> INTO GRAPH <g2> ; …
    DELETE WHERE {marker} ; INSERT DATA {marker}

Why not staging graphs filled chunk by chunk and switched with MOVE/ADD: the default graph is
the union of all graphs, so staging graphs would be visible to every reader while they fill
(measured on Oxigraph server and on Virtuoso, docs/remote-store.md). A server that applies one
update request as one transaction (Oxigraph) rolls the whole request back when a LOAD fails,
e.g. because this process was killed while the server was fetching: nothing is left to clean up
in the store, and the files of a killed run are removed by the next run.
"""

from __future__ import annotations

import http.server
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from sozialgraph.errors import StoreUnavailable
from sozialgraph.store.sparql_text import iri_text

#: Served as Turtle: N-Triples is Turtle, and every server's LOAD knows Turtle's media type.
TURTLE = "text/turtle; charset=utf-8"
#: The slowest load rate a pulled load is given time for (Oxigraph: ~1 MB/s on a busy 2 cores).
PULL_BYTES_PER_SECOND = 100_000
#: Folders of loads in progress under the state folder; a killed run leaves its own behind.
LOADS_FOLDER = "remote-loads"


class WriteTooLarge(StoreUnavailable):
    """The server (or a proxy in front of it) refused a write request for its size."""

    title = "Write request too large for the store"


def too_large(status: int, text: str) -> bool:
    """Whether a server's refusal of a write is about its size (Oxigraph: 400 "payload")."""
    text = text[:1000].lower()
    return status == 413 or (status == 400 and ("payload" in text or "too large" in text))


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def estimated_bytes(quads: Iterable[ox.Quad], limit: int) -> int:
    """The size of ``quads`` as ``INSERT DATA`` text, counted until it passes ``limit``."""
    total = 0
    for quad in quads:
        total += len(str(quad).encode("utf-8")) + 3
        if total > limit:
            break
    return total


def remove_leftovers(root: Path, alive: Callable[[int], bool]) -> list[str]:
    """Delete the files of loads whose process is gone (a killed run); returns their folders.

    Folders are named ``{pid}-{time}``: another process's load in progress is left alone.
    """
    folder = root / LOADS_FOLDER
    removed = []
    if folder.is_dir():
        for entry in folder.iterdir():
            pid = entry.name.split("-", 1)[0]
            if pid.isdigit() and alive(int(pid)) and int(pid) != os.getpid():
                continue
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed


def write_graph_files(folder: Path, quads: Iterable[ox.Quad] | ox.Store) -> dict[str, Path]:
    """One N-Triples file per named graph of ``quads``; the graph IRI → its file.

    From a store, graph by graph as the store gives them (no list of everything in memory).
    """
    folder.mkdir(parents=True, exist_ok=True)
    groups: Iterable[tuple[ox.NamedNode | ox.BlankNode | ox.DefaultGraph, Iterable[ox.Triple]]]
    if isinstance(quads, ox.Store):
        store = quads
        if next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None:
            raise ValueError("only named graphs are written")
        groups = (
            (g, (q.triple for q in store.quads_for_pattern(None, None, None, g)))
            for g in store.named_graphs()
        )
    else:
        by_graph: dict[ox.NamedNode | ox.BlankNode | ox.DefaultGraph, list[ox.Triple]] = {}
        for quad in quads:
            by_graph.setdefault(quad.graph_name, []).append(quad.triple)
        groups = by_graph.items()
    files: dict[str, Path] = {}
    for number, (graph, triples) in enumerate(groups):
        if not isinstance(graph, ox.NamedNode):
            raise ValueError("only named graphs are written")
        path = folder / f"{number}.nt"
        with path.open("wb") as output:
            ox.serialize(triples, output, format=ox.RdfFormat.N_TRIPLES)
        files[graph.value] = path
    return files


def load_update(
    drop: Iterable[str] | None, loads: Mapping[str, str], marker_removal: str, marker: str
) -> str:
    """The one update request of a pulled load. ``drop=None`` drops every graph (a rebuild)."""
    parts = ["DROP ALL"] if drop is None else [f"DROP SILENT GRAPH {iri_text(g)}" for g in drop]
    parts.extend(f"LOAD <{url}> INTO GRAPH {iri_text(graph)}" for graph, url in loads.items())
    parts.extend([marker_removal, marker])
    return " ;\n".join(parts)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _FileServer

    def do_GET(self) -> None:
        path = self.server.files.get(self.path)
        if path is None:
            self.send_error(404)
            return
        size = path.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", TURTLE)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        with path.open("rb") as source:
            shutil.copyfileobj(source, self.wfile, 1 << 20)
        with self.server.lock:
            self.server.served.append(self.path)

    def log_message(self, format: str, *args: object) -> None:
        return


class _FileServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], files: dict[str, Path]) -> None:
        super().__init__(address, _Handler)
        self.files = files
        self.served: list[str] = []
        self.lock = threading.Lock()


@contextmanager
def served_files(address: str, files: Mapping[str, Path]) -> Iterator[dict[str, str]]:
    """Serve ``files`` (graph → path) over HTTP while the block runs; yields graph → URL.

    ``address`` is ``host`` or ``host:port`` (port 0 or none: any free port); the SPARQL
    server must be able to reach it. Paths carry a random token, so nothing else is served.
    """
    host, _, port = address.rpartition(":") if address.count(":") == 1 else (address, "", "0")
    token = secrets.token_hex(16)
    routes = {f"/{token}/{path.name}": path for path in files.values()}
    try:
        server = _FileServer((host, int(port or 0)), routes)
    except OSError as error:
        raise StoreUnavailable(
            f"cannot serve the load's files on {address} ({error}); "
            "set SOZIALGRAPH_REMOTE_LOAD_ADDRESS to an address of this machine"
        ) from error
    bound_port = server.server_address[1]
    base = f"http://{host}:{bound_port}/{token}/"
    thread = threading.Thread(target=server.serve_forever, name="remote-load", daemon=True)
    thread.start()
    try:
        yield {graph: base + quote(path.name) for graph, path in files.items()}
    finally:
        server.shutdown()
        server.server_close()
