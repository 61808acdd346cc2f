"""How texts and search input become terms: folding, the analysers, the reading of a query.

Folding is done here, in Python, before tantivy sees a text, and the same way for the index and
for the query: lower case (``casefold``: ß → ss), accents removed (ä → a) and the German
transliterations ae/oe/ue read as a/o/u. So ``Armutsprävention``, ``Armutspraevention`` and
``Armutspravention`` are one word, and ``Maßnahme``/``Massnahmen`` one stem. Tantivy then splits,
lower-cases and stems (German or English by the text's language tag).

Search input is never handed to tantivy's query parser: :func:`read_query` keeps quoted phrases
and words (letters and digits); everything else (operators, brackets, stray quotes) separates
words and means nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import tantivy

#: Analyser names registered on every index.
GERMAN = "sg_de"
ENGLISH = "sg_en"
FOLDED = "sg_fold"  # no stemming: a query word as written (a prefix beside its stem)
LANGUAGES = ("de", "en")

#: Words from this length on may have one typo.
TYPO_MIN_LENGTH = 5
#: Words of a query beyond this many are ignored.
MAX_WORDS = 32

_WORD = re.compile(r"\w+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]*)"')
_TRANSLITERATIONS = (("ae", "a"), ("oe", "o"), ("ue", "u"))
#: An identifier such as a decision number (``25/0529-BV``): letters and digits with separators.
_IDENTIFIER = re.compile(r"^(?=.*\d)[\w]+(?:[./\-_:][\w]+)+$", re.UNICODE)


def fold(text: str) -> str:
    """``text`` lower-cased, without accents, ß as ss and ae/oe/ue as a/o/u (both sides)."""
    if text.isascii():  # no marks to remove: the C string methods alone
        return _transliterate(text.lower())
    # Word by word, each word folded once per process: the index folds every text of a store,
    # and a store's words repeat (space is a starter, so NFKD of the parts is NFKD of the whole).
    return " ".join([_fold_word(word) for word in text.split(" ")])


@lru_cache(maxsize=1 << 17)
def _fold_word(word: str) -> str:
    lowered = unicodedata.normalize("NFKD", word.casefold())
    return _transliterate("".join(c for c in lowered if not unicodedata.combining(c)))


def _transliterate(text: str) -> str:
    for written, read in _TRANSLITERATIONS:
        text = text.replace(written, read)
    return text


def identifier_key(text: str) -> str:
    """How an identifier is indexed and looked up whole (folded, no surrounding space)."""
    return fold(text.strip())


def looks_like_identifier(text: str) -> bool:
    return bool(_IDENTIFIER.match(text.strip()))


def _analyser(stemmer: str | None) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(64))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if stemmer is not None:
        builder = builder.filter(tantivy.Filter.stemmer(stemmer))
    return builder.build()


@lru_cache(maxsize=1)
def analysers() -> dict[str, tantivy.TextAnalyzer]:
    """The analysers every index registers, by name."""
    return {GERMAN: _analyser("german"), ENGLISH: _analyser("english"), FOLDED: _analyser(None)}


@lru_cache(maxsize=1)
def _stop_analysers() -> tuple[tantivy.TextAnalyzer, tantivy.TextAnalyzer]:
    def build(language: str) -> tantivy.TextAnalyzer:
        return (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stopword(language))
            .build()
        )

    return build("german"), build("english")


def is_stop_word(word: str) -> bool:
    """Whether ``word`` is a German or an English stop word ("der", "und", "the", "of")."""
    lowered = word.casefold()
    return any(not a.analyze(lowered) for a in _stop_analysers())


def terms(analyser: str, text: str) -> list[str]:
    """The terms ``text`` gives in the named analyser (after :func:`fold`)."""
    return list(analysers()[analyser].analyze(fold(text)))


@dataclass(frozen=True)
class Word:
    """One word of a query, folded; ``prefix`` when the reader may still be typing it."""

    text: str
    prefix: bool = False

    @property
    def typo_allowed(self) -> bool:
        return len(self.text) >= TYPO_MIN_LENGTH


@dataclass(frozen=True)
class ReadQuery:
    """What a reader asked for: words (all must match), phrases, perhaps an identifier."""

    words: tuple[Word, ...]
    phrases: tuple[tuple[str, ...], ...]
    identifier: str | None
    only_stop_words: bool = False

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.identifier)


def read_query(text: str) -> ReadQuery:
    """The words, phrases and identifier of ``text``; nothing in it is an operator."""
    cleaned = "".join(c if c.isprintable() else " " for c in text).strip()
    identifier = (
        identifier_key(cleaned.strip('"')) if looks_like_identifier(cleaned.strip('"')) else None
    )
    phrases: list[tuple[str, ...]] = []
    loose: list[str] = []
    for number, part in enumerate(_PHRASE.split(cleaned)):
        found = [fold(w) for w in _WORD.findall(part.replace('"', " "))]
        if number % 2 == 1 and len(found) > 1:
            phrases.append(tuple(found[:MAX_WORDS]))
        else:
            loose.extend(found)
    loose = loose[:MAX_WORDS]
    meaningful = [w for w in loose if not is_stop_word(w)]
    only_stop_words = bool(loose) and not meaningful and not phrases
    # the last word may be unfinished unless a space (or a closing quote) follows it
    typing = bool(meaningful) and not (text[-1:].isspace() or text.endswith('"'))
    words = tuple(
        Word(w, prefix=typing and i == len(meaningful) - 1 and len(w) >= 2)
        for i, w in enumerate(meaningful)
    )
    return ReadQuery(words, tuple(phrases), identifier, only_stop_words)


def within_one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by at most one insertion, deletion, change or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]
