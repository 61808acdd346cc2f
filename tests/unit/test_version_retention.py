"""Retention of version dumps over months (synthetic timestamps): every version of the last
``keep_days`` days, the last version of each month for good, the newest always; records and
stream members of every version stay (``docs/settings.md``: ``SOZIALGRAPH_VERSIONS_KEEP_*``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyoxigraph as ox

from sozialgraph.publishing.versions import DUMP, MEMBERS, VersionJournal

BASE = "https://example.org/"
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")


def dataset(n: int) -> list[ox.Quad]:
    graph = ox.NamedNode(BASE + "graph/data/a")
    measure = ox.NamedNode(BASE + "a/massnahme/m1")
    return [ox.Quad(measure, TITLE, ox.Literal(f"Titel {n}", language="de"), graph)]


def record_over(journal: VersionJournal, moments: list[dt.datetime]) -> None:
    for n, moment in enumerate(moments):
        assert journal.record(f"v{n}", dataset(n), moment) is not None


def with_dump(journal: VersionJournal) -> set[dt.datetime]:
    return {r.created_at for r in journal.records() if (journal.path(r.number) / DUMP).exists()}


def test_dumps_older_than_the_policy_are_pruned_but_the_last_of_each_month_stays(
    tmp_path: Path,
) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # every 9 days over about eight months: several versions per month, old and recent
    moments = [now - dt.timedelta(days=9 * k, hours=1) for k in range(27, -1, -1)]
    journal = VersionJournal(tmp_path / "versions", BASE, keep_days=90, keep_monthly=True)
    record_over(journal, moments)

    recent = {m for m in moments if now - m <= dt.timedelta(days=90)}
    last_of_month: dict[tuple[int, int], dt.datetime] = {}
    for moment in moments:
        last_of_month[(moment.year, moment.month)] = moment  # ascending: the last one wins
    expected = recent | set(last_of_month.values()) | {moments[-1]}
    assert with_dump(journal) == expected
    assert len(expected) < len(moments)  # something was pruned: the test can fail
    old_in_month = [m for m in moments if m not in expected]
    assert all(now - m > dt.timedelta(days=90) for m in old_in_month)
    # records and stream members are kept for good
    assert len(journal.records()) == len(moments)
    assert all((journal.path(r.number) / MEMBERS).exists() for r in journal.records())
    # and a journal opened again (a restart) sees the same
    again = VersionJournal(tmp_path / "versions", BASE, keep_days=90, keep_monthly=True)
    assert with_dump(again) == expected


def test_without_monthly_keeping_only_the_recent_days_and_the_newest_stay(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    moments = [now - dt.timedelta(days=d) for d in (400, 200, 100, 31, 5, 0)]
    journal = VersionJournal(tmp_path / "versions", BASE, keep_days=30, keep_monthly=False)
    record_over(journal, moments)
    assert with_dump(journal) == {moments[-2], moments[-1]}
    assert journal.kept(journal.records()[-1].number)
    # ``kept`` answers for another day: a year on, only the newest remains
    later = now + dt.timedelta(days=365)
    assert [journal.kept(r.number, later) for r in journal.records()] == [False] * 5 + [True]
