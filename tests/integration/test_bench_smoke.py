"""A small run of the benchmark: it works end to end (correctness only, no timing assertions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.slow
def test_benchmark_smoke_run(tmp_path: Path) -> None:
    from bench.run import main

    results = main(
        [
            "--quick",
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(tmp_path / "out"),
            "--seconds",
            "0.3",
        ]
    )
    jena, result = results
    assert jena.label.startswith("Jena") and jena.triples > 1000 and not jena.http
    assert len(jena.named_queries_ms) >= 20
    assert result.triples > 1000 and result.municipalities == 1
    assert result.same_violations is True and result.injected_errors > 0
    assert {
        "sozialgraph /sparql c=8",
        "sozialgraph /sparql uncached c=8",
        "oxigraph c=8",
        "oxigraph uncached c=8",
        "rdflib-endpoint c=8",
        "rdflib-endpoint uncached c=8",
        "sozialgraph /api c=1",
    } <= set(result.http)
    assert all(cell["errors"] == 0 and cell["requests"] > 0 for cell in result.http.values())
    assert len(result.named_queries_ms) >= 20
    # one municipality, and the same filters over all of them
    assert {"measures-by-status (filtered)", "measures-by-status (all towns)"} <= set(
        result.named_queries_ms
    )
    assert result.named_queries_ms["crossref (filtered)"]["rows"] > 0
    written = sorted((tmp_path / "out").iterdir())
    assert [p.suffix for p in written] == [".json", ".md"]
    payload = json.loads(written[0].read_text())
    assert payload["machine"]["cpus"] and payload["results"][1]["triples"] == result.triples
    report = written[1].read_text()
    assert "÷ Oxigraph server, cached (goal ≥ 0.5×)" in report and f"| {jena.label} |" in report
