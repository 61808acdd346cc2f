"""Admission of public queries: a bounded queue, a share per client, the fairest waiter first.

Public ``/sparql`` queries may run ``capacity`` at once (the public workers). Up to
``max_waiting`` more wait; beyond that a query is answered at once with 503 and ``Retry-After``
instead of holding a connection until its deadline. One client address may have at most
``per_client`` queries running or waiting (429 with ``Retry-After``, as Wikidata's query service
does per client). A freed slot goes to the waiter whose client runs the fewest queries (then the
oldest), so a client with one light query is not queued behind a heavy user's many.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sozialgraph.errors import QueryOverloaded, StoreUnavailable, TooManyQueries

log = logging.getLogger(__name__)


@dataclass
class _Waiter:
    arrival: int
    client: str
    granted: asyncio.Future[None]


class Admission:
    """Slots for public queries, bounded in number, waiters and per client."""

    def __init__(self, capacity: int, max_waiting: int, per_client: int, timeout: float) -> None:
        self.capacity = capacity
        self.max_waiting = max_waiting
        self.per_client = per_client
        self.timeout = timeout
        self.running = 0
        self._running_of: dict[str, int] = {}
        self._admitted_of: dict[str, int] = {}
        self._waiting: list[_Waiter] = []
        self._arrivals = itertools.count()

    @property
    def retry_after(self) -> int:
        """Seconds after which a slot is likely free: a share of the query time limit."""
        return max(1, math.ceil(self.timeout / 4))

    @contextlib.asynccontextmanager
    async def slot(self, client: str) -> AsyncIterator[None]:
        """Hold a slot for one query of ``client`` (its address) while the block runs."""
        if self._admitted_of.get(client, 0) >= self.per_client:
            log.warning(
                "client %s over its share of %d public queries: 429", client, self.per_client
            )
            raise TooManyQueries(
                f"this client already has {self.per_client} queries running or waiting; "
                "wait for them to finish",
                retry_after=max(1, math.ceil(self.timeout / 2)),
                de=f"Dieser Client hat schon {self.per_client} laufende oder wartende Abfragen.",
            )
        if self.running >= self.capacity and len(self._waiting) >= self.max_waiting:
            log.warning(
                "public queries overloaded (%d running, %d waiting): 503",
                self.running,
                len(self._waiting),
            )
            raise QueryOverloaded(
                "the query service is busy; try again shortly",
                retry_after=self.retry_after,
                de="Der Abfragedienst ist ausgelastet; bitte gleich noch einmal versuchen.",
            )
        self._admitted_of[client] = self._admitted_of.get(client, 0) + 1
        try:
            if self.running >= self.capacity:
                await self._wait(client)
            else:
                self._start(client)
            try:
                yield
            finally:
                self._finish(client)
        finally:
            self._admitted_of[client] -= 1
            if not self._admitted_of[client]:
                del self._admitted_of[client]

    async def _wait(self, client: str) -> None:
        waiter = _Waiter(next(self._arrivals), client, asyncio.get_running_loop().create_future())
        self._waiting.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter.granted), timeout=self.timeout)
        except TimeoutError:
            if self._give_up(waiter):
                raise StoreUnavailable(
                    f"no query worker became free within {self.timeout:g} s; try again later"
                ) from None
        except BaseException:  # cancelled (the client went away): pass a granted slot on
            if not self._give_up(waiter):
                self._finish(client)
            raise

    def _give_up(self, waiter: _Waiter) -> bool:
        """Leave the queue; False if the slot was granted meanwhile (then it is the waiter's)."""
        if waiter.granted.done() and not waiter.granted.cancelled():
            return False
        self._waiting.remove(waiter)
        waiter.granted.cancel()
        return True

    def _start(self, client: str) -> None:
        self.running += 1
        self._running_of[client] = self._running_of.get(client, 0) + 1

    def _finish(self, client: str) -> None:
        self.running -= 1
        self._running_of[client] -= 1
        if not self._running_of[client]:
            del self._running_of[client]
        while self._waiting and self.running < self.capacity:
            # the waiter whose client runs the fewest queries now, then the oldest
            chosen = min(
                self._waiting, key=lambda w: (self._running_of.get(w.client, 0), w.arrival)
            )
            self._waiting.remove(chosen)
            self._start(chosen.client)
            chosen.granted.set_result(None)
