"""The follow-up of a write (recording the data version) does not hold up the next write, and
the follow-ups still finish in the order of the writes (issue 14, item 10)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

from sozialgraph.config import Settings
from sozialgraph.ingest.write_service import WriteService
from sozialgraph.querying.service import QueryService
from sozialgraph.store.embedded import EmbeddedStore


def test_the_next_write_does_not_wait_for_the_slow_part_of_a_follow_up(tmp_path: Path) -> None:
    settings = Settings(store=str(tmp_path / "store"), search_index=False)
    store = EmbeddedStore(tmp_path / "store")
    service = WriteService(settings, store, QueryService(settings, store))
    slow_part_may_end = threading.Event()
    pinned: list[int] = []
    recorded: list[int] = []

    def hook() -> Callable[[], object]:
        number = len(pinned)
        pinned.append(number)  # under the write lock

        def rest() -> None:
            if number == 0:
                slow_part_may_end.wait(10)
            recorded.append(number)

        return rest

    service.after_write.append(hook)

    async def writes() -> None:
        for n in range(3):
            await asyncio.wait_for(service.run(lambda n=n: n), 2)  # type: ignore[misc]
        await asyncio.sleep(0.2)  # the third follow-up starts after the third answer
        assert pinned == [0, 1, 2]
        assert recorded == []  # the first follow-up's slow part still runs; the rest wait
        slow_part_may_end.set()
        await asyncio.wait_for(service.settled(), 5)
        assert recorded == [0, 1, 2]

    asyncio.run(writes())


def test_a_version_recorded_outside_a_write_waits_for_earlier_follow_ups(tmp_path: Path) -> None:
    settings = Settings(store=str(tmp_path / "store"), search_index=False)
    store = EmbeddedStore(tmp_path / "store")
    service = WriteService(settings, store, QueryService(settings, store))
    slow_part_may_end = threading.Event()
    done: list[str] = []
    hooked: list[int] = []

    def hook() -> Callable[[], object] | None:
        def rest() -> None:
            slow_part_may_end.wait(10)
            done.append("follow-up")

        hooked.append(1)
        return rest if len(hooked) == 1 else None  # the first write's follow-up only

    service.after_write.append(hook)

    async def scenario() -> None:
        await service.run(lambda: None)
        waiting = asyncio.create_task(
            service.run(lambda: done.append("recorded"), after_follow_ups=True)
        )
        await asyncio.sleep(0.2)
        assert done == [] and not waiting.done()
        slow_part_may_end.set()
        await asyncio.wait_for(waiting, 5)
        assert done == ["follow-up", "recorded"]

    asyncio.run(scenario())
