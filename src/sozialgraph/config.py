"""Settings: environment variables prefixed ``SOZIALGRAPH_``, nothing else."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sozialgraph.namespaces import DEFAULT_BASE_IRI


def _default_store() -> str:
    return str(Path(user_data_dir("sozialgraph")) / "store")


def _default_worker_memory() -> int:
    """1 GiB, or an eighth of the machine's memory where that is less."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 1 << 30
    return max(64 << 20, min(1 << 30, physical // 8))


class Settings(BaseSettings):
    """Every setting of the service; passed in, never read from a module global."""

    model_config = SettingsConfigDict(env_prefix="SOZIALGRAPH_", extra="ignore")

    store: str = Field(
        default_factory=_default_store,
        description="Store directory (embedded pyoxigraph) or the URL of a SPARQL query endpoint.",
    )
    base_iri: str = Field(DEFAULT_BASE_IRI, description="Base IRI of the published data.")
    host: str = "127.0.0.1"
    port: int = 8000
    access_log: bool = Field(
        True, description="Log every request (off behind a proxy that logs; halves throughput)."
    )
    web_processes: int = Field(
        1, ge=1, description="Web server processes (serve --workers) sharing one embedded store."
    )
    inline_lookups: bool = Field(
        True, description="Run provably small /sparql lookups in the web process (no worker)."
    )
    ready_answers: bool = Field(
        True,
        description="Write /sparql answers ready at once from the HTTP layer (no ASGI round).",
    )
    malloc_tcache: int = Field(
        100, ge=0, le=65_535, description="glibc's cache of freed blocks per size and thread."
    )
    query_timeout: float = Field(30.0, gt=0, description="Seconds a SPARQL query may run.")
    max_result_bytes: int = Field(50_000_000, gt=0, description="Largest serialised query result.")
    max_query_bytes: int = Field(100_000, gt=0, description="Largest accepted query text.")
    max_upload_bytes: int = Field(20_000_000, gt=0, description="Largest accepted upload.")
    query_workers: int = Field(2, ge=1, description="Worker processes that run SPARQL queries.")
    project_workers: int = Field(
        1, ge=1, description="Worker processes kept for pages, the API and writes (not /sparql)."
    )
    worker_memory: int = Field(
        default_factory=_default_worker_memory,
        gt=0,
        description="Memory (bytes; or 512M, 1G) a query worker may use before it is stopped.",
    )
    query_queue: int = Field(
        8, ge=0, description="Public queries that may wait for a worker; more are answered 503."
    )
    queries_per_client: int = Field(
        5, ge=1, description="Public queries one client address may have running or waiting (429)."
    )
    http_header_timeout: float = Field(
        10.0, gt=0, description="Seconds a client has to send a request's line and headers (408)."
    )
    http_keepalive_timeout: int = Field(
        5, ge=1, description="Seconds an idle connection is kept open between requests."
    )
    http_body_timeout: float = Field(
        10.0, gt=0, description="Seconds after which a request body must keep the minimum rate."
    )
    http_min_body_rate: int = Field(
        1000, gt=0, description="Bytes per second a request body must average (408)."
    )
    http_max_header_bytes: int = Field(
        32_768, gt=0, description="Largest size of a request's header fields (431)."
    )
    http_max_headers: int = Field(100, gt=0, description="Most header fields of a request (431).")
    http_max_connections: int = Field(
        0, ge=0, description="Most open connections (503); 0: half the file-descriptor limit."
    )
    auth_failures_per_minute: int = Field(
        10, gt=0, description="Failed write authentications a client may make a minute (429)."
    )
    write_tokens: str = Field(
        "", description="Comma-separated write tokens, each 'name:token' (or a bare token)."
    )
    session_minutes: int = Field(
        120, ge=1, le=24 * 60, description="Minutes an officer's sign-in session lasts."
    )
    session_cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Secure flag of the session cookie: 'auto' when the request came over HTTPS "
        "(also as told by a trusted proxy), 'always' behind a proxy that ends TLS, 'never'.",
    )
    license: str = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    update_url: str | None = Field(None, description="SPARQL Update endpoint of a remote store.")
    graph_store_url: str | None = Field(None, description="Graph Store endpoint of a remote store.")
    remote_chunk_bytes: int = Field(
        16 << 20,
        ge=64 << 10,
        description="Largest request sent to a remote store; larger writes are pulled by LOAD.",
    )
    remote_load_address: str = Field(
        "127.0.0.1",
        description="host or host:port where a remote store fetches the content of large writes.",
    )
    virtuoso_sql: str | None = Field(
        None,
        description="user@host:port of Virtuoso's SQL port: every write to a Virtuoso store "
        "becomes one SQL transaction (isql-vt), atomic there; unset: SPARQL Update only.",
    )
    virtuoso_sql_password: str | None = Field(
        None, repr=False, description="Password of the SOZIALGRAPH_VIRTUOSO_SQL user."
    )
    remote_user: str | None = None
    remote_password: str | None = None
    remote_token: str | None = None
    publisher_name: str = Field("Stadt Jena", description="Publisher of the catalog record.")
    publisher_iri: str | None = Field(
        None,
        description="IRI of the publisher, the municipality whose data this is (imports refer "
        "to its strategies); default {base}{municipality}/organisation/stadt-{municipality}.",
    )
    municipality_key: str = Field(
        "16053000", description="Amtlicher Gemeindeschlüssel for dct:spatial (DCAT-AP.de)."
    )
    contact_name: str = Field("Stadt Jena", description="Contact point name (vcard:fn).")
    contact_url: str = Field(
        "https://www.jena.de/", description="Contact point web address (vcard:hasURL)."
    )
    contact_email: str | None = Field(None, description="Contact point e-mail (vcard:hasEmail).")
    contributor_id: str | None = Field(
        None, description="dcatde:contributorID of the dataset (an IRI of DCAT-AP.de's list)."
    )
    license_attribution: str = Field(
        "Stadt Jena", description="dcatde:licenseAttributionByText of the distributions."
    )
    dump_dir: str | None = Field(
        None, description="Folder of the generated dumps; default: 'dumps' in the state folder."
    )
    search_index: bool = Field(
        True, description="Search with the text index (false: always the plain scan)."
    )
    search_index_dir: str | None = Field(
        None, description="Folder of the text index; default: 'search-index' in the state folder."
    )
    search_index_build_max_quads: int = Field(
        2_000_000,
        ge=0,
        description="Largest build (quads) whose text index is made inside the build; a larger "
        "one keeps its memory flat and the server makes the index after the switch.",
    )
    search_index_wait: float = Field(
        5.0,
        ge=0,
        description="Seconds a search waits for the index of a new store version before the "
        "plain scan answers.",
    )
    search_max_query_chars: int = Field(500, gt=0, description="Longest search text (longer: 400).")
    versions_dir: str | None = Field(
        None, description="Folder of the citable versions; default: 'versions' in the state folder."
    )
    versions_keep_days: int = Field(
        90, ge=0, description="Keep the dump of every version of the last this many days."
    )
    versions_keep_monthly: bool = Field(
        True, description="Keep the dump of the last version of each month forever."
    )
    ldes_page_size: int = Field(
        250, ge=1, le=100_000, description="Members per page of the event stream (/ldes)."
    )
    ldes_retention_days: int = Field(
        3650, ge=1, description="Days the event stream keeps its members (its retention policy)."
    )
    feed_entries: int = Field(50, ge=1, le=1000, description="Entries per Atom feed (newest).")
    oparl_hosts: str = Field(
        "",
        description="Comma-separated hosts (host or host:port) OParl imports may fetch from; "
        "empty: every OParl request is refused.",
    )
    oparl_timeout: float = Field(
        20.0, gt=0, description="Seconds to connect to an OParl server and to read each answer."
    )
    oparl_max_bytes: int = Field(
        10_000_000, gt=0, description="Largest answer (bytes) accepted from an OParl server."
    )

    @field_validator("worker_memory", mode="before")
    @classmethod
    def _memory_with_unit(cls, value: object) -> object:
        if isinstance(value, str) and value.strip()[-1:].upper() in ("K", "M", "G"):
            number, unit = value.strip()[:-1], value.strip()[-1].upper()
            return int(float(number) * {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[unit])
        return value

    @field_validator("base_iri")
    @classmethod
    def _base_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or not value.endswith(("/", "#")):
            raise ValueError("base_iri must be an http(s) IRI ending in '/' or '#'")
        return value

    validator: str = Field(
        "auto", description="SHACL gate: auto, pyshacl or sparql (auto: sparql for large graphs)."
    )
    municipality: str = Field(
        "jena", description="Slug of the municipality that imports mint IRIs for."
    )

    @property
    def municipality_iri(self) -> str:
        """The municipality this service publishes for (``publisher_iri`` or the default)."""
        slug = self.municipality
        return self.publisher_iri or f"{self.base_iri}{slug}/organisation/stadt-{slug}"

    @property
    def is_remote(self) -> bool:
        return self.store.startswith(("http://", "https://"))

    @property
    def state_dir(self) -> Path:
        """Where sozialgraph keeps its own files (graph history, caches) beside the store."""
        if not self.is_remote:
            return Path(self.store)
        digest = hashlib.sha256(self.store.encode("utf-8")).hexdigest()[:12]
        return Path(user_data_dir("sozialgraph")) / f"remote-{digest}"
