"""sozialgraph: a municipal social strategy as a validated, queryable linked-data graph."""

__version__ = "0.1.0"
