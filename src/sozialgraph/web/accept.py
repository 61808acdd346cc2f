"""One parser for the ``Accept*`` request headers: tokens with quality values (RFC 9110 §12.4)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preference:
    """One element of an ``Accept``, ``Accept-Language`` or ``Accept-Encoding`` header."""

    token: str  # lower case: a media range, a language tag, a coding
    q: float
    order: int  # position in the header (earlier wins a tie)


def preferences(header: str | None) -> list[Preference]:
    """The elements of a quality-value list, in header order; bad ``q`` values count as 0."""
    found = []
    for order, part in enumerate((header or "").split(",")):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        q = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        found.append(Preference(pieces[0].lower(), q, order))
    return found


def accepts_encoding(header: str | None, coding: str) -> bool:
    """Whether ``Accept-Encoding`` allows ``coding`` (``gzip`` also as ``x-gzip``)."""
    names = {coding, "x-" + coding}
    return any(p.token in names and p.q > 0 for p in preferences(header))
