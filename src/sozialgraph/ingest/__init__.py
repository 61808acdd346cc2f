"""Bringing data officers' data in: sheets and RDF uploads → SHACL gate → one atomic write."""
