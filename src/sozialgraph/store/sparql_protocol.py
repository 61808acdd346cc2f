"""The SPARQL 1.1 protocols as sozialgraph speaks them to a remote server.

Shared by the remote store (:mod:`sozialgraph.store.remote`) and the web's remote query runner
(:mod:`sozialgraph.querying.remote`): the server's endpoints and credentials, the dataset
parameters, the domain errors for the server's answers, the check that the default graph is the
union of the named graphs, and the mark of a result the server broke off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from sozialgraph.config import Settings
from sozialgraph.errors import QuerySyntaxError, QueryTimeout, SozialgraphError, StoreUnavailable

SPARQL_QUERY = "application/sparql-query"
#: Queries are sent form-encoded (``query=…``): every SPARQL 1.1 server takes it, and Virtuoso 7
#: does not answer a POST of ``application/sparql-query`` (docs/remote-store.md).
FORM = "application/x-www-form-urlencoded"
SPARQL_UPDATE = "application/sparql-update"
SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"

#: Pauses before the retries of a read that could not connect (writes are never re-sent).
READ_RETRY_DELAYS = (0.25, 0.75, 1.5)
_EXCERPT = 500

#: One quad of a named graph, and whether the default graph misses it (= no union).
#: No row: the store has no named graphs yet, so there is nothing to check.
UNION_PROBE = """SELECT ?missing WHERE {
  { SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1 }
  BIND(NOT EXISTS { ?s ?p ?o } AS ?missing)
}"""
NO_UNION = (
    "the SPARQL server at {url} does not query the union of the named graphs as its default "
    "graph. Oxigraph server does so on the 'union-default-graph' parameter that sozialgraph "
    "sends; Apache Jena Fuseki needs 'tdb2:unionDefaultGraph true' on the dataset; other "
    "servers: see docs/remote-store.md"
)


@dataclass(frozen=True)
class RemoteEndpoints:
    """The three endpoints of a SPARQL server, and how to authenticate to them."""

    query: str
    update: str | None
    graph_store: str | None
    user: str | None = None
    password: str | None = None
    token: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteEndpoints:
        return cls(
            query=settings.store,
            update=settings.update_url or derived_endpoint(settings.store, "update"),
            graph_store=settings.graph_store_url or derived_endpoint(settings.store, "store"),
            user=settings.remote_user,
            password=settings.remote_password,
            token=settings.remote_token,
        )

    @property
    def server(self) -> str:
        """The query URL without credentials or query string, for messages."""
        return public_url(self.query)

    def auth(self) -> httpx.Auth | None:
        if self.token or not self.user:
            return None
        return httpx.BasicAuth(self.user, self.password or "")

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def derived_endpoint(query_url: str, name: str) -> str | None:
    """``…/query`` or ``…/sparql`` → ``…/<name>`` (Oxigraph server's and Fuseki's layout)."""
    parts = urlsplit(query_url)
    head, _, last = parts.path.rstrip("/").rpartition("/")
    if last not in ("query", "sparql"):
        return None
    return urlunsplit((parts.scheme, parts.netloc, f"{head}/{name}", "", ""))


def form_body(name: str, text: str) -> bytes:
    """``name=<text>`` form-encoded (UTF-8), the body of a form POST of the SPARQL protocol."""
    return urlencode([(name, text)]).encode("ascii")


def public_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def dataset_params(
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    has_dataset_clause: bool = False,
) -> list[tuple[str, str]]:
    """Protocol parameters for the dataset: as named, the query's own FROM, or the union.

    Oxigraph refuses ``union-default-graph`` together with dataset parameters, and lets it
    override FROM clauses, so it is sent only when neither is given.
    """
    if default_graphs or named_graphs:
        return [("default-graph-uri", g) for g in default_graphs] + [
            ("named-graph-uri", g) for g in named_graphs
        ]
    return [] if has_dataset_clause else [("union-default-graph", "true")]


def error_for_status(
    status: int, body: str, endpoints: RemoteEndpoints, *, query: bool
) -> SozialgraphError:
    """The domain error for a non-2xx answer of the server."""
    server = endpoints.server
    excerpt = body.strip()[:_EXCERPT]
    if status == 400 and query:
        return syntax_error(excerpt)
    if status in (401, 403):
        return StoreUnavailable(
            f"the SPARQL server at {server} refused access ({status}); check "
            "SOZIALGRAPH_REMOTE_USER/SOZIALGRAPH_REMOTE_PASSWORD or SOZIALGRAPH_REMOTE_TOKEN"
        )
    return StoreUnavailable(f"the SPARQL server at {server} answered {status}: {excerpt}")


def syntax_error(message: str, line_offset: int = 0) -> QuerySyntaxError:
    """A 400 of the server as :class:`QuerySyntaxError`, with the position where it gives one.

    Oxigraph writes ``error at 3:2: …``, Fuseki ``… at line 3, column 2``, Virtuoso ``line 3:
    syntax error at '}' …`` and the query after it (the column is where that text first
    appears in the line). ``line_offset`` lines were put in front of the user's query (a BASE
    line) and are taken off again.
    """
    said = message.split("SPARQL query:", 1)[0]  # not in the query Virtuoso echoes after it
    position = re.search(r"line (\d+), column (\d+)", said) or re.search(r"(\d+):(\d+)", said)
    if not position:
        return _virtuoso_syntax_error(message, line_offset)
    line, column = int(position.group(1)) - line_offset, int(position.group(2))
    start, end = position.span(1)
    message = f"{message[:start]}{line}{message[end:]}"
    return QuerySyntaxError(f"line {line}, column {column}: {message}", line=line, column=column)


def _virtuoso_syntax_error(message: str, line_offset: int) -> QuerySyntaxError:
    found = re.search(r"line (\d+): syntax error at '([^']*)'", message)
    if not found:
        return QuerySyntaxError(message)
    sent = (
        message.split("SPARQL query:\n", 1)[1].splitlines() if "SPARQL query:\n" in message else []
    )
    number = int(found.group(1))
    text = sent[number - 1] if 0 < number <= len(sent) else ""
    column = text.find(found.group(2)) + 1 or 1
    line = number - line_offset
    brief = message.split("SPARQL query:", 1)[0].strip().replace(f"line {number}:", f"line {line}:")
    return QuerySyntaxError(f"line {line}, column {column}: {brief}", line=line, column=column)


def union_missing(probe: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> bool | None:
    """The answer to :data:`UNION_PROBE`: True = no union, False = union, None = nothing to see."""
    rows = list(probe) if isinstance(probe, ox.QuerySolutions) else []
    if not rows or rows[0]["missing"] is None:
        return None
    return rows[0]["missing"].value == "true"


def unavailable(endpoints: RemoteEndpoints, error: Exception) -> StoreUnavailable:
    reason = str(error) or type(error).__name__
    return StoreUnavailable(
        f"the SPARQL server at {endpoints.server} is not reachable: {reason}",
        de=f"Der SPARQL-Server {endpoints.server} ist nicht erreichbar: {reason}",
    )


def broken_off(body_tail: bytes, media_type: str) -> str | None:
    """Why a 200 answer is incomplete, or None.

    Oxigraph server streams results: an error during evaluation (its own timeout, a failed
    request) is appended as plain text to an answer that already started with 200. The end
    of SPARQL JSON and XML results shows it; other formats have no such mark.
    """
    tail = body_tail.rstrip()
    if media_type == SPARQL_JSON and not tail.endswith(b"}"):
        return _last_line(tail)
    if media_type == "application/sparql-results+xml" and not tail.endswith(b"</sparql>"):
        return _last_line(tail)
    return None


def _last_line(tail: bytes) -> str:
    return tail.decode("utf-8", "replace").rsplit("\n", 1)[-1][-_EXCERPT:]


def incomplete_error(reason: str, endpoints: RemoteEndpoints) -> SozialgraphError:
    if "cancel" in reason.lower() or "timeout" in reason.lower():
        return QueryTimeout(f"the SPARQL server at {endpoints.server} stopped the query: {reason}")
    return StoreUnavailable(
        f"the SPARQL server at {endpoints.server} broke off the result: {reason}"
    )
