"""What the accessibility, third-party and screenshot runs share: the page types of Jena's graph,
a server on a copy of Jena's store, axe-core in the page, and YASGUI and Swagger UI driven until
they have drawn what a person would see."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support import LiveServer, live_server

BROWSER_DIR = Path(__file__).parent
AXE = BROWSER_DIR / "node_modules" / "axe-core" / "axe.min.js"

#: WCAG 2.0 and 2.1, levels A and AA: what BITV 2.0 asks of a German public body's site.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: One page of every type, in German (``?lang=en`` gives English).
PAGES = {
    "start page": "/",
    "strategy": "/jena/strategie/armutspraeventionsstrategie",
    "field of action": "/jena/handlungsfeld/armutspraeventionsstrategie/bildung",
    "measure": "/jena/massnahme/antidiskriminierungsstelle",
    "measure list": "/massnahmen",
    "cross-reference matrix": "/verflechtung",
    "ECCAR coverage": "/eccar",
    "timeline": "/verlauf/jena/strategie/armutspraeventionsstrategie",
    "documentation status": "/dokumentationsstand",
    "query page": "/sparql",
    "API documentation": "/docs",
    "not found": "/jena/gibt-es-nicht",
}
#: Status of each page that is not 200.
STATUS = {"not found": 404}


def english(path: str) -> str:
    return path + ("&" if "?" in path else "?") + "lang=en"


def build_jena_store(target: Path) -> Path:
    """A store built from the project's files (as ``tests/conftest.jena_store_dir``)."""
    from sozialgraph.build import build
    from sozialgraph.config import Settings
    from sozialgraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(target)
    build(store, Settings(store=str(target)).base_iri)
    store.close()
    return target


@contextlib.contextmanager
def jena_server(store: Path | None = None) -> Iterator[LiveServer]:
    """``sozialgraph serve`` on a private copy of ``store`` (or a new build of Jena's graph)."""
    with tempfile.TemporaryDirectory(prefix="sozialgraph-browser-") as folder:
        copy = Path(folder) / "store"
        # the server gets a copy: the building process keeps the store's lock until it exits
        source = store if store is not None else build_jena_store(Path(folder) / "built")
        shutil.copytree(source, copy, symlinks=True)
        with live_server(copy) as live:
            yield live


# Every violation of the content security policy, recorded before any page script runs.
RECORD_POLICY_VIOLATIONS = """
window.__policyViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__policyViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
      `(${event.sourceFile}:${event.lineNumber}) ${event.sample}`
  );
});
"""


def policy_violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__policyViolations || []"))


def is_outside(url: str, server_url: str) -> bool:
    """A request to any host but the test server's (``data:`` and ``blob:`` stay in the page)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return False
    return parts.netloc != urlsplit(server_url).netloc


def open_page(page: Any, url: str, expected_status: int = 200) -> None:
    """Load ``url`` and wait until its scripts have drawn: YASGUI's editor, Swagger UI's list."""
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status == expected_status, (
        f"{url}: status {response.status if response else None}, expected {expected_status}"
    )
    path = urlsplit(url).path
    if path == "/sparql":
        page.wait_for_selector("#yasgui .CodeMirror", timeout=15_000)
    elif path == "/docs":
        page.wait_for_selector("#swagger-ui .opblock", timeout=15_000)


def run_yasgui_query(page: Any, query: str) -> list[dict[str, str]]:
    """Type ``query`` into YASGUI's editor, run it, and read the rows of its result table."""
    page.evaluate("(query) => window.sozialgraphYasgui.getTab().getYasqe().setValue(query)", query)
    page.locator("#yasgui .tabPanel.active .yasqe_queryButton").click()
    table = page.locator("#yasgui .tabPanel.active .yasr .dataTable")
    table.locator("tbody tr").first.wait_for(timeout=15_000)
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    rows = []
    for row in table.locator("tbody tr").all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        rows.append(dict(zip(headers, cells, strict=True)))
    return rows


def try_first_operation(page: Any) -> None:
    """Open the first operation in Swagger UI, try it out and execute it (a GET to /sparql)."""
    page.locator("#swagger-ui .opblock-summary-control").first.click()
    page.locator("#swagger-ui button.try-out__btn").first.click()
    page.locator("#swagger-ui button.execute").first.click()
    page.locator("#swagger-ui .responses-wrapper .live-responses-table").first.wait_for(
        timeout=15_000
    )


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    if not AXE.exists():
        raise AssertionError(
            f"axe-core is missing: run 'npm ci' in {BROWSER_DIR} (the Makefile's test target does)"
        )
    # evaluated through the debugging protocol, so the page's strict CSP stays in force for
    # everything else (an injected <script> element would be refused)
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return list(
        page.evaluate(
            """async (tags) => {
              const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
              return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
              }));
            }""",
            WCAG_TAGS,
        )
    )


def describe(violations: list[dict[str, Any]], limit: int = 5) -> str:
    """A readable list: rule, what it asks, and the first elements that break it."""
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}, "
            f"{len(nodes)} element(s) — {violation['helpUrl']}"
        )
        for node in nodes[:limit]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)
