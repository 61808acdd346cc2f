"""Web read queries against a remote SPARQL server: the remote counterpart of the worker pool.

Same interface as :class:`~sozialgraph.querying.workers.WorkerPool` (``start``, ``run(job)``,
``close``) and the same bounds: the guarded query is sent with SPARQL 1.1 Query (POST,
form-encoded ``query=``, which Virtuoso needs too), the answer is spooled up to the byte limit,
and the web process gives up at the deadline. Giving up closes the connection; the server may
keep computing unless it has a timeout of its own (docs/remote-store.md).
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from typing import IO

import httpx
import pyoxigraph as ox

from sozialgraph.config import Settings
from sozialgraph.errors import QueryTimeout, ResultTooLarge, StoreUnavailable
from sozialgraph.querying.jobs import SPOOL_MEMORY_BYTES, QueryJob
from sozialgraph.store.remote_dialect import (
    is_virtuoso,
    query_dialect,
    reserialized,
    row_limit_cut,
    standard_terms,
    transfer_type,
)
from sozialgraph.store.sparql_protocol import (
    FORM,
    NO_UNION,
    READ_RETRY_DELAYS,
    UNION_PROBE,
    RemoteEndpoints,
    broken_off,
    dataset_params,
    error_for_status,
    form_body,
    incomplete_error,
    syntax_error,
    unavailable,
    union_missing,
)

log = logging.getLogger(__name__)

_TAIL_BYTES = 1024
#: Transport failures worth another try for a read: nothing, or nothing useful, was received.
_RETRY_ON = (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)


class RemoteQueryRunner:
    """Runs guarded read queries on a SPARQL server, bounded in time and result size."""

    def __init__(self, settings: Settings) -> None:
        self.endpoints = RemoteEndpoints.from_settings(settings)
        self.timeout = settings.query_timeout
        self._client: httpx.AsyncClient | None = None
        self._union_checked = False
        self._virtuoso: bool | None = None  # learnt from the union probe's answer

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            auth=self.endpoints.auth(),
            headers=self.endpoints.headers(),
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
        )
        try:
            await self._check_union()
        except StoreUnavailable as error:
            # Serve anyway: queries answer 503 with the reason until the server is right.
            log.warning("%s", error.message)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run(self, job: QueryJob) -> IO[bytes]:
        """The serialised result of ``job``, rewound. Raises domain errors, never hangs."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        try:
            async with asyncio.timeout_at(deadline):
                if not self._union_checked:
                    await self._check_union()
                return await self._run_with_retries(job, deadline)
        except TimeoutError:
            raise QueryTimeout(
                f"the query did not finish within {self.timeout:g} s and was abandoned",
                de=f"Die Abfrage war nach {self.timeout:g} s nicht fertig und wurde abgebrochen",
            ) from None

    async def dialect(self) -> str | None:
        """The texts of named queries for this server (``QueryRegistry.get``): ``virtuoso`` or
        None; known from the union probe's answer (asked for here if none came yet)."""
        if self._virtuoso is None:
            try:
                async with asyncio.timeout(self.timeout):
                    await self._check_union()
            except TimeoutError:
                raise QueryTimeout(f"no answer within {self.timeout:g} s") from None
        return query_dialect(bool(self._virtuoso))

    async def _run_with_retries(self, job: QueryJob, deadline: float) -> IO[bytes]:
        loop = asyncio.get_running_loop()
        for delay in (*READ_RETRY_DELAYS, None):
            try:
                return await self._fetch(job)
            except _RETRY_ON as error:
                if delay is None or loop.time() + delay >= deadline:
                    raise unavailable(self.endpoints, error) from error
                await asyncio.sleep(delay)
            except httpx.TransportError as error:
                raise unavailable(self.endpoints, error) from error
        raise AssertionError("unreachable")

    async def _fetch(self, job: QueryJob) -> IO[bytes]:
        if self._client is None:
            raise StoreUnavailable("the query service is not running")
        query, line_offset = _prepared_query(job)
        params = dataset_params(job.default_graphs, job.named_graphs, job.use_dataset_clause)
        asked = transfer_type(job.media_type) if self._virtuoso else job.media_type
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        try:
            async with self._client.stream(
                "POST",
                self.endpoints.query,
                params=tuple(params),
                content=form_body("query", query),
                headers={"Content-Type": FORM, "Accept": asked},
            ) as response:
                if response.status_code == 400:
                    text = (await response.aread()).decode("utf-8", "replace")
                    raise syntax_error(text.strip()[:500], line_offset)
                if not response.is_success:
                    text = (await response.aread()).decode("utf-8", "replace")
                    raise error_for_status(response.status_code, text, self.endpoints, query=True)
                answered = response.headers.get("content-type", "").split(";")[0].strip()
                if answered.lower() != asked:
                    raise StoreUnavailable(
                        f"the SPARQL server at {self.endpoints.server} answered "
                        f"{answered or '?'} instead of {asked}"
                    )
                virtuoso = is_virtuoso(response)
                cut = row_limit_cut(response, self.endpoints.server)  # Virtuoso's silent cut
                if cut is not None:
                    raise cut
                size = 0
                tail = b""
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > job.max_bytes:
                        raise ResultTooLarge(
                            f"the result is larger than {job.max_bytes} bytes; "
                            "add LIMIT or narrow the query"
                        )
                    spool.write(chunk)
                    tail = (tail + chunk)[-_TAIL_BYTES:]
            reason = broken_off(tail, asked)
            if reason:
                raise incomplete_error(reason, self.endpoints)
            spool.seek(0)
            if not virtuoso:
                return spool
            return _reserialized(_plain_blank_nodes(spool), asked, job)
        except BaseException:
            spool.close()
            raise

    async def _check_union(self) -> None:
        """The default graph must be the union of the named graphs; refuse to serve otherwise."""
        if self._client is None:
            raise StoreUnavailable("the query service is not running")
        try:
            response = await self._client.post(
                self.endpoints.query,
                params=tuple(dataset_params()),
                content=form_body("query", UNION_PROBE),
                headers={"Content-Type": FORM, "Accept": "application/sparql-results+json"},
            )
        except httpx.TransportError as error:
            raise unavailable(self.endpoints, error) from error
        if not response.is_success:
            raise error_for_status(response.status_code, response.text, self.endpoints, query=False)
        self._virtuoso = is_virtuoso(response)
        missing = union_missing(
            ox.parse_query_results(
                standard_terms(response.content), format=ox.QueryResultsFormat.JSON
            )
        )
        if missing:
            raise StoreUnavailable(NO_UNION.format(url=self.endpoints.server))
        self._union_checked = missing is not None  # empty: check again with the next query


def _prepared_query(job: QueryJob) -> tuple[str, int]:
    """The query with bound values and the base IRI; and how many lines were put in front."""
    query = job.query
    if job.base_iri:
        # The protocol has no base parameter: a BASE line in front (the query's own BASE, if
        # any, comes later and wins). The IRI is checked by pyoxigraph before it is written.
        return f"BASE {ox.NamedNode(job.base_iri)}\n{query}", 1
    return query, 0


def _plain_blank_nodes(spool: IO[bytes]) -> IO[bytes]:
    """Virtuoso's ``nodeID://b1`` blank nodes as ``b1`` (no blank node label otherwise) and its
    booleans ``1``/``0`` as ``true``/``false`` (``remote_dialect.standard_terms``)."""
    content = spool.read()
    plain = standard_terms(content)
    if plain is content:
        spool.seek(0)
        return spool
    spool.close()
    fixed = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
    fixed.write(plain)
    fixed.seek(0)
    return fixed


def _reserialized(spool: IO[bytes], asked: str, job: QueryJob) -> IO[bytes]:
    """Virtuoso's answer in ``asked`` written as the job's format by pyoxigraph (bounded as
    the answer itself)."""
    try:
        content = reserialized(spool.read(), asked, job.media_type)
    finally:
        spool.close()
    if len(content) > job.max_bytes:
        raise ResultTooLarge(
            f"the result is larger than {job.max_bytes} bytes; add LIMIT or narrow the query"
        )
    fixed = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
    fixed.write(content)
    fixed.seek(0)
    return fixed
