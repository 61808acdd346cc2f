"""The highlighted snippet of a hit: the best matching text, escaped, matched words in <mark>.

Made here from the stored texts rather than by tantivy's snippet generator: the index holds
folded text (ae → a, ß → ss), whose offsets are not those of the text people read. Every piece
of stored text is escaped before it is placed between marks, so markup in the data (a stored
``<script>``) shows as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Sequence

from sozialgraph.publishing.text_analysis import (
    ENGLISH,
    GERMAN,
    ReadQuery,
    analysers,
    fold,
    identifier_key,
    within_one_edit,
)

WIDTH = 220
BEFORE = 60
_WORD = re.compile(r"\w+", re.UNICODE)


class _Matcher:
    def __init__(self, read: ReadQuery) -> None:
        self.words = list(read.words)
        phrase_words = [w for phrase in read.phrases for w in phrase]
        self.exact = {w.text for w in self.words} | set(phrase_words)
        self.stems = {
            (name, stem)
            for name in (GERMAN, ENGLISH)
            for w in self.exact
            for stem in analysers()[name].analyze(w)
        }
        self.identifier = read.identifier

    def matches(self, word: str) -> bool:
        folded = fold(word)
        if folded in self.exact:
            return True
        for name in (GERMAN, ENGLISH):
            if any((name, s) in self.stems for s in analysers()[name].analyze(folded)):
                return True
        for w in self.words:
            if w.prefix and folded.startswith(w.text):
                return True
            if w.typo_allowed and len(folded) >= 4 and within_one_edit(folded, w.text):
                return True
        return False


def snippet(
    texts: Sequence[tuple[str, str, str]],
    read: ReadQuery,
    lang: str,
    title_properties: Collection[str],
) -> str | None:
    """HTML of the best matching text of ``texts`` (property, language, text), or None."""
    matcher = _Matcher(read)
    best: tuple[tuple[int, bool, bool], str, list[tuple[int, int]]] | None = None
    for prop, language, text in texts:
        if matcher.identifier and identifier_key(text) == matcher.identifier:
            spans = [(0, len(text))]
        else:
            spans = [(m.start(), m.end()) for m in _WORD.finditer(text) if matcher.matches(m[0])]
        if not spans:
            continue
        rank = (len(spans), prop not in title_properties, language.startswith(lang))
        if best is None or rank > best[0]:
            best = (rank, text, spans)
    if best is None:
        return None
    _, text, spans = best
    start = max(0, spans[0][0] - BEFORE)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    end = min(len(text), start + WIDTH)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > spans[0][1] else end
    parts = ["…" if start > 0 else ""]
    position = start
    for span_start, span_end in spans:
        if span_start < position or span_end > end:
            continue
        parts.append(html.escape(text[position:span_start]))
        parts.append(f"<mark>{html.escape(text[span_start:span_end])}</mark>")
        position = span_end
    parts.append(html.escape(text[position:end]))
    parts.append("…" if end < len(text) else "")
    return "".join(parts)
