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
    fields: list[str] = Field(
        default_factory=list, description="IRIs of the fields of action it serves."
    )
    cross_strategy: bool = Field(
        False, description="It serves two or more strategies (umbrella strategies not counted)."
    )


class CrossrefField(BaseModel):
    """A field of action as a column group of the matrix: under its strategy."""

    iri: str
    id: str | None = None
    label: str | None = None
    labels: Labels = Field(default_factory=Labels)
    notation: str | None = None
    strategy: str = Field(description="IRI of the strategy whose field scheme holds it.")


class Crossref(BaseModel):
    strategies: list[Ref]
    commitments: list[Ref]
    measures: list[CrossrefRow]
    fields: list[CrossrefField] = Field(
        default_factory=list, description="Fields of action of the strategies, by notation."
    )
    umbrellas: list[str] = Field(
        default_factory=list, description="IRIs of the listed strategies that are umbrellas."
    )
    total: int = Field(0, description="Number of measures that match, on all pages.")
    limit: int | None = Field(None, description="Measures per page (none: all).")
    offset: int = 0


class TimelineEvent(BaseModel):
    """One dated step in a strategy's history: a version, a council decision or a committee step."""

    kind: str = Field(description="version, decision or step")
    date: str | None = Field(None, description="xsd:date, xsd:gYearMonth or xsd:gYear as given.")
    iri: str
    id: str | None = None
    label: str | None = None
    identifier: str | None = Field(None, description="Council number of a decision.")
    body: str | None = Field(None, description="The deciding or consulting body (its label).")
    outcome: str | None = Field(None, description="Outcome of a committee step.")
    decision: Ref | None = Field(None, description="The decision a committee step prepared.")
    adopts: list[Ref] = Field(default_factory=list, description="Versions a decision adopts.")


class StrategyTimeline(BaseModel):
    strategy: Ref
    events: list[TimelineEvent] = Field(default_factory=list, description="In date order.")


# -- measure list, documentation status, municipalities (issue 16, part A) ----------------------


class FilterOption(BaseModel):
    """One value a filter of the measure list can take, with the measures that match it."""

    value: Ref
    measures: int | None = Field(None, description="Measures with this value (in the scope).")


class FilterFacet(BaseModel):
    name: str = Field(description="The filter's parameter (strategy, field, commitment, …).")
    options: list[FilterOption] = Field(default_factory=list)


class MeasureList(Page[Measure]):
    """A page of the measure list, sorted (the API's rows, in the chosen order)."""

    sort: str = Field(description="title, status, deadline or id; '-' before it: descending.")
    sorted_as_asked: bool = Field(
        True, description="False when the selection was too large to sort (then: by IRI)."
    )


class Municipality(BaseModel):
    iri: str
    id: str | None = None
    label: str | None = None
    labels: Labels = Field(default_factory=Labels)
    strategies: int = Field(description="Number of strategies it publishes.")


class StatedCountInfo(BaseModel):
    """A number a source states for a strategy version (sg:StatedCount)."""

    iri: str
    counted: str = Field(description="fields, goals, measures, or the class IRI counted.")
    stated: int
    label: str | None = None
    labels: Labels = Field(default_factory=Labels)
    note: Labels = Field(default_factory=Labels)
    editorial_note: Labels = Field(default_factory=Labels)
    sources: list[str] = Field(default_factory=list)


class VersionDocumentation(BaseModel):
    version: Ref
    issued: str | None = None
    fields_named: int = Field(description="Fields of action the graph names for the version.")
    stated: list[StatedCountInfo] = Field(default_factory=list)

    def stated_count(self, counted: str) -> int | None:
        """The number the sources state for ``counted`` (fields, goals, measures), if any."""
        return next((s.stated for s in self.stated if s.counted == counted), None)


class StrategyDocumentation(BaseModel):
    strategy: Ref
    municipality: Ref | None = None
    goals_named: int
    measures_known: int
    measures_with_status: int
    sources_by_kind: dict[str, int] = Field(
        default_factory=dict,
        description="Distinct source documents by sg:sourceKind (official, press, partisan, …).",
    )
    versions: list[VersionDocumentation] = Field(default_factory=list)


class DocumentationStatus(BaseModel):
    strategies: list[StrategyDocumentation]
