"""Resolving what officers write (labels, numbers, identifiers) to the IRIs of the graph."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sozialgraph.store.base import Term

if TYPE_CHECKING:
    from sozialgraph.querying.registry import NamedQuery, QueryRegistry

_QUOTES = str.maketrans({"„": "", "“": "", "”": "", '"': "", "‚": "", "‘": "", "’": "", "'": ""})
ALLOWED_SHOWN = 25


def publisher_query(strategies: NamedQuery, municipality: str) -> str:
    """The named query ``strategies`` for the strategies ``municipality`` publishes: if it
    finds any, imports are scoped to that municipality (see :func:`vocabulary_query`)."""
    return strategies.bind({"municipality": municipality})


Select = Callable[[str], Awaitable[list[dict[str, Term]]]]


async def vocabulary_rows(
    select: Select, registry: QueryRegistry, municipality: str
) -> list[dict[str, Term]]:
    """The rows of ``import-vocabulary``: scoped to ``municipality`` when it publishes
    strategies in the store, else of the whole store. ``select`` runs a SELECT query (the query
    service for the web, the store for the command line)."""
    scoped = bool(await select(publisher_query(registry.get("strategies"), municipality)))
    query = vocabulary_query(registry.get("import-vocabulary"), municipality if scoped else None)
    return await select(query)


def vocabulary_query(query: NamedQuery, municipality: str | None) -> str:
    """The allowed values of imports: scoped to ``municipality`` if it publishes strategies
    here (in a store of several towns, labels resolve among its own), else the whole store
    (a store whose municipality is not configured, as before)."""
    return query.bind({"municipality": municipality}) if municipality else query.text


def normalise(text: str) -> str:
    """Case-, quote- and space-insensitive form of a label."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES).casefold()
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Entry:
    iri: str
    kind: str
    display: str = ""
    keys: set[str] = field(default_factory=set)
    strategies: set[str] = field(default_factory=set)
    schemes: set[str] = field(default_factory=set)
    issued: str | None = None


@dataclass(frozen=True)
class Resolution:
    iri: str | None
    code: str | None = None  # not_allowed, ambiguous
    details: dict[str, str] = field(default_factory=dict)


class Vocabulary:
    """Every resource an import may refer to, by kind, with all the names it is known by."""

    def __init__(self, base_iri: str) -> None:
        self.base_iri = base_iri
        self.entries: dict[tuple[str, str], Entry] = {}
        self._kinds: dict[str, list[Entry]] = {}  # of_kind's answers, until an entry is added

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Term]], base_iri: str) -> Vocabulary:
        vocabulary = cls(base_iri)
        for row in rows:
            iri, kind = row["iri"].value, row["kind"].value
            entry = vocabulary.entries.setdefault((kind, iri), Entry(iri, kind))
            if "label" in row:
                entry.keys.add(normalise(row["label"].value))
            if "preferred" in row and not entry.display:
                entry.display = row["preferred"].value
            if "strategy" in row:
                entry.strategies.add(row["strategy"].value)
            if "scheme" in row:
                entry.schemes.add(row["scheme"].value)
            if "issued" in row:
                entry.issued = row["issued"].value
        for entry in vocabulary.entries.values():
            entry.keys.add(normalise(entry.iri))
            if entry.iri.startswith(base_iri):
                entry.keys.add(normalise(entry.iri[len(base_iri) :]))
            entry.keys.add(normalise(entry.iri.rstrip("/").rsplit("/", 1)[-1]))
            entry.display = entry.display or entry.iri
        return vocabulary

    def add(self, entry: Entry) -> None:
        self.entries[(entry.kind, entry.iri)] = entry
        self._kinds.pop(entry.kind, None)

    def of_kind(self, kind: str) -> list[Entry]:
        """The entries of ``kind`` (kept: a 1,000-row sheet asks ~9,000 times)."""
        found = self._kinds.get(kind)
        if found is None:
            found = self._kinds[kind] = [e for (k, _), e in self.entries.items() if k == kind]
        return list(found)

    def get(self, kind: str, iri: str) -> Entry | None:
        return self.entries.get((kind, iri))

    def resolve(self, kind: str, text: str, within: set[str] | None = None) -> Resolution:
        """The IRI that ``text`` names among ``kind`` entries (fields: of strategies ``within``)."""
        key = normalise(text)
        candidates = self.of_kind(kind)
        named = self.entries.get((kind, text.strip()))
        if named is not None:  # an IRI names itself, e.g. a field of another strategy
            return Resolution(named.iri)
        if within and kind in ("field", "version"):
            candidates = [c for c in candidates if c.strategies & within] or candidates
        matches = [c for c in candidates if key in c.keys]
        if len(matches) == 1:
            return Resolution(matches[0].iri)
        if len(matches) > 1:
            shown = "; ".join(f"{m.display} <{m.iri}>" for m in matches[:5])
            return Resolution(None, "ambiguous", {"value": text, "candidates": shown})
        names = sorted({c.display for c in candidates})
        allowed = ", ".join(names[:ALLOWED_SHOWN]) + (" …" if len(names) > ALLOWED_SHOWN else "")
        return Resolution(None, "not_allowed", {"value": text, "allowed": allowed or "—"})


def newest_version(vocabulary: Vocabulary, strategy: str) -> str | None:
    versions = [v for v in vocabulary.of_kind("version") if strategy in v.strategies]
    if not versions:
        return None
    return max(versions, key=lambda v: v.issued or "").iri
