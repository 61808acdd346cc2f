"""Settings: environment variables prefixed ``SOZIALGRAPH_``, nothing else."""

from __future__ import annotations

import hashlib
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sozialgraph.namespaces import DEFAULT_BASE_IRI


def _default_store() -> str:
    return str(Path(user_data_dir("sozialgraph")) / "store")


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
    query_timeout: float = Field(30.0, gt=0, description="Seconds a SPARQL query may run.")
    max_result_bytes: int = Field(50_000_000, gt=0, description="Largest serialised query result.")
    max_query_bytes: int = Field(100_000, gt=0, description="Largest accepted query text.")
    max_upload_bytes: int = Field(20_000_000, gt=0, description="Largest accepted upload.")
    query_workers: int = Field(2, ge=1, description="Worker processes that run SPARQL queries.")
    write_tokens: str = Field(
        "", description="Comma-separated write tokens, each 'name:token' (or a bare token)."
    )
    license: str = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    update_url: str | None = Field(None, description="SPARQL Update endpoint of a remote store.")
    graph_store_url: str | None = Field(None, description="Graph Store endpoint of a remote store.")
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
