"""How labels are chosen: the page language first, then German, English, untagged, anything."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

#: Properties that name a thing, best first (docs/model.md, "Labels").
LABEL_PROPERTIES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://xmlns.com/foaf/0.1/name",
)


@dataclass(frozen=True)
class Candidate:
    """One literal that could name a resource, with the property it came from."""

    property: str
    literal: ox.Literal


def best_label(candidates: Iterable[Candidate], lang: str) -> ox.Literal | None:
    """The label to show: page language first, then German, English, untagged, anything.

    Among labels of the same language the property order of :data:`LABEL_PROPERTIES` decides,
    then the text (so the choice is stable).
    """
    ranked = sorted(
        candidates,
        key=lambda c: (
            _language_rank(c.literal.language or "", lang),
            _property_rank(c.property),
            c.literal.value,
        ),
    )
    return ranked[0].literal if ranked else None


def in_language(literals: Iterable[ox.Literal], lang: str) -> list[ox.Literal]:
    """The literals in ``lang``, else those in the best other language (same fallback order)."""
    pool = list(literals)
    if not pool:
        return []
    best = min(_language_rank(lit.language or "", lang) for lit in pool)
    return [lit for lit in pool if _language_rank(lit.language or "", lang) == best]


def _language_rank(tag: str, lang: str) -> int:
    tag = tag.lower()
    order = [lang, "de", "en", ""]
    for rank, wanted in enumerate(order):
        if tag == wanted or (wanted and tag.startswith(wanted + "-")):
            return rank
    return len(order)


def _property_rank(iri: str) -> int:
    try:
        return LABEL_PROPERTIES.index(iri)
    except ValueError:
        return len(LABEL_PROPERTIES)
