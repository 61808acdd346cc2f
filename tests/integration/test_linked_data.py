"""Dereferencing IRIs: every type in every format, pages, 404s and escaping (real server)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic

from sozialgraph.store.embedded import EmbeddedStore
from tests.example_data import SCRIPT_TITLE
from tests.support import LiveServer, live_server

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")

BASE = "https://w3id.org/sozialgraph/"
ONTOLOGY = BASE + "ontology"
SHAPES = BASE + "shapes"

#: One IRI of every type (path under the base).
IRIS = {
    "umbrella strategy": "jena/strategie/kommunale-sozialstrategie",
    "strategy": "jena/strategie/armutspraeventionsstrategie",
    "strategy version": "jena/strategie/armutspraeventionsstrategie/fassung/2025",
    "field scheme": "jena/strategie/armutspraeventionsstrategie/handlungsfelder",
    "field of action": "jena/handlungsfeld/armutspraeventionsstrategie/bildung",
    "goal": "jena/ziel/sozialstrategie-zentrales-ziel",
    "measure": "jena/massnahme/antidiskriminierungsstelle",
    "status assessment (source-described)": (
        "jena/massnahme/programm-gegen-rassismus-in-den-ortsteilen/status/2021-10-14"
    ),
    "council decision": "jena/beschluss/25-0529-bv",
    "committee step": "jena/beschluss/25-0529-bv/beratung/2025-09-11-ausschuss-fuer-schule-und-sport",
    "organisation": "jena/organisation/stadtrat",
    "organisation beyond the city": "organisation/eccar",
    "membership": "jena/mitgliedschaft/eccar",
    "grant": "jena/foerderung/sozialstrategierichtlinie-2022-2025",
    "funding programme": "foerderprogramm/sozialstrategierichtlinie",
    "ECCAR concept": "vocab/eccar/3",
    "ECCAR scheme": "vocab/eccar",
    "status concept": "vocab/status/geplant",
    "ontology": "ontology",
    "shapes": "shapes",
}

RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
EXTENSIONS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}


@pytest.fixture(scope="module")
def server(jena_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    copy = tmp_path_factory.mktemp("linked-data") / "store"
    shutil.copytree(jena_store_dir, copy, symlinks=True)
    with live_server(copy) as live:
        yield live


def get(server: LiveServer, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(server.url + path, timeout=30, **kwargs)  # type: ignore[arg-type]


def construct(server: LiveServer, query: str) -> Graph:
    """The endpoint's answer to a CONSTRUCT, as an rdflib graph (parsed from N-Triples)."""
    response = httpx.get(
        server.url + "/sparql",
        params={"query": query},
        headers={"Accept": "application/n-triples"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.text, format="nt")


def expected_description(server: LiveServer, iri: str) -> Graph:
    """What the endpoint says about ``iri`` (for hash documents: about all their terms)."""
    if iri in (ONTOLOGY, SHAPES):
        return construct(
            server,
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o "
            f'FILTER(?s = <{iri}> || STRSTARTS(STR(?s), "{iri}#")) }}',
        )
    return construct(server, f"CONSTRUCT WHERE {{ <{iri}> ?p ?o }}")


def without_blank_subjects(graph: Graph) -> Graph:
    result = Graph()
    for triple in graph:
        if not isinstance(triple[0], BNode):
            result.add(triple)
    return result


@pytest.mark.parametrize("accept", list(RDF_TYPES))
@pytest.mark.parametrize("kind", list(IRIS))
def test_iri_dereferences_by_accept_to_its_triples(
    server: LiveServer, kind: str, accept: str
) -> None:
    path = IRIS[kind]
    response = get(server, "/" + path, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    assert "Accept" in response.headers["vary"]
    assert response.headers["content-location"].startswith("/" + path + ".")
    parsed = Graph().parse(data=response.content, format=RDF_TYPES[accept])
    expected = expected_description(server, BASE + path)
    assert len(expected) > 0
    assert isomorphic(without_blank_subjects(parsed), expected)


@pytest.mark.parametrize("extension", list(EXTENSIONS))
@pytest.mark.parametrize("kind", list(IRIS))
def test_iri_dereferences_by_extension(server: LiveServer, kind: str, extension: str) -> None:
    path = IRIS[kind]
    response = get(server, f"/{path}.{extension}", headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text
    parsed = Graph().parse(data=response.content, format=EXTENSIONS[extension])
    assert isomorphic(without_blank_subjects(parsed), expected_description(server, BASE + path))


def hash_subjects(server: LiveServer) -> dict[str, set[str]]:
    """Every subject ``<doc#…>`` in the store by its document ``doc``, for docs served here."""
    response = get(
        server,
        "/sparql",
        params={
            "query": 'SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && CONTAINS(STR(?s), "#")) }'
        },
    )
    found: dict[str, set[str]] = {}
    for row in response.json()["results"]["bindings"]:
        document = row["s"]["value"].split("#", 1)[0]
        if document.startswith(BASE):
            found.setdefault(document, set()).add(row["s"]["value"])
    return found


def test_every_document_holds_all_its_hash_resources(server: LiveServer) -> None:
    """``/shapes`` holds ``shapes#MeasureTitleShape`` and every other shape, as ``/ontology``
    holds its terms: for every published document with hash IRIs under it."""
    documents = hash_subjects(server)
    assert {ONTOLOGY, SHAPES} <= set(documents)
    assert BASE + "shapes#MeasureTitleShape" in documents[SHAPES]
    for document, expected in documents.items():
        response = get(server, "/" + document[len(BASE) :], headers={"Accept": "text/turtle"})
        assert response.status_code == 200, (document, response.text)
        parsed = Graph().parse(data=response.content, format="turtle")
        missing = expected - {str(s) for s in parsed.subjects()}
        assert not missing, (document, sorted(missing)[:5], len(missing))


def test_the_catalog_holds_every_hash_resource_it_mentions(server: LiveServer) -> None:
    """The catalog's dataset, service, contact, period and dumps are ``catalog#…`` IRIs."""
    response = get(server, "/catalog", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    parsed = Graph().parse(data=response.content, format="turtle")
    under = BASE + "catalog#"
    mentioned = {str(n) for t in parsed for n in t if str(n).startswith(under)}
    assert {under + "dataset", under + "sparql-endpoint"} <= mentioned
    assert mentioned <= {str(s) for s in parsed.subjects()}


def test_a_path_that_is_no_iri_is_404_not_500(server: LiveServer) -> None:
    response = get(server, "/jena/massnahme/a%20b%3Cc%3E", headers={"Accept": "text/turtle"})
    assert response.status_code == 404


def test_blank_nodes_below_a_resource_are_included(server: LiveServer) -> None:
    """The ontology's creator is a blank node; its name travels with the ontology."""
    parsed = Graph().parse(data=get(server, "/ontology.ttl").content, format="turtle")
    creator = parsed.value(URIRef(ONTOLOGY), URIRef("http://purl.org/dc/terms/creator"))
    assert isinstance(creator, BNode)
    assert parsed.value(creator, URIRef("http://xmlns.com/foaf/0.1/name")) is not None


def test_default_for_rdf_clients_is_turtle(server: LiveServer) -> None:
    for accept in (None, "*/*"):
        headers = {"Accept": accept} if accept else {}
        response = get(server, "/" + IRIS["measure"], headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/turtle")


def test_quality_values_decide(server: LiveServer) -> None:
    accept = "text/turtle;q=0.5, application/ld+json;q=0.9, text/html;q=0.1"
    response = get(server, "/" + IRIS["measure"], headers={"Accept": accept})
    assert response.headers["content-type"].startswith("application/ld+json")


def test_unacceptable_type_is_406(server: LiveServer) -> None:
    response = get(server, "/" + IRIS["measure"], headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"


def test_link_header_lists_every_alternate(server: LiveServer) -> None:
    path = "/" + IRIS["measure"]
    response = get(server, path, headers={"Accept": "text/turtle"})
    link = response.headers["link"]
    for extension, media_type in (
        ("html", "text/html"),
        ("ttl", "text/turtle"),
        ("nt", "application/n-triples"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
    ):
        assert f'<{path}.{extension}>; rel="alternate"; type="{media_type}"' in link
    html = get(server, path, headers={"Accept": "text/html"})
    assert html.headers["link"] == link
    assert "Accept" in html.headers["vary"]
    assert html.headers["content-location"] == path + ".html"


def test_jsonld_is_compacted_with_the_published_context(server: LiveServer) -> None:
    context = get(server, "/context.jsonld")
    assert context.status_code == 200
    assert context.headers["content-type"].startswith("application/ld+json")
    published = context.json()["@context"]
    assert published["sg"] == "https://w3id.org/sozialgraph/ontology#"
    assert published["dcterms"] == "http://purl.org/dc/terms/"
    document = get(server, "/" + IRIS["measure"] + ".jsonld").json()
    assert document["@context"] == published
    assert document["@id"] == BASE + IRIS["measure"]
    assert "dcterms:title" in document
    assert document["@type"] == "sg:Measure"


def test_unknown_iri_is_404_for_browsers_and_machines(server: LiveServer) -> None:
    path = "/jena/massnahme/gibt-es-nicht"
    page = get(server, path, headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Nicht gefunden" in page.text
    assert BASE + "jena/massnahme/gibt-es-nicht" in page.text
    for accept in ("text/turtle", "application/json", "application/ld+json"):
        problem = get(server, path, headers={"Accept": accept})
        assert problem.status_code == 404
        assert problem.headers["content-type"] == "application/problem+json"
        assert problem.json()["status"] == 404
    assert get(server, path + ".ttl").status_code == 404
    # an IRI that only occurs as an object is not a resource of this graph
    assert (
        get(server, "/graph/data/jena/strategien", headers={"Accept": "text/turtle"}).status_code
        == 404
    )


# --- HTML pages ------------------------------------------------------------------------------


class Page(HTMLParser):
    """Headings, links (href, text), ids and the html lang attribute of a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.lang = ""
        self.headings: list[tuple[str, str]] = []
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.text_parts: list[str] = []
        self._heading: str | None = None
        self._link: str | None = None
        self._link_text: list[str] = []
        self._buffer: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang") or ""
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag in ("h1", "h2", "h3"):
            self._heading, self._buffer = tag, []
        if tag == "a" and "href" in values:
            self._link, self._link_text = values["href"], []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self.headings.append((tag, " ".join("".join(self._buffer).split())))
            self._heading = None
        if tag == "a" and self._link is not None:
            self.links.append((self._link, " ".join("".join(self._link_text).split())))
            self._link = None

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)
        if self._heading:
            self._buffer.append(data)
        if self._link is not None:
            self._link_text.append(data)

    @property
    def h1(self) -> str:
        return next(text for tag, text in self.headings if tag == "h1")

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def link_texts(self, href: str) -> list[str]:
        return [text for target, text in self.links if target == href]


def page(server: LiveServer, path: str, **headers: str) -> Page:
    response = get(server, path, headers={"Accept": "text/html", **headers})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


def select(server: LiveServer, query: str) -> list[dict[str, str]]:
    response = httpx.get(
        server.url + "/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    return [
        {name: cell["value"] for name, cell in row.items()}
        for row in response.json()["results"]["bindings"]
    ]


@pytest.mark.parametrize("kind", list(IRIS))
def test_every_type_has_a_page_with_its_label(server: LiveServer, kind: str) -> None:
    iri = BASE + IRIS[kind]
    html = page(server, "/" + IRIS[kind])
    labels = {
        row["label"]
        for row in select(
            server,
            "SELECT ?label WHERE { <" + iri + "> ?p ?label "
            "FILTER(?p IN (<http://www.w3.org/2004/02/skos/core#prefLabel>, "
            "<http://purl.org/dc/terms/title>, <http://www.w3.org/2000/01/rdf-schema#label>)) "
            'FILTER(LANGMATCHES(LANG(?label), "de")) }',
        )
    }
    assert html.lang == "de"
    assert html.h1 in labels
    assert html.h1 == page(server, f"/{IRIS[kind]}.html").h1


def test_measure_page_shows_title_commitment_and_sources(server: LiveServer) -> None:
    iri = BASE + IRIS["measure"]
    html = page(server, "/" + IRIS["measure"])
    assert html.h1 == "Einrichtung der Antidiskriminierungsstelle der Stadt Jena"
    commitment = select(
        server,
        "SELECT ?label WHERE { <https://w3id.org/sozialgraph/vocab/eccar/3> "
        '<http://www.w3.org/2004/02/skos/core#prefLabel> ?label FILTER(LANG(?label) = "de") }',
    )[0]["label"]
    assert html.link_texts("/vocab/eccar/3") == [commitment]
    sources = select(
        server,
        "SELECT ?source ?title WHERE { <" + iri + "> <http://purl.org/dc/terms/source> ?source . "
        "?source <http://purl.org/dc/terms/title> ?title }",
    )
    # J10en added for the third report's details, the official 2022 item (issue 15)
    assert len(sources) == 10
    for row in sources:
        assert html.link_texts(row["source"]) == [row["title"]]
    assert "Quellen" in [text for _, text in html.headings]
    assert "amtlich" in html.text and "Presse" in html.text
    assert html.link_texts("/jena/strategie/10-punkte-aktionsplan-gegen-rassismus") == [
        "10-Punkte-Aktionsplan gegen Rassismus"
    ]
    assert html.link_texts("/ontology#belongsToStrategy") == ["gehört zur Strategie"]


def test_strategy_page_links_its_fields_and_its_measures(server: LiveServer) -> None:
    html = page(server, "/" + IRIS["strategy"])
    assert html.h1 == "Armutspräventionsstrategie der Stadt Jena"
    fields = select(
        server,
        "SELECT ?field ?label WHERE { "
        "<https://w3id.org/sozialgraph/jena/strategie/armutspraeventionsstrategie/fassung/2025> "
        "<https://w3id.org/sozialgraph/ontology#hasFieldOfAction> ?field . "
        '?field <http://www.w3.org/2004/02/skos/core#prefLabel> ?label FILTER(LANG(?label) = "de") }',
    )
    assert len(fields) == 7
    for row in fields:
        path = "/" + row["field"].removeprefix(BASE)
        assert any(row["label"] in text for text in html.link_texts(path)), path
    assert "Verweise auf diese Ressource" in [text for _, text in html.headings]
    assert html.link_texts("/jena/massnahme/sozialmonitoring") == [
        "Sozialmonitoring und Sozialberichterstattung"
    ]


def test_editorial_notes_are_marked(server: LiveServer) -> None:
    response = get(
        server, "/jena/massnahme/runder-tisch-der-religionen", headers={"Accept": "text/html"}
    )
    assert '<aside class="editorial-note" aria-label="Redaktioneller Hinweis">' in response.text
    assert "Parteiquelle" in Page(response.text).text
    assert "Partei" in Page(response.text).text  # the source's kind


def test_english_by_parameter_and_by_accept_language(server: LiveServer) -> None:
    english = page(server, "/" + IRIS["measure"] + "?lang=en")
    assert english.lang == "en"
    assert english.h1 == "Setting up the anti-discrimination office of the City of Jena"
    assert "Sources" in [text for _, text in english.headings]
    assert english.link_texts("/jena/strategie/10-punkte-aktionsplan-gegen-rassismus?lang=en")
    by_header = page(server, "/" + IRIS["measure"], **{"Accept-Language": "en-GB,en;q=0.9"})
    assert by_header.lang == "en"
    assert by_header.h1 == english.h1


def test_start_page_shows_the_strategies_and_current_fields(server: LiveServer) -> None:
    html = page(server, "/")
    assert html.link_texts("/jena/strategie/kommunale-sozialstrategie") == [
        "Kommunale Sozialstrategie der Stadt Jena"
    ]
    for path, title in (
        (
            "/jena/strategie/armutspraeventionsstrategie",
            "Armutspräventionsstrategie der Stadt Jena",
        ),
        ("/jena/strategie/integrationskonzept", None),
        ("/jena/strategie/10-punkte-aktionsplan-gegen-rassismus", None),
    ):
        texts = html.link_texts(path)
        assert texts, path
        if title:
            assert texts == [title]
    assert any("Bildung" in t for t in html.link_texts("/" + IRIS["field of action"]))
    # "Migration" was a field of the 2019 version only
    assert not html.link_texts("/jena/handlungsfeld/armutspraeventionsstrategie/migration")
    rdf = get(server, "/", headers={"Accept": "text/turtle"}, follow_redirects=False)
    assert rdf.status_code == 303
    assert rdf.headers["location"] == "/catalog"


def test_ontology_page_has_anchors_labels_and_definitions(server: LiveServer) -> None:
    html = page(server, "/ontology")
    assert html.h1 == "sozialgraph-Ontologie für kommunale Sozialstrategien"
    assert {"Measure", "Strategy", "FieldOfAction", "belongsToStrategy"} <= html.ids
    assert "Maßnahme (Measure)" in [text for _, text in html.headings]
    assert "Klassen" in [text for _, text in html.headings]
    definitions = select(
        server,
        "SELECT ?d WHERE { <https://w3id.org/sozialgraph/ontology#Measure> "
        '<http://www.w3.org/2004/02/skos/core#definition> ?d FILTER(LANG(?d) = "de") }',
    )
    assert " ".join(definitions[0]["d"].split()) in html.text


def test_concept_scheme_page_lists_concepts_with_notation(server: LiveServer) -> None:
    html = page(server, "/vocab/eccar")
    assert "Begriffe" in [text for _, text in html.headings]
    concepts = select(
        server,
        "SELECT ?c ?n ?label WHERE { ?c <http://www.w3.org/2004/02/skos/core#inScheme> "
        "<https://w3id.org/sozialgraph/vocab/eccar> ; "
        "<http://www.w3.org/2004/02/skos/core#notation> ?n ; "
        '<http://www.w3.org/2004/02/skos/core#prefLabel> ?label FILTER(LANG(?label) = "de") }',
    )
    assert len(concepts) == 10
    for row in concepts:
        assert html.link_texts("/" + row["c"].removeprefix(BASE)) == [row["label"]]
    order = [href for href, _ in html.links if href.startswith("/vocab/eccar/")]
    assert order[:10] == [f"/vocab/eccar/{n}" for n in range(1, 11)]


def test_pages_have_landmarks(server: LiveServer) -> None:
    response = get(server, "/" + IRIS["measure"], headers={"Accept": "text/html"})
    for landmark in ("<main", "<nav", "<header", "<footer", 'class="skip"'):
        assert landmark in response.text
    html = Page(response.text)
    assert [tag for tag, _ in html.headings].count("h1") == 1


# --- escaping (separate example.org store) ---------------------------------------------------

EX = "https://example.org/"
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
SEE_ALSO = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
ATTRIBUTE_BREAKER = '"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("hostile") / "store"
    graph = ox.NamedNode(EX + "graph/test/hostile")
    thing = ox.NamedNode(EX + "thing/script")
    other = ox.NamedNode(EX + "thing/other")
    quads = [
        ox.Quad(thing, TITLE, ox.Literal(SCRIPT_TITLE), graph),
        ox.Quad(thing, TITLE, ox.Literal(ATTRIBUTE_BREAKER, language="en"), graph),
        ox.Quad(thing, SEE_ALSO, ox.NamedNode("javascript:alert(1)"), graph),
        ox.Quad(thing, SEE_ALSO, other, graph),
        ox.Quad(other, TITLE, ox.Literal("</a><script>alert(2)</script>"), graph),
        ox.Quad(other, SEE_ALSO, thing, graph),
    ]
    store = EmbeddedStore(path)
    store.rebuild(quads)
    store.close()
    with live_server(path, env={"SOZIALGRAPH_BASE_IRI": EX}) as live:
        yield live


def test_stored_script_shows_as_text(hostile_server: LiveServer) -> None:
    for path in ("/thing/script", "/thing/other"):
        response = get(hostile_server, path, headers={"Accept": "text/html"})
        assert response.status_code == 200
        body = response.text
        assert "<script>alert(" not in body
        assert "<img src=x" not in body
        assert 'href="javascript:' not in body
    body = get(hostile_server, "/thing/script", headers={"Accept": "text/html"}).text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body
    assert SCRIPT_TITLE in Page(body).text
    assert "javascript:alert(1)" in Page(body).text  # shown, not linked
    other = Page(get(hostile_server, "/thing/other", headers={"Accept": "text/html"}).text)
    assert other.h1 == "</a><script>alert(2)</script>"
    assert other.link_texts("/thing/script")  # backlink and link, by label


def test_stored_script_survives_rdf_round_trip(hostile_server: LiveServer) -> None:
    response = get(hostile_server, "/thing/script.nt")
    triples = list(ox.parse(io.BytesIO(response.content), format=ox.RdfFormat.N_TRIPLES))
    assert ox.Literal(SCRIPT_TITLE) in {t.object for t in triples}


@pytest.mark.parametrize(
    "path", ["/", "/" + IRIS["measure"], "/context.jsonld", "/catalog", "/.well-known/void"]
)
def test_head_answers_like_get_without_a_body(server: LiveServer, path: str) -> None:
    for accept in ("text/html", "text/turtle"):
        head = httpx.head(server.url + path, headers={"Accept": accept}, timeout=30)
        got = get(server, path, headers={"Accept": accept}, follow_redirects=False)
        assert head.status_code == got.status_code, (path, accept)
        assert head.content == b""
        assert head.headers.get("content-type") == got.headers.get("content-type")
