"""The stored payload of an index document, and an index of an earlier layout."""

from __future__ import annotations

import json
from pathlib import Path

import tantivy

from sozialgraph.publishing.text_documents import TextDocument
from sozialgraph.publishing.text_fields import labels_of, stored_texts, tantivy_document
from sozialgraph.publishing.text_index import open_complete, write_index

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"


def payload_of(texts: list[tuple[str, str, str]]) -> bytes:
    document = TextDocument("https://example.org/x", {"https://example.org/g"}, texts)
    return bytes(tantivy_document(document).get_first("payload"))


def test_the_payload_gives_back_every_text() -> None:
    texts = [
        (DCT + "title", "de", "Maßnahme <script>"),
        (DCT + "description", "", 'mit "Anführung" und\nZeilen'),
        (DCT + "identifier", "", "25/0529-BV"),
    ]
    assert stored_texts(payload_of(texts)) == texts
    assert stored_texts(payload_of([])) == []


def test_a_text_with_a_separator_is_kept_as_json() -> None:
    texts = [(DCT + "title", "de", "a\x1fb\x1ec"), (DCT + "title", "en", "[x]")]
    payload = payload_of(texts)
    assert json.loads(payload) == [list(t) for t in texts]
    assert stored_texts(payload) == texts


def test_labels_prefer_skos_pref_label_per_language() -> None:
    texts = [
        (DCT + "title", "de", "Titel"),
        (SKOS + "prefLabel", "de-DE", "Name"),
        (DCT + "description", "en", "not a label"),
        (SKOS + "altLabel", "en", "other name"),
    ]
    assert labels_of(texts) == {"de": "Name", "en": None}


def test_an_index_of_an_earlier_layout_is_made_anew(tmp_path: Path) -> None:
    document = TextDocument("https://example.org/x", {"https://example.org/g"})
    document.texts.append((DCT + "title", "de", "Erstes Ding"))
    folder = write_index(tmp_path, "v1", {}, {document.iri: document})
    index = open_complete(tmp_path, "v1")
    assert index is not None and index.searcher.search(tantivy.Query.all_query()).count == 1
    state = json.loads((folder / "STATE.json").read_text())
    del state["format"]
    (folder / "STATE.json").write_text(json.dumps(state))
    assert open_complete(tmp_path, "v1") is None
    assert not folder.exists()
