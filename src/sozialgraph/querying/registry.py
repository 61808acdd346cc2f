"""The registry of named queries (``queries/*.rq``): headers, parameters, binding as RDF terms.

A query file starts with a header comment::

    # title@de: Maßnahmen nach Status
    # title@en: Measures by status
    # description@de: …
    # description@en: …
    # param: status iri https://w3id.org/sozialgraph/vocab/status/daueraufgabe -- optional: filter
    # param: q string Rassismus required -- words to search for

Parameters are bound as RDF terms in a ``VALUES`` block placed at the start of the query's
``WHERE`` clause; the terms are written by pyoxigraph's serialiser from validated values, never
pasted from user input. An optional parameter that is not given stays unbound.

A line of the query body that starts with ``#[name]`` is a comment unless parameter ``name`` is
given; then it takes part without that mark. Such lines are fixed text of the file (never input);
they let an optional filter start the query where the engine's planner would not (pyoxigraph
plans ``OPTIONAL``/``BOUND`` tricks poorly), and the file run as it is remains the unfiltered
query. A line ``#[values]`` places the VALUES block there instead (e.g. inside a subquery, which
does not see the bindings of the outer query); it may appear more than once. A line
``#[name] #[values]`` places it there as well, only when parameter ``name`` is given (e.g. in a
subquery that only that filter has).

A query may have a text for one engine in ``queries/<dialect>/<name>.rq`` (e.g. ``virtuoso/``,
for what Virtuoso 7 answers wrongly: docs/remote-store.md), with the same parameters, marks and
columns. :meth:`QueryRegistry.get` gives it for that dialect only; the catalogue and
:meth:`QueryRegistry.text` stay the standard texts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from sozialgraph.errors import BadRequest, NotFound
from sozialgraph.querying.guard import check_query
from sozialgraph.store.sparql_text import values_block

PARAM_TYPES = ("iri", "string", "date", "integer", "boolean", "language")
_HEADER = re.compile(r"^#\s*(?P<key>[a-z]+)(?:@(?P<lang>[a-z]{2}))?\s*:\s*(?P<value>.*)$")
_IRI_OK = re.compile(r"^https?://[^\x00-\x20<>\"{}|\\^`\x7f]+$")
_LANGUAGE_OK = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_NAME_OK = re.compile(r"^[a-z][a-z0-9_]*$")
VALUES_MARK = "values"
VALUES_LINE = re.compile(r"^(?P<indent>[ \t]*)#\[values\][ \t]*$", re.MULTILINE)
_VALUES_MARK_LINE = re.compile(
    r"^[ \t]*(?:#\[[a-z][a-z0-9_]*\] )?#\[values\](?P<rest>.*)$", re.MULTILINE
)
_CONDITIONAL = re.compile(r"^(?P<indent>[ \t]*)#\[(?P<name>[a-z][a-z0-9_]*)\] ?", re.MULTILINE)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    example: str
    required: bool = False
    description: str = ""

    def term(self, value: str) -> ox.NamedNode | ox.Literal:
        """The RDF term for ``value``, or a 400 that says what was expected."""
        if self.type == "iri":
            if not _IRI_OK.match(value) or len(value) > 2000:
                raise BadRequest(
                    f"parameter '{self.name}' must be an http(s) IRI, got {value[:100]!r}",
                    de=f"Parameter „{self.name}“ muss eine http(s)-IRI sein, nicht {value[:100]!r}",
                )
            try:
                return ox.NamedNode(value)
            except ValueError as error:
                raise BadRequest(f"parameter '{self.name}': {error}") from None
        if self.type == "date":
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise BadRequest(
                    f"parameter '{self.name}' must be a date YYYY-MM-DD, got {value!r}"
                ) from None
            return ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
        if self.type == "integer":
            if not re.fullmatch(r"-?\d{1,18}", value):
                raise BadRequest(f"parameter '{self.name}' must be an integer, got {value!r}")
            return ox.Literal(
                value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
            )
        if self.type == "boolean":
            if value not in ("true", "false"):
                raise BadRequest(f"parameter '{self.name}' must be true or false, got {value!r}")
            return ox.Literal(
                value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
            )
        if self.type == "language":
            if not _LANGUAGE_OK.match(value):
                raise BadRequest(f"parameter '{self.name}' must be a language tag, got {value!r}")
            return ox.Literal(value.lower())
        if len(value) > 500:
            raise BadRequest(f"parameter '{self.name}' is longer than 500 characters")
        return ox.Literal(value)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    parameters: tuple[Parameter, ...] = ()
    form: str | None = None
    where_brace: int | None = field(default=None, repr=False)
    places_values: bool = field(default=False, repr=False)  # has a ``#[values]`` line

    def title(self, lang: str = "de") -> str:
        return self.titles.get(lang) or self.titles.get("de") or self.titles.get("en") or self.name

    def description(self, lang: str = "de") -> str:
        return (
            self.descriptions.get(lang)
            or self.descriptions.get("de")
            or self.descriptions.get("en")
            or ""
        )

    def bind(self, values: Mapping[str, str | Sequence[str]]) -> str:
        """The query text with the given parameters bound as terms in a VALUES block.

        A parameter given a list of values is bound to each of them (one VALUES row each).
        """
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise BadRequest(
                f"unknown parameter(s) {', '.join(unknown)} for query '{self.name}'; "
                f"known: {', '.join(known) or 'none'}"
            )
        missing = [p.name for p in self.parameters if p.required and not values.get(p.name)]
        if missing:
            raise BadRequest(f"query '{self.name}' needs parameter(s): {', '.join(missing)}")
        return self.bind_terms(self.terms(values))

    def bind_terms(
        self, terms: Mapping[str, ox.NamedNode | ox.Literal | Sequence[ox.NamedNode | ox.Literal]]
    ) -> str:
        """The query text for validated terms (see :meth:`terms`): their ``#[name]`` lines
        switched on and the VALUES block at each ``#[values]`` line, else at the start of the
        WHERE clause."""
        if not terms:
            return self.text
        if self.where_brace is None:
            raise BadRequest(f"query '{self.name}' takes no parameters")
        block = values_block(terms)

        def switch(match: re.Match[str]) -> str:
            if match["name"] == VALUES_MARK:
                return match[0]  # placed below, also where a given parameter's mark was
            return match["indent"] if match["name"] in terms else match[0]

        text = _CONDITIONAL.sub(switch, self.text)
        text = VALUES_LINE.sub(lambda match: match["indent"] + block, text)
        if self.places_values:
            return text
        cut = self.where_brace + 1  # conditional lines are all after it (checked on loading)
        return f"{text[:cut]}\n  {block}\n{text[cut:]}"

    def terms(
        self, values: Mapping[str, str | Sequence[str]]
    ) -> dict[str, ox.NamedNode | ox.Literal | list[ox.NamedNode | ox.Literal]]:
        """The validated terms for ``values`` (for callers that bind them themselves), in the
        order the file declares its parameters: pyoxigraph starts from the first VALUES block,
        so a query lists its most selective parameter first."""
        terms: dict[str, ox.NamedNode | ox.Literal | list[ox.NamedNode | ox.Literal]] = {}
        for parameter in self.parameters:
            value = values.get(parameter.name)
            if value is None or value == "" or value == []:
                continue
            if isinstance(value, str):
                terms[parameter.name] = parameter.term(value)
            else:
                terms[parameter.name] = [parameter.term(v) for v in value]
        return terms


def parse_query_file(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    parameters: list[Parameter] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _HEADER.match(line)
        if not match:
            continue
        key, lang, value = match["key"], match["lang"] or "de", match["value"].strip()
        if key == "title":
            titles[lang] = value
        elif key == "description":
            descriptions[lang] = (descriptions.get(lang, "") + " " + value).strip()
        elif key == "param":
            parameters.append(_parse_parameter(value, path))
    guarded = check_query(text)
    declared = {p.name for p in parameters}
    values_lines = {m.start() for m in VALUES_LINE.finditer(text)}
    for match in _CONDITIONAL.finditer(text):
        if match["name"] not in declared | {VALUES_MARK}:
            raise ValueError(f"{path.name}: '#[{match['name']}]' names no declared parameter")
        if guarded.where_brace is None or match.start() < guarded.where_brace:
            raise ValueError(f"{path.name}: '#[{match['name']}]' lines belong in the WHERE clause")
    if any(match["rest"].strip() for match in _VALUES_MARK_LINE.finditer(text)):
        raise ValueError(f"{path.name}: '#[values]' stands alone on its line (or after a mark)")
    return NamedQuery(
        name=path.stem,
        text=text,
        titles=titles,
        descriptions=descriptions,
        parameters=tuple(parameters),
        form=guarded.form,
        where_brace=guarded.where_brace,
        places_values=bool(values_lines),
    )


def _parse_parameter(spec: str, path: Path) -> Parameter:
    head, _, description = spec.partition("--")
    parts = head.split()
    if len(parts) < 3 or parts[1] not in PARAM_TYPES or not _NAME_OK.match(parts[0]):
        raise ValueError(f"{path.name}: bad '# param:' line {spec!r} (want: name type example)")
    return Parameter(
        name=parts[0],
        type=parts[1],
        example=parts[2],
        required="required" in parts[3:],
        description=description.strip(),
    )


class QueryRegistry:
    """All named queries of a folder, by name, and the texts for one engine in its subfolders."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.queries = {q.name: q for q in map(parse_query_file, sorted(folder.glob("*.rq")))}
        self.dialects: dict[str, dict[str, NamedQuery]] = {}
        for subfolder in sorted(p for p in folder.iterdir() if p.is_dir()):
            texts = {q.name: q for q in map(parse_query_file, sorted(subfolder.glob("*.rq")))}
            for name, text in texts.items():
                _check_same_parameters(self.queries.get(name), text, subfolder.name)
            if texts:
                self.dialects[subfolder.name] = texts

    def __iter__(self):  # noqa: ANN204
        """The catalogue: the standard texts."""
        return iter(self.queries.values())

    def get(self, name: str, dialect: str | None = None) -> NamedQuery:
        """Query ``name``: its text for ``dialect`` (an engine, e.g. ``virtuoso``) if it has
        one, else the standard text."""
        if dialect is not None and name in self.dialects.get(dialect, {}):
            return self.dialects[dialect][name]
        try:
            return self.queries[name]
        except KeyError:
            raise NotFound(f"there is no named query '{name}'") from None

    def text(self, name: str) -> str:
        """The text of query ``name`` as written (bind terms with ``get(name).bind_terms``)."""
        return self.get(name).text


def _check_same_parameters(standard: NamedQuery | None, variant: NamedQuery, dialect: str) -> None:
    """An engine's text takes what the standard text takes (checked on loading)."""
    where = f"{dialect}/{variant.name}.rq"
    if standard is None:
        raise ValueError(f"{where}: there is no standard text {variant.name}.rq")
    if variant.parameters != standard.parameters or variant.form != standard.form:
        raise ValueError(f"{where}: parameters or form differ from {variant.name}.rq")
    marks = {m["name"] for m in _CONDITIONAL.finditer(variant.text)}
    if marks != {m["name"] for m in _CONDITIONAL.finditer(standard.text)}:
        raise ValueError(f"{where}: its #[...] marks differ from {variant.name}.rq")
