"""Writes to Virtuoso as one SQL transaction (store/remote_sql.py, SOZIALGRAPH_VIRTUOSO_SQL).

The script's parts are checked on their own; the transaction runs on a real Virtuoso
(tests/virtuoso_server.py), which also shows why the script loads as it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from sozialgraph.config import Settings
from sozialgraph.errors import InvalidSetting, StoreUnavailable
from sozialgraph.store.remote import RemoteStore
from sozialgraph.store.remote_load import served_files
from sozialgraph.store.remote_sql import (
    LOADED,
    SqlAccess,
    load_statement,
    run_transaction,
    sql_text,
    transaction_script,
)
from tests.recording_proxy import RecordingProxy
from tests.virtuoso_server import VirtuosoServer, virtuoso_installed

EX = "https://example.org/"
GRAPH = f"{EX}graph/a"
META = f"{EX}graph/meta"
needs_virtuoso = pytest.mark.skipif(not virtuoso_installed(), reason="Virtuoso is not installed")


def quad(s: str, o: str, graph: str = GRAPH) -> ox.Quad:
    return ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(EX + "p"), ox.Literal(o), ox.NamedNode(graph))


# -- the script ------------------------------------------------------------------------------


def test_the_access_setting_is_user_at_host_and_port_and_needs_a_password() -> None:
    access = SqlAccess.from_settings(
        Settings(virtuoso_sql="dba@db.example.org:1111", virtuoso_sql_password="s3cret")
    )
    assert access is not None and (access.user, access.host, access.port) == (
        "dba",
        "db.example.org",
        1111,
    )
    assert "s3cret" not in repr(access)
    assert SqlAccess.from_settings(Settings()) is None
    with pytest.raises(InvalidSetting, match="not user@host:port"):
        SqlAccess.from_settings(Settings(virtuoso_sql="db:1111", virtuoso_sql_password="x"))
    with pytest.raises(InvalidSetting, match="SOZIALGRAPH_VIRTUOSO_SQL_PASSWORD is not"):
        SqlAccess.from_settings(Settings(virtuoso_sql="dba@db:1111"))
    assert "s3cret" not in repr(Settings(virtuoso_sql_password="s3cret"))


def test_strings_in_the_script_are_sql_literals() -> None:
    assert sql_text("it's a \\ path") == "'it''s a \\\\ path'"
    statement = load_statement("https://example.org/g'1", "http://127.0.0.1:1/t/0.nt")
    assert "'https://example.org/g''1'" in statement
    with pytest.raises(ValueError):
        load_statement("not an iri", "http://127.0.0.1:1/t/0.nt")


def test_the_script_pulls_the_data_and_ends_before_the_commit() -> None:
    script = transaction_script(
        [GRAPH], {GRAPH: "http://127.0.0.1:9/t/0.nt", META: "http://127.0.0.1:9/t/1.nt"}, META
    )
    statements = script.splitlines()
    assert statements[:3] == [
        "set macro_substitution off;",
        "set autocommit manual;",
        "log_enable (1);",
    ]
    assert "commit work" not in script.lower() and LOADED not in script
    assert sum("http_get ('http://127.0.0.1:9/t/" in s for s in statements) == 2
    assert statements[-1] == "select concat ('sozialgraph-', 'loaded');"
    rebuild = transaction_script(None, {}, META)
    assert "delete from DB.DBA.RDF_QUAD where not (id_to_iri (G) like" in rebuild


# -- on Virtuoso -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    if not virtuoso_installed():
        pytest.skip("Virtuoso is not installed")
    with VirtuosoServer(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


def settings_for(server: VirtuosoServer, url: str) -> Settings:
    sql = server.sql_env()
    return Settings(
        store=url + "/sparql",
        update_url=url + "/sparql",
        graph_store_url=url + "/sparql-graph-crud",
        virtuoso_sql=sql["SOZIALGRAPH_VIRTUOSO_SQL"],
        virtuoso_sql_password=sql["SOZIALGRAPH_VIRTUOSO_SQL_PASSWORD"],
    )


@needs_virtuoso
def test_every_write_is_one_sql_transaction_and_no_update_request(
    virtuoso: VirtuosoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    with RecordingProxy(virtuoso.url) as proxy:
        store = RemoteStore(settings_for(virtuoso, proxy.url))
        blank = ox.BlankNode()
        store.rebuild(
            [
                quad("s", "Grüße ' \\ ; $x"),
                ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "q"), blank, ox.NamedNode(GRAPH)),
                ox.Quad(blank, ox.NamedNode(EX + "r"), ox.Literal("b"), ox.NamedNode(GRAPH)),
            ]
        )
        version = store.version()
        store.replace_graphs({f"{EX}graph/b": [quad("t", "u").triple]})
        assert store.triple_count(GRAPH) == 3 and store.triple_count(f"{EX}graph/b") == 1
        assert {q.object for q in store.quads(GRAPH)} >= {ox.Literal("Grüße ' \\ ; $x")}
        assert store.version() != version
        store.close()
    updates = [r for r in proxy.requests if r.method != "GET" and b"query=" not in r.body_start]
    assert updates == [], "every write went through the SQL port"


@needs_virtuoso
def test_a_failed_load_rolls_back_the_drop_before_it(
    virtuoso: VirtuosoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    store = RemoteStore(settings_for(virtuoso, virtuoso.url))
    store.rebuild([quad("kept", "1")])
    access = SqlAccess.from_settings(store.settings)
    assert access is not None
    missing = f"http://127.0.0.1:{virtuoso.port}/no-such-file.nt"
    script = transaction_script([GRAPH], {f"{EX}graph/c": missing}, store.meta_graph)
    with pytest.raises(StoreUnavailable, match="refused the write") as raised:
        run_transaction(access, script, timeout=60)
    assert "dba@" not in str(raised.value) and "'dba'" not in str(raised.value)
    assert store.triple_count(GRAPH) == 1, "the DELETE was rolled back with the failed load"
    store.close()


@needs_virtuoso
def test_virtuoso_commits_a_sparql_load_inside_a_sql_transaction(
    virtuoso: VirtuosoServer, tmp_path: Path
) -> None:
    """Why the script parses with rdf_load_turtle: SPARQL LOAD (like DB.DBA.TTLP) commits."""
    (tmp_path / "one.nt").write_text(f'<{EX}s> <{EX}p> "o" .\n')
    graph = f"{EX}graph/load-test"
    with served_files("127.0.0.1", {graph: tmp_path / "one.nt"}) as urls:
        virtuoso.sql(
            "set autocommit manual; log_enable (1); "
            f"SPARQL LOAD <{urls[graph]}> INTO GRAPH <{graph}>; rollback work;"
        )
    answer = httpx.post(
        virtuoso.query_url,
        data={"query": f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert answer.json()["boolean"] is True, "LOAD stayed although the transaction rolled back"
