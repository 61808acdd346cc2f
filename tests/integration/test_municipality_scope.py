"""Named queries scoped to one municipality, on a store of three generated municipalities.

A strategy names its municipality with ``dcterms:publisher``; the ``municipality`` parameter of
the measure listings and ECCAR queries keeps only the measures of that municipality's strategies.
Each scoped answer must be exactly the part of the unscoped answer that belongs to the town.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.generate import BODIES, generate, ontology_quads
from sozialgraph.querying.registry import QueryRegistry, parse_query_file
from sozialgraph.resources import queries_dir
from sozialgraph.store.embedded import EmbeddedStore

EX = "https://example.org/"
SG = "https://w3id.org/sozialgraph/ontology#"
TOWNS = 3
SCOPED = (
    "crossref",
    "cross-strategy-measures",
    "measure-ids",
    "measures-by-body",
    "measures-by-deadline",
    "measures-by-status",
    "measures-by-target-group",
)


def town_of(iri: str) -> str:
    """``https://example.org/gemeinde-2/massnahme/m-7`` → ``gemeinde-2``."""
    return iri[len(EX) :].split("/", 1)[0]


def municipality(number: int) -> str:
    return f"{EX}gemeinde-{number}/organisation/stadt"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path_factory.mktemp("towns") / "store")
    store.rebuild([*ontology_quads(EX), *generate(TOWNS, measures_per_strategy=12)])
    yield store
    store.close()


@pytest.fixture(scope="module")
def registry() -> QueryRegistry:
    return QueryRegistry(queries_dir())


def solutions(store: EmbeddedStore, text: str) -> list[dict[str, str | None]]:
    result = store.query(text)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


def measure_column(name: str) -> str:
    return "item" if name == "measure-ids" else "measure"


@pytest.mark.parametrize("name", SCOPED)
def test_scoped_listing_is_the_towns_part_of_the_whole(
    store: EmbeddedStore, registry: QueryRegistry, name: str
) -> None:
    query = registry.get(name)
    everything = solutions(store, query.bind({}))
    column = measure_column(name)
    assert {town_of(row[column] or "") for row in everything} == {
        f"gemeinde-{n}" for n in range(1, TOWNS + 1)
    }
    for number in range(1, TOWNS + 1):
        scoped = solutions(store, query.bind({"municipality": municipality(number)}))
        mine = [row for row in everything if town_of(row[column] or "") == f"gemeinde-{number}"]
        assert scoped, f"{name}: nothing for town {number}"
        assert sorted(map(repr, scoped)) == sorted(map(repr, mine)), name


def test_scope_combines_with_the_other_filters(
    store: EmbeddedStore, registry: QueryRegistry
) -> None:
    query = registry.get("measure-ids")
    status = "https://w3id.org/sozialgraph/vocab/status/in-umsetzung"
    with_status = {row["item"] for row in solutions(store, query.bind({"status": status}))}
    scoped = solutions(store, query.bind({"municipality": municipality(2), "status": status}))
    assert scoped
    assert {row["item"] for row in scoped} == {
        item for item in with_status if town_of(item or "") == "gemeinde-2"
    }


@pytest.mark.parametrize("name", ["eccar-coverage", "eccar-gaps"])
def test_eccar_queries_count_only_the_towns_measures(
    store: EmbeddedStore, registry: QueryRegistry, name: str
) -> None:
    implemented = solutions(
        store,
        "PREFIX sg: <https://w3id.org/sozialgraph/ontology#> "
        "SELECT ?measure ?commitment { ?measure sg:implementsCommitment ?commitment }",
    )
    query = registry.get(name)
    for number in (*range(1, TOWNS + 1), 99):  # 99: a municipality without any measure
        counts: dict[str, int] = {}
        for row in implemented:
            if town_of(row["measure"] or "") == f"gemeinde-{number}":
                commitment = row["commitment"] or ""
                counts[commitment] = counts.get(commitment, 0) + 1
        found = solutions(store, query.bind({"municipality": municipality(number)}))
        if name == "eccar-gaps":
            assert {row["commitment"] for row in found} == {
                f"https://w3id.org/sozialgraph/vocab/eccar/{n}"
                for n in range(1, 11)
                if counts.get(f"https://w3id.org/sozialgraph/vocab/eccar/{n}", 0) == 0
            }
        else:
            assert len(found) == 10
            assert {row["commitment"]: int(row["measure_count"] or 0) for row in found} == {
                f"https://w3id.org/sozialgraph/vocab/eccar/{n}": counts.get(
                    f"https://w3id.org/sozialgraph/vocab/eccar/{n}", 0
                )
                for n in range(1, 11)
            }


# -- the allowed values of imports ---------------------------------------------------------------

#: Bodies of the generator outside the town's administration (partners and networks): each is
#: local to its town (sg:localTo).
FREE_BODIES = {
    slug for slug, kind, *_, relation in BODIES if relation is None and kind != "Municipality"
}
OWN_KINDS = ("strategy", "version", "field", "goal")


def rows_of(found: list[dict[str, str | None]]) -> set[tuple[str | None, ...]]:
    return {tuple(row.values()) for row in found}


def test_import_vocabulary_of_a_town_is_its_part_of_the_whole(
    store: EmbeddedStore, registry: QueryRegistry
) -> None:
    query = registry.get("import-vocabulary")
    everything = solutions(store, query.bind({}))
    assert {town_of(row["iri"] or "") for row in everything if row["kind"] == "field"} == {
        f"gemeinde-{n}" for n in range(1, TOWNS + 1)
    }
    for number in range(1, TOWNS + 1):
        town = f"gemeinde-{number}"

        def allowed(row: dict[str, str | None], town: str = town) -> bool:
            iri = row["iri"] or ""
            if row["kind"] in OWN_KINDS:
                return town_of(iri) == town
            if row["kind"] == "body":  # its own and its local ones, and the shared ones (ECCAR)
                owner = town_of(iri)
                return owner == town or not owner.startswith("gemeinde-")
            return True  # ECCAR commitments, target groups, themes, status values: shared

        scoped = solutions(store, query.bind({"municipality": municipality(number)}))
        assert {row["kind"] for row in scoped} >= {*OWN_KINDS, "body", "commitment", "status"}
        assert rows_of(scoped) == rows_of([row for row in everything if allowed(row)])
        bodies = {row["iri"] for row in scoped if row["kind"] == "body"}
        # its associations (local to it) and ECCAR (shared); no other town's associations
        assert {f"{EX}{town}/organisation/{slug}" for slug in FREE_BODIES} <= bodies
        assert f"{EX}organisation/eccar" in bodies
        assert not {iri for iri in bodies if iri and town_of(iri) not in (town, "organisation")}


def test_imports_resolve_labels_among_their_own_towns_values(store: EmbeddedStore) -> None:
    from sozialgraph.cli import _vocabulary_rows
    from sozialgraph.config import Settings
    from sozialgraph.ingest.vocabulary import Vocabulary

    def resolve(publisher: str, kind: str, label: str) -> str | None:
        settings = Settings(store=str(store.root), publisher_iri=publisher, base_iri=EX)
        vocabulary = Vocabulary.from_rows(_vocabulary_rows(store, settings), EX)
        found = vocabulary.resolve(kind, label)
        return found.iri if found.iri else found.code

    # Every town has a "Jugendamt" and a field "Schutz vor Gewalt": in the whole store these
    # labels are ambiguous; an import for town 2 finds its own.
    assert resolve(municipality(2), "body", "Jugendamt") == EX + "gemeinde-2/organisation/jugendamt"
    assert (resolve(municipality(2), "field", "Schutz vor Gewalt") or "").startswith(
        EX + "gemeinde-2/"
    )
    # A municipality that publishes no strategy here: the whole store, as before.
    assert resolve(EX + "nowhere/organisation/stadt", "body", "Jugendamt") == "ambiguous"


# The generator's IRI paths of what a town's search leaves out (its associations, local to it,
# are in): sources (documents, press, council
# information, party motions), funding programmes and the ECCAR membership.
NOT_SEARCHED_IN_A_TOWN = ("dokumente", "presse", "ratsinfo", "partei", "foerderung",
                          "mitgliedschaft", "netzwerk")  # fmt: skip


@pytest.mark.parametrize("text", ["e", "Beratung", "Stadt"])
def test_search_in_a_town_finds_the_towns_part_of_the_whole(
    store: EmbeddedStore, registry: QueryRegistry, text: str
) -> None:
    query = registry.get("search")
    everything = solutions(store, query.bind({"q": text}))
    for number in range(1, TOWNS + 1):
        town = f"gemeinde-{number}"

        def own(row: dict[str, str | None], town: str = town) -> bool:
            iri = row["resource"] or ""
            path = iri[len(EX) :].split("/")
            return path[0] == town and path[1] not in NOT_SEARCHED_IN_A_TOWN

        scoped = solutions(store, query.bind({"q": text, "municipality": municipality(number)}))
        assert scoped
        assert scoped == [row for row in everything if own(row)]  # the same order, too


def test_source_coverage_of_a_town_counts_its_own_resources(
    store: EmbeddedStore, registry: QueryRegistry
) -> None:
    typed = solutions(
        store,
        "PREFIX sg: <https://w3id.org/sozialgraph/ontology#> "
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "PREFIX dcterms: <http://purl.org/dc/terms/> "
        "SELECT DISTINCT ?class ?instance ?sourced WHERE { ?class a owl:Class . "
        "FILTER(STRSTARTS(STR(?class), STR(sg:))) ?instance a/rdfs:subClassOf* ?class . "
        "OPTIONAL { ?instance dcterms:source ?source BIND(?instance AS ?sourced) } }",
    )
    query = registry.get("source-coverage")
    for number in range(1, TOWNS + 1):
        path_of = {row["instance"]: (row["instance"] or "")[len(EX) :].split("/") for row in typed}
        own = [
            row
            for row in typed
            if path_of[row["instance"]][0] == f"gemeinde-{number}"
            and path_of[row["instance"]][1] not in NOT_SEARCHED_IN_A_TOWN
        ]
        found = solutions(store, query.bind({"municipality": municipality(number)}))
        counts = {
            row["class"]: (int(row["instances"] or 0), int(row["with_source"] or 0))
            for row in found
        }
        expected = {
            row["class"]: (
                len({r["instance"] for r in own if r["class"] == row["class"]}),
                len({r["sourced"] for r in own if r["class"] == row["class"] and r["sourced"]}),
            )
            for row in found
        }
        assert counts == expected
        assert counts[SG + "Measure"][0] > 0 and counts[SG + "EccarCommitment"] == (0, 0)


# -- the conditional lines of query files ---------------------------------------------------------


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "q.rq"
    path.write_text(
        "# title@en: t\n# param: municipality iri https://example.org/m -- m\n\n" + body,
        encoding="utf-8",
    )
    return path


def test_marked_lines_take_part_only_when_their_parameter_is_given(tmp_path: Path) -> None:
    query = parse_query_file(
        write(tmp_path, "SELECT ?s WHERE {\n  #[municipality] ?s <urn:p> ?municipality .\n}\n")
    )
    assert query.bind({}) == query.text  # as written: the line is a comment
    bound = query.bind({"municipality": "https://example.org/m"})
    assert "\n  ?s <urn:p> ?municipality .\n" in bound
    assert "VALUES ?municipality { <https://example.org/m> }" in bound


def test_values_marker_places_the_bindings(tmp_path: Path) -> None:
    query = parse_query_file(
        write(
            tmp_path,
            "SELECT ?s WHERE {\n  { SELECT ?s WHERE {\n    #[values]\n"
            "    #[municipality] ?s <urn:p> ?municipality .\n  } }\n}\n",
        )
    )
    bound = query.bind({"municipality": "https://example.org/m"})
    inner = bound.index("{ SELECT ?s WHERE {")
    assert bound.index("VALUES ?municipality") > inner  # inside the subquery, not before it
    assert bound.count("VALUES") == 1


def test_marked_values_line_places_the_bindings_only_for_its_parameter(tmp_path: Path) -> None:
    query = parse_query_file(
        write(
            tmp_path,
            "SELECT ?s WHERE {\n  #[values]\n  #[municipality] { SELECT ?s WHERE {\n"
            "  #[municipality] #[values]\n  #[municipality]   ?s <urn:p> ?municipality .\n"
            "  #[municipality] } }\n  ?s ?p ?o .\n}\n",
        )
    )
    assert query.bind({}) == query.text
    bound = query.bind({"municipality": "https://example.org/m"})
    inner = bound.index("{ SELECT ?s WHERE {")
    assert bound.count("VALUES ?municipality") == 2  # outside and in the subquery
    assert bound.index("VALUES ?municipality", inner) > inner
    assert "#[" not in bound


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("SELECT ?s WHERE {\n  #[other] ?s ?p ?o .\n}\n", "names no declared parameter"),
        ("#[municipality] PREFIX ex: <urn:x>\nSELECT ?s WHERE { ?s ?p ?o }\n", "WHERE clause"),
        ("SELECT ?s WHERE {\n  #[values] ?s ?p ?o .\n}\n", "stands alone"),
        ("SELECT ?s WHERE {\n  #[municipality] #[values] ?s ?p ?o .\n}\n", "stands alone"),
    ],
)
def test_bad_marks_are_refused_on_loading(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_query_file(write(tmp_path, body))
