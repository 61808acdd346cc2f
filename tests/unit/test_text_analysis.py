"""Folding, the reading of search input and snippets: pure functions, no index."""

from __future__ import annotations

import pytest

from sozialgraph.publishing.snippets import snippet
from sozialgraph.publishing.text_analysis import (
    GERMAN,
    fold,
    read_query,
    terms,
    within_one_edit,
)

TITLE = "http://purl.org/dc/terms/title"
DESCRIPTION = "http://purl.org/dc/terms/description"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Armutsprävention", "Armutspraevention"),
        ("Armutsprävention", "Armutspravention"),
        ("Maßnahme", "Massnahme"),
        ("Übergang", "uebergang"),
        ("Café", "cafe"),
    ],
)
def test_folding_reads_both_spellings_alike(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_german_stems_join_singular_and_plural() -> None:
    assert terms(GERMAN, "Maßnahmen") == terms(GERMAN, "Massnahme")
    assert terms(GERMAN, "Kampagnen") == terms(GERMAN, "Kampagne")


def test_operators_are_words_or_nothing() -> None:
    read = read_query('title:Jena AND (Stadt OR "Rat')
    assert [w.text for w in read.words] == ["title", "jena", "stadt", "rat"]
    assert read.phrases == ()


def test_phrases_identifiers_and_stop_words() -> None:
    assert read_query('"Stadt Jena" Rat').phrases == (("stadt", "jena"),)
    assert read_query("25/0529-BV").identifier == "25/0529-bv"
    assert read_query("Jena").identifier is None
    only = read_query("und der the")
    assert only.empty and only.only_stop_words


def test_the_last_word_is_a_prefix_unless_the_reader_typed_a_space() -> None:
    assert [w.prefix for w in read_query("Armut Präv").words] == [False, True]
    assert [w.prefix for w in read_query("Armut Präv ").words] == [False, False]


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("kampagne", "kampagme", True),
        ("kampagne", "kampgane", True),
        ("kampagne", "kampagnen", True),
        ("kampagne", "kamagn", False),
        ("abc", "abc", True),
    ],
)
def test_one_edit(a: str, b: str, near: bool) -> None:
    assert within_one_edit(a, b) is near


def test_snippets_escape_stored_markup_and_mark_the_words() -> None:
    texts = [
        (TITLE, "de", "Ein Angebot"),
        (DESCRIPTION, "de", "Eine Quartiersküche <script>alert(1)</script> für alle."),
    ]
    html = snippet(texts, read_query("Quartiersküche"), "de", {TITLE})
    assert html == (
        "Eine <mark>Quartiersküche</mark> &lt;script&gt;alert(1)&lt;/script&gt; für alle."
    )
    assert snippet(texts, read_query("nirgends"), "de", {TITLE}) is None
