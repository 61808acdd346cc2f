"""The cross-reference matrix as a page shows it: the ``Crossref`` document laid out in columns.

Columns are grouped by strategy (one column per field of action of the strategy, and one for
measures that serve it without one of its fields) and then by ECCAR commitment. The picture
(``matrix_svg``), the HTML table and the CSV download are all made from one
:class:`MatrixView`, so they cannot disagree.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

from sozialgraph.errors import BadRequest, NotFound
from sozialgraph.readmodel.context import ReadContext
from sozialgraph.readmodel.crossref import crossref
from sozialgraph.readmodel.documents import Crossref, CrossrefRow, Labels, Ref
from sozialgraph.readmodel.page_text import TEXT
from sozialgraph.readmodel.strategies import strategies

#: Measures per page of the matrix (and the most a page may ask for).
PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
#: Above this many strategies the strategy filter asks for a municipality first.
MAX_STRATEGY_OPTIONS = 60


@dataclass
class Column:
    key: str  # the IRI of the field, strategy ("no field" column) or commitment
    kind: str  # "field", "direct" or "commitment"
    label: str  # the header (short: the notation where there is one)
    title: str  # the full text


@dataclass
class ColumnGroup:
    key: str  # strategy IRI, or "eccar"
    kind: str  # "strategy" or "eccar"
    label: str
    umbrella: bool
    columns: list[Column] = field(default_factory=list)


@dataclass
class MatrixRow:
    iri: str
    id: str | None
    label: str
    cross_strategy: bool
    strategy_count: int
    marks: list[bool]  # one per column
    pairs: list[tuple[str, list[int]]]  # (strategy or commitment IRI, its marked columns)


@dataclass
class MatrixView:
    lang: str
    groups: list[ColumnGroup]
    rows: list[MatrixRow]
    total: int
    offset: int
    limit: int | None

    @property
    def columns(self) -> list[Column]:
        return [c for g in self.groups for c in g.columns]

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.limit)) if self.limit else 1

    def heading(self, index: int) -> str:
        """The full header of column ``index``: its group and its own text."""
        for group in self.groups:
            if index < len(group.columns):
                column = group.columns[index]
                if column.kind == "commitment":
                    return f"{group.label} – {column.label}: {column.title}"
                return f"{group.label} – {column.title}"
            index -= len(group.columns)
        raise IndexError(index)


@dataclass
class Option:
    value: str
    label: str
    selected: bool


@dataclass
class MatrixFilters:
    strategies: list[Option]
    strategies_need_municipality: bool


def _pick(labels: Labels, lang: str, fallback: str) -> str:
    chosen = (labels.de or labels.en) if lang == "de" else (labels.en or labels.de)
    return chosen or fallback


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _notation_key(notation: str | None, label: str) -> tuple[int, int, str, str]:
    text = notation or ""
    if text.isdigit():
        return (0, int(text), "", label.lower())
    return (1 if text else 2, 0, text, label.lower())


def layout(doc: Crossref, lang: str) -> MatrixView:
    """The columns and rows of the matrix of ``doc`` in the language ``lang``."""
    words = TEXT[lang]
    fields_of: dict[str, list[Column]] = {s.iri: [] for s in doc.strategies}
    owner: dict[str, str] = {}
    for item in sorted(
        doc.fields, key=lambda f: _notation_key(f.notation, _pick(f.labels, lang, f.iri))
    ):
        if item.strategy not in fields_of:
            continue
        title = _pick(item.labels, lang, _tail(item.iri))
        label = f"{item.notation} {title}" if item.notation else title
        fields_of[item.strategy].append(Column(item.iri, "field", label, title))
        owner[item.iri] = item.strategy
    needs_direct = {
        s
        for row in doc.measures
        for s in row.strategies
        if not any(owner.get(f) == s for f in row.fields)
    }
    groups = []
    for strategy in doc.strategies:
        columns = list(fields_of[strategy.iri])
        if not columns or strategy.iri in needs_direct:
            columns.append(
                Column(strategy.iri, "direct", words["matrix_direct"], words["matrix_direct"])
            )
        groups.append(
            ColumnGroup(
                key=strategy.iri,
                kind="strategy",
                label=_ref_label(strategy, lang),
                umbrella=strategy.iri in doc.umbrellas,
                columns=columns,
            )
        )
    eccar = ColumnGroup("eccar", "eccar", words["matrix_eccar"], False)
    for commitment in doc.commitments:
        title = _ref_label(commitment, lang)
        eccar.columns.append(Column(commitment.iri, "commitment", _tail(commitment.iri), title))
    groups.append(eccar)
    return MatrixView(
        lang, groups, [_row(row, groups, owner, lang) for row in doc.measures], *_paging(doc)
    )


def _paging(doc: Crossref) -> tuple[int, int, int | None]:
    return doc.total, doc.offset, doc.limit


def _ref_label(ref: Ref, lang: str) -> str:
    return _pick(ref.labels, lang, ref.label or _tail(ref.iri))


def _row(
    row: CrossrefRow, groups: list[ColumnGroup], owner: dict[str, str], lang: str
) -> MatrixRow:
    serves, implements, fields = set(row.strategies), set(row.commitments), set(row.fields)
    marks: list[bool] = []
    pairs: list[tuple[str, list[int]]] = []
    for group in groups:
        start = len(marks)
        for column in group.columns:
            if column.kind == "field":
                marks.append(column.key in fields and group.key in serves)
            elif column.kind == "direct":
                marks.append(
                    group.key in serves and not any(owner.get(f) == group.key for f in fields)
                )
            else:
                marks.append(column.key in implements)
        marked = [i for i in range(start, len(marks)) if marks[i]]
        if group.kind == "strategy" and marked:
            pairs.append((group.key, marked))
        elif group.kind == "eccar":
            pairs.extend((group.columns[i - start].key, [i]) for i in marked)
    umbrellas = {g.key for g in groups if g.umbrella}
    return MatrixRow(
        iri=row.measure.iri,
        id=row.measure.id,
        label=_pick(row.measure.labels, lang, _tail(row.measure.iri)),
        cross_strategy=row.cross_strategy,
        strategy_count=len(serves - umbrellas),
        marks=marks,
        pairs=pairs,
    )


def to_csv(view: MatrixView) -> str:
    """The table as CSV: one row per measure, one column per matrix column ("x" = marked)."""
    words = TEXT[view.lang]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    headings = [view.heading(i) for i in range(len(view.columns))]
    writer.writerow([words["matrix_measure"], "IRI", words["matrix_cross"], *headings])
    for row in view.rows:
        cross = words["matrix_yes"] if row.cross_strategy else ""
        writer.writerow([row.label, row.iri, cross, *("x" if m else "" for m in row.marks)])
    return out.getvalue()


async def matrix(
    ctx: ReadContext,
    municipality: str | None = None,
    strategy: str | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> tuple[Crossref, MatrixView]:
    """One page of the matrix; 404 for a page past the last, 400 for a bad page size."""
    if page < 1 or not 1 <= per_page <= MAX_PAGE_SIZE:
        raise BadRequest(
            f"page must be ≥ 1 and per_page between 1 and {MAX_PAGE_SIZE}",
            de=f"page muss ≥ 1 sein und per_page zwischen 1 und {MAX_PAGE_SIZE} liegen",
        )
    doc = await crossref(
        ctx,
        municipality=municipality,
        strategy=strategy,
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    if page > 1 and doc.offset >= doc.total:
        pages = max(1, math.ceil(doc.total / per_page))
        raise NotFound(
            f"page {page} of the matrix does not exist (it has {pages})",
            de=f"Seite {page} der Verflechtung gibt es nicht (sie hat {pages})",
        )
    return doc, layout(doc, ctx.lang)


async def filters(
    ctx: ReadContext, municipality: str | None, strategy: str | None
) -> MatrixFilters:
    """The strategies the filter form offers in the town (``municipalities.switcher`` has
    checked it); 404 when the chosen strategy is unknown."""
    every = await strategies(ctx)
    if strategy and strategy not in {s.iri for s in every}:
        raise NotFound(f"no strategy {strategy}", de=f"Keine Strategie {strategy}")
    offered = [s for s in every if not municipality or _published_by(s.municipality, municipality)]
    too_many = len(offered) > MAX_STRATEGY_OPTIONS
    if too_many:
        offered = [s for s in offered if s.iri == strategy]
    towns = {s.municipality.iri for s in every if s.municipality is not None}
    many_towns = len(towns) > 1 and not municipality
    return MatrixFilters(
        strategies=[
            Option(
                s.iri,
                _strategy_option(s.label or s.iri, s.municipality, many_towns),
                s.iri == strategy,
            )
            for s in sorted(offered, key=lambda s: (s.label or s.iri).lower())
        ],
        strategies_need_municipality=too_many,
    )


def _published_by(publisher: Ref | None, municipality: str) -> bool:
    return publisher is not None and publisher.iri == municipality


def _strategy_option(label: str, town: Ref | None, with_town: bool) -> str:
    return f"{label} ({town.label or town.iri})" if with_town and town is not None else label
