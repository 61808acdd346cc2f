"""The SPARQL path of the SHACL gate run both ways it can read a store, for the tests."""

from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from sozialgraph.validation.report import ValidationReport
from sozialgraph.validation.sparql import validate_store


def validate_both_ways(store: ox.Store, shapes: Graph, **options: Any) -> ValidationReport:
    """The SPARQL path's report, asserted to be the same whether the constraints seek each focus
    node's values or scan their paths (``validation.sparql.scans``; a build picks per constraint)."""
    seeks = validate_store(store, shapes, plan="seeks", **options)
    scans = validate_store(store, shapes, plan="scans", **options)
    assert scans == seeks, (seeks.format("en"), scans.format("en"))
    return seeks
