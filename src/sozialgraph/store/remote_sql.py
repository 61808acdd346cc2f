"""Atomic writes to Virtuoso: one SQL transaction through its SQL port (``isql-vt``).

Virtuoso 7.2 commits each operation of a SPARQL update request on its own, so the one-request
write of :mod:`sozialgraph.store.remote` is not atomic there (docs/remote-store.md). With
``SOZIALGRAPH_VIRTUOSO_SQL`` set, every write to a Virtuoso store is instead one transaction on
its SQL port, run by ``isql-vt`` (Debian's ``virtuoso-opensource``) with a script on stdin::

    set autocommit manual; log_enable(1);          -- one logged transaction, no autocommit
    delete from DB.DBA.RDF_QUAD where G = …;       -- each replaced graph (a rebuild: every
                                                   -- graph but Virtuoso's own)
    SPARQL DELETE WHERE {marker};
    rdf_load_turtle (http_get ('http://…/0.nt'), '', '<g>', 0, <TTLP_EV_… callbacks>, …);
    …                                              -- one per graph, pulled from this process
    select …'loaded';   → this process reads the answer: no error → "commit work"; else rollback

Measured on 7.2.5 (``tests/integration/test_remote_chunked_load.py``): ``SPARQL LOAD`` and
``DB.DBA.TTLP`` commit on their own (``TTLP`` runs the vectored loader, which ends with ``commit
work``; a rollback afterwards kept the triples), and ``SPARQL DROP ALL`` removes nothing inside
SQL; the Turtle parser with the non-vectored loader's callbacks does neither, so everything stays
in one transaction. The commit is sent only after the script reported no error: a killed writer
closes isql's stdin, isql ends without a commit and Virtuoso rolls the transaction back.

Readers: at Virtuoso's default isolation (read committed) a reader sees the old data while the
transaction runs, but the commit releases its rows one by one, so a reader that scans during the
commit (~0.15 s at 200,000 triples) can see part of the new data. With ``DefaultIsolation = 4``
(repeatable read) in ``virtuoso.ini`` a reader waits for the writer's locks and sees the old or
the new data, never a mix.

The script carries no data: like the pulled load over HTTP, the server fetches each graph's file
from a short-lived HTTP server of this process (``SOZIALGRAPH_REMOTE_LOAD_ADDRESS``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from sozialgraph.config import Settings
from sozialgraph.errors import InvalidSetting, StoreUnavailable
from sozialgraph.store.remote_dialect import SERVER_GRAPHS
from sozialgraph.store.remote_load import (
    LOADS_FOLDER,
    PULL_BYTES_PER_SECOND,
    WriteTooLarge,
    process_alive,
    remove_leftovers,
    served_files,
    write_graph_files,
)
from sozialgraph.store.remote_marker import marker_removal, with_new_marker

#: The client of Debian's package (``isql`` upstream, a name unixODBC's client also has).
ISQL = ("isql-vt", "isql-v")
#: The non-vectored Turtle loader's callbacks (``DB.DBA.TTLP`` before 7's vectored loader):
#: they insert row by row into the caller's transaction and never commit.
CALLBACKS = (
    "DB.DBA.TTLP_EV_NEW_GRAPH",
    "DB.DBA.TTLP_EV_NEW_BLANK",
    "DB.DBA.TTLP_EV_GET_IID",
    "DB.DBA.TTLP_EV_TRIPLE",
    "DB.DBA.TTLP_EV_TRIPLE_L",
    "DB.DBA.TTLP_EV_COMMIT",
    "DB.DBA.TTLP_EV_REPORT_DEFAULT",
)
#: What the script prints when its statements ran, and after the commit (written as a
#: concatenation in the script, so an error message that quotes a statement never shows it).
LOADED = "sozialgraph-loaded"
COMMITTED = "sozialgraph-committed"
_ACCESS = re.compile(r"^(?P<user>[^@\s]+)@(?P<host>[^:\s@]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d+)$")


@dataclass(frozen=True)
class SqlAccess:
    """Where and as whom to reach Virtuoso's SQL port (``SOZIALGRAPH_VIRTUOSO_SQL``)."""

    user: str
    host: str
    port: int
    password: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SqlAccess | None:
        if not settings.virtuoso_sql:
            return None
        found = _ACCESS.match(settings.virtuoso_sql.strip())
        if found is None:
            raise InvalidSetting(
                f"SOZIALGRAPH_VIRTUOSO_SQL is {settings.virtuoso_sql!r}, not user@host:port "
                "(e.g. dba@127.0.0.1:1111)"
            )
        if not settings.virtuoso_sql_password:
            raise InvalidSetting(
                "SOZIALGRAPH_VIRTUOSO_SQL is set but SOZIALGRAPH_VIRTUOSO_SQL_PASSWORD is not"
            )
        return cls(found["user"], found["host"], int(found["port"]), settings.virtuoso_sql_password)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def __repr__(self) -> str:  # never the password
        return f"SqlAccess({self.user}@{self.address})"


def sql_text(value: str) -> str:
    """``value`` as a Virtuoso SQL string literal (which reads backslash escapes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _graph_id(graph: str) -> str:
    return f"iri_to_id ({sql_text(ox.NamedNode(graph).value)})"


def drop_statements(drop: Iterable[str] | None) -> list[str]:
    """Delete the replaced graphs' quads; ``None`` (a rebuild): every graph but the server's
    own (:data:`SERVER_GRAPHS`, which no rebuild removes on Virtuoso either)."""
    # every value is a checked IRI written as a literal by sql_text (S608)
    if drop is None:
        kept = " or ".join(f"id_to_iri (G) like {sql_text(g + '%')}" for g in SERVER_GRAPHS)
        return [f"delete from DB.DBA.RDF_QUAD where not ({kept})"]  # noqa: S608
    return [f"delete from DB.DBA.RDF_QUAD where G = {_graph_id(g)}" for g in drop]  # noqa: S608


def load_statement(graph: str, url: str) -> str:
    """Parse the file at ``url`` into ``graph`` in the caller's transaction."""
    callbacks = ", ".join(sql_text(name) for name in CALLBACKS)
    return (
        f"rdf_load_turtle (http_get ({sql_text(url)}), '', {sql_text(ox.NamedNode(graph).value)},"
        f" 0, vector ({callbacks}), vector (0, null, 100000, null))"
    )


def transaction_script(drop: Iterable[str] | None, loads: Mapping[str, str], meta: str) -> str:
    """The statements of one write, up to (not including) the commit."""
    statements = [
        "set macro_substitution off",  # an IRI with "$" must stay as it is
        "set autocommit manual",
        "log_enable (1)",
        *drop_statements(drop),
        "SPARQL " + marker_removal(meta),
        *(load_statement(graph, url) for graph, url in loads.items()),
        "select concat ('sozialgraph-', 'loaded')",
    ]
    return "".join(f"{statement};\n" for statement in statements)


def isql_binary() -> str:
    for name in ISQL:
        found = shutil.which(name)
        if found:
            return found
    raise StoreUnavailable(
        "SOZIALGRAPH_VIRTUOSO_SQL is set, but Virtuoso's SQL client isql-vt is not installed "
        "(Debian: apt-get install virtuoso-opensource)"
    )


def run_transaction(access: SqlAccess, script: str, timeout: float) -> None:
    """Run ``script`` in isql on ``access``; commit only when it printed :data:`LOADED` and no
    error, else roll back. Raises :class:`StoreUnavailable` with isql's error lines."""
    command = [
        isql_binary(),
        access.address,
        access.user,
        access.password,  # isql takes it on its command line only (docs/settings.md)
        "VERBOSE=OFF",
        "BANNER=OFF",
        "PROMPT=OFF",
        "ERRORS=STDOUT",
    ]
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    assert process.stdin is not None and process.stdout is not None
    timer = threading.Timer(timeout, process.kill)  # killed isql: Virtuoso rolls back
    timer.start()
    output: list[str] = []
    try:
        process.stdin.write(script)
        process.stdin.flush()
        for line in process.stdout:
            output.append(line)
            if line.strip() == LOADED:
                break
        failed = _errors(output)
        if failed or not any(line.strip() == LOADED for line in output):
            process.stdin.write("rollback work;\nexit;\n")
            process.stdin.close()
            process.wait()
            raise _failure(access, failed or _tail(output), timed_out=not timer.is_alive())
        process.stdin.write("commit work;\nselect concat ('sozialgraph-', 'committed');\nexit;\n")
        process.stdin.close()
        rest = process.stdout.read()
        process.wait()
    except (BrokenPipeError, OSError) as error:
        process.kill()
        process.wait()
        raise _failure(
            access, _errors(output) or str(error), timed_out=not timer.is_alive()
        ) from None
    finally:
        timer.cancel()
    lines = rest.splitlines()
    if _errors(lines) or COMMITTED not in (line.strip() for line in lines):
        raise _failure(access, _errors(lines) or _tail(lines), timed_out=False, commit=True)


def _errors(lines: list[str]) -> str:
    """isql's error messages (``*** Error 42000: [Virtuoso Driver]…``) in ``lines``."""
    return " ".join(line.strip() for line in lines if line.startswith("*** Error"))[:600]


def _tail(lines: list[str]) -> str:
    return " ".join(line.strip() for line in lines[-5:] if line.strip())[:600] or "no answer"


def _failure(
    access: SqlAccess, reason: str, *, timed_out: bool, commit: bool = False
) -> StoreUnavailable:
    if timed_out:
        reason = f"no answer in time ({reason})"
    if "SR325" in reason:  # the transaction outgrew TransactionAfterImageLimit
        reason += " (raise TransactionAfterImageLimit in virtuoso.ini: docs/remote-store.md)"
    what = "the commit" if commit else "the write"
    return StoreUnavailable(
        f"Virtuoso's SQL port at {access.address} (user {access.user}) refused {what}: {reason}; "
        "nothing was changed" + ("" if not commit else " unless the metadata graph says so")
    )


def write_in_transaction(
    settings: Settings,
    drop: list[str] | None,
    quads: list[ox.Quad] | ox.Store,
    meta_graph: str,
) -> int:
    """Drop ``drop`` (None: every graph), add ``quads`` and a new marker in one transaction.

    ``quads`` hold no marker (the caller removed it). Returns the bytes the server pulled."""
    access = SqlAccess.from_settings(settings)
    if access is None:
        raise InvalidSetting("SOZIALGRAPH_VIRTUOSO_SQL is not set")
    marker = with_new_marker([], meta_graph)
    if isinstance(quads, ox.Store):
        quads.extend(marker)
    else:
        quads = [*quads, *marker]
    remove_leftovers(settings.state_dir, alive=process_alive)
    folder = settings.state_dir / LOADS_FOLDER / f"{os.getpid()}-{time.time_ns()}"
    try:
        files = write_graph_files(folder, quads)
        pulled = _size(files.values())
        with served_files(settings.remote_load_address, files) as urls:
            script = transaction_script(drop, urls, meta_graph)
            limit = settings.remote_chunk_bytes
            if len(script.encode("utf-8")) > limit:
                raise WriteTooLarge(
                    f"the SQL script of the write would be {len(script.encode()):,} bytes, more "
                    f"than SOZIALGRAPH_REMOTE_CHUNK_BYTES ({limit:,}); nothing was sent"
                )
            timeout = max(settings.query_timeout, 120.0) + pulled / PULL_BYTES_PER_SECOND
            run_transaction(access, script, timeout)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return pulled


def _size(paths: Iterable[Path]) -> int:
    return sum(path.stat().st_size for path in paths)
