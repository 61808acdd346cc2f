"""The reader's language: ``?lang=`` first, then ``Accept-Language``; German by default."""

from __future__ import annotations

from fastapi import Request

from sozialgraph.web.accept import preferences

LANGUAGES = ("de", "en")


def ui_language(request: Request) -> str:
    """``lang`` query parameter first, then ``Accept-Language``; German by default."""
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return preferred_language(request.headers.get("accept-language"))


def preferred_language(header: str | None) -> str:
    """``de`` or ``en`` from an ``Accept-Language`` header (German first)."""
    best, best_q = "de", -1.0
    for preference in preferences(header):
        tag = preference.token[:2]
        if tag in LANGUAGES and preference.q > best_q:
            best, best_q = tag, preference.q
    return best
