"""Response models of the JSON API: what /openapi.json promises, field by field."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Labels(BaseModel):
    """A text in German and English (either may be missing in the data)."""

    de: str | None = None
    en: str | None = None


class Ref(BaseModel):
    """A linked resource: its IRI, its id on this server and its labels."""

    iri: str = Field(description="The resource's IRI.")
    id: str | None = Field(None, description="Path of the IRI below the base IRI, if it has one.")
    label: str | None = Field(None, description="Label in the language chosen by Accept-Language.")
    labels: Labels = Field(default_factory=Labels)


class QueryParameterInfo(BaseModel):
    name: str
    type: str = Field(description="iri, string, date, integer, boolean or language")
    example: str
    required: bool
    description: str = ""


class QueryInfo(BaseModel):
    name: str
    title: str
    titles: Labels
    description: str
    descriptions: Labels
    parameters: list[QueryParameterInfo]
    sparql: str = Field(description="The query text, as stored in queries/.")


class QueryResult(BaseModel):
    query: str
    columns: list[str]
    rows: list[dict[str, str | int | float | bool | None]] = Field(
        description="One object per row: IRIs and literals as text, numbers as numbers."
    )


class Version(BaseModel):
    iri: str
    id: str | None = None
    label: str | None = None
    labels: Labels = Field(default_factory=Labels)
    issued: str | None = Field(None, description="Adoption date or year (xsd:date or xsd:gYear).")
    adopted_by: Ref | None = None
    decision_identifier: str | None = None
    decision_date: str | None = None


class FieldOfAction(BaseModel):
    iri: str
    id: str | None = None
    label: str | None = None
    labels: Labels = Field(default_factory=Labels)
    notation: str | None = None
    strategy: Ref
    in_current_version: bool


class Strategy(BaseModel):
    iri: str
    id: str | None = None
    label: str | None = None
    labels: Labels = Field(default_factory=Labels)
    municipality: Ref | None = Field(None, description="The municipality that publishes it.")
    is_umbrella: bool = False
    part_of: Ref | None = None
    versions: list[Version] = Field(default_factory=list)


class StrategyDetail(Strategy):
    fields: list[FieldOfAction] = Field(default_factory=list)


class Status(BaseModel):
    status: Ref
    assessed_on: str | None = None


class Measure(BaseModel):
    iri: str
    id: str | None = None
    label: str | None = None
    labels: Labels = Field(default_factory=Labels)
    descriptions: Labels = Field(default_factory=Labels)
    strategies: list[Ref] = Field(default_factory=list)
    fields: list[Ref] = Field(default_factory=list)
    commitments: list[Ref] = Field(default_factory=list)
    status: Status | None = None
    responsible_bodies: list[Ref] = Field(default_factory=list)
    partners: list[Ref] = Field(default_factory=list)
    target_groups: list[Ref] = Field(default_factory=list)
    themes: list[Ref] = Field(default_factory=list)
    start: str | None = None
    end: str | None = None
    deadline: str | None = None


class StatusChange(BaseModel):
    status: Ref
    assessed_on: str | None = None
    source: str | None = None


class MeasureDetail(Measure):
    status_history: list[StatusChange] = Field(default_factory=list)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Number of items that match, on all pages.")
    limit: int
    offset: int
    deleted: list[str] | None = Field(
        None, description="With modified_since: IRIs of the items removed since then."
    )


class Decision(BaseModel):
    iri: str
    id: str | None = None
    label: str | None = None
    labels: Labels = Field(default_factory=Labels)
    identifier: str | None = Field(None, description="Council number, e.g. 25/0529-BV.")
    date: str | None = None
    body: Ref | None = None
    adopts: list[Ref] = Field(default_factory=list)


class Commitment(BaseModel):
    iri: str
    id: str | None = None
    label: str | None = None
    labels: Labels = Field(default_factory=Labels)
    notation: str
    measure_count: int = Field(description="Number of measures that implement the commitment.")


class CrossrefRow(BaseModel):
    measure: Ref
    strategies: list[str] = Field(description="IRIs of the strategies the measure serves.")
    commitments: list[str] = Field(description="IRIs of the ECCAR commitments it implements.")


class Crossref(BaseModel):
    strategies: list[Ref]
    commitments: list[Ref]
    measures: list[CrossrefRow]
