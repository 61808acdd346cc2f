"""A real Oxigraph server (PyPI package ``oxigraph``) as a subprocess, for remote-store tests.

with OxigraphServer(tmp_path / "oxigraph") as server:
    settings = Settings(store=server.query_url)
    ...
    server.stop()      # the server goes away (kill -9 by default)
    server.start()     # and comes back on the same port and location
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from tests.support import free_port


def oxigraph_binary() -> str:
    """The ``oxigraph`` command of this virtualenv (or on PATH)."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the 'oxigraph' command is missing: pip install oxigraph")
    return found


class OxigraphServer:
    """``oxigraph serve --location <dir> --bind 127.0.0.1:<port>``; stop and start at will."""

    def __init__(
        self,
        location: Path,
        *,
        port: int | None = None,
        timeout_s: float | None = None,
        startup: float = 30.0,
    ) -> None:
        self.location = Path(location)
        self.port = port or free_port()
        self.timeout_s = timeout_s  # Oxigraph's own query timeout (--timeout-s), if any
        self.startup = startup
        self.log = self.location.with_name(self.location.name + f"-oxigraph-{self.port}.log")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    @property
    def update_url(self) -> str:
        return self.url + "/update"

    @property
    def store_url(self) -> str:
        return self.url + "/store"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> OxigraphServer:
        """Start the server and wait until it answers a query."""
        if self.alive():
            return self
        self.location.mkdir(parents=True, exist_ok=True)
        command = [
            oxigraph_binary(),
            "serve",
            "--location",
            str(self.location),
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        if self.timeout_s is not None:
            command += ["--timeout-s", f"{self.timeout_s:g}"]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"oxigraph server exited early:\n{self._log_tail()}")
            try:
                response = httpx.post(
                    self.query_url,
                    content=b"ASK {}",
                    headers={"Content-Type": "application/sparql-query"},
                    timeout=2,
                )
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"oxigraph server did not start:\n{self._log_tail()}")

    def stop(self, *, kill: bool = True) -> None:
        """Stop the server: SIGKILL (the server just goes away) or SIGTERM; wait for the exit."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> OxigraphServer:
        self.stop()
        return self.start()

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except FileNotFoundError:
            return ""

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
