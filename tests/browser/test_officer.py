"""The officer's desk in a real browser (Chromium): sign in, upload with errors, fix, preview,
publish, export → edit → re-upload, undo, sign out; CSRF and cross-site posts refused.

The server runs the example town (``tests/stores.py``, example.org) with a write token in its
environment, on 127.0.0.1.
"""

from __future__ import annotations

import html
import http.server
import io
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from openpyxl import load_workbook

from tests.browser.site_pages import axe_violations, describe
from tests.stores import EXAMPLE_BASE, build_example_store, measure_rows, sheet_csv
from tests.support import LiveServer, free_port, live_server

SECRET = "officer-token-0123456789"
CSV = "text/csv"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    built = build_example_store(tmp_path_factory.mktemp("officer-browser") / "built")
    store = built.parent / "store"
    shutil.copytree(built, store)
    env = {
        "SOZIALGRAPH_BASE_IRI": EXAMPLE_BASE,
        "SOZIALGRAPH_MUNICIPALITY": "beispielstadt",
        "SOZIALGRAPH_WRITE_TOKENS": f"amt-soziales:{SECRET}",
    }
    with live_server(store, env=env) as live:
        yield live


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="de-DE", accept_downloads=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Any, server: LiveServer) -> None:
    page.goto(server.url + "/verwaltung")
    assert page.url == server.url + "/verwaltung/anmelden"  # no session: the sign-in form
    page.get_by_label("Schreib-Token").fill(SECRET)
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden").click()
    assert page.url == server.url + "/verwaltung"
    assert "amt-soziales" in page.locator(".officer-sign-out").inner_text()


def upload(page: Any, server: LiveServer, name: str, content: bytes, mime: str = CSV) -> int:
    """Upload from the desk; the preview's HTTP status."""
    if page.url != server.url + "/verwaltung":
        page.goto(server.url + "/verwaltung")
    page.get_by_label("Datei", exact=True).set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}]
    )
    page.get_by_label("Name des Graphen", exact=True).fill("massnahmen")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Vorschau zeigen", exact=True).click()
    return int(navigation.value.status)


def assert_accessible(page: Any, what: str) -> None:
    """axe-core: no WCAG 2.1 A/AA violation on the page as it is now."""
    violations = axe_violations(page)
    assert not violations, f"{what}: {len(violations)} rule(s) broken\n" + describe(violations)


def changes(page: Any, kind: str) -> list[str]:
    return [t.strip() for t in page.locator(f"ul.changes-{kind} > li > a").all_inner_texts()]


def test_the_officers_round_trip(page: Any, server: LiveServer) -> None:
    page.goto(server.url + "/verwaltung/anmelden")
    page.get_by_label("Schreib-Token").fill("a-wrong-token-0123456789")
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden").click()
    assert page.locator(".error-summary a[href='#token']").count() == 1
    assert page.get_by_label("Schreib-Token").get_attribute("aria-invalid") == "true"
    assert_accessible(page, "sign-in form with an error")
    sign_in(page, server)
    assert_accessible(page, "desk")

    # three cells with errors: each shown at its sheet, row and column, with the cell's value
    rows = measure_rows(3)
    rows[0][9] = "fertig"  # row 2, Status
    rows[1][1] = ""  # row 3, Titel
    rows[2][12] = "keine-url"  # row 4, Quelle
    assert upload(page, server, "fehler.csv", sheet_csv(rows)) == 422
    summary = page.locator(".error-summary")
    assert summary.get_by_role("heading").inner_text() == "Es gibt 3 Probleme"
    assert summary.locator("a").count() == 3
    cells = {
        (
            row.locator("td").nth(1).inner_text(),
            row.locator("td").nth(2).inner_text(),
        ): row.locator("td.cell-value").inner_text()
        for row in page.locator("table.problems tbody tr").all()
    }
    assert cells == {
        ("2", "Status"): "fertig",
        ("3", "Titel"): "(leer)",
        ("4", "Quelle"): "keine-url",
    }
    summary.locator("a").first.click()  # the summary links to the problem's row
    assert page.url.endswith("#problem-1")
    assert page.locator("#publish-form").count() == 0  # nothing to publish
    assert_accessible(page, "preview with problems")

    # fixed: exactly the three intended additions
    assert upload(page, server, "massnahmen.csv", sheet_csv(measure_rows(3))) == 200
    assert changes(page, "added") == [f"Erzeugte Maßnahme {n}" for n in (1, 2, 3)]
    assert page.locator("ul.changes-removed, ul.changes-changed").count() == 0
    assert_accessible(page, "preview with additions")
    with page.expect_navigation():
        page.get_by_role("button", name="Veröffentlichen").click()
    assert page.get_by_role("status").inner_text() == "Veröffentlicht."
    assert_accessible(page, "versions of a graph")
    with page.expect_navigation():
        page.get_by_role("link", name="Erzeugte Maßnahme 2").first.click()
    assert page.url == server.url + "/beispielstadt/massnahme/gen-002"
    assert "Erzeugte Maßnahme 2" in page.locator("h1").inner_text()

    # export, edit one status, upload again: the preview shows exactly that change
    page.goto(server.url + "/verwaltung")
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX massnahmen").click()
    assert download.value.suggested_filename == "sozialgraph-export-massnahmen.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = workbook["Maßnahmen"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=3, column=1).value == "GEN-002"
    assert sheet.cell(row=3, column=header.index("Status") + 1).value == "umgesetzt"
    sheet.cell(row=3, column=header.index("Status") + 1, value="geplant")
    edited = io.BytesIO()
    workbook.save(edited)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert upload(page, server, "export.xlsx", edited.getvalue(), xlsx) == 200
    assert changes(page, "added") == [] and changes(page, "removed") == []
    assert changes(page, "changed") == ["Erzeugte Maßnahme 2"]
    assert_accessible(page, "preview with a change")
    property_rows = page.locator("ul.changes-changed table.property-changes tbody tr")
    assert property_rows.count() == 1
    assert property_rows.first.locator("th, td").all_inner_texts() == [
        "Status",
        "umgesetzt",
        "geplant",
    ]
    with page.expect_navigation():
        page.get_by_role("button", name="Veröffentlichen").click()
    status = httpx.get(server.url + "/api/graphs/massnahmen/history").json()
    assert [v["kind"] for v in status["versions"]] == ["import", "import"]

    # undo: the earlier version's content written again, as a new version
    with page.expect_navigation():
        page.locator("table.versions tbody tr").nth(1).get_by_role("button").click()
    assert page.get_by_role("status").inner_text() == "Wiederhergestellt."
    versions = httpx.get(server.url + "/api/graphs/massnahmen/history").json()["versions"]
    assert [v["kind"] for v in versions] == ["restore", "import", "import"]
    diff = httpx.get(
        server.url + "/api/graphs/massnahmen/history",
        params={"from": versions[2]["activity"], "to": versions[0]["activity"]},
    ).json()["diff"]
    assert diff["added"] == [] and diff["removed"] == []

    # sign out: the upload form is gone
    with page.expect_navigation():
        page.get_by_role("button", name="Abmelden").click()
    assert page.url == server.url + "/verwaltung/anmelden"
    page.goto(server.url + "/verwaltung")
    assert page.url == server.url + "/verwaltung/anmelden"
    assert page.locator("#upload-form").count() == 0
    log = server.log.read_text(errors="replace")
    assert "POST /verwaltung/anmelden" in log  # the access log is on, and the token not in it
    assert SECRET not in log and "a-wrong-token" not in log


def test_a_form_post_without_the_csrf_token_is_refused(page: Any, server: LiveServer) -> None:
    sign_in(page, server)
    page.locator("#upload-form input[name=csrf]").evaluate("field => field.remove()")
    assert upload(page, server, "m.csv", sheet_csv(measure_rows(1))) == 403
    assert "Sicherheitsmerkmal" in page.locator("main").inner_text()


class _AttackerPage(http.server.BaseHTTPRequestHandler):
    """Another origin's page with a form that posts to the officer desk."""

    target = ""

    def do_GET(self) -> None:
        # even with the session's CSRF token (as if it had leaked): the origin is refused
        csrf = html.escape(parse_qs(urlsplit(self.path).query).get("csrf", [""])[0])
        body = (
            "<!doctype html><title>x</title>"
            f'<form method="post" action="{self.target}/verwaltung/vorschau" '
            'enctype="multipart/form-data"><input name="graph" value="massnahmen">'
            f'<input type="hidden" name="csrf" value="{csrf}">'
            '<input type="file" name="file"><button>go</button></form>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def attacker(server: LiveServer) -> Iterator[int]:
    handler = type("Attacker", (_AttackerPage,), {"target": server.url})
    port = free_port()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_cross_site_request_with_the_cookie_is_refused(
    page: Any, server: LiveServer, attacker: int, host: str, tmp_path: Path
) -> None:
    """127.0.0.1 on another port is the same site (the browser sends the SameSite cookie) but
    another origin; localhost is another site."""
    sign_in(page, server)
    before = httpx.get(server.url + "/api/graphs/massnahmen/history")
    file = tmp_path / "m.csv"
    file.write_bytes(sheet_csv(measure_rows(1)))
    csrf = page.locator("#upload-form input[name=csrf]").get_attribute("value")
    page.goto(f"http://{host}:{attacker}/?csrf={csrf}")
    page.locator("input[type=file]").set_input_files(str(file))
    with page.expect_response(server.url + "/verwaltung/vorschau") as answer:
        page.get_by_role("button", name="go").click()
    assert answer.value.status == 403
    after = httpx.get(server.url + "/api/graphs/massnahmen/history")
    assert after.text == before.text
