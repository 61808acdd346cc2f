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
