"""The fields of the text index, and how a resource's document becomes a tantivy document.

Per text tier (titles, other texts) and language one field, folded (``text_analysis.fold``) and
stemmed by tantivy; a text without a language tag goes to both languages' fields. The filter
fields (class, strategy, municipality, graph) and identifiers are indexed whole; the resource,
its classes and strategies are stored, and a payload keeps the texts a hit's labels and snippet
are made from: the texts joined by separator characters, not JSON (encoding JSON was a third of
the Python time of a document); a text holding a separator makes that payload JSON.
"""

from __future__ import annotations

import json

import tantivy

from sozialgraph.publishing.text_analysis import (
    ENGLISH,
    GERMAN,
    LANGUAGES,
    analysers,
    fold,
    identifier_key,
)
from sozialgraph.publishing.text_documents import (
    IDENTIFIER_PROPERTIES,
    LABEL_PROPERTIES,
    TITLE_PROPERTIES,
    TextDocument,
)

STEMMERS = {"de": GERMAN, "en": ENGLISH}
_LABEL_RANK = {prop: number for number, prop in enumerate(LABEL_PROPERTIES)}
_STORED = ("iri", "type", "strategy")
#: Between the property, language and text of one text; between texts. A payload starting with
#: ``_JSON`` is a JSON list instead.
_PART, _NEXT, _JSON = "\x1f", "\x1e", b"["


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in ("iri", "graph", "type", "strategy", "municipality", "ident"):
        builder.add_text_field(name, stored=name in _STORED, tokenizer_name="raw")
    # One field per tier and language, folded and stemmed: words, phrases, prefixes and typos
    # all match stems (a second, unstemmed field per text cost a third of tantivy's time).
    for lang in LANGUAGES:
        for tier in ("title", "text"):
            builder.add_text_field(f"{tier}_{lang}", tokenizer_name=STEMMERS[lang])
    builder.add_bytes_field("payload", stored=True)
    return builder.build()


SCHEMA = _schema()


def register(index: tantivy.Index) -> tantivy.Index:
    for name, analyser in analysers().items():
        index.register_tokenizer(name, analyser)
    return index


#: Per text tier and language tag: the fields it goes to (a text without a known language goes
#: to both languages' fields).
_TARGETS = {
    (tier, lang): tuple(
        f"{tier}_{target}" for target in ([lang] if lang in LANGUAGES else LANGUAGES)
    )
    for tier in ("title", "text")
    for lang in (*LANGUAGES, "")
}


def tantivy_document(doc: TextDocument) -> tantivy.Document:
    out = tantivy.Document()
    add = out.add_text
    add("iri", doc.iri)
    for value in doc.graphs:
        add("graph", value)
    for value in doc.municipalities:
        add("municipality", value)
    for value in sorted(doc.types):
        add("type", value)
    for value in sorted(doc.strategies):
        add("strategy", value)
    parts = []
    for prop, language, text in doc.texts:
        folded = fold(text)
        lang = language.split("-")[0].lower() if language else ""
        for target in _TARGETS[
            "title" if prop in TITLE_PROPERTIES else "text", lang if lang in LANGUAGES else ""
        ]:
            add(target, folded)
        if prop in IDENTIFIER_PROPERTIES:
            add("ident", identifier_key(text))
        parts.append(f"{prop}{_PART}{language}{_PART}{text}")
    payload = _NEXT.join(parts)
    if payload.count(_PART) != 2 * len(parts) or payload.count(_NEXT) != len(parts) - 1:
        out.add_bytes("payload", json.dumps(doc.texts, ensure_ascii=False).encode("utf-8"))
    else:
        out.add_bytes("payload", payload.encode("utf-8"))
    return out


def stored_texts(payload: bytes) -> list[tuple[str, str, str]]:
    """The texts (property, language, text) kept in a document's payload."""
    if payload.startswith(_JSON):
        return [(p, lg, t) for p, lg, t in json.loads(payload)]
    if not payload:
        return []
    texts = payload.decode("utf-8").split(_NEXT)
    return [tuple(text.split(_PART, 2)) for text in texts]  # type: ignore[misc]


def labels_of(texts: list[tuple[str, str, str]]) -> dict[str, str | None]:
    """Per language the first text of the most preferred label property (as ``labels-of``)."""
    labels: dict[str, str | None] = {lang: None for lang in LANGUAGES}
    rank = dict.fromkeys(LANGUAGES, len(LABEL_PROPERTIES))
    for prop, language, text in texts:
        if prop in _LABEL_RANK and language:
            short = language.split("-")[0]
            if short in rank and _LABEL_RANK[prop] < rank[short]:
                rank[short], labels[short] = _LABEL_RANK[prop], text
    return labels
