"""The tantivy query for what a reader asked for, built term by term (never by the query parser).

Every word must match: its stem in the title or text fields of the languages searched (a title
hit counts more), as you type also the stems that begin with it, and in words of five letters or
more the stems one edit away (a typo); a quoted phrase must match in that order; an identifier
such as ``25/0529-BV`` is also looked up whole. The filters (type, strategy, municipality) are
exact terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import tantivy

from sozialgraph.publishing.text_analysis import (
    FOLDED,
    LANGUAGES,
    TYPO_MIN_LENGTH,
    ReadQuery,
    analysers,
)
from sozialgraph.publishing.text_fields import SCHEMA, STEMMERS

#: Boosts: a title hit outranks a description hit; exact words outrank prefixes and typos.
TITLE_BOOST = 3.0
IDENTIFIER_BOOST = 50.0
PREFIX_BOOST = (1.0, 0.3)  # title, text
TYPO_BOOST = (0.5, 0.2)


@dataclass(frozen=True)
class Filters:
    types: tuple[str, ...] = ()
    strategies: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    lang: str | None = None  # only texts in this language


def build_query(read: ReadQuery, filters: Filters) -> tantivy.Query | None:
    """The tantivy query for what the reader asked, built term by term (no query parser)."""
    langs = (filters.lang,) if filters.lang in LANGUAGES else LANGUAGES
    must: list[tantivy.Query] = []
    for word in read.words:
        must.append(_word_query(word.text, word.prefix, word.typo_allowed, langs))
    for phrase in read.phrases:
        must.append(_phrase_query(phrase, langs))
    text_query = _all(must) if must else None
    if read.identifier:
        exact = tantivy.Query.boost_query(
            tantivy.Query.term_query(SCHEMA, "ident", read.identifier), IDENTIFIER_BOOST
        )
        text_query = exact if text_query is None else _any([text_query, exact])
    if text_query is None:
        return None
    clauses = [text_query]
    for name, values in (
        ("type", filters.types),
        ("strategy", filters.strategies),
        ("municipality", filters.municipalities),
    ):
        if values:
            clauses.append(_any([tantivy.Query.term_query(SCHEMA, name, v) for v in values]))
    return _all(clauses) if len(clauses) > 1 else text_query


def _word_query(text: str, prefix: bool, typo: bool, langs: tuple[str, ...]) -> tantivy.Query:
    """A word's stem in either tier; as you type also the stems that begin with it (or with the
    word as written, when stemming changed more than its end); with a typo, stems one edit away."""
    options: list[tantivy.Query] = []
    plain = analysers()[FOLDED].analyze(text)
    for lang in langs:
        stems = analysers()[STEMMERS[lang]].analyze(text)
        for term in stems:
            options.append(
                tantivy.Query.boost_query(
                    tantivy.Query.term_query(SCHEMA, f"title_{lang}", term), TITLE_BOOST
                )
            )
            options.append(tantivy.Query.term_query(SCHEMA, f"text_{lang}", term))
        beginnings = dict.fromkeys(
            [*stems, *(w for w in plain if not any(w.startswith(s) for s in stems))]
        )
        for tier, boost_index in (("title", 0), ("text", 1)):
            name = f"{tier}_{lang}"
            if prefix:
                for term in beginnings:
                    options.append(
                        tantivy.Query.boost_query(
                            tantivy.Query.fuzzy_term_query(
                                SCHEMA, name, term, distance=0, prefix=True
                            ),
                            PREFIX_BOOST[boost_index],
                        )
                    )
            for term in stems:
                if typo and len(term) >= TYPO_MIN_LENGTH - 1:
                    options.append(
                        tantivy.Query.boost_query(
                            tantivy.Query.fuzzy_term_query(SCHEMA, name, term, distance=1),
                            TYPO_BOOST[boost_index],
                        )
                    )
    return _any(options) if options else tantivy.Query.empty_query()


def _phrase_query(words: tuple[str, ...], langs: tuple[str, ...]) -> tantivy.Query:
    options: list[tantivy.Query] = []
    for lang in langs:
        stems: list[str | tuple[int, str]] = [
            t for w in words for t in analysers()[STEMMERS[lang]].analyze(w)
        ]
        if not stems:
            continue
        for tier in ("title", "text"):
            name = f"{tier}_{lang}"
            query = (
                tantivy.Query.phrase_query(SCHEMA, name, stems)
                if len(stems) > 1
                else tantivy.Query.term_query(SCHEMA, name, stems[0])
            )
            options.append(
                tantivy.Query.boost_query(query, TITLE_BOOST) if tier == "title" else query
            )
    return _any(options) if options else tantivy.Query.empty_query()


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _all(queries: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])
