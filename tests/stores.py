"""Stores for write tests: the project's ontology and shapes with a generated example town."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from sozialgraph.build import build
from sozialgraph.resources import resource_root
from sozialgraph.store.embedded import EmbeddedStore

EXAMPLE_BASE = "https://example.org/"
EXAMPLE_TOWN = Path(__file__).parent / "data" / "valid" / "beispielstadt.ttl"
STATUSES = ["geplant", "in Umsetzung", "umgesetzt", "Daueraufgabe", "bereits erreicht"]
STRATEGIES = ["Armutspräventionsstrategie", "Aktionsplan gegen Rassismus"]


def build_example_store(path: Path) -> Path:
    """A store with the real ontology, vocabularies and shapes, and the example town's data."""
    root = path.parent / (path.name + "-sources")
    for folder in ("ontology", "shapes"):
        shutil.copytree(resource_root() / folder, root / folder, dirs_exist_ok=True)
    (root / "data" / "beispielstadt").mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE_TOWN, root / "data" / "beispielstadt" / "beispielstadt.ttl")
    store = EmbeddedStore(path)
    build(store, EXAMPLE_BASE, root=root)
    store.close()
    return path


HEADER = [
    "Kennung",
    "Titel",
    "Titel (englisch)",
    "Beschreibung",
    "Strategie",
    "Handlungsfelder",
    "ECCAR-Verpflichtungen",
    "Federführung",
    "Zielgruppen",
    "Status",
    "Statusdatum",
    "Frist",
    "Quelle",
]


def measure_rows(count: int, *, prefix: str = "GEN") -> list[list[str]]:
    """``count`` generated measures that the example town's vocabularies accept."""
    rows = []
    for number in range(1, count + 1):
        strategy = STRATEGIES[number % 2]
        rows.append(
            [
                f"{prefix}-{number:03d}",
                f"Erzeugte Maßnahme {number}",
                f"Generated measure {number}",
                f"Beschreibung der erzeugten Maßnahme {number} für Tests.",
                strategy,
                "Bildung" if strategy == STRATEGIES[0] and number % 3 == 0 else "",
                str(number % 10 + 1) if strategy == STRATEGIES[1] else "",
                "Ausschuss für Soziales" if number % 4 == 0 else "",
                "",
                STATUSES[number % len(STATUSES)],
                f"{(number % 28) + 1:02d}.06.2025",
                str(2026 + number % 3),
                f"https://example.org/quellen/massnahme-{number}",
            ]
        )
    return rows


def sheet_csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
