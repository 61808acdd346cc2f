"""Benchmarks for sozialgraph: synthetic municipalities at scale (issue 8)."""
