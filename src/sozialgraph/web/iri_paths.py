"""Where an IRI lives on this server, and which IRI a path stands for (docs/iri-policy.md).

Data IRIs are ``{base}{path}`` and answer at ``/{path}``. The ontology, vocabulary and shapes
namespaces stay at ``https://w3id.org/sozialgraph/`` whatever the base is, and answer at their
path under it (``/ontology``, ``/vocab/eccar/3``). A file extension picks a format.
"""

from __future__ import annotations

from sozialgraph.namespaces import DEFAULT_BASE_IRI, FIXED_NAMESPACES
from sozialgraph.web import negotiation as media

#: Extensions that select a format of an IRI's document (slugs never contain a dot).
DOCUMENT_EXTENSIONS = {
    "ttl": media.TURTLE,
    "nt": media.N_TRIPLES,
    "jsonld": media.JSON_LD,
    "rdf": media.RDF_XML,
    "html": media.HTML,
}

_FIXED_PATHS = tuple(ns[len(DEFAULT_BASE_IRI) :].rstrip("#/") for ns in FIXED_NAMESPACES)


def split_extension(path: str) -> tuple[str, str | None]:
    """``("jena/massnahme/x", "ttl")`` for ``jena/massnahme/x.ttl``; no extension → None."""
    head, dot, extension = path.rpartition(".")
    if dot and "/" not in extension and extension.lower() in DOCUMENT_EXTENSIONS and head:
        return head, extension.lower()
    return path, None


def iri_for_path(path: str, base_iri: str) -> str:
    """The IRI that ``/{path}`` stands for."""
    path = path.lstrip("/")
    for fixed in _FIXED_PATHS:
        if path == fixed or path.startswith(fixed + "/"):
            return DEFAULT_BASE_IRI + path
    return base_iri + path


def path_for_iri(iri: str, base_iri: str) -> str | None:
    """The path of ``iri`` on this server (with its fragment), or None for other hosts' IRIs."""
    for namespace in (base_iri, DEFAULT_BASE_IRI):
        if iri.startswith(namespace):
            rest = iri[len(namespace) :]
            if rest.startswith(("/", "\\")):  # "/" + rest would be a protocol-relative link
                return None
            return "/" + rest
    return None


#: Schemes that pages link to; any other IRI (``javascript:``, ``data:``…) is shown as text.
LINKABLE_SCHEMES = ("http://", "https://")


def link_target(iri: str, base_iri: str, lang: str | None = None) -> str | None:
    """Where a page links ``iri``: our path (keeping ``?lang``), the IRI itself, or None."""
    path = path_for_iri(iri, base_iri)
    if path is not None:
        return with_language(path, lang)
    if iri.lower().startswith(LINKABLE_SCHEMES):
        return iri
    return None


def with_language(path: str, lang: str | None) -> str:
    """``path`` with ``?lang=`` before its fragment, so a chosen page language is kept."""
    if not lang:
        return path
    document, hash_mark, fragment = path.partition("#")
    separator = "&" if "?" in document else "?"
    return f"{document}{separator}lang={lang}{hash_mark}{fragment}"
