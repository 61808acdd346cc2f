"""One error hierarchy; the web layer maps it to problem details, the CLI to exit codes."""

from __future__ import annotations


class SozialgraphError(Exception):
    """Base of all domain errors. ``status`` is the HTTP status that fits."""

    status = 500
    title = "Internal error"

    def __init__(self, message: str, *, de: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_de = de

    def localized(self, lang: str) -> str:
        """The message in ``lang`` (German where one was given, else English)."""
        return self.message_de if lang == "de" and self.message_de else self.message

    def details(self, lang: str) -> dict[str, object]:
        """Extra members for the problem document (RFC 9457 extensions)."""
        return {}


class BadRequest(SozialgraphError):
    status = 400
    title = "Bad request"


class RdfSyntaxError(BadRequest):
    """An RDF document does not parse; carries the position of the error."""

    title = "RDF syntax error"

    def __init__(
        self, message: str, *, source: str = "", line: int | None = None, column: int | None = None
    ) -> None:
        where = source
        if line is not None:
            where += f", Zeile/line {line}" + (f", Spalte/column {column}" if column else "")
        super().__init__(f"{where}: {message}" if where else message)
        self.source = source
        self.line = line
        self.column = column


class QuerySyntaxError(BadRequest):
    """The query does not parse; carries the parser's position when it gives one."""

    title = "Malformed query"

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class QueryRefused(BadRequest):
    """The query guard refused the query before it was parsed (SERVICE, LOAD, nesting, size)."""

    title = "Query refused"


class NotFound(SozialgraphError):
    status = 404
    title = "Not found"


class NotAcceptable(SozialgraphError):
    status = 406
    title = "Not acceptable"


class PayloadTooLarge(SozialgraphError):
    status = 413
    title = "Payload too large"


class UnsupportedMediaType(SozialgraphError):
    status = 415
    title = "Unsupported media type"


class Unauthorized(SozialgraphError):
    status = 401
    title = "Unauthorized"


class Forbidden(SozialgraphError):
    status = 403
    title = "Forbidden"


class ResultTooLarge(SozialgraphError):
    status = 413
    title = "Result too large"


class QueryTimeout(SozialgraphError):
    status = 503
    title = "Query timeout"


class StoreUnavailable(SozialgraphError):
    status = 503
    title = "Store unavailable"


class StoreDamaged(SozialgraphError):
    """The store folder holds generations but no valid ``CURRENT`` pointer to one of them."""

    status = 503
    title = "Store damaged"
    exit_code = 3


class StoreReadOnly(SozialgraphError):
    """The store folder cannot be written (a read-only mount, missing permissions)."""

    status = 503
    title = "Store is read-only"
    exit_code = 4


class InsufficientStorage(SozialgraphError):
    """A write failed for lack of disk space; nothing was changed."""

    status = 507
    title = "Insufficient storage"
    exit_code = 5


class QueryOverloaded(StoreUnavailable):
    """Every worker for public queries is busy and the queue is full: try again shortly."""

    title = "Query service overloaded"

    def __init__(self, message: str, *, retry_after: int, de: str | None = None) -> None:
        super().__init__(message, de=de)
        self.retry_after = retry_after


class TooManyQueries(SozialgraphError):
    """A client has more public queries running or waiting than its share (per address)."""

    status = 429
    title = "Too many queries"

    def __init__(self, message: str, *, retry_after: int, de: str | None = None) -> None:
        super().__init__(message, de=de)
        self.retry_after = retry_after


class QueryOutOfMemory(SozialgraphError):
    """A query grew its worker over the memory limit; the worker was stopped and replaced."""

    status = 503
    title = "Query used too much memory"


class WorkerLost(SozialgraphError):
    """The worker running a query died or stopped from outside (a server fault, not the query's)."""

    status = 503
    title = "Query worker lost"

    def __init__(self, message: str, *, retry_after: int = 1, de: str | None = None) -> None:
        super().__init__(message, de=de)
        self.retry_after = retry_after


class ClientDisconnected(SozialgraphError):
    """The client went away before its query finished; the query was stopped."""

    status = 499
    title = "Client closed request"


class InvalidSetting(SozialgraphError):
    """A setting the service cannot start with (e.g. a write token that is too short)."""

    title = "Invalid setting"


class TooManyFailedAuthentications(SozialgraphError):
    """A client failed to authenticate too often in the last minute; ``retry_after`` seconds."""

    status = 429
    title = "Too many failed authentications"

    def __init__(self, message: str, *, retry_after: int, de: str | None = None) -> None:
        super().__init__(message, de=de)
        self.retry_after = retry_after
