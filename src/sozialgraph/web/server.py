"""Running the app: uvicorn with the HTTP limits of a public server, logging to stdout."""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from sozialgraph.config import Settings
from sozialgraph.web.http_limits import HttpLimits, default_max_connections, protocol_class


def http_limits(settings: Settings) -> HttpLimits:
    """The connection-layer limits the settings ask for."""
    return HttpLimits(
        header_timeout=settings.http_header_timeout,
        body_timeout=settings.http_body_timeout,
        min_body_rate=settings.http_min_body_rate,
        max_header_bytes=settings.http_max_header_bytes,
        max_headers=settings.http_max_headers,
        # a GET query may be percent-encoded (3 bytes a character) in the request line
        max_url_bytes=3 * settings.max_query_bytes + 8 * 1024,
        max_connections=settings.http_max_connections or default_max_connections(),
        ready_answers=settings.ready_answers,
    )


def log_config() -> dict[str, Any]:
    """Server messages and the access log on stdout, one line each, for journald or a container
    runtime to keep and rotate (sozialgraph writes no log file of its own)."""
    line = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"format": line}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
            "sozialgraph": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        },
    }


def run_server(
    app: FastAPI | None, settings: Settings, overrides: dict[str, object] | None = None
) -> None:
    """Serve ``app`` on the settings' host and port until stopped.

    With ``web_processes`` above 1 (``serve --workers N``), uvicorn starts that many processes on
    one socket; each makes its own app from the environment (``app_from_environment``), where
    ``overrides`` (the command's options) are put first.
    """
    import uvicorn

    if settings.web_processes > 1:
        for name, value in (overrides or {}).items():
            os.environ[f"SOZIALGRAPH_{name.upper()}"] = str(value)
        uvicorn.run(
            f"{__name__}:app_from_environment",
            factory=True,
            workers=settings.web_processes,
            # The supervisor kills a process that does not answer its ping in time; a process
            # busy at start (recording the version, the text index) holds the GIL for seconds.
            timeout_worker_healthcheck=60,
            host=settings.host,
            port=settings.port,
            http=f"{__name__}:HttpProtocolFromEnvironment",
            timeout_keep_alive=settings.http_keepalive_timeout,
            log_config=log_config(),
            log_level="info",
            access_log=settings.access_log,
        )
        return
    assert app is not None
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        http=protocol_class(http_limits(settings)),
        timeout_keep_alive=settings.http_keepalive_timeout,
        log_config=log_config(),
        log_level="info",
        access_log=settings.access_log,
    )


def tuned_allocator(settings: Settings) -> None:
    """Start this command once more (``exec``: the same process) with glibc's per-thread cache of
    freed blocks raised from 7 to ``malloc_tcache`` blocks per size, unless it is 0 or
    ``GLIBC_TUNABLES`` is set already. A SPARQL query in pyoxigraph allocates and frees more small
    blocks than 7; with the default, malloc's slow path costs about a quarter of a small lookup's
    CPU in a long-running server (docs/architecture.md). Query workers inherit the setting."""
    if (
        not settings.malloc_tcache
        or "GLIBC_TUNABLES" in os.environ
        or platform.libc_ver()[0] != "glibc"
    ):
        return
    tunable = f"glibc.malloc.tcache_count={settings.malloc_tcache}"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, sys.orig_argv, {**os.environ, "GLIBC_TUNABLES": tunable})  # noqa: S606


def app_from_environment() -> ASGIApp:
    """The app of one of several web processes: settings from the environment, and a header
    that names the process (``Sozialgraph-Process``) so that clients and tests can tell them
    apart."""
    from sozialgraph.web.app import SozialgraphApp, create_app

    app = create_app(Settings())
    assert isinstance(app, SozialgraphApp)
    app.name_process()
    return app


def __getattr__(name: str) -> Any:
    """``HttpProtocolFromEnvironment``: the protocol class of a web process, with the limits of
    the settings in its environment (uvicorn imports it by name in each process)."""
    if name == "HttpProtocolFromEnvironment":
        return protocol_class(http_limits(Settings()))
    raise AttributeError(name)
