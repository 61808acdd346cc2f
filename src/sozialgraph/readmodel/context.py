"""What every read-model function needs: the query service, the registry, a language, the base.

The read model knows no HTTP request: the web layer builds a :class:`ReadContext` from one, a
command-line tool or a test builds it from plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

import pyoxigraph as ox

from sozialgraph.errors import BadRequest
from sozialgraph.namespaces import XSD_NS as XSD
from sozialgraph.querying.registry import NamedQuery, QueryRegistry
from sozialgraph.querying.service import QueryService, Table
from sozialgraph.readmodel.documents import Labels, Ref
from sozialgraph.store.base import Term

_INTEGER_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger")}
_DECIMAL_TYPES = {XSD + t for t in ("decimal", "double", "float")}
#: IRIs per labels-of query (a VALUES block of that many rows).
LABEL_BATCH = 400

V = TypeVar("V")
Row = dict[str, Term]


class ReadContext:
    """Runs named queries for one reader (language) and turns IRIs into references."""

    def __init__(
        self, service: QueryService, registry: QueryRegistry, lang: str, base_iri: str
    ) -> None:
        self.service = service
        self.registry = registry
        self.lang = lang
        self.base_iri = base_iri

    async def run(self, name: str, **params: str | list[str] | None) -> Table:
        """The rows of the named query ``name``; empty parameters are left open."""
        named = self.registry.get(name, await self.service.dialect())
        given = {k: v for k, v in params.items() if v not in (None, "", [])}
        return await self.service.table(
            named.bind_terms(named.terms(check_parameters(named, given)))
        )

    async def labels(self, iris: Iterable[str]) -> dict[str, Labels]:
        """Labels of the given IRIs, looked up in batches."""
        wanted = sorted(set(iris))
        labels: dict[str, Labels] = {}
        for start in range(0, len(wanted), LABEL_BATCH):
            table = await self.run("labels-of", iri=wanted[start : start + LABEL_BATCH])
            for row in table.rows:
                labels[row["iri"].value] = Labels(
                    de=text(row.get("label_de")), en=text(row.get("label_en"))
                )
        return labels

    def id_of(self, iri: str) -> str | None:
        return iri[len(self.base_iri) :] if iri.startswith(self.base_iri) else None

    def iri_of(self, identifier: str) -> str:
        """An IRI as given, or an id below the base IRI made into one."""
        if identifier.startswith(("http://", "https://")):
            return identifier
        return self.base_iri + identifier.lstrip("/")

    def optional_iri(self, identifier: str | None) -> str | None:
        return self.iri_of(identifier) if identifier else None

    def pick(self, labels: Labels) -> str | None:
        return (labels.de or labels.en) if self.lang == "de" else (labels.en or labels.de)

    def ref(self, iri: str, labels: Labels | None = None) -> Ref:
        labels = labels or Labels()
        return Ref(iri=iri, id=self.id_of(iri), label=self.pick(labels), labels=labels)


def check_parameters(named: NamedQuery, values: Mapping[str, V]) -> Mapping[str, V]:
    """``values`` unless it names a parameter the query does not declare (400)."""
    known = {p.name for p in named.parameters}
    unknown = sorted(set(values) - known)
    if unknown:
        raise BadRequest(
            f"unknown parameter(s) for '{named.name}': {', '.join(unknown)}",
            de=f"Unbekannte Parameter für „{named.name}“: {', '.join(unknown)}",
        )
    return values


def text(term: Term | None) -> str | None:
    return term.value if term is not None else None


def value(term: Term | None) -> str | int | float | bool | None:
    """A literal as the JSON value its datatype means (numbers, booleans), else its text."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(term.value)
            if datatype in _DECIMAL_TYPES:
                return float(term.value)
        except ValueError:
            return term.value
        if datatype == XSD + "boolean":
            return term.value in ("true", "1")
    return term.value


def labels_of(row: Row, prefix: str) -> Labels:
    """The ``{prefix}_de`` and ``{prefix}_en`` columns of a row."""
    return Labels(de=text(row.get(f"{prefix}_de")), en=text(row.get(f"{prefix}_en")))


def unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
