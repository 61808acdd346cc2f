"""A fast path for the most common request: a plain GET /sparql with a deterministic query.

It runs before FastAPI sees the request (see ``app.SozialgraphApp``). A cached answer (per store
version) is sent without middleware, routing, dependency injection or a worker round trip; a new
provably small lookup (``querying.inline``) runs right here and is sent the same way; any other
new query runs in a worker through the same ``sparql.run_query`` the full handler uses, so all
answer alike and keep results under the same key (``result_cache.cache_key``). A repeated request
(same query string and headers, same store version) is not even parsed again. Everything else
goes on unchanged: other parameters, HTML, non-deterministic queries, requests that the guard or
negotiation refuse (the full handler writes their problem documents), and cross-origin requests
(``Origin``), which take the full path for its CORS headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote_plus

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from sozialgraph.errors import SozialgraphError
from sozialgraph.formats import with_charset
from sozialgraph.querying.guard import GuardedQuery
from sozialgraph.querying.result_cache import RawHeaders, cache_key, etag_for
from sozialgraph.web import negotiation as media
from sozialgraph.web.problems import domain_problem
from sozialgraph.web.security_headers import with_headers

if TYPE_CHECKING:
    from starlette.datastructures import State

    from sozialgraph.querying.service import QueryService


MEMO_ENTRIES = 4_096
MEMO_QUERY_BYTES = 2_048  # longer requests are parsed each time (the memo stays small)


@dataclass(frozen=True)
class _Known:
    """What the answer to a request needs, once worked out."""

    key: str
    etag: str
    validators: list[tuple[bytes, bytes]]  # ETag, Vary, Cache-Control (also of a 304)
    content_type: tuple[bytes, bytes]
    guarded: GuardedQuery
    media_type: str
    base_iri: str


class SparqlFastPath:
    def __init__(self, state: State) -> None:
        self.state = state
        # The raw request (store version, query string, Accept, Host, …) → what its answer needs,
        # so that a repeated request skips parsing, guarding and negotiating.
        self._memo: dict[tuple[str, ...], _Known] = {}
        self._checkpoint: tuple[str, str | None] | None = None  # (store version, its checkpoint)

    async def answer(
        self, scope: Scope, receive: Receive, send: Send, version: str, extra: RawHeaders
    ) -> bool:
        """Answer a plain ``GET /sparql`` of an HTTP ``scope`` and return True; False for anything
        else. ``version``: the embedded store's current version; ``extra``: the headers every
        answer carries (``app.SozialgraphApp``), added here without another layer."""
        if scope["method"] != "GET" or scope["path"] != "/sparql":
            return False
        service: QueryService | None = getattr(self.state, "query_service", None)
        if service is None:
            return False  # not started yet
        accept = host = if_none_match = ""
        for name, value in scope["headers"]:
            if name == b"accept" and not accept:
                accept = value.decode("latin-1")
            elif name == b"host" and not host:
                host = value.decode("latin-1")
            elif name == b"if-none-match" and not if_none_match:
                if_none_match = value.decode("latin-1")
            elif name == b"origin":
                return False
        query_string = scope["query_string"].decode("latin-1")
        raw = (
            version,
            query_string,
            accept,
            host,
            scope.get("scheme", "http"),
            scope.get("root_path", ""),
        )
        known = self._memo.get(raw)
        if known is None:
            known = self._negotiate(scope, query_string, accept, service, version)
            if known is None:
                return False
            if len(query_string) <= MEMO_QUERY_BYTES:
                if len(self._memo) >= MEMO_ENTRIES:
                    self._memo.clear()
                self._memo[raw] = known
        if if_none_match == known.etag:
            await _send(send, 304, b"", [*known.validators, *extra])
            return True
        body = service.results.get(known.key)
        if body is None:
            body = await self._small_lookup(service, known, version)
        if body is not None:
            length = (b"content-length", str(len(body)).encode())
            await _send(send, 200, body, [known.content_type, *known.validators, length, *extra])
            return True
        await self._run(scope, receive, with_headers(send, extra), service, known)
        return True

    async def _small_lookup(
        self, service: QueryService, known: _Known, version: str
    ) -> bytes | None:
        """The answer of a provably small lookup (``querying.inline``), run right here and kept
        under the request's key; None when a worker must answer. (``QueryService.execute`` takes
        the same turn, but behind a task, a disconnect watch and a response object, which cost
        more than the lookup.)"""
        if not (known.guarded.small_lookup and service.settings.inline_lookups):
            return None
        if self._checkpoint is None or self._checkpoint[0] != version:
            self._checkpoint = (version, await service.backend.snapshot())
        checkpoint = self._checkpoint[1]
        if checkpoint is None:
            return None
        body = service.inline.answer(
            checkpoint,
            known.guarded.text,
            known.media_type,
            known.base_iri,
            service.settings.max_result_bytes,
        )
        if body is not None:
            service.results.put(known.key, body)
        return body

    @staticmethod
    async def _run(
        scope: Scope, receive: Receive, send: Send, service: QueryService, known: _Known
    ) -> None:
        from sozialgraph.web.sparql import run_query

        try:
            response = await run_query(
                service,
                known.guarded,
                known.media_type,
                known.key,
                known.base_iri,
                client=client_address(scope),
                receive=receive,
            )
        except SozialgraphError as error:
            response = domain_problem(Request(scope), error)
        await response(scope, receive, send)

    @staticmethod
    def _negotiate(
        scope: Scope, query_string: str, accept: str, service: QueryService, version: str
    ) -> _Known | None:
        """What the full handler would answer a plain, deterministic GET query with; None for
        anything the full handler must see."""
        from sozialgraph.web.sparql import cache_headers, offered_types

        params = _parameters(query_string)
        if set(params) != {"query"} or len(params["query"]) != 1:
            return None
        if media.prefers_html(accept or None):
            return None
        try:
            guarded = service.guard(params["query"][0])
            if not guarded.deterministic:
                return None
            media_type = media.negotiate(accept or None, offered_types(guarded))
        except SozialgraphError:
            return None  # the full handler answers with the right problem document
        base_iri = _base_iri(scope)
        key = cache_key(version, guarded.text, media_type, [], [], base_iri)
        validators = [(k.lower().encode(), v.encode()) for k, v in cache_headers(key).items()]
        content_type = (b"content-type", with_charset(media_type).encode())
        return _Known(key, etag_for(key), validators, content_type, guarded, media_type, base_iri)


def _parameters(query_string: str) -> dict[str, list[str]]:
    """``parse_qs`` of the query string, in one step for the common ``query=…`` alone."""
    if query_string.startswith("query=") and "&" not in query_string:
        return {"query": [unquote_plus(query_string[6:])]}  # what parse_qs makes of it
    return parse_qs(query_string, keep_blank_values=True)


_BASES: dict[tuple[object, ...], str] = {}


def _base_iri(scope: Scope) -> str:
    """The request's URL without its query (the base of relative IRIs in the query), kept per
    scheme, server, Host header and path: building it costs a tenth of a new query's time."""
    host = next((v for k, v in scope["headers"] if k == b"host"), b"")
    server = scope.get("server")  # ASGI allows any pair, a list too (Starlette's TestClient)
    key = (scope.get("scheme"), *(server or ()), host, scope.get("root_path"), scope["path"])
    found = _BASES.get(key)
    if found is None:
        if len(_BASES) >= 64:
            _BASES.clear()
        found = _BASES[key] = str(URL(scope=scope).replace(query="", fragment=""))
    return found


def client_address(scope: Scope) -> str:
    """The client's address (the one a trusted proxy forwarded, as the server resolved it)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
