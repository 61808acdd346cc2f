"""The remote store: any SPARQL 1.1 server, through the standard protocols only.

- reads: SPARQL 1.1 Query (POST, form-encoded ``query=``) and, for one whole graph, the
  Graph Store HTTP Protocol (GET ``?graph=``);
- writes: SPARQL 1.1 Update, one request per write (``DROP SILENT GRAPH … ; INSERT DATA …``),
  which servers that apply a request in one transaction (Oxigraph, Fuseki) apply atomically.
  A larger write than ``SOZIALGRAPH_REMOTE_CHUNK_BYTES`` is pulled by the server (``LOAD``).

The default graph must be the union of the named graphs (as in the embedded store). Queries ask
for it with Oxigraph's ``union-default-graph`` parameter; other servers need it configured
(Fuseki: ``tdb2:unionDefaultGraph true``). The first read checks it and fails with a clear
error if the server does not give it (docs/remote-store.md).

Every write also replaces a *write marker*, ``<meta graph> dcterms:modified "…"``, in the same
request, so that :meth:`RemoteStore.version` changes with every write.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO

import httpx
import pyoxigraph as ox

from sozialgraph.config import Settings
from sozialgraph.errors import QueryTimeout, StoreUnavailable
from sozialgraph.namespaces import meta_graph_iri
from sozialgraph.store.base import QueryResult, Term, serialize_quads
from sozialgraph.store.remote_dialect import (
    SERVER_GRAPHS,
    graph_cut,
    insert_block,
    is_virtuoso,
    row_limit_cut,
    server_graphs_filter,
    standard_terms,
)
from sozialgraph.store.remote_http import media_type, parse_rdf, with_retries
from sozialgraph.store.remote_load import (
    LOADS_FOLDER,
    PULL_BYTES_PER_SECOND,
    WriteTooLarge,
    estimated_bytes,
    load_update,
    process_alive,
    remove_leftovers,
    served_files,
    too_large,
    write_graph_files,
)
from sozialgraph.store.remote_marker import MODIFIED, is_marker, marker_removal, with_new_marker
from sozialgraph.store.remote_sql import write_in_transaction
from sozialgraph.store.sparql_protocol import (
    FORM,
    N_TRIPLES,
    NO_UNION,
    SPARQL_JSON,
    SPARQL_UPDATE,
    UNION_PROBE,
    RemoteEndpoints,
    broken_off,
    dataset_params,
    error_for_status,
    form_body,
    incomplete_error,
    public_url,
    unavailable,
    union_missing,
)
from sozialgraph.store.sparql_scan import scan_query
from sozialgraph.store.sparql_text import bind_values, insert_data_block, iri_text, named_node

VERSION_CACHE_SECONDS = 1.0
#: Reading the answer to a write may take longer than a query (a whole rebuild in one request).
MIN_WRITE_TIMEOUT = 120.0


class RemoteStore:
    """A :class:`~sozialgraph.store.base.GraphStore` on a SPARQL 1.1 server."""

    def __init__(self, settings: Settings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.endpoints = RemoteEndpoints.from_settings(settings)
        self.meta_graph = meta_graph_iri(settings.base_iri)
        self._virtuoso: bool | None = bool(settings.virtuoso_sql) or None  # or from answers
        timeout = settings.query_timeout
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._write_timeout = httpx.Timeout(
            max(timeout, MIN_WRITE_TIMEOUT), connect=min(timeout, 10.0)
        )
        self._client = httpx.Client(
            auth=self.endpoints.auth(),
            headers=self.endpoints.headers(),
            timeout=self._timeout,
            transport=transport,
        )
        self._lock = threading.Lock()
        self._version: tuple[float, str] | None = None
        self._union_checked = False

    # -- reading -----------------------------------------------------------------------------

    def query(self, sparql: str, substitutions: Mapping[str, Term] | None = None) -> QueryResult:
        self._check_union()
        return self._query(sparql, substitutions)

    def _query(
        self,
        sparql: str,
        substitutions: Mapping[str, Term] | None = None,
        *,
        union: bool = True,
    ) -> QueryResult:
        text = bind_values(sparql, substitutions) if substitutions else sparql
        no_union = scan_query(text).has_dataset_clause or not union
        params = dataset_params(has_dataset_clause=no_union)
        accept = f"{SPARQL_JSON}, {N_TRIPLES};q=0.9"
        response = self._read("POST", self.endpoints.query, text, params, accept)
        answered = media_type(response)
        if answered == N_TRIPLES:
            # No constructor for QueryTriples: load the triples into an in-memory store and
            # hand out the store's own CONSTRUCT result, so callers get the embedded types.
            scratch = ox.Store()
            scratch.bulk_extend(
                ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                for t in parse_rdf(response.content, answered, self.endpoints.server)
            )
            return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        if answered != SPARQL_JSON:
            raise StoreUnavailable(
                f"the SPARQL server at {self.endpoints.server} answered {answered or '?'}, "
                f"not {SPARQL_JSON}"
            )
        reason = broken_off(response.content[-1024:], SPARQL_JSON)
        if reason:
            raise incomplete_error(reason, self.endpoints)
        content = standard_terms(response.content)
        return ox.parse_query_results(content, format=ox.QueryResultsFormat.JSON)

    def _select(self, sparql: str) -> list[dict[str, Term]]:
        result = self._query(sparql)
        if not isinstance(result, ox.QuerySolutions):
            raise StoreUnavailable(f"the SPARQL server at {self.endpoints.server} sent no rows")
        names = [v.value for v in result.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in result]

    def graph_names(self) -> list[str]:
        self._check_union()
        if self._is_virtuoso():  # Virtuoso finds no graph with `GRAPH ?g { }`
            graph = server_graphs_filter("?g")
            rows = self._select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {graph} }}")
        else:
            rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        names = (r["g"].value for r in rows if isinstance(r.get("g"), ox.NamedNode))
        return sorted(name for name in names if self._is_ours(name))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """The quads of the named graphs (sozialgraph never writes the default graph)."""
        self._check_union()
        if graph is None and self._is_virtuoso():
            # graph by graph: without Virtuoso's own graphs, and no answer over its row limit
            yield from (quad for name in self.graph_names() for quad in self.quads(name))
            return
        if graph is None:
            rows = self._select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            found = (ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows)  # type: ignore[arg-type]
        else:
            name = named_node(graph)
            found = (
                ox.Quad(t.subject, t.predicate, t.object, name) for t in self._graph_triples(graph)
            )
        yield from (
            quad
            for quad in found
            if not is_marker(quad, self.meta_graph)
            and self._is_ours(getattr(quad.graph_name, "value", ""))
        )

    def _is_ours(self, graph: str) -> bool:
        """Every graph; on Virtuoso not its own (``SERVER_GRAPHS``, always there)."""
        return not self._is_virtuoso() or not graph.startswith(SERVER_GRAPHS)

    def _graph_triples(self, graph: str) -> list[ox.Triple]:
        """One graph through the Graph Store Protocol (or a SELECT when there is no endpoint)."""
        if self.endpoints.graph_store is None:
            rows = self._select(
                f"SELECT ?s ?p ?o WHERE {{ GRAPH {iri_text(graph)} {{ ?s ?p ?o }} }}"
            )
            return [ox.Triple(r["s"], r["p"], r["o"]) for r in rows]  # type: ignore[arg-type]
        response = self._read(
            "GET", self.endpoints.graph_store, None, [("graph", graph)], N_TRIPLES, missing_ok=True
        )
        if response.status_code == 404:
            # A missing graph, or a wrong endpoint? A wrong one must never look like "empty":
            # the build would then drop a carried-over graph.
            if bool(self._query(f"ASK {{ GRAPH {iri_text(graph)} {{ ?s ?p ?o }} }}")):
                raise StoreUnavailable(
                    f"the Graph Store endpoint {public_url(self.endpoints.graph_store)} "
                    f"answered 404 for the existing graph <{graph}>; "
                    "check SOZIALGRAPH_GRAPH_STORE_URL"
                )
            return []
        triples = list(parse_rdf(response.content, media_type(response), self.endpoints.server))
        if self._virtuoso and len(triples) != self.triple_count(graph):  # cut without a mark
            raise graph_cut(graph, len(triples), self.endpoints.server)
        return triples

    def dump(
        self,
        output: IO[bytes],
        fmt: ox.RdfFormat,
        graph: str | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        serialize_quads(
            self.quads(graph), output, fmt, keep_graphs=graph is None, prefixes=prefixes
        )

    def version(self) -> str:
        """The write marker and the number of graphs, read at most once a second."""
        with self._lock:
            cached = self._version
        if cached is not None and time.monotonic() - cached[0] < VERSION_CACHE_SECONDS:
            return cached[1]
        meta = iri_text(self.meta_graph)
        kept = server_graphs_filter("?g")
        listing = f"GRAPH ?g {{ ?s ?p ?o }} {kept}" if self._is_virtuoso() else "GRAPH ?g { }"
        rows = self._select(
            "SELECT ?graphs ?modified WHERE {\n"
            f"  {{ SELECT (COUNT(DISTINCT ?g) AS ?graphs) WHERE {{ {listing} }} }}\n"
            "  OPTIONAL { SELECT (MAX(STR(?m)) AS ?modified)\n"
            f"    WHERE {{ GRAPH {meta} {{ {meta} {MODIFIED} ?m }} }} }}\n"
            "}"
        )
        row = rows[0] if rows else {}
        graphs = row.get("graphs")
        modified = row.get("modified")
        if graphs is None or graphs.value == "0":
            value = "empty"
        else:
            value = f"{modified.value if modified else 'unmarked'}~{graphs.value}"
        with self._lock:
            self._version = (time.monotonic(), value)
        return value

    def is_empty(self) -> bool:
        # Without the union: the server's own default graph counts too (a rebuild drops it).
        everything = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        if not self._query(everything, union=False):
            return True
        if not self._is_virtuoso():  # known from that answer
            return False
        # Virtuoso's own graphs are always there (no DROP ALL removes them); any other graph,
        # sozialgraph's or not, means the store is not empty
        other = f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} {server_graphs_filter('?g')} }}"
        return not self._query(other, union=False)

    def triple_count(self, graph: str | None = None) -> int:
        pattern = f"GRAPH {iri_text(graph)} {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
        if not graph and self._is_virtuoso():
            pattern += " " + server_graphs_filter("?g")
        rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        return int(rows[0]["n"].value)

    # -- writing -----------------------------------------------------------------------------

    def replace_graphs(
        self,
        graphs: Mapping[str, Sequence[ox.Triple]],
        metadata: Sequence[ox.Quad] = (),
    ) -> None:
        """One SPARQL Update request: drop and refill each graph, add metadata, move the marker."""
        quads = [
            ox.Quad(t.subject, t.predicate, t.object, named_node(g))
            for g, triples in graphs.items()
            for t in triples
        ]
        quads.extend(metadata)
        self._write(list(graphs), quads)

    def rebuild(
        self, quads: Iterable[ox.Quad], check: Callable[[ox.Store], None] | None = None
    ) -> None:
        """One SPARQL Update request: drop every graph and insert the whole dataset.

        ``check`` runs on a local staging copy first (it may add to it, e.g. provenance; raising
        stops the write), so nothing invalid is sent and readers never see a half-built store.
        """
        staging = ox.Store()
        staging.extend(quads)
        if check is not None:
            check(staging)
        self._write(None, staging)  # read graph by graph, never as one list

    def _write(self, drop: list[str] | None, quads: list[ox.Quad] | ox.Store) -> None:
        """Drop ``drop`` (None: all), add ``quads``, a new marker: one request (or remote_sql)."""
        if isinstance(quads, ox.Store):
            meta = ox.NamedNode(self.meta_graph)
            for old in list(quads.quads_for_pattern(meta, MODIFIED, None, meta)):
                quads.remove(old)
        else:
            quads = [q for q in quads if not is_marker(q, self.meta_graph)]
        if self.settings.virtuoso_sql:  # Virtuoso: one SQL transaction (remote_sql)
            write_in_transaction(self.settings, drop, quads, self.meta_graph)
            self._version = None
            return
        if estimated_bytes(quads, limit := self.settings.remote_chunk_bytes) < limit:
            parts = ["DROP ALL"] if drop is None else []
            parts += [f"DROP SILENT GRAPH {iri_text(name)}" for name in drop or ()]
            parts.append(marker_removal(self.meta_graph))
            parts.append(insert_block(with_new_marker(quads, self.meta_graph)))
            body = " ;\n".join(parts)
            if len(body.encode("utf-8")) <= limit:
                self._update(body)
                return
        remove_leftovers(self.settings.state_dir, alive=process_alive)
        folder = self.settings.state_dir / LOADS_FOLDER / f"{os.getpid()}-{time.time_ns()}"
        try:
            files = write_graph_files(folder, quads)
            with served_files(self.settings.remote_load_address, files) as urls:
                marker = insert_data_block(with_new_marker([], self.meta_graph))
                pulled = sum(path.stat().st_size for path in files.values())
                self._update(
                    load_update(drop, urls, marker_removal(self.meta_graph), marker), pulled
                )
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _update(self, body: str, pulled_bytes: int = 0) -> None:
        """Send one update; re-sent only when it certainly never reached the server."""
        url = self.endpoints.update
        if url is None:
            raise StoreUnavailable(
                f"no SPARQL Update endpoint for {self.endpoints.server} "
                "(configure SOZIALGRAPH_UPDATE_URL)"
            )
        content = body.encode("utf-8")
        limit = self.settings.remote_chunk_bytes
        if len(content) > limit:
            raise WriteTooLarge(
                f"the update request for {self.endpoints.server} would be {len(content):,} "
                f"bytes, more than SOZIALGRAPH_REMOTE_CHUNK_BYTES ({limit:,}); nothing was sent"
            )
        with self._lock:
            self._version = None
        # A pulled load may take a while: the server fetches and loads it before it answers.
        timeout = self._write_timeout.read or MIN_WRITE_TIMEOUT
        timeout = max(timeout, 60 + pulled_bytes / PULL_BYTES_PER_SECOND)
        write_timeout = httpx.Timeout(timeout, connect=self._write_timeout.connect)

        def send() -> httpx.Response:
            return self._client.post(
                url,
                content=content,
                headers={"Content-Type": SPARQL_UPDATE},
                timeout=write_timeout,
            )

        try:
            response = with_retries(send, (httpx.ConnectError, httpx.ConnectTimeout))
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise unavailable(self.endpoints, error) from error
        except httpx.TimeoutException as error:
            raise StoreUnavailable(
                f"the SPARQL server at {self.endpoints.server} did not confirm the write within "
                f"{timeout:g} s; it may still apply it (check the metadata graph)"
            ) from error
        except httpx.TransportError as error:
            raise unavailable(self.endpoints, error) from error
        finally:
            with self._lock:
                self._version = None
        if not response.is_success:
            if too_large(response.status_code, response.text):
                raise WriteTooLarge(
                    f"the SPARQL server at {self.endpoints.server} refused a write request of "
                    f"{len(content):,} bytes as too large ({response.status_code}: "
                    f"{response.text.strip()[:300]}); set SOZIALGRAPH_REMOTE_CHUNK_BYTES below "
                    "the body limit of the server or of a proxy in front of it"
                )
            raise error_for_status(response.status_code, response.text, self.endpoints, query=False)
        self._union_checked = False  # an empty store could not be checked before: check again
        self._check_union()

    # -- HTTP ---------------------------------------------------------------------------------

    def _read(
        self,
        method: str,
        url: str,
        body: str | None,
        params: list[tuple[str, str]],
        accept: str,
        *,
        missing_ok: bool = False,
    ) -> httpx.Response:
        # A query goes form-encoded (`query=`): Virtuoso never answers `application/sparql-query`
        headers = {"Accept": accept}
        content = None
        if body is not None:
            headers["Content-Type"] = FORM
            content = form_body("query", body)

        def send() -> httpx.Response:
            return self._client.request(
                method, url, params=tuple(params), content=content, headers=headers
            )

        try:
            response = with_retries(send, (httpx.TransportError,), but=httpx.ReadTimeout)
        except httpx.ReadTimeout as error:
            raise QueryTimeout(
                f"the SPARQL server at {self.endpoints.server} did not answer within "
                f"{self.settings.query_timeout:g} s"
            ) from error
        except httpx.TransportError as error:
            raise unavailable(self.endpoints, error) from error
        self._virtuoso = bool(self._virtuoso) or is_virtuoso(response)
        if response.status_code == 404 and missing_ok:
            return response
        if not response.is_success:
            raise error_for_status(
                response.status_code, response.text, self.endpoints, query=body is not None
            )
        cut = row_limit_cut(response, self.endpoints.server)
        if cut is not None:
            raise cut
        return response

    def _check_union(self) -> None:
        """Once a store with data proved it, trust that the default graph is the union."""
        if self._union_checked:
            return
        missing = union_missing(self._query(UNION_PROBE))
        if missing:
            raise StoreUnavailable(NO_UNION.format(url=self.endpoints.server))
        self._union_checked = missing is not None  # an empty store: the next write checks

    def _is_virtuoso(self) -> bool:
        if self._virtuoso is None:
            self._query(UNION_PROBE)  # any answer tells
        return bool(self._virtuoso)

    def close(self) -> None:
        self._client.close()
