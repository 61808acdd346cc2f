"""Web security of the pages and every answer: only http(s) IRIs become links, headers (issue 14,
item 11). A real server on the example town's store."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sozialgraph.web.security_headers import PAGE_POLICY
from sozialgraph.web.templating import TEMPLATES_DIR
from tests.stores import EXAMPLE_BASE, build_example_store
from tests.support import LiveServer, live_server

ENV = {"SOZIALGRAPH_BASE_IRI": EXAMPLE_BASE, "SOZIALGRAPH_MUNICIPALITY": "beispielstadt"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("web-security")
    store = build_example_store(folder / "source")
    copy = folder / "store"
    shutil.copytree(store, copy)
    with live_server(copy, env=ENV) as live:
        yield live


def query_page(server: LiveServer, iri: str) -> str:
    query = f"SELECT ?x WHERE {{ BIND(<{iri}> AS ?x) }}"
    response = httpx.get(server.url + "/sparql", params={"format": "html", "query": query})
    assert response.status_code == 200
    return response.text


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def test_javascript_iri_in_query_results_is_shown_as_text_not_as_a_link(
    server: LiveServer,
) -> None:
    html = query_page(server, "javascript:alert(document.domain)")
    assert "javascript:alert(document.domain)" in html
    assert not [h for h in hrefs(html) if h.lower().startswith("javascript")]


@pytest.mark.parametrize("iri", ["data:text/html,x", "mailto:someone@example.org", "urn:x:y"])
def test_only_http_iris_become_links_on_the_query_page(server: LiveServer, iri: str) -> None:
    html = query_page(server, iri)
    assert not [h for h in hrefs(html) if h.startswith(iri.split(":")[0] + ":")]


def test_iri_with_double_slash_under_the_base_is_no_protocol_relative_link(
    server: LiveServer,
) -> None:
    html = query_page(server, EXAMPLE_BASE + "/evil.example/x")
    assert not [h for h in hrefs(html) if h.startswith(("//", "/\\"))]


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/sparql?query=ASK%20%7B%7D", "application/sparql-results+json"),  # the fast path
        ("/sparql?query=ASK%20%7B%7D&format=xml", "*/*"),
        ("/api/strategies", "application/json"),
        ("/no/such/thing", "application/json"),
        ("/static/style.css", "*/*"),
        ("/", "text/html"),
    ],
)
def test_every_answer_has_nosniff_and_a_referrer_policy(
    server: LiveServer, path: str, accept: str
) -> None:
    response = httpx.get(server.url + path, headers={"Accept": accept})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    "path", ["/", "/sparql", "/catalog", "/ontology", "/docs", "/no/such/thing"]
)
def test_html_pages_have_a_strict_content_security_policy(server: LiveServer, path: str) -> None:
    response = httpx.get(server.url + path, headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "http" not in policy  # nothing from other hosts


def test_api_docs_are_served_from_here_under_the_strict_policy(server: LiveServer) -> None:
    response = httpx.get(server.url + "/docs")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == PAGE_POLICY
    assert '<html lang="de">' in response.text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in response.text
    assert "http" not in response.text.split("<body")[0]  # every asset from this server
    assert httpx.get(server.url + "/redoc").status_code == 404  # no ReDoc (it needs a CDN)


def test_templates_have_no_inline_script_style_or_event_handler() -> None:
    for template in Path(TEMPLATES_DIR).glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template.name
        assert "<style" not in text, template.name
        assert not re.search(r"\sstyle=", text), template.name
        assert not re.search(r"\son[a-z]+=", text), template.name
        assert "javascript:" not in text, template.name
