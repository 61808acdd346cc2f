"""Running the app: uvicorn with the HTTP limits of a public server, logging to stdout."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

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


def run_server(app: FastAPI, settings: Settings) -> None:
    """Serve ``app`` on the settings' host and port until stopped."""
    import uvicorn

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
