"""Every setting is documented in docs/settings.md (and nothing documented is gone)."""

from __future__ import annotations

import re
from pathlib import Path

from sozialgraph.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_every_setting_is_in_the_settings_page() -> None:
    documented = set(re.findall(r"SOZIALGRAPH_([A-Z_]+)", DOCS.read_text(encoding="utf-8")))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented == set(), "settings missing from docs/settings.md"
    assert documented - fields == set(), "docs/settings.md names settings that do not exist"
