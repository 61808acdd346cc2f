"""A fast path for the most common request: a plain GET /sparql with a deterministic query.

It runs before FastAPI sees the request (see ``app.SozialgraphApp``). A cached answer (per store
version) is sent without middleware, routing, dependency injection or a worker round trip; a new
provably small lookup (``querying.inline``) runs right here and is sent the same way; any other
new query runs in a worker through the same ``sparql.run_query`` the full handler uses, so all
answer alike and keep results under the same key (``result_cache.cache_key``). A repeated request
(same query string and headers, same store version) is not even parsed again. Everything else
goes on unchanged: other parameters, HTML, non-deterministic queries, requests that the guard or
negotiation refuse (the full handler writes their problem documents), and cross-origin requests
(``Origin``), which take the full path for its CORS headers. What is ready at once (a kept
result, a small lookup on the open checkpoint, a 304) is also offered to the HTTP layer
(``answer_now``, through ``SozialgraphApp.answer_now``), which writes it without the ASGI round.
"""

from __future__ import annotations

import binascii
import functools
from typing import TYPE_CHECKING, NamedTuple
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

#: An answer ready to be written: status, headers, body.
Ready = tuple[int, RawHeaders, bytes]


class _Known(NamedTuple):  # a named tuple: made per new request, and cheaper than a dataclass
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

    def answer_now(
        self, scope: Scope, service: QueryService, version: str, extra: RawHeaders
    ) -> Ready | None:
        """The answer to a plain ``GET /sparql`` of an HTTP ``scope`` when it needs no waiting (a
        304, a kept result, a small lookup on the open checkpoint): status, headers, body; None
        otherwise. The connection layer (``http_limits``) writes it without the ASGI round."""
        found = self._known(scope, service, version)
        if found is None:
            return None
        return self._ready(service, found[0], found[1], version, extra)

    async def answer(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        service: QueryService,
        version: str,
        extra: RawHeaders,
    ) -> bool:
        """Answer a plain ``GET /sparql`` of an HTTP ``scope`` and return True; False for anything
        else. ``service``: the started query service; ``version``: the embedded store's current
        version; ``extra``: the headers every answer carries (``app.SozialgraphApp``), added here
        without another layer."""
        found = self._known(scope, service, version)
        if found is None:
            return False
        known, if_none_match = found
        ready = self._ready(service, known, if_none_match, version, extra)
        if ready is None and self._inline(service, known) and self._stale(version):
            self._checkpoint = (version, await service.backend.snapshot())
            ready = self._ready(service, known, if_none_match, version, extra)
        if ready is not None:
            status, headers, body = ready
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return True
        await self._run(scope, receive, with_headers(send, extra), service, known)
        return True

    def _known(
        self, scope: Scope, service: QueryService, version: str
    ) -> tuple[_Known, str] | None:
        """What the answer needs and the request's ``If-None-Match``; None when the full handler
        must answer."""
        if scope["method"] != "GET" or scope["path"] != "/sparql":
            return None
        accept = host = if_none_match = ""
        for name, value in scope["headers"]:
            if name == b"accept" and not accept:
                accept = value.decode("latin-1")
            elif name == b"host" and not host:
                host = value.decode("latin-1")
            elif name == b"if-none-match" and not if_none_match:
                if_none_match = value.decode("latin-1")
            elif name == b"origin":
                return None
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
            known = self._negotiate(scope, query_string, accept, host, service, version)
            if known is None:
                return None
            if len(query_string) <= MEMO_QUERY_BYTES:
                if len(self._memo) >= MEMO_ENTRIES:
                    self._memo.clear()
                self._memo[raw] = known
        return known, if_none_match

    def _ready(
        self,
        service: QueryService,
        known: _Known,
        if_none_match: str,
        version: str,
        extra: RawHeaders,
    ) -> Ready | None:
        """A 304, a kept result or a small lookup's (``querying.inline``), run right here and kept
        under the request's key; None when a worker must answer or the checkpoint of ``version``
        is not open yet. (``QueryService.execute`` takes the same turn, but behind a task, a
        disconnect watch and a response object, which cost more than the lookup.)"""
        if if_none_match == known.etag:
            return 304, [*known.validators, *extra], b""
        body = service.results.get(known.key)
        if body is None:
            checkpoint = self._checkpoint
            if not self._inline(service, known) or checkpoint is None or checkpoint[0] != version:
                return None
            if checkpoint[1] is None:
                return None
            body = service.inline.answer(
                checkpoint[1],
                known.guarded.text,
                known.media_type,
                known.base_iri,
                service.settings.max_result_bytes,
            )
            if body is None:
                return None
            service.results.put(known.key, body)
        length = (b"content-length", str(len(body)).encode())
        return 200, [known.content_type, *known.validators, length, *extra], body

    @staticmethod
    def _inline(service: QueryService, known: _Known) -> bool:
        return known.guarded.small_lookup and service.settings.inline_lookups

    def _stale(self, version: str) -> bool:
        """Whether the read-only checkpoint of ``version`` is still to be opened."""
        return self._checkpoint is None or self._checkpoint[0] != version

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
        scope: Scope,
        query_string: str,
        accept: str,
        host: str,
        service: QueryService,
        version: str,
    ) -> _Known | None:
        """What the full handler would answer a plain, deterministic GET query with; None for
        anything the full handler must see."""
        params = _parameters(query_string)
        if len(params) != 1 or len(params.get("query", ())) != 1:
            return None
        if _prefers_html(accept):
            return None
        try:
            guarded = service.guard(params["query"][0])
            if not guarded.deterministic:
                return None
            media_type = media.negotiate(accept or None, offered_types(guarded))
        except SozialgraphError:
            return None  # the full handler answers with the right problem document
        base_iri = _base_iri(scope, host)
        key = cache_key(version, guarded.text, media_type, [], [], base_iri)
        etag = etag_for(key)
        validators = [(b"etag", etag.encode()), *_validators_but_etag()]
        return _Known(
            key, etag, validators, _content_type(media_type), guarded, media_type, base_iri
        )


@functools.lru_cache(maxsize=256)  # clients send few distinct Accept headers
def _prefers_html(accept: str) -> bool:
    return media.prefers_html(accept or None)


@functools.lru_cache(maxsize=64)
def _content_type(media_type: str) -> tuple[bytes, bytes]:
    return (b"content-type", with_charset(media_type).encode())


def offered_types(guarded: GuardedQuery) -> tuple[str, ...]:
    """The media types a query's result can be sent in (graphs or solutions)."""
    if guarded.form in ("CONSTRUCT", "DESCRIBE"):
        return media.GRAPH_TYPES
    return media.RESULT_TYPES


def cache_headers(key: str) -> dict[str, str]:
    """The headers of an answer kept under ``key`` (revalidated by its ETag)."""
    return {"ETag": etag_for(key), "Vary": "Accept", "Cache-Control": "no-cache"}


_FIXED: list[tuple[bytes, bytes]] = []


def _validators_but_etag() -> list[tuple[bytes, bytes]]:
    """The raw headers of ``cache_headers`` after the ETag (the same for every key), as the full
    handler writes them; worked out once."""
    if not _FIXED:
        found = cache_headers("").items()
        _FIXED.extend((k.lower().encode(), v.encode()) for k, v in found if k.lower() != "etag")
    return _FIXED


def _parameters(query_string: str) -> dict[str, list[str]]:
    """``parse_qs`` of the query string, in one step for the common ``query=…`` alone."""
    if query_string.startswith("query=") and "&" not in query_string:
        return {"query": [_unquote_plus(query_string[6:])]}  # what parse_qs makes of it
    return parse_qs(query_string, keep_blank_values=True)


def _unquote_plus(value: str) -> str:
    """``unquote_plus``, in C for ASCII text with well-formed escapes (a query's usual form):
    ``binascii.a2b_qp`` decodes ``=XX`` as ``unquote`` decodes ``%XX``, in a twentieth of the
    time (tests/unit/test_sparql_fast_unquote.py compares the two). Each well-formed escape
    shortens the text by two characters; a malformed one (kept as ``=``, or a trailing ``=``
    dropped) by less, so the length tells whether all were well formed."""
    if not value.isascii() or "=" in value or "\r" in value or "\n" in value:
        return unquote_plus(value)
    decoded = binascii.a2b_qp(value.replace("+", " ").replace("%", "="))
    if len(decoded) != len(value) - 2 * value.count("%"):
        return unquote_plus(value)
    return decoded.decode("utf-8", "replace")


_BASES: dict[tuple[object, ...], str] = {}


def _base_iri(scope: Scope, host: str) -> str:
    """The request's URL without its query (the base of relative IRIs in the query), kept per
    scheme, server, ``host`` (its first Host header) and path: building it costs a tenth of a new
    query's time."""
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
