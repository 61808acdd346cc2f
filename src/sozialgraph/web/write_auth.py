"""Authentication of writes, with failed attempts throttled per client address.

A wrong or missing token counts as a failure; a client with ``limit`` failures in the last
minute gets 429 with ``Retry-After`` until the oldest of them is a minute old, without its
token being checked at all. Each failure and each refusal is logged with the client's address,
never with the token.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable

from fastapi import Request

from sozialgraph.errors import Forbidden, TooManyFailedAuthentications, Unauthorized
from sozialgraph.ingest.write_service import WriteService

logger = logging.getLogger("uvicorn.error")

WINDOW = 60.0
#: Client addresses remembered at most (the oldest are forgotten first).
MAX_CLIENTS = 10_000


class FailedAuthThrottle:
    """Failed authentications per client address in a sliding minute."""

    def __init__(self, limit: int, clock: Callable[[], float] | None = None) -> None:
        self.limit = limit
        self._clock = clock or time.monotonic
        self._failures: dict[str, deque[float]] = {}

    def check(self, client: str) -> None:
        """429 if ``client`` used up its failures of the last minute."""
        failures = self._recent(client)
        if failures is not None and len(failures) >= self.limit:
            wait = max(1, math.ceil(failures[0] + WINDOW - self._clock()))
            logger.warning("write authentication throttled for %s (%d s)", client, wait)
            raise TooManyFailedAuthentications(
                f"too many failed authentications; try again in {wait} s",
                de=f"Zu viele fehlgeschlagene Anmeldungen; bitte in {wait} s erneut versuchen",
                retry_after=wait,
            )

    def failed(self, client: str) -> None:
        failures = self._recent(client)
        if failures is None:
            if len(self._failures) >= MAX_CLIENTS:
                self._failures.pop(next(iter(self._failures)))
            failures = self._failures[client] = deque()
        failures.append(self._clock())

    def _recent(self, client: str) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        horizon = self._clock() - WINDOW
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures


def authorize(request: Request, writes: WriteService) -> str:
    """The name of the request's write token; 401/403 (counted), or 429 when throttled."""
    throttle: FailedAuthThrottle = request.app.state.auth_throttle
    client = request.client.host if request.client else "unknown"
    throttle.check(client)
    try:
        return writes.agent(request.headers.get("authorization"))
    except (Unauthorized, Forbidden) as error:
        throttle.failed(client)
        logger.warning(
            "write authentication failed for %s on %s %s: %s",
            client,
            request.method,
            request.url.path,
            error.title,
        )
        raise
