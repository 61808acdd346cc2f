"""Content negotiation with q-values, wildcards, aliases and the format= override."""

from __future__ import annotations

import pytest

from sozialgraph.errors import NotAcceptable
from sozialgraph.web import negotiation as media


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, media.SPARQL_JSON),
        ("*/*", media.SPARQL_JSON),
        ("application/sparql-results+xml", media.SPARQL_XML),
        ("text/csv;q=0.5, text/tab-separated-values", media.TSV),
        ("text/csv;q=0.9, application/sparql-results+json;q=0.1", media.CSV),
        ("application/json", media.SPARQL_JSON),
        ("text/*;q=0.8, application/sparql-results+xml;q=0.7", media.CSV),
        ("application/sparql-results+json;q=0, */*;q=0.1", media.SPARQL_XML),
    ],
)
def test_results_negotiation(accept: str | None, expected: str) -> None:
    assert media.negotiate(accept, media.RESULT_TYPES) == expected


def test_graph_negotiation_and_406() -> None:
    assert (
        media.negotiate("application/ld+json, text/turtle;q=0.9", media.GRAPH_TYPES)
        == media.JSON_LD
    )
    assert media.negotiate("text/plain", media.GRAPH_TYPES) == media.N_TRIPLES
    with pytest.raises(NotAcceptable):
        media.negotiate("image/png", media.GRAPH_TYPES)


def test_format_parameter_overrides_accept() -> None:
    assert media.negotiate("text/html", media.RESULT_TYPES, "csv") == media.CSV
    with pytest.raises(NotAcceptable):
        media.negotiate(None, media.RESULT_TYPES, "turtle")


def test_browsers_get_html() -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert media.prefers_html(browser)
    assert not media.prefers_html("application/sparql-results+json")
    assert not media.prefers_html("*/*")


API_TYPES = ("application/json", media.CSV)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/json", "application/json"),
        ("application/json, text/csv;q=0.5", "application/json"),
        ("text/csv, application/json;q=0.5", media.CSV),
        ("application/json;q=0.4, text/csv;q=0.5", media.CSV),
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
    ],
)
def test_an_offered_plain_json_matches_application_json(accept: str | None, expected: str) -> None:
    """The JSON API offers "application/json" itself: the alias must not turn it away."""
    assert media.negotiate(accept, API_TYPES) == expected


def test_application_json_still_means_the_offered_json_format() -> None:
    assert media.negotiate("application/json", media.GRAPH_TYPES) == media.JSON_LD
    assert media.negotiate("application/json, text/csv;q=0.5", media.RESULT_TYPES) == (
        media.SPARQL_JSON
    )
    with pytest.raises(NotAcceptable):
        media.negotiate("application/sparql-results+json", API_TYPES)
