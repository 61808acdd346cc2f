"""Parsing RDF with pyoxigraph (never rdflib for untrusted input) and handing terms to rdflib."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from sozialgraph.errors import RdfSyntaxError, UnsupportedMediaType
from sozialgraph.formats import FORMATS, rdf_format_for_suffix
from sozialgraph.namespaces import DEFAULT_BASE_IRI, rebase

# rdflib logs a warning with a traceback for every ill-typed literal it is handed ("2024-13-01"
# as xsd:date); the SHACL gate reports those (sh:datatype) with their focus node, so an upload
# full of them would only fill the log.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)


_XML_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def format_for_path(path: Path) -> ox.RdfFormat:
    fmt = rdf_format_for_suffix(path.suffix)
    if fmt is None:
        known = ", ".join(sorted("." + f.suffix for f in FORMATS if f.rdf is not None))
        raise UnsupportedMediaType(f"{path.name}: unknown RDF file type (known: {known})")
    return fmt


def parse_triples(
    data: bytes,
    fmt: ox.RdfFormat,
    *,
    source: str = "",
    base_iri: str = DEFAULT_BASE_IRI,
) -> list[ox.Triple]:
    """Parse one RDF graph document; errors carry the source name, line and column."""
    if fmt == ox.RdfFormat.RDF_XML:
        reject_xml_declarations(data, source)
    try:
        quads = ox.parse(data, format=fmt, base_iri=None)
        triples = []
        for quad in quads:
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                raise RdfSyntaxError("named graphs are not accepted here", source=source)
            triples.append(quad.triple)
    except SyntaxError as error:
        raise _syntax_error(error, source) from None
    except ValueError as error:  # e.g. an unsupported JSON-LD feature such as a remote @context
        raise RdfSyntaxError(str(error), source=source) from None
    if base_iri != DEFAULT_BASE_IRI:
        triples = [rebase_triple(t, base_iri) for t in triples]
    return triples


def reject_xml_declarations(data: bytes, source: str) -> None:
    """pyoxigraph expands XML entities (RELIABILITY.md, point 5): refuse DTDs outright."""
    if _XML_DECLARATIONS.search(data):
        raise RdfSyntaxError(
            "RDF/XML with <!DOCTYPE> or <!ENTITY> is not accepted (no XML entities)",
            source=source,
        )


def parse_file(
    path: Path, *, source: str | None = None, base_iri: str = DEFAULT_BASE_IRI
) -> list[ox.Triple]:
    return parse_triples(
        path.read_bytes(), format_for_path(path), source=source or str(path), base_iri=base_iri
    )


def _syntax_error(error: SyntaxError, source: str) -> RdfSyntaxError:
    message = str(error.args[0]) if error.args else str(error)
    line, column = error.lineno, error.offset
    if line is None:
        found = re.search(r"line (\d+) column (\d+)", message) or re.search(r"(\d+):(\d+)", message)
        if found:
            line, column = int(found.group(1)), int(found.group(2))
    return RdfSyntaxError(message, source=source, line=line, column=column)


def rebase_triple(triple: ox.Triple, base_iri: str) -> ox.Triple:
    return ox.Triple(
        _rebase_term(triple.subject, base_iri),
        triple.predicate,
        _rebase_term(triple.object, base_iri),
    )


def _rebase_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, base_iri: str):  # noqa: ANN202
    if isinstance(term, ox.NamedNode):
        return ox.NamedNode(rebase(term.value, base_iri))
    return term


def to_rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """The rdflib form of a pyoxigraph term; RDF-star triple terms have none here."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"RDF-star triple terms are not supported: {term}")


def to_rdflib(triples: Iterable[ox.Triple], graph: Graph | None = None) -> Graph:
    """Copy pyoxigraph triples into an rdflib graph (for pySHACL)."""
    graph = graph if graph is not None else Graph()
    for triple in triples:
        graph.add(
            (
                to_rdflib_term(triple.subject),
                to_rdflib_term(triple.predicate),
                to_rdflib_term(triple.object),
            )
        )
    return graph
