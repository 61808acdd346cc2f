"""A real Virtuoso 7 (Debian's ``virtuoso-opensource``) as a subprocess, for remote-store tests.

with VirtuosoServer(tmp_path / "virtuoso") as server:
    settings = Settings(store=server.query_url, graph_store_url=server.store_url)
    ...

The database lives in a temporary folder with a generated ``virtuoso.ini``. The SQL port listens
on 127.0.0.1; the HTTP port on every interface, because Virtuoso 7.2.5 accepts
``127.0.0.1:port`` there but then answers no request (measured: the server spins, requests
hang), so tests reach it at 127.0.0.1 and a shared machine needs its firewall. The anonymous ``SPARQL`` user gets ``SPARQL_UPDATE`` (and write permission on every
graph), so the same ``/sparql`` URL reads and writes, as on a server behind a private network or
an authenticating proxy; the Graph Store endpoint is ``/sparql-graph-crud``.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

import httpx

from tests.support import free_port

#: The binary of Debian's package; the Makefile's ``test`` target installs it.
VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"

#: Starts on fresh ports when another process took one first (a shared machine).
PORT_ATTEMPTS = 4
#: Let the anonymous SPARQL user write (the update endpoint of these tests is unauthenticated).
GRANTS = ("DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);", 'GRANT SPARQL_UPDATE TO "SPARQL";')

INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
MaxClientConnections = 20
CheckpointInterval   = 60
CaseMode             = 2
DirsAllowed          = ., {dir}
NumberOfBuffers      = {buffers}
MaxDirtyBuffers      = {dirty}
ThreadsPerQuery      = 2
MaxQueryMem          = 1G
{extra}

[HTTPServer]
ServerPort           = {port}
ServerRoot           = {dir}/vsp
MaxClientConnections = 20
ServerThreads        = 20
Charset              = UTF-8
EnabledGzipContent   = 0

[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryExecutionTime      = {timeout}
MaxQueryCostEstimationTime = 0
"""


def virtuoso_installed() -> bool:
    return shutil.which(VIRTUOSO) is not None and shutil.which(ISQL) is not None


class VirtuosoServer:
    """``virtuoso-t +foreground`` on a fresh database; stop and start at will."""

    def __init__(
        self,
        location: Path,
        *,
        timeout_s: int = 30,
        max_rows: int = 1_000_000,
        buffers: int = 60_000,
        startup: float = 90.0,
        isolation: int | None = None,
        after_image_limit: int | None = None,
    ) -> None:
        self.location = Path(location)
        self.port = free_port()
        self.sql_port = free_port()
        self.timeout_s = timeout_s  # MaxQueryExecutionTime
        self.max_rows = max_rows  # ResultSetMaxRows
        self.buffers = buffers  # 8 KB pages of memory (60,000 ≈ 500 MB)
        self.startup = startup
        #: ``DefaultIsolation`` (None: Virtuoso's read committed; 4: repeatable read, with which
        #: readers wait for a writer's transaction instead of seeing its commit half-way)
        self.isolation = isolation
        #: ``TransactionAfterImageLimit`` (bytes one transaction may change; None: Virtuoso's
        #: default, ~50 MB, which a 1M-triple build through the SQL port outgrows)
        self.after_image_limit = after_image_limit
        self.log = self.location / "virtuoso.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._granted = False
        self._log_start = 0  # where this start's lines begin in the log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.url + "/sparql"

    @property
    def update_url(self) -> str:
        return self.url + "/sparql"

    @property
    def store_url(self) -> str:
        return self.url + "/sparql-graph-crud"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def env(self) -> dict[str, str]:
        """The settings that point sozialgraph at this server."""
        return {
            "SOZIALGRAPH_STORE": self.query_url,
            "SOZIALGRAPH_UPDATE_URL": self.update_url,
            "SOZIALGRAPH_GRAPH_STORE_URL": self.store_url,
        }

    def sql_env(self) -> dict[str, str]:
        """The settings with which sozialgraph writes through the SQL port (remote_sql)."""
        return {
            "SOZIALGRAPH_VIRTUOSO_SQL": f"dba@127.0.0.1:{self.sql_port}",
            "SOZIALGRAPH_VIRTUOSO_SQL_PASSWORD": "dba",
        }

    def start(self) -> VirtuosoServer:
        if self.alive():
            return self
        if not virtuoso_installed():
            raise RuntimeError("Virtuoso is missing: apt-get install virtuoso-opensource")
        for attempt in range(PORT_ATTEMPTS):
            if attempt:  # another process took a port between free_port() and Virtuoso's listen
                self.port, self.sql_port = free_port(), free_port()
            if self._launch():
                break
        else:
            raise RuntimeError(f"Virtuoso found no free ports:\n{self._log_tail()}")
        if not self._granted:
            for statement in GRANTS:
                try:
                    self.sql(statement)
                except RuntimeError as error:
                    if "U0013" not in str(error):  # a database of an earlier start has the role
                        raise
            self._granted = True
        return self

    def _launch(self) -> bool:
        """Start ``virtuoso-t`` on the current ports; False when a port was taken meanwhile."""
        (self.location / "vsp").mkdir(parents=True, exist_ok=True)
        ini = self.location / "virtuoso.ini"
        ini.write_text(
            INI.format(
                dir=self.location,
                port=self.port,
                sql_port=self.sql_port,
                max_rows=self.max_rows,
                timeout=self.timeout_s,
                buffers=self.buffers,
                dirty=self.buffers * 3 // 4,
                extra="\n".join(
                    line
                    for line, value in (
                        (f"DefaultIsolation     = {self.isolation}", self.isolation),
                        (
                            f"TransactionAfterImageLimit = {self.after_image_limit}",
                            self.after_image_limit,
                        ),
                    )
                    if value
                ),
            )
        )
        self._log_start = self.log.stat().st_size if self.log.exists() else 0
        with (self.location / "stdout.log").open("ab") as output:
            self.process = subprocess.Popen(
                [VIRTUOSO, "+foreground", "+configfile", str(ini)],
                cwd=self.location,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        return self._wait_until_ready()

    def sql(self, statements: str) -> str:
        """Run SQL as ``dba`` through ``isql-vt`` (the default password of a new database)."""
        result = subprocess.run(
            [ISQL, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statements}"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0 or "*** Error" in result.stdout + result.stderr:
            raise RuntimeError(f"isql failed: {result.stdout}\n{result.stderr}")
        return result.stdout

    def _wait_until_ready(self) -> bool:
        """Wait until this process logs that it listens on both ports and answers a query.

        The log decides, not an answer on the port alone: on a shared machine another server
        may hold the port (Virtuoso then logs "Failed HTTP listen" and exits), and its answers
        must not be mistaken for this server's."""
        deadline = time.monotonic() + self.startup
        while time.monotonic() < deadline:
            log = self._log_since_start()
            if "Failed HTTP listen" in log or "Failed to listen" in log or not self.alive():
                self.stop()
                if "listen" in log:
                    return False
                raise RuntimeError(f"Virtuoso exited early:\n{self._log_tail()}")
            if f"HTTP server online at {self.port}" in log and "Server online at" in log:
                try:
                    # The form encoding: Virtuoso 7.2.5 does not answer a POST of
                    # application/sparql-query (measured: empty 200s, or no answer at all).
                    response = httpx.post(self.query_url, data={"query": "ASK {}"}, timeout=2)
                    if response.status_code == 200:
                        return True
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Virtuoso did not start:\n{self._log_tail()}")

    def _log_since_start(self) -> str:
        try:
            with self.log.open("rb") as log:
                log.seek(self._log_start)
                return log.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self, *, kill: bool = True) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except FileNotFoundError:
            return ""

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
