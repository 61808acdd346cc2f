"""Following the changes: Atom feeds, the Linked Data Event Stream, modified_since and citable
versions, on a real server with real writes and real clients (feedparser; the TREEcg
``ldes-client`` from npm, run with Node, in ``tests/ldes``)."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pyoxigraph as ox
import pytest

from sozialgraph.store.remote_dialect import server_graphs_filter
from tests.stores import EXAMPLE_BASE, build_example_store
from tests.support import LiveServer, live_server

TOKEN = "s3cret-officer-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENV = {
    "SOZIALGRAPH_BASE_IRI": EXAMPLE_BASE,
    "SOZIALGRAPH_MUNICIPALITY": "beispielstadt",
    "SOZIALGRAPH_WRITE_TOKENS": f"officer:{TOKEN}",
    "SOZIALGRAPH_LDES_PAGE_SIZE": "40",
    "SOZIALGRAPH_QUERY_TIMEOUT": "8",
}
LDES_DIR = Path(__file__).resolve().parents[1] / "ldes"
CLIENT = LDES_DIR / "node_modules" / "ldes-client" / "dist" / "bin" / "cli.js"
M = "https://example.org/beispielstadt/massnahme/"
STRATEGY = "https://example.org/beispielstadt/strategie/aktionsplan-gegen-rassismus"
STATUS = "https://w3id.org/sozialgraph/vocab/status/"
UMBRELLA = "https://example.org/beispielstadt/strategie/sozialstrategie"
PREFIXES = """@prefix sg: <https://w3id.org/sozialgraph/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def measure(slug: str, title: str, statuses: list[tuple[str, str]]) -> str:
    """Turtle of one measure with its status assessments ((date, status) pairs)."""
    links = ", ".join(f"<{M}{slug}/status/{date}>" for date, _ in statuses)
    text = PREFIXES + (
        f"<{M}{slug}> a sg:Measure ; dcterms:title {title!r}@de, {title + ' (en)'!r}@en ;\n"
        f"  sg:belongsToStrategy <{STRATEGY}> ;\n"
        f"  sg:hasStatusAssessment {links} ;\n"
        f"  dcterms:source <https://example.org/quellen/test> .\n"
    )
    for date, status in statuses:
        text += (
            f"<{M}{slug}/status/{date}> a sg:StatusAssessment ; sg:status <{STATUS}{status}> ;\n"
            f'  <http://www.w3.org/2000/01/rdf-schema#label> "{title}: Stand {date}"@de ;\n'
            f'  sg:assessedOn "{date}"^^xsd:date ;'
            f" dcterms:source <https://example.org/quellen/test> .\n"
        )
    return text.replace("'", '"')


@pytest.fixture(scope="module")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example_store(tmp_path_factory.mktemp("changes-source") / "store")


@pytest.fixture
def server(example_store: Path, tmp_path: Path) -> Iterator[LiveServer]:
    copy = tmp_path / "store"
    shutil.copytree(example_store, copy)
    with live_server(copy, env=ENV) as live:
        yield live


def client(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=60)


def put_graph(http: httpx.Client, name: str, turtle: str) -> httpx.Response:
    return http.put(
        f"/graph-store?graph={EXAMPLE_BASE}graph/import/{name}",
        content=turtle.encode("utf-8"),
        headers={**AUTH, "Content-Type": "text/turtle"},
    )


def import_ttl(http: httpx.Client, name: str, turtle: str) -> httpx.Response:
    files = {"file": (f"{name}.ttl", turtle.encode("utf-8"), "text/turtle")}
    return http.post("/api/import", files=files, data={"graph": name}, headers=AUTH)


def latest_version(http: httpx.Client) -> int:
    return int(http.get("/versionen").json()[0]["number"])


# -- the event stream, replicated by a real LDES client --------------------------------------------


def replicate(url: str, state: Path) -> list[str]:
    """Run the ldes-client once (no following) and return the member IRIs it emitted."""
    if not CLIENT.exists():
        pytest.fail(f"run 'npm ci' in {LDES_DIR} (the Makefile's test target does)")
    result = subprocess.run(
        ["node", str(CLIENT), "--save", str(state), url + "/ldes"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    members = []
    for line in result.stdout.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] == "<http://purl.org/dc/terms/isVersionOf>":
            members.append(parts[0].strip("<>"))
    return members


def published_resources(http: httpx.Client) -> int:
    """IRI subjects of the data graphs (not provenance, not shapes, not a Virtuoso server's own
    graphs): one member each."""
    query = (
        "SELECT (COUNT(DISTINCT ?s) AS ?n) { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) "
        f'FILTER(?g != <{EXAMPLE_BASE}graph/meta> && !STRSTARTS(STR(?g), "{EXAMPLE_BASE}graph/shapes/")) '
        f"{server_graphs_filter('?g')} }}"
    )
    response = http.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_ldes_client_replicates_the_stream_and_then_exactly_the_changes(
    server: LiveServer, tmp_path: Path
) -> None:
    state = tmp_path / "ldes-state"
    with client(server) as http:
        assert (
            put_graph(
                http, "a", measure("stream-a", "Strom A", [("2024-01-01", "geplant")])
            ).status_code
            == 201
        )
        assert (
            put_graph(
                http, "b", measure("stream-b", "Strom B", [("2024-01-01", "geplant")])
            ).status_code
            == 201
        )
        first = replicate(server.url, state)
        assert len(first) == len(set(first)), "every member exactly once"
        assert len(first) == published_resources(http)
        assert len(http.get("/ldes/0").text) > 0

        # One measure changes (a new assessment), the other graph is deleted.
        changed = measure(
            "stream-a", "Strom A", [("2024-01-01", "geplant"), ("2025-01-01", "umgesetzt")]
        )
        assert put_graph(http, "a", changed).status_code == 204
        deleted = http.delete(f"/graph-store?graph={EXAMPLE_BASE}graph/import/b", headers=AUTH)
        assert deleted.status_code == 204
        version = latest_version(http)

    second = replicate(server.url, state)
    assert sorted(second) == sorted(set(second))
    # new version of the measure and its new assessment; tombstones of B and its assessment
    write, removal = version - 1, version
    expected = {
        f"{EXAMPLE_BASE}ldes/mitglied/{write}/": 2,
        f"{EXAMPLE_BASE}ldes/mitglied/{removal}/": 2,
    }
    assert len(second) == 4
    for prefix, count in expected.items():
        assert sum(1 for m in second if m.startswith(prefix)) == count


def page_bounds(graph: list[ox.Triple]) -> tuple[dict[int, str], dict[int, str]]:
    """Per page index of the root node: the value of its ≥ relation, of its < relation."""
    by_relation: dict[ox.BlankNode | ox.NamedNode, dict[str, str]] = {}
    for t in graph:
        by_relation.setdefault(t.subject, {})[t.predicate.value.rsplit("#", 1)[-1]] = (  # type: ignore[arg-type]
            t.object.value  # type: ignore[union-attr]
        )
    starts: dict[int, str] = {}
    ends: dict[int, str] = {}
    for fields in by_relation.values():
        if "node" not in fields or "value" not in fields:
            continue
        index = int(fields["node"].rsplit("/", 1)[-1])
        if fields["type"].endswith("GreaterThanOrEqualToRelation"):
            starts[index] = fields["value"]
        else:
            ends[index] = fields["value"]
    return starts, ends


def test_ldes_pages_are_time_ranges_and_complete_pages_are_immutable(server: LiveServer) -> None:
    with client(server) as http:
        for n in range(3):
            put_graph(
                http, f"p{n}", measure(f"page-{n}", f"Seite {n}", [("2024-01-01", "geplant")])
            )
        root = http.get("/ldes", headers={"Accept": "application/n-triples"})
        assert root.status_code == 200
        assert root.headers["content-type"].startswith("application/n-triples")
        graph = list(ox.parse(root.content, format=ox.RdfFormat.N_TRIPLES))
        kinds = {t.object.value for t in graph if t.predicate.value.endswith("#type")}
        assert "https://w3id.org/tree#GreaterThanOrEqualToRelation" in kinds
        assert "https://w3id.org/ldes#EventStream" in kinds
        # every page from its first time on; up to the next page's first time when that is later
        # (the first version is larger than a page: its pages share one time)
        starts, ends = page_bounds(graph)
        assert sorted(starts) == list(range(len(starts))) and len(starts) > 2
        for index, start in starts.items():
            following = starts.get(index + 1)
            assert ends.get(index) == (following if following and following > start else None)
        assert any(t.predicate.value == "https://w3id.org/ldes#retentionPolicy" for t in graph)
        assert "max-age=10" in root.headers["cache-control"]
        first = http.get("/ldes/0")
        assert "immutable" in first.headers["cache-control"]
        pages = sorted(
            int(t.object.value.rsplit("/", 1)[-1])
            for t in graph
            if t.predicate.value == "https://w3id.org/tree#node"
        )
        newest = http.get(f"/ldes/{pages[-1]}", headers={"Accept": "application/ld+json"})
        assert newest.status_code == 200 and newest.json()
        assert "immutable" not in newest.headers["cache-control"]
        assert (
            http.get(
                "/ldes",
                headers={"If-None-Match": root.headers["etag"], "Accept": "application/n-triples"},
            ).status_code
            == 304
        )


# -- Atom feeds ------------------------------------------------------------------------------------


def test_feeds_parse_and_a_status_change_is_one_bilingual_entry(server: LiveServer) -> None:
    slug = "feed-massnahme"
    with client(server) as http:
        created = import_ttl(
            http, "feed", measure(slug, "Feedmaßnahme", [("2024-01-01", "geplant")])
        )
        assert created.status_code == 201, created.text
        feed_path = f"/feed/beispielstadt/massnahme/{slug}"
        before = feedparser.parse(http.get(feed_path).content)
        changed = measure(
            slug, "Feedmaßnahme", [("2024-01-01", "geplant"), ("2025-02-01", "umgesetzt")]
        )
        assert import_ttl(http, "feed", changed).status_code == 201
        response = http.get(feed_path)
        assert response.headers["content-type"].startswith("application/atom+xml")
        assert response.headers["etag"] and response.headers["last-modified"]
        after = feedparser.parse(response.content)
        page = http.get(f"/beispielstadt/massnahme/{slug}", headers={"Accept": "text/html"})
        everything = feedparser.parse(http.get("/feed").content)
        strategy_feed = http.get("/feed/beispielstadt/strategie/aktionsplan-gegen-rassismus")
        again = http.get(feed_path, headers={"If-None-Match": response.headers["etag"]})

    assert not after.bozo, after.get("bozo_exception")
    # RFC 4287: feed id, title, updated (and author); entry id, title, updated, author
    for field in ("id", "title", "updated"):
        assert after.feed.get(field)
    assert after.feed.get("author") or all(e.get("author") for e in after.entries)
    new = [e for e in after.entries if e.id not in {old.id for old in before.entries}]
    assert len(new) == 1
    entry = new[0]
    assert entry.id.startswith(EXAMPLE_BASE + "aktivitaet/")
    assert entry.author == "officer"
    assert "Status von 'Feedmaßnahme' geändert: geplant → umgesetzt" in entry.title
    assert "status of 'Feedmaßnahme (en)' changed: planned → implemented" in entry.title
    content = entry.content[0].value
    assert 'lang="de"' in content and 'lang="en"' in content
    assert "(Status: geplant → umgesetzt)" in content
    assert "(Status: planned → implemented)" in content
    assert all(e.get("updated") for e in everything.entries)
    assert f'href="/feed/beispielstadt/massnahme/{slug}"' in page.text
    assert 'type="application/atom+xml"' in page.text
    assert strategy_feed.status_code == 200
    assert again.status_code == 304


def test_feeds_never_show_rejected_writes(server: LiveServer) -> None:
    bad = PREFIXES + f'<{M}abgelehnt> a sg:Measure ; dcterms:title "Geheimer Entwurf"@de .\n'
    with client(server) as http:
        rejected = put_graph(http, "bad", bad)
        assert rejected.status_code == 422
        assert "Geheimer Entwurf" not in http.get("/feed").text
        assert "abgelehnt" not in http.get("/ldes/0").text


# -- modified_since --------------------------------------------------------------------------------


def test_modified_since_lists_exactly_the_changed_and_deleted_items(server: LiveServer) -> None:
    with client(server) as http:
        put_graph(http, "m1", measure("ms-1", "Eins", [("2024-01-01", "geplant")]))
        put_graph(http, "m2", measure("ms-2", "Zwei", [("2024-01-01", "geplant")]))
        time.sleep(0.05)
        between = http.get("/versionen").json()[0]["created"]
        time.sleep(0.05)
        put_graph(http, "m1", measure("ms-1", "Eins neu", [("2024-01-01", "geplant")]))
        http.delete(f"/graph-store?graph={EXAMPLE_BASE}graph/import/m2", headers=AUTH)
        answer = http.get("/api/measures", params={"modified_since": between, "limit": 500})
        assert answer.status_code == 200
        body = answer.json()
        assert [m["iri"] for m in body["items"]] == [M + "ms-1"]
        assert body["deleted"] == [M + "ms-2"]
        assert http.get("/api/measures").json()["deleted"] is None
        strategies = http.get("/api/strategies", params={"modified_since": between}).json()
        # the measure's strategy changed with it, and so did the umbrella strategy it is part of
        assert [s["iri"] for s in strategies] == [UMBRELLA, STRATEGY]
        assert http.get("/api/decisions", params={"modified_since": between}).json() == []
        for bad in ("yesterday", "2024-13-01", "", "2024-01-01T25:00", "x" * 100):
            response = http.get("/api/measures", params={"modified_since": bad})
            assert response.status_code in (400, 422), (bad, response.status_code)


# -- citable versions ------------------------------------------------------------------------------


def test_a_versions_dump_keeps_what_the_store_held_then(server: LiveServer) -> None:
    with client(server) as http:
        put_graph(http, "v", measure("version-a", "Version A", [("2024-01-01", "geplant")]))
        number = latest_version(http)
        then = http.get("/graph-store", params={"graph": f"{EXAMPLE_BASE}graph/import/v"})
        page = http.get(f"/versionen/{number}").json()
        assert page["activities"][-1]["agent"] == "officer"
        html = http.get(f"/versionen/{number}", headers={"Accept": "text/html"})
        assert page["sha256"] in html.text
        put_graph(http, "v", measure("version-a", "Version A neu", [("2024-01-01", "geplant")]))
        put_graph(http, "w", measure("version-b", "Version B", [("2024-01-01", "geplant")]))
        assert latest_version(http) == number + 2
        dump = http.get(f"/versionen/{number}/sozialgraph.nq.gz")
        assert dump.status_code == 200
        assert "immutable" in dump.headers["cache-control"]
        header = http.get("/api/measures").headers["sozialgraph-version"]
        assert header == str(number + 2)
        fast = http.get("/sparql", params={"query": "ASK {}"})
        assert fast.headers["sozialgraph-version"] == str(number + 2)
        query_page = http.get("/sparql", headers={"Accept": "text/html"})
        assert f"Datenversion {number + 2} vom" in query_page.text
        assert f"{EXAMPLE_BASE}versionen/{number + 2}" in query_page.text
        catalog = http.get("/catalog", headers={"Accept": "application/n-triples"}).text
        void = http.get("/.well-known/void", headers={"Accept": "application/n-triples"}).text

    data = gzip.decompress(dump.content)
    assert hashlib.sha256(data).hexdigest() == page["sha256"]
    assert data.count(b"\n") == page["triples"]
    graph = f"{EXAMPLE_BASE}graph/import/v"
    held = {
        q.triple
        for q in ox.parse(data, format=ox.RdfFormat.N_QUADS)
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == graph
    }
    assert held == {q.triple for q in ox.parse(then.content, format=ox.RdfFormat.TURTLE)}
    assert not any(b"version-b" in line for line in data.splitlines())
    has_version = "<http://www.w3.org/ns/dcat#hasVersion>"
    assert f"{has_version} <{EXAMPLE_BASE}versionen/{number}> ." in catalog
    assert f"<{server.url}/ldes>" in catalog and "https://w3id.org/ldes/specification" in catalog
    assert "<https://w3id.org/ldes#EventStream>" in void


def test_hostile_version_page_and_time_parameters_are_400_or_404(server: LiveServer) -> None:
    with client(server) as http:
        for path in (
            "/versionen/0",
            "/versionen/-1",
            "/versionen/abc",
            "/versionen/99999999999999999999",
            "/versionen/1e3/sozialgraph.nq.gz",
            "/versionen/999/sozialgraph.nq.gz",
            "/ldes/999",
            "/ldes/-1",
            "/ldes/%2e%2e",
            "/ldes/99999999999999999999",
            "/feed/beispielstadt/massnahme/gibt-es-nicht",
            "/feed/%00",
        ):
            response = http.get(path)
            assert response.status_code == 404, (path, response.status_code)
        for params in ({"modified_since": "2024-02-30"}, {"modified_since": "\x00"}):
            assert http.get("/api/changes", params=params).status_code == 400
        assert http.get("/feed", params={"lang": "fr"}).status_code in (400, 422)


# -- the stream's description against the LDES and TREE vocabularies -------------------------------

VOCABULARIES = Path(__file__).resolve().parents[1] / "w3c" / "ldes"


def test_stream_description_uses_only_terms_the_ldes_and_tree_vocabularies_define(
    server: LiveServer,
) -> None:
    defined: dict[str, set[str]] = {}
    for name in ("ldes-vocabulary.ttl", "tree-vocabulary.ttl"):
        for quad in ox.parse(path=VOCABULARIES / name, format=ox.RdfFormat.TURTLE):
            if quad.predicate.value.endswith("#type"):
                defined.setdefault(quad.subject.value, set()).add(quad.object.value)
    classes = {"http://www.w3.org/2000/01/rdf-schema#Class", "http://www.w3.org/2002/07/owl#Class"}
    properties = {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
        "http://www.w3.org/2002/07/owl#ObjectProperty",
        "http://www.w3.org/2002/07/owl#DatatypeProperty",
    }
    with client(server) as http:
        root = http.get("/ldes", headers={"Accept": "text/turtle"})
        page = http.get("/ldes/0", headers={"Accept": "text/turtle"})
    used = [
        q.triple
        for body in (root, page)
        for q in ox.parse(body.content, format=ox.RdfFormat.TURTLE)
    ]
    spec = ("https://w3id.org/ldes#", "https://w3id.org/tree#")
    for triple in used:
        if triple.predicate.value.startswith(spec):
            assert defined.get(triple.predicate.value, set()) & properties, triple.predicate
        if triple.predicate.value.endswith("#type") and triple.object.value.startswith(spec):
            assert defined.get(triple.object.value, set()) & classes, triple.object
